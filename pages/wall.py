"""指挥大屏 — the command wall: district map, KPI tiles, whistle check-ins, live feed; ?kiosk=1 rotates map / rankings / trends."""
import time

import streamlit as st

from dashboard import auth, cached, charts, clock, kiosk, static_geo, wall_panels
from db import labels

W, K = labels.WALL, labels.KIOSK
auth.require("wall")
opts = kiosk.wall_options(st.query_params)
for message in opts.errors:
    st.warning(message)
url = cached.db_url()
top, controls = st.container(), st.container()

chosen, color_by = None, opts.color
if not opts.kiosk:
    left, right, _ = controls.columns([2, 2, 3])
    chosen = left.segmented_control(" ", kiosk.VIEWS, format_func=K["views"].get, default=opts.view or "map",
                                    key="wall_view", label_visibility="collapsed")
    color_by = right.segmented_control(W["color_by"], kiosk.COLORS, default=opts.color, key="wall_color",
                                       format_func={"load": W["color_load"], "overdue": W["color_overdue"]}.get,
                                       label_visibility="collapsed") or opts.color


def top_rows() -> None:
    today = clock.today()
    day_start, day_end = clock.day_bounds(today)
    wall_panels.header(cached.district(url)["name"], cached.data_age(url))
    wall_panels.kpi_tiles(cached.wall_kpis(url, day_start, day_end), cached.ontime_rate(url, today, today),
                          cached.ontime_rate(url, clock.month_start(today), today))


def body() -> None:
    view = kiosk.view_at(opts, time.time(), chosen)
    today = clock.today()
    if view == "rankings":
        st.html(f'<div class="panel-title">{W["rankings"]}</div>')
        charts.rankings_block(url, clock.month_start(today), today, ("dept", "street"), height=720)
        return
    if view == "trends":
        st.html(f'<div class="panel-title">{W["trends"]}</div>')
        charts.trend_block(cached.trend(url, today, 30), height=360, stacked_rows=True)
        return
    map_col, side = st.columns([3, 1])
    with map_col:
        assets = cached.grid_assets(url, static_geo.static_serving())
        st.pydeck_chart(wall_panels.wall_deck(url, assets, color_by), height=780 if opts.kiosk else 640,
                        key="wall_map")
        st.html(f'<div class="legend">{W["legend_urgency"]}</div>')
    with side:
        wall_panels.whistle_panel(cached.whistles(url))
        wall_panels.feed_panel(cached.feed(url, wall_panels.FEED_ROWS))


def live(part):
    """Redraw `part` every refresh interval: only its data changes, the map keeps the viewer's pan and zoom."""
    @st.fragment(run_every=opts.refresh_s)
    def run() -> None:
        if not auth.still_signed_in("wall"):
            st.rerun(scope="app")
        with cached.database_errors():
            part()
    return run


with top:
    live(top_rows)()
live(body)()
