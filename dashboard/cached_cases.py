"""Thin st.cache_data wrappers over queries_cases/queries_admin for the action pages; actions.py clears them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import streamlit as st

from dashboard import queries_admin as qa, queries_cases as qc
from db.engine import get_engine
from db.workflow import timeline as wf_timeline

LIVE_TTL = 5        # seconds: several operators work the same queue; a few seconds' delay is fine
SLOW_TTL = 60       # reference data
CACHE = {"show_spinner": False}


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def queue(url: str, f: qc.CaseFilter, dept_id: int | None, now: datetime) -> tuple[list[dict], dict]:
    return qc.queue(get_engine(url), f, dept_id=dept_id, now=now)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def case(url: str, code: str, now: datetime) -> dict | None:
    return qc.case_by_code(get_engine(url), code, now)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def case_parts(url: str, case_id: int, now: datetime) -> dict:
    """Everything the detail page shows below the header, in one cached call."""
    engine = get_engine(url)
    return {"timeline": wf_timeline(engine, case_id, now), "alerts": qc.merged_alerts(engine, case_id),
            "merged": qc.merged_cases(engine, case_id), "requests": qc.requests(engine, case_id),
            "whistles": qc.case_whistles(engine, case_id)}


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def visible_to_dept(url: str, case_id: int, dept_id: int) -> bool:
    return qc.case_visible_to_dept(get_engine(url), case_id, dept_id)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def nearest_workers(url: str, lon: float, lat: float, grid_id: int | None, now: datetime) -> list[dict]:
    return qc.nearest_workers(get_engine(url), lon, lat, grid_id, now=now)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def dept_whistles(url: str, dept_id: int) -> list[dict]:
    return qc.dept_whistles(get_engine(url), dept_id)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def dept_figures(url: str, dept_id: int, since: datetime, now: datetime) -> dict:
    return qc.dept_figures(get_engine(url), dept_id, since, now)


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def options(url: str) -> dict[str, list[tuple]]:
    return qc.filter_options(get_engine(url))


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def admin_table(url: str, name: str) -> list[dict]:
    """grids, staff, departments, cameras, categories (reference tables; edits clear this cache)."""
    return getattr(qa, f"{name}_table")(get_engine(url))


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def calendars(url: str) -> tuple[list[dict], list[dict]]:
    return qa.calendars_table(get_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def unregistered(url: str) -> list[dict]:
    return qa.unregistered(get_engine(url))


@st.cache_data(ttl=SLOW_TTL, **CACHE)
def alert_type_choices(url: str) -> list[tuple[str, str]]:
    return qa.alert_type_choices(get_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def ingest_health(url: str, window_minutes: int, now: datetime) -> list[dict]:
    return qa.ingest_health(get_engine(url), window_minutes, now)


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def source_health(url: str) -> list[dict]:
    return qa.source_health_rows(get_engine(url))


@st.cache_data(ttl=LIVE_TTL, **CACHE)
def dead_letters(url: str, unreplayed_only: bool) -> tuple[list[dict], dict]:
    engine = get_engine(url)
    return qa.dead_letter_rows(engine, unreplayed_only=unreplayed_only), qa.dead_letter_counts(engine)


def now_minute() -> datetime:
    """Now, rounded down to the minute: a cache key that changes once a minute, not on every rerun."""
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def days_ago(days: int) -> datetime:
    return now_minute() - timedelta(days=days)


CASE_CACHES = (queue, case, case_parts, visible_to_dept, dept_whistles, dept_figures)
ADMIN_CACHES = (admin_table, calendars, unregistered, options, alert_type_choices)
