"""Pieces of the command wall: header with data age, KPI tiles, whistle check-in panel, scrolling feed, the map deck."""
from __future__ import annotations

import time
from datetime import datetime
from html import escape

import streamlit as st

from dashboard import cached, clock, maps
from dashboard.queries_staff import STALE_MINUTES
from dashboard.static_geo import GridAssets
from db import labels

W, C = labels.WALL, labels.COMMON
STALE_AFTER_S = 300          # the badge turns red when nothing new arrived for five minutes
CAMERA_WINDOW_MIN = 30
FEED_ROWS = 30


def header(district_name: str, newest: datetime | None) -> None:
    now = clock.now()
    if newest is None:
        badge = f'<span class="badge badge-stale">{escape(C["data_none"])}</span>'
    else:
        age = (now - newest).total_seconds()
        text = (C["data_stale"] if age > STALE_AFTER_S else C["data_age"]).format(age=clock.age_text(age))
        cls = "badge-stale" if age > STALE_AFTER_S else "badge-fresh"
        badge = f'<span class="badge {cls}">{escape(text)}</span>'
    st.html(f'<div class="wall-head"><div class="wall-title">{escape(W["title"].format(district=district_name))}'
            f'</div><div><span class="wall-clock">{clock.local(now, "%Y-%m-%d %H:%M")}</span>{badge}</div></div>')


def kpi_tiles(k: dict, ontime_today: float | None, ontime_month: float | None) -> None:
    """Six tiles; overdue turns red when above zero, whistles amber. A rate with nothing due reads "—" with a
    note saying so (early on a Monday or on a rest day few deadlines fall: a number would mislead)."""
    tiles = [
        ("kpi_intake", k["intake"], None, None), ("kpi_open", k["open"], None, None),
        ("kpi_overdue", k["overdue"], "kpi_alert" if k["overdue"] else None, None),
        ("kpi_whistles", k["whistles_open"], "kpi_warn" if k["whistles_open"] else None, None),
        ("kpi_ontime_today", clock.percent(ontime_today), None, None if ontime_today is not None
         else W["kpi_no_due_today"]),
        ("kpi_ontime_month", clock.percent(ontime_month), "kpi_good" if ontime_month is not None else None,
         None if ontime_month is not None else W["kpi_no_due_month"]),
    ]
    for col, (label, value, style, note) in zip(st.columns(len(tiles)), tiles):
        with col, st.container(key=style or f"tile_{label}"):
            st.metric(W[label], value, delta=note, delta_color="off", delta_arrow="off")
    chips = " ".join(f'{escape(labels.CASE_SOURCE.get(s, s))}<b>{n}</b>'
                     for s, n in sorted(k["intake_by_source"].items(), key=lambda kv: -kv[1]))
    if chips:
        st.html(f'<div class="chips">{escape(W["kpi_intake"])}：{chips}　{escape(W["kpi_parked"])}'
                f'<b>{k["parked"]}</b></div>')


def _checkin_cell(d: dict, now: datetime) -> str:
    if d["checked_in_at"] is not None:
        key = "checked_in_late" if d["checkin_late"] else "checked_in"
        cls = "late" if d["checkin_late"] else "ok"
        return f'<span class="{cls}">{escape(W[key].format(t=clock.local(d["checked_in_at"], "%H:%M")))}</span>'
    left = (d["deadline_at"] - now).total_seconds()
    if left >= 0:
        return f'<span class="wait">{escape(W["countdown"].format(d=clock.duration_text(left)))}</span>'
    return f'<span class="late">{escape(W["late"].format(d=clock.duration_text(left)))}</span>'


def _scroller(items: list[str], height: int, per_item_s: float = 3.0) -> str:
    """A fixed-height box; when the items overflow it they scroll in a seamless loop (two copies, half-way)."""
    body = "".join(items)
    if len(items) <= 3:
        return f'<div class="scroll" style="height:{height}px">{body}</div>'
    period = max(len(items) * per_item_s, 20.0)
    # The box is redrawn on every refresh: a negative delay taken from the clock resumes the scroll where it
    # was (and keeps every screen in step) instead of jumping back to the top.
    return (f'<div class="scroll" style="height:{height}px;--feed-s:{period:.0f}s;'
            f'--feed-d:-{time.time() % period:.1f}s"><div class="scroll-inner">{body}{body}</div></div>')


def _urgency(w: dict, now: datetime) -> tuple:
    """Whistles with a department still to check in come first, the nearest (or most overdue) deadline first."""
    pending = [d["deadline_at"] for d in w["departments"] if d["checked_in_at"] is None]
    return (0, min(pending)) if pending else (1, now - w["raised_at"])


def whistle_panel(items: list[dict], height: int = 430) -> None:
    st.html(f'<div class="panel-title">{escape(W["whistles"])}（{len(items)}）</div>')
    if not items:
        st.caption(W["whistles_none"])
        return
    now = clock.now()
    blocks = []
    for w in sorted(items, key=lambda w: _urgency(w, now)):
        depts = "".join(
            f'<div class="dept"><span class="who">{escape(labels.WHISTLE_ROLE[d["role"]])} · {escape(d["dept"])}'
            f'</span>{_checkin_cell(d, now)}</div>' for d in w["departments"])
        blocks.append(f'<div class="whistle"><div class="case">{escape(w["title"])}</div>'
                      f'<div class="meta">{escape(w["code"])} · {escape(labels.WHISTLE_REASON[w["reason"]])} · '
                      f'{clock.local(w["raised_at"], "%H:%M")}</div>{depts}</div>')
    st.html(_scroller(blocks, height, per_item_s=6))


def feed_panel(rows: list[dict], height: int = 330) -> None:
    st.html(f'<div class="panel-title">{escape(W["feed"])}</div>')
    if not rows:
        st.caption(W["feed_none"])
        return
    items = []
    for r in rows:
        kind = f'<span class="k-{r["kind"]}">{escape(W["feed_" + r["kind"]])}</span>'
        where = " · ".join(escape(x) for x in (r.get("grid"), r.get("where_")) if x)
        items.append(f'<div class="feed-item"><span class="t">{clock.local(r["at"], "%H:%M:%S")}</span>{kind}'
                     f'{escape(r["what"] or "")}<br/><span class="t">{where}</span></div>')
    st.html(_scroller(items, height))


def grid_colors(counts: list[dict], color_by: str) -> dict[int, list[int]]:
    key, buckets = ("overdue", maps.OVERDUE_BUCKETS) if color_by == "overdue" else ("open", maps.LOAD_BUCKETS)
    return {r["grid_id"]: maps.bucket_color(r[key], buckets) for r in counts if r[key] > 0}


def wall_deck(url: str, assets: GridAssets, color_by: str) -> maps.CompactDeck:
    """Grids (static file + colour table), labels, open cases, whistle rings, cameras with alerts, staff."""
    points = [maps.case_point(r, labels.CASE_STATE[r["state"]], labels.URGENCY[r["urgency"]])
              for r in cached.case_points(url)]
    rings = [{"p": maps.pos(w["lon"], w["lat"]), "c": [0, 0, 0, 0], "l": maps.WHISTLE_COLOR + [255],
              "tip": maps.tip(W["whistles"], w["code"], w["title"])}
             for w in cached.whistles(url) if w["lon"] is not None]
    cams = [{"p": maps.pos(r["lon"], r["lat"]), "c": maps.CAMERA_COLOR, "l": [255, 255, 255, 160],
             "tip": maps.tip(r["name"] or r["code"], f'{r["last_type"]} ×{r["n"]}')}
            for r in cached.camera_alerts(url, CAMERA_WINDOW_MIN)]
    people = [{"p": maps.pos(r["lon"], r["lat"]), "c": maps.STAFF_LIVE if r["live"] else maps.STAFF_STALE,
               "l": [0, 0, 0, 0], "tip": maps.tip(r["name"], r["grid"], clock.age_text(r["age_s"]))}
              for r in cached.latest_positions(url, STALE_MINUTES)]
    layers = [maps.grid_layer(assets, grid_colors(cached.grid_counts(url), color_by)),
              maps.scatter_layer("staff", people, radius=4),
              maps.scatter_layer("cameras", cams, radius=6),
              maps.scatter_layer("cases", points),
              maps.scatter_layer("whistles", rings, radius=18, filled=False, line_width=3),
              maps.grid_label_layer(assets)]
    return maps.deck(layers, maps.view_state(assets.bbox))
