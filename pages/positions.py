"""人员定位 — live map of grid workers (online, last seen, battery), a worker's trail for a day, today's patrol coverage."""
import streamlit as st

from dashboard import auth, cached, clock, maps, positions_view as pv, static_geo
from db import labels

P = labels.POSITIONS
REFRESH_S = 15
user = auth.require("positions")
show_phones = auth.can_see_staff_phones(user["role"])
url = cached.db_url()
st.title(P["title"])


@st.fragment(run_every=REFRESH_S)
def live() -> None:
    if not auth.still_signed_in("positions"):
        st.rerun(scope="app")
    with cached.database_errors():
        show()


def show() -> None:
    now, today = clock.now(), clock.today()
    day = st.session_state.get("positions_day") or today      # the date picker below drives the whole page
    cov = pv.coverage(url, day, now)
    frame = pv.worker_frame(url, cov, show_phones)
    grids_total = len(cached.grid_list(url))
    own = frame[frame[P["col_own_grids"]] != ""]
    tiles = [(P["kpi_workers"], len(frame)), (P["kpi_online"], int((frame[P["col_status"]] == P["online"]).sum())),
             (P["kpi_patrolled"], f"{len(cov['patrolled'])}/{grids_total}"),
             (P["kpi_unpatrolled"], grids_total - len(cov["patrolled"])),
             (P["kpi_share_ok"], f"{int((own[P['col_rule']] == P['rule_ok']).sum())}/{len(own)}")]
    for col, (label, value) in zip(st.columns(len(tiles)), tiles):
        col.metric(label, value)

    map_col, side = st.columns([3, 1])
    with side:
        st.subheader(P["trail"])
        people = cached.workers(url)
        staff_id = st.selectbox(P["trail_worker"], [None] + [w["id"] for w in people], key="trail_worker",
                                format_func=lambda i: "—" if i is None else next(
                                    f'{w["name"]}（{w["code"]}）' for w in people if w["id"] == i))
        st.date_input(P["trail_day"], value=today, max_value=today, key="positions_day")
        trail_rows = []
        if staff_id is not None:
            start, end = clock.day_bounds(day)
            trail_rows = cached.trail(url, staff_id, start, end)
            st.caption(pv.trail_caption(trail_rows) if trail_rows else P["trail_none"])
        st.caption(P["shift_share"].format(minutes=round(cov["shift"])) if cov["working_day"] else P["rest_day"])
    with map_col:
        assets = cached.grid_assets(url, static_geo.static_serving())
        # The view follows the chosen trail once, then stays put while the fragment refreshes the data.
        view_key = (staff_id, day.isoformat())
        if st.session_state.get("positions_view_key") != view_key:
            st.session_state["positions_view_key"] = view_key
            st.session_state["positions_view_bbox"] = pv.trail_bbox(trail_rows) or assets.bbox
        view = maps.view_state(st.session_state["positions_view_bbox"], 1100, 600)
        st.pydeck_chart(pv.positions_deck(url, assets, cov["patrolled"], show_phones, trail_rows, view),
                        height=600, key="positions_map")

    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        P["col_batt"]: st.column_config.ProgressColumn(min_value=0, max_value=100, format="%d%%"),
        P["col_share"]: st.column_config.NumberColumn(format="%.1f%%")})
    unpatrolled = pv.unpatrolled_frame(url, cov["patrolled"])
    st.subheader(P["unpatrolled"].format(n=len(unpatrolled)))
    if unpatrolled.empty:
        st.success(P["all_patrolled"])
    else:
        st.dataframe(unpatrolled, hide_index=True, width="stretch", height=300)


live()
