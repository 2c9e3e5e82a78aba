"""The audit log viewer's parts (filters, masked table, paging) and the audited-download wrapper for page exports."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import actions, clock, queries_audit as qa
from dashboard.widgets import local, mask_id_no, mask_name, mask_phone
from db import labels
from db.engine import get_engine

AU, KIND = labels.AUDIT, labels.AUDIT_KIND
DEFAULT_DAYS = 7
# Mainland mobile numbers and resident ID numbers inside free text (reasons, notes, file names): the viewers
# (admins, leaders) do not need reporters' personal data, so it is masked as on the case pages.
_ID_NO = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_NAME_KEYS = ("reporter_name",)


def mask_text(text: str) -> str:
    text = _ID_NO.sub(lambda m: mask_id_no(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)


def detail_text(detail) -> str:
    """The JSON detail as one line of text with personal data masked."""
    if detail is None:
        return ""
    if isinstance(detail, dict):
        detail = {k: mask_name(v) if k in _NAME_KEYS and isinstance(v, str) else v for k, v in detail.items()}
    return mask_text(json.dumps(detail, ensure_ascii=False, default=str))


def action_label(action: str) -> str:
    """登录, 案件操作·派遣, …; an action without a label is shown as stored."""
    if action in KIND:
        return KIND[action]
    family, _, rest = action.partition(".")
    if family + "." in KIND and rest:
        return f"{KIND[family + '.']}·{labels.WF_ACTION.get(rest, rest)}"
    return action


def filters(today: date) -> qa.AuditFilter:
    c1, c2, c3, c4 = st.columns([2, 2, 3, 3])
    period = c1.date_input(AU["period"], value=(today - timedelta(days=DEFAULT_DAYS - 1), today), max_value=today,
                           key="audit_period")
    first, last = (period[0], period[-1]) if isinstance(period, (tuple, list)) and period else (today, today)
    actor = c2.text_input(AU["actor"], key="audit_actor", max_chars=64)
    kinds = c3.multiselect(AU["kinds"], list(KIND), format_func=KIND.get, key="audit_kinds",
                           placeholder=labels.ACTION_PAGES["all"])
    text = c4.text_input(AU["text"], key="audit_text", max_chars=100)
    start, end = clock.day_bounds(first, last)
    return qa.AuditFilter(start, end, actor, tuple(kinds), text)


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{
        AU["col_at"]: local(r["at"], "%Y-%m-%d %H:%M:%S"), AU["col_user"]: r["username"] or "",
        AU["col_action"]: action_label(r["action"]), AU["col_kind"]: r["target_kind"] or "",
        AU["col_target"]: mask_text(r["target_id"] or ""), AU["col_detail"]: detail_text(r["detail"]),
        AU["col_client"]: r["client"] or "",
    } for r in rows], columns=[AU[k] for k in ("col_at", "col_user", "col_action", "col_kind", "col_target",
                                                "col_detail", "col_client")])


def table(url: str, f: qa.AuditFilter) -> None:
    """Page size and page number, then the page of rows newest first."""
    c1, c2, _ = st.columns([1, 1, 4])
    size = c1.selectbox(AU["page_size"], qa.PAGE_SIZES, key="audit_page_size")
    page = int(c2.number_input(AU["page"], min_value=1, value=1, step=1, key="audit_page"))
    rows, total = qa.search(get_engine(url), f, size, (page - 1) * size)
    if not rows and page > 1:           # the filters changed under a far page: show the first one instead
        page = 1
        rows, total = qa.search(get_engine(url), f, size)
    if not rows:
        st.info(AU["none"])
        return
    st.caption(AU["shown"].format(page=page, total=total))
    st.dataframe(frame(rows), hide_index=True, width="stretch")


def audited_download(url: str, user: dict, what: str, rows: int, make: Callable[[], bytes]) -> Callable[[], bytes]:
    """Data for st.download_button: the export is written to the audit log when the file is generated."""
    def generate() -> bytes:
        data = make()
        actions.audit_export(url, user, what, rows)
        return data
    return generate
