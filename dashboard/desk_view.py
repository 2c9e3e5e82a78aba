"""The department desk's parts: own figures, own cases with their actions, own whistles with check-in and reports."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, cached_cases as cc, case_forms, queue_view as qv, widgets as w
from dashboard.queries_cases import CaseFilter, rate
from dashboard.widgets import L
from db import labels

FIGURE_DAYS = 30


def figures(url: str, dept_id: int) -> None:
    f = cc.dept_figures(url, dept_id, cc.days_ago(FIGURE_DAYS), cc.now_minute())
    def pct(part: int, whole: int) -> str:
        value = rate(part, whole)
        return L["na"] if value is None else L["pct"].format(v=value)
    tiles = [(L["m_open"], f["open_now"]), (L["m_overdue"], f["overdue_now"]),
             (L["m_dispatched"], f["dispatched"]), (L["m_closed"], f["closed"]),
             (L["m_ontime_close"], pct(f["closed_on_time"], f["closed"])),
             (L["m_ontime_steps"], pct(f["steps_on_time"], f["steps_due"])),
             (L["m_ontime_checkin"], pct(f["checked_in_on_time"], f["checked_in"]))]
    for row in (tiles[:4], tiles[4:]):
        for col, (label, value) in zip(st.columns(4), row):
            col.metric(label, value)
    st.caption(L["figures_note"].format(days=FIGURE_DAYS))


def cases(url: str, user: dict, dept_id: int, can_act: bool) -> actions.Outcome | None:
    rows, _ = cc.queue(url, CaseFilter(), dept_id, cc.now_minute())
    rows, _ = qv.frozen_rows(rows, CaseFilter(), "desk_cases")
    if not rows:
        st.info(L["desk_no_cases"])
        return None
    picked = qv.table(qv.frame(rows), "desk_cases", selection_mode="single-row")
    if not picked or picked[0] >= len(rows):
        st.caption(L["desk_pick_case"])
        return None
    case = cc.case(url, rows[picked[0]]["code"], cc.now_minute())
    if case is None:
        return None
    st.page_link("pages/case.py", label=L["open_case"].format(code=case["code"]), query_params={"code": case["code"]})
    if not can_act:
        return None
    parts = cc.case_parts(url, case["id"], cc.now_minute())
    ctx = case_forms.Context(case, user, cc.options(url), parts["requests"], parts["whistles"])
    return case_forms.action_panel(url, ctx, key="desk")


def _whistle_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{
        L["col_code"]: r["code"], L["col_title"]: r["title"], L["whistle_reason"]: labels.WHISTLE_REASON[r["reason"]],
        L["whistle_role"]: labels.WHISTLE_ROLE[r["role"]], L["checkin_deadline"]: w.local(r["deadline_at"]),
        L["col_time_left"]: "" if r["checked_in_at"] else w.countdown(r["deadline_at"]),
        L["checked_in"]: (w.local(r["checked_in_at"]) + (L["late_mark"] if r["checkin_late"] else ""))
        if r["checked_in_at"] else L["not_yet"],
        L["result"]: L["done"] if r["result_at"] else "", L["returned"]: r["return_reason"] or "",
    } for r in rows])


def whistle_steps(row: dict) -> list[str]:
    """What a department can still do on its whistle row."""
    if row["returned_at"] or row["result_at"]:
        return []
    if row["checked_in_at"] is None:
        return ["whistle_checkin", "whistle_return"]
    return ["whistle_progress", "whistle_result", "whistle_return"]


def whistles(url: str, user: dict, dept_id: int, can_act: bool) -> actions.Outcome | None:
    rows = cc.dept_whistles(url, dept_id)
    if not rows:
        st.info(L["desk_no_whistles"])
        return None
    event = st.dataframe(_whistle_frame(rows), key="desk_whistles", on_select="rerun", selection_mode="single-row",
                         hide_index=True, width="stretch")
    picked = event.selection.rows
    if not can_act or not picked or picked[0] >= len(rows):
        return None
    row = rows[picked[0]]
    choices = whistle_steps(row)
    if not choices:
        st.caption(L["whistle_finished"])
        return None
    action = st.radio(L["choose_action"], choices, horizontal=True, key="desk_whistle_action",
                      format_func=lambda a: labels.WF_ACTION[a])
    key = f"wh_{row['whistle_id']}_{action}"
    if action == "whistle_return":
        params = {"reason": st.text_area(L["reason"] + " *", key=f"{key}_reason", max_chars=1000).strip() or None}
    else:
        required = action == "whistle_progress"
        params = {"note": st.text_area(L["note"] + (" *" if required else ""), key=f"{key}_note",
                                       max_chars=1000).strip() or None}
    photo = None if action in ("whistle_result", "whistle_return") else st.file_uploader(
        L["photo"], type=case_forms.PHOTO_TYPES, key=f"{key}_photo",
        max_upload_size=actions.MAX_UPLOAD_BYTES // (1024 * 1024))
    if not st.button(labels.WF_ACTION[action], type="primary", key=f"{key}_go"):
        return None
    needed = "reason" if action == "whistle_return" else ("note" if action == "whistle_progress" else None)
    if needed and not params[needed]:
        return actions.Outcome(False, L["fill_in"].format(fields=L["field_" + needed]))
    if photo is not None:
        paths, errors = actions.save_photos([photo])
        if errors:
            return actions.Outcome(False, L["msg_sep"].join(errors))
        params["photo"] = paths[0]
    return actions.whistle_act(url, user, action, row["whistle_id"], dept_id, **params)
