"""Thin st.cache_data wrappers over dashboard/queries_*.py, shared by every session (ten walls cost the database one)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import psycopg2
import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard import queries_daily, queries_staff, queries_wall, static_geo
from db import labels
from db.config import database_url, settings
from db.engine import get_engine

LIVE_TTL = 4        # seconds: under the wall's refresh interval, so each refresh sees new data
SLOW_TTL = 60       # reference data (grids, staff lists) and heavier aggregates
CACHE = {"show_spinner": False}
_CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


def db_url() -> str:
    return database_url()


def _engine(url: str):
    """The overview pages' reads (wall, daily status, positions, reference data) go to DATABASE_URL_READ, a
    streaming replica, when one is configured: ten walls and the leaders' screens then cost the primary nothing.
    The action pages (queue, case, desk: dashboard/cached_cases.py) keep reading the primary, so a dispatcher
    sees the result of a click at once, whatever the replica's lag."""
    return get_engine(settings().database_url_read or url)


@contextmanager
def database_errors() -> Iterator[None]:
    """A message instead of a traceback when the database is unreachable; the next refresh tries again."""
    try:
        yield
    except DBAPIError as exc:
        if not exc.connection_invalidated and not isinstance(exc.orig, _CONNECTION_ERRORS):
            raise
        st.error(labels.APP["db_error"].format(error=str(exc.orig).strip().splitlines()[0]))


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def district(url: str) -> dict:
    return queries_wall.district(_engine(url))


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def grid_assets(url: str, static_serving: bool) -> static_geo.GridAssets:
    """Grid GeoJSON and labels as static-file URLs; `static_serving` is part of the key (inline data when off)."""
    rows = queries_wall.grid_shapes(_engine(url))
    return static_geo.build_assets(rows, inline=not static_serving)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def wall_kpis(url: str, day_start: datetime, day_end: datetime) -> dict:
    return queries_wall.kpis(_engine(url), day_start, day_end)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def grid_counts(url: str) -> list[dict]:
    return queries_wall.grid_counts(_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def case_points(url: str) -> list[dict]:
    return queries_wall.open_case_points(_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def whistles(url: str) -> list[dict]:
    return queries_wall.open_whistles(_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def camera_alerts(url: str, minutes: int) -> list[dict]:
    return queries_wall.camera_alerts(_engine(url), minutes)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def feed(url: str, limit: int) -> list[dict]:
    return queries_wall.feed(_engine(url), limit)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def data_age(url: str) -> datetime | None:
    return queries_wall.data_age(_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def latest_positions(url: str, stale_minutes: int) -> list[dict]:
    return queries_staff.latest_positions(_engine(url), stale_minutes)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def workers(url: str) -> list[dict]:
    return queries_staff.workers(_engine(url))


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def own_grids(url: str) -> dict[int, list[str]]:
    return queries_staff.own_grids(_engine(url))


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def grid_list(url: str) -> list[dict]:
    return queries_staff.grid_list(_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def trail(url: str, staff_id: int, start: datetime, end: datetime) -> list[dict]:
    return queries_staff.trail(_engine(url), staff_id, start, end)


@st.cache_data(ttl=LIVE_TTL * 5, **CACHE)
def patrolled_grid_ids(url: str, start: datetime, end: datetime) -> set[int]:
    return queries_staff.patrolled_grid_ids(_engine(url), start, end)


@st.cache_data(ttl=LIVE_TTL * 5, **CACHE)
def minutes_in_own_grid(url: str, periods: tuple, end: datetime) -> dict[int, float]:
    return queries_staff.minutes_in_own_grid(_engine(url), list(periods), end)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def work_periods(url: str, day: date) -> tuple:
    return queries_staff.work_periods(_engine(url), day)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def daily_status(url: str, first: date, last: date, bys: tuple[str, ...]) -> dict:
    return queries_daily.status(_engine(url), first, last, bys)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def rankings(url: str, first: date, last: date, bys: tuple[str, ...]) -> dict[str, list[dict]]:
    return queries_daily.rankings(_engine(url), first, last, bys)


@st.cache_data(ttl=LIVE_TTL * 5, **CACHE)
def ontime_rate(url: str, first: date, last: date) -> float | None:
    return queries_daily.ontime_rate(_engine(url), first, last)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def trend(url: str, last: date, days: int) -> list[dict]:
    return queries_daily.trend(_engine(url), last, days)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def cases_by_grid(url: str, first: date, last: date) -> dict[int, int]:
    return queries_daily.cases_by_grid(_engine(url), first, last)


# What a write from the action pages changes on the wall (dashboard/actions.py clears these with the case caches):
# ten walls would otherwise show the old counts for up to a refresh interval after a dispatcher's click.
WALL_CASE_CACHES = (wall_kpis, grid_counts, case_points, whistles, ontime_rate)
# Reference data an import or an admin edit changes: grid shapes (the static GeoJSON), names, staff and their grids.
REFERENCE_CACHES = (district, grid_assets, grid_list, own_grids, workers)
