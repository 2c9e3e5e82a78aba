"""案件详情 — one case by code (?code=20261122-0001): facts, map, photos, timeline, whistles, alerts, actions."""
import streamlit as st

from dashboard import auth, cached, cached_cases as cc, case_forms, case_view as cv
from dashboard.widgets import L

user = auth.require("case")
url = cached.db_url()
cv.show_outcome()

code, problem = cv.code_from_url()
if problem:
    st.error(problem)
    st.stop()
if code is None:
    st.info(L["enter_code"])
    st.stop()

now = cc.now_minute()
case = cc.case(url, code, now)
if case is None:
    st.error(L["case_unknown"].format(code=code))
    st.stop()
if user["role"] == "department" and not cc.visible_to_dept(url, case["id"], user["dept_id"]):
    st.error(L["no_permission"])
    st.stop()

parts = cc.case_parts(url, case["id"], now)
cv.header(case, now)
left, right = st.columns([3, 2])
with left:
    cv.facts(case, user["role"])
with right:
    cv.map_and_workers(url, case, user["role"], now)

st.subheader(L["actions"], anchor=False)
ctx = case_forms.Context(case, user, cc.options(url), parts["requests"], parts["whistles"])
cv.remember(case_forms.action_panel(url, ctx))

tabs = st.tabs([L["tab_timeline"], L["tab_photos"], L["tab_whistles"], L["tab_alerts"], L["tab_requests"]])
with tabs[0]:
    cv.timeline(parts["timeline"])
with tabs[1]:
    cv.photos(case, parts["alerts"])
with tabs[2]:
    cv.whistles(parts["whistles"])
with tabs[3]:
    cv.alerts_and_merges(url, user, case, parts["alerts"], parts["merged"])
with tabs[4]:
    cv.requests(parts["requests"])
