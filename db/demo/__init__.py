"""The deterministic demo district (榕城区, fictional, under county code 350102): seed_demo() builds and loads it."""
from __future__ import annotations

import importlib
import importlib.util
import time
from datetime import datetime

from sqlalchemy import Connection, create_engine, func, select, text

from db import staff_time
from db.demo.build import build_static
from db.demo.load import load_catalog, load_devices, load_places_and_people, load_trails
from db.demo.logins import create_demo_accounts
from db.demo.positions import build_trails
from db.schema import (
    areas, cases, categories, departments, devices, grids, patrols, positions, positions_latest, staff, users,
)

COUNTED = {"areas": areas, "grids": grids, "departments": departments, "staff": staff, "devices": devices,
           "categories": categories, "users": users, "positions": positions, "positions_latest": positions_latest,
           "patrols": patrols, "cases": cases}


def counts(conn: Connection) -> dict[str, int]:
    found = {name: conn.scalar(select(func.count()).select_from(table)) for name, table in COUNTED.items()}
    for kind in ("camera", "terminal"):
        found[f"{kind}s"] = conn.scalar(select(func.count()).where(devices.c.kind == kind))
    found["online_workers"] = conn.scalar(select(func.count()).where(positions_latest.c.online))
    return found


def _history(conn: Connection, seed: int, days: int, now: datetime) -> dict:
    """The 30-day case history is written by db.demo.history (workflow area), when that module exists."""
    if days <= 0:
        return {"history": "skipped"}
    if importlib.util.find_spec("db.demo.history") is None:
        return {"history": "missing"}
    history = importlib.import_module("db.demo.history")
    return {"history": history.generate_history(conn, seed, days, end=now)}


def seed_demo(url: str, seed: int = 7, history_days: int = 30, position_days: int = 7,
              now: datetime | None = None) -> dict:
    """Load the demo district into an empty (migrated) database; a database that has grids is left alone.

    Returns a summary with row counts, timings and `logins` ({username: password}, random each time).
    `now` (UTC) anchors trails and statuses; the database clock by default.
    """
    engine = create_engine(url)
    timings: dict[str, float] = {}
    started = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        timings[name], mark = round(time.perf_counter() - mark, 3), time.perf_counter()
    try:
        with engine.begin() as conn:
            # Two starters racing on one database: the second waits, then sees the grids and stops.
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('grid-demo-seed'))"))
            if conn.scalar(select(func.count()).select_from(grids)):
                return {"already_seeded": True, **counts(conn)}
            now = now or conn.scalar(select(func.now()))
            data = build_static(seed)
            lap("build")
            ids = load_places_and_people(conn, data)
            load_catalog(conn, data)
            lap("load_static")
            trails = build_trails(data.ground.grids, data.places.grid_codes, data.staffing.patrol_grids, now,
                                  position_days, seed)
            lap("trails")
            load_devices(conn, data, ids, trails, now)
            load_trails(conn, trails, ids)
            while staff_time.roll_up(conn):        # the trigger marked every quarter hour of the trails
                pass
            lap("positions")
            logins = create_demo_accounts(conn, data.departments, data.patrollers, ids)
            lap("accounts")
            history = _history(conn, seed, history_days, now)
            lap("history")
            summary = {"already_seeded": False, "seed": seed, "now": now.isoformat(), **counts(conn), **history}
    finally:
        engine.dispose()
    timings["total"] = round(time.perf_counter() - started, 3)
    return {**summary, "timings": timings, "logins": logins}
