"""Wall screens against the real cached wrappers: statements per refresh interval, and bytes per refresh.

refresh() makes the calls the two timer fragments of pages/wall.py make in the map view (header and KPI tiles;
grid assets, the deck, whistle board and feed), through dashboard/cached.py, plus the session check each
fragment runs (dashboard/auth). simulate() runs one thread per screen, as Streamlit runs one script thread per
session, each refreshing every `period` seconds from its own random phase (browsers open the wall at different
moments), and counts the statements reaching PostgreSQL in each interval with an engine event listener.
page_payload() runs the wall page in AppTest and sums the element protos a refresh sends to the browser.
"""
from __future__ import annotations

import json
import os
import random
import threading
import time
from pathlib import Path

import streamlit as st
from sqlalchemy import event, select
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from dashboard import auth, cached, clock, queries_wall, static_geo, wall_panels
from db import accounts, config
from db.engine import get_engine
from db.schema import users

APP = str(Path(__file__).resolve().parents[1] / "app.py")
WALL_USER = "bench_wall"


def wall_user(url: str) -> dict:
    with get_engine(url).connect() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == WALL_USER)).scalar_one()
        user = accounts.load_user(conn, uid)
    return {k: user[k] for k in auth.SESSION_KEYS}


def refresh(url: str, user_id: int) -> None:
    """One refresh of both wall fragments (map view, coloured by load)."""
    today = clock.today()
    day_start, day_end = clock.day_bounds(today)
    auth._account(url, user_id)                      # still_signed_in() in the first fragment
    cached.district(url)
    cached.data_age(url)
    cached.wall_kpis(url, day_start, day_end)
    cached.ontime_rate(url, today, today)
    cached.ontime_rate(url, clock.month_start(today), today)
    auth._account(url, user_id)                      # and in the second
    assets = cached.grid_assets(url, True)
    wall_panels.wall_deck(url, assets, "load").to_json()
    cached.whistles(url)
    cached.feed(url, wall_panels.FEED_ROWS)


def simulate(url: str, sessions: int, intervals: int, period: float = 5.0, seed: int = 3) -> list[int]:
    """Statements per interval while `sessions` screens refresh every `period` s, after one refresh that fills the
    caches (the steady state of screens left running)."""
    user_id = wall_user(url)["id"]
    st.cache_data.clear()
    refresh(url, user_id)
    engine = get_engine(url)
    stamps: list[float] = []
    lock = threading.Lock()

    def count(*_args, **_kw) -> None:
        with lock:
            stamps.append(time.monotonic())
    rng = random.Random(seed)
    phases = [0.0] + [rng.uniform(0, period) for _ in range(sessions - 1)]
    t0 = time.monotonic() + 0.2
    errors: list[Exception] = []

    def screen(phase: float) -> None:
        k = 0
        while phase + k * period < intervals * period:
            time.sleep(max(0.0, t0 + phase + k * period - time.monotonic()))
            try:
                refresh(url, user_id)
            except Exception as exc:         # reported by the caller: a failed refresh must not look cheap
                errors.append(exc)
                return
            k += 1
    event.listen(engine, "before_cursor_execute", count)
    try:
        threads = [threading.Thread(target=screen, args=(p,)) for p in phases]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if errors:
        raise errors[0]
    per = [0] * intervals
    for s in stamps:
        per[min(int((s - t0) // period), intervals - 1)] += 1
    return per


def uncached_statements(url: str) -> int:
    """Statements of one refresh with nothing cached: what every screen costs when it queries for itself."""
    st.cache_data.clear()
    engine, n = get_engine(url), [0]

    def count(*_args, **_kw) -> None:
        n[0] += 1
    event.listen(engine, "before_cursor_execute", count)
    try:
        refresh(url, wall_user(url)["id"])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return n[0]


def _elements(node):
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from _elements(child)


def page_payload(url: str) -> dict:
    """Bytes of one wall refresh as AppTest sees it (element protos), the deck's JSON alone, and the one-time
    static grid files the browser fetches once."""
    os.environ["DATABASE_URL"] = url
    config.settings.cache_clear()
    st_config.set_option("server.enableStaticServing", True)
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["auth_user"] = wall_user(url)
    at.session_state["auth_last_active"] = time.time()
    at.switch_page("pages/wall.py")
    at.run()
    at.run()                                          # the refresh: caches warm, as on a screen already open
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    elements = list(_elements(at._tree))
    decks = [len(e.proto.json.encode()) for e in elements if getattr(e, "type", "") == "deck_gl_json_chart"]
    rows = queries_wall.grid_shapes(get_engine(url))

    def size(payload) -> int:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return len(text.encode())
    return {"refresh_bytes": sum(e.proto.ByteSize() for e in elements if hasattr(e, "proto")),
            "deck_json_bytes": sum(decks), "grids": len(rows),
            "static_geojson_bytes": size(static_geo.grids_geojson(rows)),
            "static_labels_bytes": size(static_geo.grid_labels(rows))}
