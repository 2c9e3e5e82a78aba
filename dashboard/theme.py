"""CSS for the dark wall look (KPI tiles, whistle panel, scrolling feed, badges) and the chrome-less kiosk mode."""
from __future__ import annotations

import streamlit as st

BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 1.2rem; padding-bottom: 0.5rem; max-width: 100%; }
[data-testid="stMetric"] { background: #0f1b2d; border: 1px solid #1f3556; border-radius: 10px;
  padding: 8px 16px 10px 16px; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem; color: #9fb3cc; letter-spacing: .05em; }
[data-testid="stMetricValue"] { font-size: 2.7rem; font-weight: 700; color: #e8f1ff; line-height: 1.15; }
.st-key-kpi_alert [data-testid="stMetricValue"] { color: #ff5a4f; }
.st-key-kpi_warn [data-testid="stMetricValue"] { color: #ffb020; }
.st-key-kpi_good [data-testid="stMetricValue"] { color: #4be3a4; }
.wall-head { display: flex; justify-content: space-between; align-items: center; margin: 0 0 .4rem 0; }
.wall-title { font-size: 2.1rem; font-weight: 700; letter-spacing: .12em; color: #e8f1ff; }
.wall-clock { font-size: 1.6rem; color: #cfe0f5; font-variant-numeric: tabular-nums; margin-right: 1rem; }
.badge { display: inline-block; padding: 3px 12px; border-radius: 14px; font-size: 1rem; font-weight: 600; }
.badge-fresh { background: #0e3b2e; color: #4be3a4; border: 1px solid #1f6f52; }
.badge-stale { background: #4a1d1d; color: #ff8a80; border: 1px solid #8a2c2c; }
.chips { color: #9fb3cc; font-size: 1.05rem; margin: .2rem 0 .5rem .2rem; }
.chips b { color: #e8f1ff; margin: 0 .9rem 0 .25rem; }
.panel-title { font-size: 1.3rem; font-weight: 700; color: #e8f1ff; margin: .2rem 0 .4rem 0;
  border-left: 4px solid #3fa7ff; padding-left: .5rem; }
.whistle { border-left: 5px solid #ffd60a; background: #121f33; margin-bottom: 8px; padding: 7px 10px;
  border-radius: 6px; }
.whistle .case { font-size: 1.08rem; color: #ffffff; font-weight: 600; }
.whistle .meta { font-size: .9rem; color: #8ea4bf; }
.whistle .dept { display: flex; justify-content: space-between; gap: .5rem; font-size: 1.02rem; color: #d7e3f3; }
.whistle .dept .who { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.whistle .dept > span:last-child { white-space: nowrap; }
.ok { color: #4be3a4; } .late { color: #ff5a4f; font-weight: 700; } .wait { color: #ffd60a; }
.scroll { overflow: hidden; position: relative; background: #0c1626; border-radius: 6px; }
.scroll-inner { animation: feed-scroll var(--feed-s, 60s) linear infinite; animation-delay: var(--feed-d, 0s); }
.scroll:hover .scroll-inner { animation-play-state: paused; }
@keyframes feed-scroll { from { transform: translateY(0); } to { transform: translateY(-50%); } }
.feed-item { padding: 6px 10px; border-bottom: 1px solid #1b2b44; font-size: 1.02rem; color: #d7e3f3; }
.feed-item .t { color: #8ea4bf; font-variant-numeric: tabular-nums; margin-right: .5rem; }
.feed-item .k-alert { color: #c39bff; margin-right: .4rem; } .feed-item .k-case { color: #3fa7ff; margin-right: .4rem; }
.legend { color: #9fb3cc; font-size: .95rem; }
</style>
"""

KIOSK_CSS = """
<style>
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"], [data-testid="stStatusWidget"],
[data-testid="stAppDeployButton"], [data-testid="stMainMenu"], [data-testid="stElementToolbar"],
footer { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: .6rem 1.2rem .2rem 1.2rem; }
body { cursor: none; }
</style>
"""


def apply(kiosk: bool = False) -> None:
    st.html(BASE_CSS + (KIOSK_CSS if kiosk else ""))
