"""The case detail page's sections: code lookup, facts, map, photos, timeline, whistles, alerts, nearby workers."""
from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import actions, auth, cached_cases as cc, widgets as w
from dashboard.widgets import L
from db import labels

CODE_RE = re.compile(r"[0-9]{8}-[0-9]{4,6}")
CENTER = ("operator", "dispatcher", "admin")
MAX_CODE_CHARS = 40


def parse_code(raw: str | None) -> tuple[str | None, str | None]:
    """(code, None) for a well-formed case code, (None, message) otherwise; None, None when nothing was given."""
    if raw is None or not str(raw).strip():
        return None, None
    code = str(raw).strip()
    if not CODE_RE.fullmatch(code):
        return None, L["bad_code"].format(code=code[:40])
    return code, None


def code_from_url() -> tuple[str | None, str | None]:
    """The code box follows ?code= (links from the queue, merged cases); typing a code updates the address."""
    raw = st.query_params.get("code", "")
    if st.session_state.get("case_code_seen") != raw:
        st.session_state["case_code_seen"] = raw
        st.session_state["case_code_input"] = raw[:MAX_CODE_CHARS]
    typed = st.text_input(L["find_code"], key="case_code_input", max_chars=MAX_CODE_CHARS, placeholder=L["code_hint"])
    code, problem = parse_code(typed)
    if code and code != raw:
        st.query_params["code"] = code
        st.session_state["case_code_seen"] = code
    return code, problem


def header(case: dict, now: datetime) -> None:
    st.title(f"{case['code']} {w.md(case['title'])}", anchor=False)
    parts = [f":blue-badge[{labels.CASE_STATE[case['state']]}]",
             f":{'red' if case['urgency'] <= 2 else 'gray'}-badge[{labels.URGENCY[case['urgency']]}]"]
    parts += w.badge_markdown(case)
    if case["state"] not in ("closed", "rejected", "cancelled"):
        left = w.countdown(case["step_deadline_at"], now)
        parts.append(L["pair"].format(label=f"**{L['col_time_left']}**", value=left))
    st.markdown(" ".join(parts))


def facts(case: dict, role: str) -> None:
    """Key facts as a two-column table; reporters' data masked unless the role needs it."""
    who = w.personal(case, role)
    pairs = [
        (L["col_category"], case["category_name"]), (L["col_source"], labels.CASE_SOURCE[case["source"]]),
        (L["work_kind"], labels.WORK_KIND[case["work_kind"]]), (L["level"], labels.CASE_LEVEL[case["level"]]),
        (L["col_address"], case["address"]),
        (L["place"], " / ".join(x for x in (case["street_name"], case["community_name"], case["grid_name"]) if x)),
        (L["col_dept"], case["dept_name"]), (L["col_reported"], w.local(case["reported_at"])),
        (L["col_deadline"], w.local(case["step_deadline_at"])),
        (L["handle_deadline"], w.local(case["handle_deadline_at"])),
        (L["col_reporter_name"], who["reporter_name"]), (L["col_reporter_phone"], who["reporter_phone"]),
        (L["col_reporter_id"], who["reporter_id_no"]), (L["supervise_note"], case["supervise_note"]),
        (L["counts"], L["counts_text"].format(p=case["postpone_count"], r=case["rework_count"],
                                              b=case["return_count"])),
    ]
    if case["closed_at"] is not None:
        pairs += [(L["closed_at"], w.local(case["closed_at"])),
                  (L["close_type"], labels.CLOSE_TYPE.get(case["close_type"], "")),
                  (L["satisfaction"], case["satisfaction"] or "")]
    df = pd.DataFrame([(k, "" if v is None else str(v)) for k, v in pairs], columns=[L["item"], L["value"]])
    st.dataframe(df, hide_index=True, width="stretch", height=36 + 35 * len(df))
    if case["description"]:
        st.text(case["description"])


def map_and_workers(url: str, case: dict, role: str, now: datetime) -> None:
    """Map snippet with the nearest on-duty grid workers, suggested for the on-site check."""
    if case["lon"] is None or case["lat"] is None:
        st.caption(L["no_position"])
        return
    workers = cc.nearest_workers(url, case["lon"], case["lat"], case["grid_id"], now)
    deck = w.case_map(case["lon"], case["lat"], workers, case["grid_boundary"])
    st.pydeck_chart(deck, height=300, key="case_map")
    st.markdown(f"**{L['nearest']}**")
    if not workers:
        st.caption(L["no_workers"])
        return
    show_phone = auth.can_see_staff_phones(role)
    st.dataframe(pd.DataFrame([{
        L["worker"]: w.name_code(x["name"], x["code"]), L["distance"]: L["metres"].format(m=x["distance_m"]),
        L["responsible"]: L["yes"] if x["responsible"] else "", L["last_seen"]: w.local(x["ts"], "%H:%M"),
        L["col_reporter_phone"]: (x["phone"] or "") if show_phone else w.mask_phone(x["phone"]),
    } for x in workers]), hide_index=True, width="stretch")


def photos(case: dict, alerts: list[dict]) -> None:
    urls = w.photo_urls(case["photos"])
    snaps = [a["snapshot_url"] for a in alerts if a["snapshot_url"] and a["snapshot_url"] not in urls]
    w.show_thumbnails(urls + snaps)


def timeline(steps: list[dict]) -> None:
    st.dataframe(w.timeline_frame(steps), hide_index=True, width="stretch", height=36 + 35 * min(len(steps), 20))
    for s in steps:
        for url in w.photo_urls(s.get("attachments")):
            st.caption(L["step_photo"].format(seq=s["seq"]))
            w.show_thumbnails([url])


def whistles(rows: list[dict]) -> None:
    if not rows:
        st.caption(L["no_whistles"])
        return
    st.dataframe(pd.DataFrame([{
        L["whistle_reason"]: labels.WHISTLE_REASON[r["reason"]],
        L["col_state"]: labels.WHISTLE_STATE[r["whistle_state"]],
        L["col_dept"]: r["dept_name"], L["whistle_role"]: labels.WHISTLE_ROLE[r["role"]],
        L["checkin_deadline"]: w.local(r["deadline_at"]),
        L["checked_in"]: (w.local(r["checked_in_at"]) + (L["late_mark"] if r["checkin_late"] else ""))
        if r["checked_in_at"] else L["not_yet"],
        L["result"]: r["result_note"] or (w.local(r["result_at"]) if r["result_at"] else ""),
        L["returned"]: r["return_reason"] or "",
    } for r in rows]), hide_index=True, width="stretch")


def alerts_and_merges(url: str, user: dict, case: dict, alerts: list[dict], merged: list[dict]) -> None:
    """Alerts folded into the case (with split-out for the center) and cases merged into it."""
    if alerts:
        st.dataframe(pd.DataFrame([{
            L["alert_id"]: a["id"], L["alert_type"]: a["alert_type"], L["score"]: a["score"],
            L["camera"]: a["camera_name"] or a["camera_ref"], L["event_at"]: w.local(a["event_at"], "%m-%d %H:%M:%S"),
        } for a in alerts]), hide_index=True, width="stretch")
    else:
        st.caption(L["no_alerts"])
    if len(alerts) > 1 and user["role"] in CENTER:
        c1, c2, c3 = st.columns([1, 3, 1])
        alert_id = c1.selectbox(L["split_which"], [a["id"] for a in alerts], key="split_alert")
        reason = c2.text_input(L["reason"], key="split_reason", max_chars=300).strip()
        if c3.button(L["split_go"], key="split_go"):
            outcome = actions.act(url, user, case["code"], "alert_split", alert_id=alert_id, reason=reason) \
                if reason else actions.Outcome(False, L["fill_in"].format(fields=L["field_reason"]))
            remember(outcome)
    for m in merged:
        st.page_link("pages/case.py", label=L["merged_case"].format(code=m["code"], title=w.md(m["title"])),
                     query_params={"code": m["code"]})


def requests(rows: list[dict]) -> None:
    if not rows:
        st.caption(L["no_requests"])
        return
    st.dataframe(pd.DataFrame([{
        L["request"]: labels.REQUEST_KIND[r["kind"]], L["col_state"]: labels.REQUEST_STATUS[r["status"]],
        L["reason"]: r["reason"], L["col_dept"]: r["dept_name"] or "", L["requested_at"]: w.local(r["requested_at"]),
        L["extra_minutes"]: r["extra_minutes"] or "", L["decision"]: r["decision_note"] or "",
    } for r in rows]), hide_index=True, width="stretch")


def remember(outcome: actions.Outcome | None) -> None:
    """Keep the verdict of an action across the rerun that shows its effect (one message, bounded)."""
    if outcome is not None:
        st.session_state["case_outcome"] = (outcome.ok, outcome.message)
        st.rerun()


def show_outcome() -> None:
    found = st.session_state.pop("case_outcome", None)
    if found:
        (st.success if found[0] else st.error)(found[1])
