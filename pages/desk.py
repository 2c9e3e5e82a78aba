"""部门工作台 — a department's own cases and whistles: sign, check in, report progress and results, ask to postpone
or return; its own on-time figures. Center roles and leaders may look at any department's desk (read only)."""
import streamlit as st

from dashboard import auth, cached, cached_cases as cc, case_view as cv, desk_view as dv
from dashboard.widgets import L

user = auth.require("desk")
url = cached.db_url()
cv.show_outcome()

if user["role"] == "department":
    dept_id, can_act = user["dept_id"], True
else:
    depts = cc.options(url)["departments"]
    names = {d[0]: d[1] for d in depts}
    dept_id = st.selectbox(L["desk_dept"], list(names), key="desk_dept", format_func=lambda i: names[i],
                           index=None, placeholder=L["choose"])
    can_act = False
    if dept_id is None:
        st.info(L["desk_choose_dept"])
        st.stop()
    st.caption(L["desk_read_only"])

dept_name = next((d[1] for d in cc.options(url)["departments"] if d[0] == dept_id), "")
st.title(L["desk_title"].format(dept=dept_name), anchor=False)
dv.figures(url, dept_id)

REFRESH_S = 30          # check-in deadlines run in minutes: keep countdowns and new whistles current


@st.fragment(run_every=REFRESH_S)
def work() -> None:
    if not auth.still_signed_in("desk"):
        st.rerun(scope="app")
    tab_cases, tab_whistles = st.tabs([L["desk_tab_cases"], L["desk_tab_whistles"]])
    with tab_cases:
        cv.remember(dv.cases(url, user, dept_id, can_act))
    with tab_whistles:
        cv.remember(dv.whistles(url, user, dept_id, can_act))


work()
