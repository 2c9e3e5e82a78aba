"""Staff positions page pieces: worker table (phones masked per role), patrol coverage, one-third rule, map layers."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard import cached, clock, maps
from dashboard.queries_staff import STALE_MINUTES
from dashboard.static_geo import GridAssets
from dashboard.widgets import mask_phone
from db import labels

P = labels.POSITIONS
RULE_SHARE = 1 / 3            # domain brief §3: at least a third of working time inside the grid
PATROLLED_COLOR = [40, 150, 110, 120]
UNPATROLLED_COLOR = [120, 55, 50, 80]


def shift_minutes(periods, end: datetime) -> float:
    """Working minutes of the day already past at `end`."""
    return sum(max((min(b, end) - a).total_seconds(), 0) for a, b in periods) / 60


def coverage(url: str, day: date, now: datetime) -> dict:
    """Patrol coverage and in-grid minutes for `day` (up to now when it is today)."""
    start, end = clock.day_bounds(day)
    until = min(end, now).replace(second=0, microsecond=0)    # minute steps: sessions share the cache entry
    periods = cached.work_periods(url, day)
    return {"patrolled": cached.patrolled_grid_ids(url, start, end),
            "minutes": cached.minutes_in_own_grid(url, periods, until),
            "shift": shift_minutes(periods, until), "working_day": bool(periods)}


def worker_frame(url: str, cov: dict, show_phones: bool) -> pd.DataFrame:
    """One row per worker: live status, battery, grid, own grids, minutes in own grid and the one-third rule."""
    latest = {r["id"]: r for r in cached.latest_positions(url, STALE_MINUTES)}
    own = cached.own_grids(url)
    rows = []
    for w in cached.workers(url):
        pos = latest.get(w["id"])
        minutes = cov["minutes"].get(w["id"], 0.0)
        share = minutes / cov["shift"] if cov["shift"] > 0 else None
        status = P["offline"] if pos is None or not pos["online"] else (P["online"] if pos["live"] else P["stale"])
        rows.append({
            P["col_name"]: w["name"], P["col_code"]: w["code"],
            P["col_role"]: labels.STAFF_ROLE.get(w["role"], w["role"]),
            P["col_phone"]: (w["phone"] or "") if show_phones else mask_phone(w["phone"]),
            P["col_status"]: status, P["col_grid"]: (pos or {}).get("grid") or "",
            P["col_seen"]: clock.local(pos["ts"]) if pos else labels.COMMON["na"],
            P["col_age"]: clock.age_text(pos["age_s"]) if pos else labels.COMMON["na"],
            P["col_batt"]: pos["batt"] if pos and pos["batt"] is not None else None,
            P["col_minutes"]: round(minutes), P["col_share"]: None if share is None else round(100 * share, 1),
            P["col_rule"]: "" if share is None or w["id"] not in own else (
                P["rule_ok"] if share >= RULE_SHARE else P["rule_short"]),
            P["col_own_grids"]: "、".join(own.get(w["id"], [])),
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    # Online first, then stale, then offline; numbers as numbers (blank, not "None", when unknown).
    order = {P["online"]: 0, P["stale"]: 1, P["offline"]: 2}
    frame = (frame.assign(_order=frame[P["col_status"]].map(order)).sort_values(["_order", P["col_code"]])
             .drop(columns="_order"))
    for col in (P["col_batt"], P["col_share"]):
        frame[col] = pd.to_numeric(frame[col])
    return frame


def unpatrolled_frame(url: str, patrolled: set[int]) -> pd.DataFrame:
    return pd.DataFrame([{P["col_code"]: g["code"], P["col_grid"]: g["name"], P["col_street"]: g["street"] or "",
                          P["col_community"]: g["community"]}
                         for g in cached.grid_list(url) if g["id"] not in patrolled])


def staff_points(url: str, show_phones: bool) -> list[dict]:
    out = []
    for r in cached.latest_positions(url, STALE_MINUTES):
        status = P["online"] if r["live"] else (P["stale"] if r["online"] else P["offline"])
        phone = (r["phone"] or "") if show_phones else mask_phone(r["phone"])
        out.append({"p": maps.pos(r["lon"], r["lat"]), "c": maps.STAFF_LIVE if r["live"] else maps.STAFF_STALE,
                    "l": [255, 255, 255, 200] if r["live"] else [0, 0, 0, 0], "r": 7 if r["live"] else 5,
                    "tip": maps.tip(r["name"], phone, r["grid"], f'{status} · {clock.age_text(r["age_s"])}',
                                    P["col_batt"] + f' {r["batt"]}%' if r["batt"] is not None else "")})
    return out


def positions_deck(url: str, assets: GridAssets, patrolled: set[int], show_phones: bool,
                   trail_rows: list[dict], view) -> maps.CompactDeck:
    colors = {g["id"]: PATROLLED_COLOR if g["id"] in patrolled else UNPATROLLED_COLOR for g in cached.grid_list(url)}
    layers = [maps.grid_layer(assets, colors), maps.grid_label_layer(assets)]
    if trail_rows:
        layers.append(maps.path_layer("trail", [maps.pos(r["lon"], r["lat"]) for r in trail_rows]))
    layers.append(maps.scatter_layer("staff", staff_points(url, show_phones)))
    return maps.deck(layers, view)


def trail_bbox(rows: list[dict]):
    if not rows:
        return None
    lons, lats = [r["lon"] for r in rows], [r["lat"] for r in rows]
    pad = 0.002
    return (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)


def trail_caption(rows: list[dict]) -> str:
    return P["trail_points"].format(n=len(rows), start=clock.local(rows[0]["ts"], "%H:%M"),
                                    end=clock.local(rows[-1]["ts"], "%H:%M"))
