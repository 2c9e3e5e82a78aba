"""每日态势 — leaders' daily status: intake, backlog, rates, 30-day trends, heat map, rankings, report export."""
import pandas as pd
import streamlit as st

from dashboard import audit_view, auth, cached, charts, clock, daily_report, maps, static_geo
from db import labels

D = labels.DAILY
user = auth.require("daily")
url = cached.db_url()
today = clock.today()
st.title(D["title"])

head, xlsx_col, html_col = st.columns([2, 1, 1], vertical_alignment="bottom")
period = head.date_input(D["period"], value=(today, today), max_value=today, key="daily_period")
first, last = (period[0], period[-1]) if isinstance(period, (tuple, list)) and period else (today, today)
district = cached.district(url)["name"]
status = cached.daily_status(url, first, last, daily_report.RANK_BYS)
summary, ranked = status["summary"], status["rankings"]
trend = cached.trend(url, today, 30)
export = (district, first, last, summary, ranked, trend)
stamp = f"{first:%Y%m%d}-{last:%Y%m%d}"
ranked_rows = sum(len(rows) for rows in ranked.values())


def audited(kind: str, make):
    """The report leaves the system when downloaded: the export is audited like the queue's."""
    return audit_view.audited_download(url, user, f"daily.{kind}", ranked_rows, lambda: make(*export, clock.now()))


xlsx_col.download_button(D["export_xlsx"], audited("xlsx", daily_report.to_xlsx),
                         file_name=f"daily-{stamp}.xlsx", icon=":material/table_view:", width="stretch",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
html_col.download_button(D["export_html"], audited("html", daily_report.to_html),
                         file_name=f"daily-{stamp}.html", mime="text/html", icon=":material/print:",
                         width="stretch")
st.caption(D["period_label"].format(start=first.isoformat(), end=last.isoformat()))

pct = clock.percent
a, b = summary["assessment"], summary["backlog"]
rate_tiles = [(D["intake"], summary["intake"]["total"]), (D["close_rate"], pct(a["close_rate"])),
              (D["ontime_rate"], pct(a["ontime_close_rate"])), (D["rework_rate"], pct(a["rework_rate"])),
              (D["checkin_rate"], pct(a["checkin_ontime_rate"])), (D["satisfaction"], pct(a["satisfied_rate"]))]
for col, (label, value) in zip(st.columns(len(rate_tiles)), rate_tiles):
    col.metric(label, value)
active = sum(n for s, n in b["by_state"].items() if s != "parked")
now_tiles = [(D["open_now"], active, None), (D["overdue"], b["overdue"], "kpi_alert" if b["overdue"] else None),
             (D["warning"], b["warning"], "kpi_warn" if b["warning"] else None),
             (labels.CASE_STATE["parked"], b["by_state"].get("parked", 0), None)]
for col, (label, value, style) in zip(st.columns(len(rate_tiles)), now_tiles):
    with col, st.container(key=style or f"daily_{label}"):
        st.metric(label, value)


def bars(values: dict, color: str) -> None:
    """Horizontal bars in the given order (biggest first for intake, workflow order for stages)."""
    st.bar_chart(pd.Series(values, name=D["col_count"]), horizontal=True, height=260, color=color, sort=False)


src, cat, stage = st.columns(3)
with src:
    st.subheader(D["intake_source"])
    by_source = sorted(summary["intake"]["by_source"].items(), key=lambda kv: -kv[1])
    bars({labels.CASE_SOURCE.get(k, k): v for k, v in by_source}, "#3aa0ff")
with cat:
    st.subheader(D["intake_category"])
    bars({r["name"] or D["uncategorized"]: r["n"] for r in summary["intake"]["by_category"][:12]}, "#4be3a4")
with stage:
    st.subheader(D["backlog"])
    bars({labels.CASE_STATE[s]: b["by_state"][s] for s in labels.CASE_STATE if s in b["by_state"]}, "#ffb020")

st.subheader(D["trends"])
charts.trend_block(trend, height=280)

heat_col, rank_col = st.columns([1, 1])
with heat_col:
    st.subheader(D["heat"])
    assets = cached.grid_assets(url, static_geo.static_serving())
    counts = cached.cases_by_grid(url, first, last)
    layers = [maps.grid_layer(assets, maps.heat_colors(counts), layer_id="heat"), maps.grid_label_layer(assets)]
    st.pydeck_chart(maps.deck(layers, maps.view_state(assets.bbox, 800, 520)), height=520, key="daily_heat")
with rank_col:
    st.subheader(D["rankings"])
    tabs = st.tabs([D["by"][by] for by in daily_report.RANK_BYS])
    for tab, by in zip(tabs, daily_report.RANK_BYS):
        with tab:
            charts.ranking_table(ranked[by], height=460)
