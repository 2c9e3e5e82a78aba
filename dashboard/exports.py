"""CSV and Excel exports of case lists; reporters' personal data only for roles allowed to see it."""
from __future__ import annotations

import io

import pandas as pd

from db import labels
from dashboard.widgets import can_see_personal, countdown, due_badge, local

L = labels.ACTION_PAGES
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_MAX = 20000           # rows; a bigger extract belongs to a report, not a click
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def _cell(value):
    """Text starting like a formula is prefixed with ' so Excel shows it instead of running it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def case_export_frame(rows: list[dict], role: str | None) -> pd.DataFrame:
    """One row per case with Chinese headers and local times; personal columns only when the role may see them."""
    out = []
    for r in rows:
        item = {
            L["col_code"]: r["code"], L["col_state"]: labels.CASE_STATE.get(r["state"], r["state"]),
            L["col_urgency"]: labels.URGENCY.get(r["urgency"], r["urgency"]),
            L["col_source"]: labels.CASE_SOURCE.get(r["source"], r["source"]),
            L["col_category"]: r.get("category_name") or "", L["col_title"]: r["title"],
            L["col_description"]: r.get("description") or "", L["col_address"]: r.get("address") or "",
            L["col_street"]: r.get("street_name") or "", L["col_community"]: r.get("community_name") or "",
            L["col_grid"]: r.get("grid_name") or "", L["col_dept"]: r.get("dept_name") or "",
            L["col_reported"]: local(r["reported_at"]), L["col_deadline"]: local(r.get("step_deadline_at")),
            L["col_time_left"]: countdown(r.get("step_deadline_at")), L["col_badge"]: due_badge(r.get("due")),
        }
        if can_see_personal(role):
            item[L["col_reporter_name"]] = r.get("reporter_name") or ""
            item[L["col_reporter_phone"]] = r.get("reporter_phone") or ""
            item[L["col_reporter_id"]] = r.get("reporter_id_no") or ""
        out.append({k: _cell(v) for k, v in item.items()})
    return pd.DataFrame(out)


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark: Excel on Chinese Windows otherwise shows the headers as mojibake."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()
