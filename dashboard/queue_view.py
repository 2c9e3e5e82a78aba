"""The case queue's parts: filter widgets into a CaseFilter, the display table, batch actions and exports."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from dashboard import actions, exports
from dashboard.queries_cases import CaseFilter, queue
from dashboard.widgets import L, countdown, local, name_code, style_due
from db import enums, labels
from db.engine import get_engine

DUE_CHOICES = ("", "late_or_warning", "overdue", "warning")


def _names(pairs) -> dict:
    return {p[0]: p[1] for p in pairs}


def _multi(label: str, choices, names: dict, key: str) -> tuple:
    return tuple(st.multiselect(label, list(choices), key=key, format_func=lambda v: names.get(v, str(v)),
                                placeholder=L["all"]))


def filters(opts: dict, key: str = "q") -> CaseFilter:
    """Filter widgets (their values live in the widgets' own session state)."""
    with st.expander(L["filters"], expanded=True):
        c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
        text = c1.text_input(L["search"], key=f"{key}_text", max_chars=100, placeholder=L["search_hint"])
        states = c2.multiselect(L["col_state"], enums.CASE_STATES, key=f"{key}_states", placeholder=L["open_only"],
                                format_func=lambda s: labels.CASE_STATE[s])
        due = c3.selectbox(L["due"], DUE_CHOICES, key=f"{key}_due", format_func=lambda d: L["due_" + (d or "all")])
        urg = c4.multiselect(L["col_urgency"], enums.URGENCIES, key=f"{key}_urg", placeholder=L["all"],
                             format_func=lambda u: labels.URGENCY[u])
        c1, c2, c3 = st.columns(3)
        with c1:
            sources = _multi(L["col_source"], enums.CASE_SOURCES, labels.CASE_SOURCE, f"{key}_src")
        with c2:
            cats = _multi(L["col_category"], [c[0] for c in opts["categories"]], _names(opts["categories"]),
                          f"{key}_cat")
        with c3:
            depts = _multi(L["col_dept"], [d[0] for d in opts["departments"]], _names(opts["departments"]),
                           f"{key}_dept")
        c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 1, 1])
        with c1:
            streets = _multi(L["col_street"], [s[0] for s in opts["streets"]], _names(opts["streets"]), f"{key}_st")
        comm_pairs = [c for c in opts["communities"] if not streets or c[2] in streets]
        with c2:
            comms = _multi(L["col_community"], [c[0] for c in comm_pairs], _names(comm_pairs), f"{key}_cm")
        area_ok = set(comms) or {c[0] for c in comm_pairs}
        grid_pairs = [(g[0], name_code(g[2], g[1])) for g in opts["grids"] if g[3] in area_ok]
        with c3:
            grids = _multi(L["col_grid"], [g[0] for g in grid_pairs], _names(grid_pairs), f"{key}_grid")
        date_from = c4.date_input(L["date_from"], value=None, key=f"{key}_from")
        date_to = c5.date_input(L["date_to"], value=None, key=f"{key}_to")
    return CaseFilter(states=tuple(states), sources=sources, category_ids=cats, street_codes=streets,
                      community_codes=comms, grid_ids=grids, dept_ids=depts, urgencies=tuple(urg), due=due,
                      date_from=date_from, date_to=date_to, text=text)


def frame(rows: list[dict], now: datetime | None = None) -> pd.DataFrame:
    """The queue as shown: countdown, badges, names, a link to the detail page."""
    now = now or datetime.now(timezone.utc)
    out = []
    for r in rows:
        due = r["due"]
        # The rows are cached for a few seconds; a warning row whose deadline passed since must not read
        # "超时" in the countdown beside a "预警" badge.
        if due == "warning" and r["step_deadline_at"] and r["step_deadline_at"] <= now:
            due = "overdue"
        badges = [b for b in (L["badge_" + due] if due else "",
                              L["badge_supervised"] if r["supervised"] else "") if b]
        out.append({
            "_due": due, L["col_open"]: f"case?code={r['code']}", L["col_code"]: r["code"],
            L["col_time_left"]: countdown(r["step_deadline_at"], now), L["col_badge"]: " ".join(badges),
            L["col_state"]: labels.CASE_STATE[r["state"]], L["col_urgency"]: labels.URGENCY[r["urgency"]],
            L["col_title"]: r["title"], L["col_category"]: r["category_name"] or "",
            L["col_source"]: labels.CASE_SOURCE[r["source"]], L["col_street"]: r["street_name"] or "",
            L["col_community"]: r["community_name"] or "", L["col_grid"]: r["grid_name"] or "",
            L["col_dept"]: r["dept_name"] or "", L["col_reported"]: local(r["reported_at"]),
        })
    return pd.DataFrame(out, columns=["_due", *COLUMNS])


COLUMNS = [L[k] for k in ("col_open", "col_code", "col_time_left", "col_badge", "col_state", "col_urgency",
                          "col_title", "col_category", "col_source", "col_street", "col_community", "col_grid",
                          "col_dept", "col_reported")]


def frozen_rows(fresh: list[dict], f: CaseFilter, table_key: str) -> tuple[list[dict], bool]:
    """While rows are selected the list holds still: selections are row positions, and a refresh that inserts a
    case would otherwise shift them onto other cases. Bounded: one list of at most MAX_ROWS rows per session."""
    snap_key = f"{table_key}_snapshot"
    selection = st.session_state.get(table_key)
    selected = bool(selection and selection.get("selection", {}).get("rows"))
    snap = st.session_state.get(snap_key)
    if selected and snap and snap[0] == f:
        return snap[1], True
    st.session_state[snap_key] = (f, fresh)
    return fresh, False


def table(df: pd.DataFrame, key: str, selection_mode: str = "multi-row") -> list[int]:
    """The styled table with row selection; returns the selected row positions."""
    event = st.dataframe(style_due(df), key=key, on_select="rerun", selection_mode=selection_mode,
                         hide_index=True, width="stretch", height=min(560, 38 + 35 * len(df)), column_order=COLUMNS,
                         column_config={L["col_open"]: st.column_config.LinkColumn(
                             display_text=L["open_link"], width="small")})
    return list(event.selection.rows)


def batch_panel(url: str, user: dict, selected: list[dict]) -> None:
    """Batch accept / merge (into the first selected) / cancel with a reason; one verdict per case."""
    st.markdown(L["batch_title"].format(n=len(selected)))
    c1, c2, c3 = st.columns([1, 3, 1])
    op = c1.selectbox(L["batch_op"], actions.BATCH_OPS, key="batch_op", format_func=lambda o: L["batch_" + o])
    reason = c2.text_input(L["reason"], key="batch_reason", max_chars=500).strip()
    if op == "merge":
        st.caption(L["merge_hint"].format(code=selected[0]["code"]))
    if not c3.button(L["batch_go"], type="primary", key="batch_go"):
        return
    if op == "merge" and len(selected) < 2:
        st.error(L["merge_need_two"])
        return
    if op != "accept" and not reason:
        st.error(L["batch_need_reason"])
        return
    results = actions.batch(url, user, selected, op, reason)
    st.session_state["batch_results"] = [(code, o.ok, o.message) for code, o in results]
    st.session_state.pop("queue_table", None)      # the selection is spent; the list may refresh again
    st.rerun()


def show_batch_results() -> None:
    for code, ok, message in st.session_state.pop("batch_results", []):
        (st.success if ok else st.error)(L["pair"].format(label=code, value=message))


def export_bytes(url: str, user: dict, f: CaseFilter, kind: str) -> bytes:
    """Every case the filter matches (up to EXPORT_MAX) as CSV or .xlsx, audited; personal data by role."""
    rows, _ = queue(get_engine(url), f, limit=exports.EXPORT_MAX)
    df = exports.case_export_frame(rows, user["role"])
    actions.audit_export(url, user, f"cases.{kind}", len(df))
    return exports.to_csv(df) if kind == "csv" else exports.to_xlsx(df, L["sheet_cases"])


def export_buttons(url: str, user: dict, f: CaseFilter) -> None:
    """Download buttons whose files are built when clicked (outside the script run), not on every rerun."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M")
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(L["export_csv"], lambda: export_bytes(url, user, f, "csv"), file_name=f"cases-{stamp}.csv",
                       mime=exports.CSV_MIME, key="export_csv", on_click="ignore")
    c2.download_button(L["export_xlsx"], lambda: export_bytes(url, user, f, "xlsx"),
                       file_name=f"cases-{stamp}.xlsx", mime=exports.XLSX_MIME, key="export_xlsx", on_click="ignore")
