"""Read-only SQL for staff positions: live positions, trails, patrol coverage and time inside own grid (plain functions taking an Engine)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, exists, func, or_, select

from db import staff_time
from db.engine import dicts
from db.schema import (
    areas, calendar_days, calendars, grids, patrols, positions, positions_latest as pl, staff, staff_grids,
)
from db.workflow.clock import Calendar, parse_periods

STALE_MINUTES = 10           # a position older than this is drawn grey (the terminal stopped reporting)
GAP_CAP_S = staff_time.GAP_CAP_S
MAX_TRAIL_POINTS = 20000


def latest_positions(engine: Engine, stale_minutes: int = STALE_MINUTES) -> list[dict]:
    """Every staff member's latest position with age, battery, online flag and the grid it falls in."""
    age_s = func.extract("epoch", func.now() - pl.c.ts)
    q = (select(staff.c.id, staff.c.code, staff.c.name, staff.c.phone, staff.c.role, pl.c.lon, pl.c.lat, pl.c.ts,
                pl.c.batt, pl.c.online, age_s.label("age_s"), grids.c.name.label("grid"),
                and_(pl.c.online, pl.c.ts >= func.now() - timedelta(minutes=stale_minutes)).label("live"))
         .join(pl, pl.c.staff_id == staff.c.id)
         .join(grids, grids.c.id == pl.c.grid_id, isouter=True)
         .where(staff.c.active)
         .order_by(staff.c.name))
    with engine.connect() as c:
        return dicts(c.execute(q))


def workers(engine: Engine) -> list[dict]:
    """Active staff who have a grid or have ever reported a position (the people the page can show)."""
    has_grid = exists().where(staff_grids.c.staff_id == staff.c.id)
    has_pos = exists().where(pl.c.staff_id == staff.c.id)
    q = (select(staff.c.id, staff.c.code, staff.c.name, staff.c.role, staff.c.phone)
         .where(staff.c.active, or_(has_grid, has_pos)).order_by(staff.c.code))
    with engine.connect() as c:
        return dicts(c.execute(q))


def own_grids(engine: Engine) -> dict[int, list[str]]:
    """staff id -> names of the grids the person is responsible for (A or B)."""
    q = (select(staff_grids.c.staff_id, grids.c.name).join(grids, grids.c.id == staff_grids.c.grid_id)
         .order_by(staff_grids.c.staff_id, grids.c.name))
    out: dict[int, list[str]] = {}
    with engine.connect() as c:
        for r in c.execute(q):
            out.setdefault(r.staff_id, []).append(r.name)
    return out


def trail(engine: Engine, staff_id: int, start: datetime, end: datetime,
          limit: int = MAX_TRAIL_POINTS) -> list[dict]:
    """One person's fixes between start and end, in time order."""
    q = (select(positions.c.ts, positions.c.lon, positions.c.lat)
         .where(positions.c.staff_id == staff_id, positions.c.ts >= start, positions.c.ts < end)
         .order_by(positions.c.ts).limit(limit))
    with engine.connect() as c:
        return dicts(c.execute(q))


def grid_list(engine: Engine) -> list[dict]:
    """Every grid with its community and street names."""
    community = areas.alias("community")
    street = areas.alias("street")
    q = (select(grids.c.id, grids.c.code, grids.c.name, community.c.name.label("community"),
                street.c.name.label("street"))
         .join(community, community.c.code == grids.c.area_code)
         .join(street, street.c.code == community.c.parent_code, isouter=True)
         .order_by(grids.c.code))
    with engine.connect() as c:
        return dicts(c.execute(q))


def patrolled_grid_ids(engine: Engine, start: datetime, end: datetime) -> set[int]:
    """Grids with at least one patrol record (start, checkpoint or end) between start and end."""
    q = (select(patrols.c.grid_id).distinct()
         .where(patrols.c.ts >= start, patrols.c.ts < end, patrols.c.grid_id.is_not(None)))
    with engine.connect() as c:
        return {r.grid_id for r in c.execute(q)}


def minutes_in_own_grid(engine: Engine, periods: list[tuple[datetime, datetime]], end: datetime) \
        -> dict[int, float]:
    """staff id -> minutes inside an own grid during the working periods up to `end` (db.staff_time's rollup,
    which the ingest service keeps current: a day of a city's fixes is too many to walk per page load)."""
    return staff_time.minutes_in_own_grid(engine, periods, end)


def work_periods(engine: Engine, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The default calendar's working periods on `day` (none on a weekend or holiday; make-up days count)."""
    with engine.connect() as c:
        cal = c.execute(select(calendars).where(calendars.c.is_default)).mappings().first()
        kind = None
        if cal is not None:
            kind = c.execute(select(calendar_days.c.kind).where(calendar_days.c.calendar_code == cal["code"],
                                                                calendar_days.c.day == day)).scalar()
    if cal is None:
        calendar = Calendar()
    else:
        calendar = Calendar(cal["code"], ZoneInfo(cal["timezone"]), parse_periods(cal["work_periods"]),
                            frozenset(cal["weekend_days"]),
                            frozenset({day}) if kind == "holiday" else frozenset(),
                            frozenset({day}) if kind == "workday" else frozenset())
    return tuple(calendar.day_periods(day))
