"""Command-wall benchmark on the demo district (seed 7): what one refresh of the wall costs (a) in bytes sent to
each browser — ours (grids served once as a static file, per-grid colours as a small lookup table, compact JSON)
beside plain pydeck (grid polygons inline, indented JSON) — and (b) in database work when ten wall screens
refresh together — ours (st.cache_data shared by all sessions) beside every screen querying for itself.
The last line is one JSON object.

Run: .venv/bin/python bench/wall.py --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
(or BENCH_DATABASE_URL). A throwaway database is created on that server, seeded and dropped unless --keep.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import uuid
from pathlib import Path

import pydeck as pdk
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
logging.getLogger("streamlit").setLevel(logging.ERROR)      # bare mode warns about the missing runtime

from dashboard import cached, clock, queries_daily, queries_staff, queries_wall, static_geo, wall_panels  # noqa: E402
from db import migrate  # noqa: E402
from db.demo import seed_demo  # noqa: E402
from db.engine import get_engine  # noqa: E402

SCREENS = 10


def _payloads(url: str) -> dict:
    rows = queries_wall.grid_shapes(get_engine(url))
    ours = wall_panels.wall_deck(url, static_geo.build_assets(rows), "load")
    naive = wall_panels.wall_deck(url, static_geo.build_assets(rows, inline=True), "load")
    return {"ours_bytes": len(ours.to_json().encode()),
            "naive_bytes": len(pdk.Deck.to_json(naive).encode()),           # pydeck's own serialisation
            "static_grid_file_bytes": len(json.dumps(static_geo.grids_geojson(rows), ensure_ascii=False,
                                                     separators=(",", ":")).encode())}


def _direct_refresh(url: str) -> None:
    """Everything one wall refresh reads, straight from the database."""
    engine = get_engine(url)
    today = clock.today()
    start, end = clock.day_bounds(today)
    queries_wall.kpis(engine, start, end)
    queries_daily.ontime_rate(engine, today, today)
    queries_daily.ontime_rate(engine, clock.month_start(today), today)
    queries_wall.data_age(engine)
    queries_wall.grid_counts(engine)
    queries_wall.open_case_points(engine)
    queries_wall.open_whistles(engine)
    queries_wall.camera_alerts(engine, wall_panels.CAMERA_WINDOW_MIN)
    queries_staff.latest_positions(engine, queries_staff.STALE_MINUTES)
    queries_wall.feed(engine, wall_panels.FEED_ROWS)


def _cached_refresh(url: str) -> None:
    today = clock.today()
    start, end = clock.day_bounds(today)
    cached.wall_kpis(url, start, end)
    cached.ontime_rate(url, today, today)
    cached.ontime_rate(url, clock.month_start(today), today)
    cached.data_age(url)
    cached.grid_counts(url)
    cached.case_points(url)
    cached.whistles(url)
    cached.camera_alerts(url, wall_panels.CAMERA_WINDOW_MIN)
    cached.latest_positions(url, queries_staff.STALE_MINUTES)
    cached.feed(url, wall_panels.FEED_ROWS)


def _screens(url: str, refresh) -> dict:
    engine = get_engine(url)
    statements = 0

    def count(*_args, **_kw):
        nonlocal statements
        statements += 1
    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    try:
        for _ in range(SCREENS):
            refresh(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return {"seconds": round(time.perf_counter() - started, 3), "statements": statements}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not args.database_url:
        ap.error("--database-url or BENCH_DATABASE_URL is required")
    name = f"bench_wall_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = url
    try:
        migrate.upgrade(url)
        seed_demo(url, seed=7)
        payload = _payloads(url)
        _direct_refresh(url)                                    # warm PostgreSQL's caches for both runs
        naive = _screens(url, _direct_refresh)
        ours = _screens(url, _cached_refresh)
    finally:
        get_engine(url).dispose()
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"one refresh sent to a browser: ours {payload['ours_bytes']:,} bytes, plain pydeck "
          f"{payload['naive_bytes']:,} bytes ({payload['naive_bytes'] / payload['ours_bytes']:.1f}x); the grid "
          f"file ({payload['static_grid_file_bytes']:,} bytes) is fetched once per screen")
    print(f"{SCREENS} screens refreshing: each queries itself {naive['statements']} statements in "
          f"{naive['seconds']} s; shared cache {ours['statements']} statements in {ours['seconds']} s")
    print(json.dumps({"screens": SCREENS, **payload, "naive_statements": naive["statements"],
                      "naive_s": naive["seconds"], "ours_statements": ours["statements"], "ours_s": ours["seconds"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
