"""案件队列 — open cases with filters, least time left first; batch accept/merge/cancel; CSV/Excel export."""
import streamlit as st

from dashboard import auth, cached, cached_cases as cc, queue_view as qv
from dashboard.widgets import L

REFRESH_S = 30          # new cases and countdowns without a click; a selection holds the list still
user = auth.require("queue")
url = cached.db_url()
st.title(L["queue_title"])
qv.show_batch_results()
f = qv.filters(cc.options(url))


@st.fragment(run_every=REFRESH_S)
def body() -> None:
    if not auth.still_signed_in("queue"):
        st.rerun(scope="app")
    fresh, counts = cc.queue(url, f, None, cc.now_minute())
    rows, frozen = qv.frozen_rows(fresh, f, "queue_table")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(L["m_total"], counts["total"])
    c2.metric(L["m_overdue"], counts["overdue"])
    c3.metric(L["m_warning"], counts["warning"])
    c4.metric(L["m_shown"], len(rows))
    if counts["total"] > len(rows):
        st.caption(L["truncated"].format(n=len(rows)))
    if frozen:
        st.caption(L["frozen"])
    if not rows:
        st.info(L["queue_empty"])
        return
    positions = qv.table(qv.frame(rows), "queue_table")
    selected = [rows[i] for i in positions if i < len(rows)]
    if len(selected) == 1:
        st.page_link("pages/case.py", label=L["open_case"].format(code=selected[0]["code"]),
                     query_params={"code": selected[0]["code"]}, icon=":material/open_in_new:")
    if selected and user["role"] in ("operator", "dispatcher", "admin"):
        qv.batch_panel(url, user, selected)
    qv.export_buttons(url, user, f)


body()
