"""Read-only case queries for the queue, case detail and department desk (plain functions taking an Engine)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Engine, and_, case as sql_case, exists, false, func, literal, not_, or_, select, true,
)
from sqlalchemy.orm import aliased

from db.config import settings
from db.engine import dicts
from db.enums import CASE_STATES
from db.schema import (
    alerts, areas, case_requests, case_steps, cases, categories, category_versions, departments, devices, grids,
    positions_latest as pl, staff, staff_grids, whistle_departments, whistles,
)

CLOSED_STATES = ("closed", "rejected", "cancelled")
# The same set as "not closed" (the CHECK constraint allows only CASE_STATES), written as IN so PostgreSQL reads the
# few thousand open cases through the state index instead of scanning a year of closed ones.
OPEN_STATES = tuple(s for s in CASE_STATES if s not in CLOSED_STATES)
MAX_ROWS = 500               # a queue longer than this is filtered, not scrolled
street_area = aliased(areas, name="street")
community_area = aliased(areas, name="community")


@dataclass(frozen=True)
class CaseFilter:
    """Queue filters; every field is bound as a parameter, never pasted into SQL."""
    states: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()
    street_codes: tuple[str, ...] = ()
    community_codes: tuple[str, ...] = ()
    grid_ids: tuple[int, ...] = ()
    dept_ids: tuple[int, ...] = ()
    urgencies: tuple[int, ...] = ()
    due: str = ""                       # "", "warning", "overdue", "late_or_warning"
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    include_closed: bool = False


def _like(text_value: str) -> str:
    escaped = text_value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _due_exprs(now: datetime):
    """Overdue past the open step's deadline; 预警 past its warning point (set by the workflow engine)."""
    overdue = cases.c.step_deadline_at < literal(now)
    warning = and_(not_(overdue), cases.c.step_warning_at <= literal(now))
    return overdue, warning


def _local_day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=ZoneInfo(settings().timezone)).astimezone(timezone.utc)


def _filter_conditions(f: CaseFilter, now: datetime) -> list:
    c = cases.c
    conds = [c.merged_into_id.is_(None)]
    if f.states:
        conds.append(c.state.in_(f.states))
    elif not f.include_closed:
        conds.append(c.state.in_(OPEN_STATES))
    pairs = ((f.sources, c.source), (f.category_ids, c.category_id), (f.street_codes, c.street_code),
             (f.community_codes, c.community_code), (f.grid_ids, c.grid_id), (f.dept_ids, c.dept_id),
             (f.urgencies, c.urgency))
    conds += [col.in_(values) for values, col in pairs if values]
    overdue, warning = _due_exprs(now)
    conds += {"overdue": [overdue], "warning": [warning], "late_or_warning": [or_(overdue, warning)]}.get(f.due, [])
    if f.date_from:
        conds.append(c.reported_at >= _local_day_start(f.date_from))
    if f.date_to:
        conds.append(c.reported_at < _local_day_start(f.date_to + timedelta(days=1)))
    text_value = f.text.strip()
    if text_value:
        pattern = _like(text_value)
        conds.append(or_(*(col.ilike(pattern, escape="\\") for col in (c.code, c.title, c.description, c.address))))
    return conds


def _dept_scope(dept_id: int):
    """A department sees the cases it leads and those it was whistled into."""
    whistled = exists().where(whistles.c.case_id == cases.c.id,
                              whistle_departments.c.whistle_id == whistles.c.id,
                              whistle_departments.c.dept_id == dept_id)
    return or_(cases.c.dept_id == dept_id, whistled)


def _case_select(now: datetime, boundary: bool = False):
    """The case row with its names; the grid's boundary only for the case page (a queue of 500 rows would
    carry 500 polygons)."""
    c = cases.c
    overdue, warning = _due_exprs(now)
    due = sql_case((overdue, "overdue"), (warning, "warning"), else_="")
    cols = [c.id, c.code, c.state, c.source, c.urgency, c.title, c.description, c.address, c.lon, c.lat,
            c.grid_id, c.dept_id, c.category_id, c.reported_at, c.step_deadline_at, c.step_warning_at,
            c.handle_deadline_at,
            c.supervised, c.supervise_note, c.work_kind, c.level, c.closed_at, c.close_type, c.satisfaction,
            c.street_code, c.community_code, c.photos, c.reporter_name, c.reporter_phone, c.reporter_id_no,
            c.postpone_count, c.rework_count, c.return_count, c.version, c.merged_into_id, c.clock_mode,
            categories.c.name.label("category_name"), grids.c.name.label("grid_name"),
            departments.c.name.label("dept_name"),
            street_area.c.name.label("street_name"), community_area.c.name.label("community_name"),
            due.label("due")] + ([grids.c.boundary.label("grid_boundary")] if boundary else [])
    return (select(*cols).select_from(
        cases.outerjoin(categories, categories.c.id == c.category_id)
        .outerjoin(grids, grids.c.id == c.grid_id)
        .outerjoin(departments, departments.c.id == c.dept_id)
        .outerjoin(street_area, street_area.c.code == c.street_code)
        .outerjoin(community_area, community_area.c.code == c.community_code)))


def queue(engine: Engine, f: CaseFilter, *, dept_id: int | None = None, now: datetime | None = None,
          limit: int = MAX_ROWS) -> tuple[list[dict], dict]:
    """Cases matching the filter, least time left first, and counts (total, overdue, warning) before the limit."""
    now = now or datetime.now(timezone.utc)
    conds = _filter_conditions(f, now)
    if dept_id is not None:
        conds.append(_dept_scope(dept_id))
    stmt = (_case_select(now).where(*conds)
            .order_by(cases.c.step_deadline_at.asc().nulls_last(), cases.c.urgency, cases.c.reported_at)
            .limit(limit))
    overdue, warning = _due_exprs(now)
    count_stmt = select(func.count().label("total"), func.count().filter(overdue).label("overdue"),
                        func.count().filter(warning).label("warning")).select_from(cases).where(*conds)
    with engine.connect() as conn:
        rows = dicts(conn.execute(stmt))
        counts = dict(conn.execute(count_stmt).mappings().one())
    return rows, counts


def case_by_code(engine: Engine, code: str, now: datetime | None = None) -> dict | None:
    now = now or datetime.now(timezone.utc)
    with engine.connect() as conn:
        row = conn.execute(_case_select(now, boundary=True).where(cases.c.code == code)).mappings().first()
    return dict(row) if row else None


def case_visible_to_dept(engine: Engine, case_id: int, dept_id: int) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(select(true()).where(cases.c.id == case_id, _dept_scope(dept_id))).first())


def steps(engine: Engine, case_id: int) -> list[dict]:
    stmt = (select(case_steps, departments.c.name.label("dept_name"))
            .select_from(case_steps.outerjoin(departments, departments.c.id == case_steps.c.dept_id))
            .where(case_steps.c.case_id == case_id).order_by(case_steps.c.seq))
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def merged_alerts(engine: Engine, case_id: int) -> list[dict]:
    """The raw AI alerts folded into this case, with their camera."""
    stmt = (select(alerts.c.id, alerts.c.alert_type, alerts.c.score, alerts.c.event_at, alerts.c.snapshot_url,
                   alerts.c.camera_ref, devices.c.name.label("camera_name"))
            .select_from(alerts.outerjoin(devices, devices.c.id == alerts.c.camera_id))
            .where(alerts.c.case_id == case_id).order_by(alerts.c.event_at))
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def merged_cases(engine: Engine, case_id: int) -> list[dict]:
    stmt = (select(cases.c.id, cases.c.code, cases.c.title, cases.c.reported_at, cases.c.state)
            .where(cases.c.merged_into_id == case_id).order_by(cases.c.reported_at))
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def requests(engine: Engine, case_id: int) -> list[dict]:
    stmt = (select(case_requests, departments.c.name.label("dept_name"))
            .select_from(case_requests.outerjoin(departments, departments.c.id == case_requests.c.dept_id))
            .where(case_requests.c.case_id == case_id).order_by(case_requests.c.requested_at))
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def case_whistles(engine: Engine, case_id: int) -> list[dict]:
    """Whistles on a case, one row per named department."""
    stmt = (select(whistles.c.id.label("whistle_id"), whistles.c.reason, whistles.c.state.label("whistle_state"),
                   whistles.c.raised_at, whistle_departments, departments.c.name.label("dept_name"))
            .select_from(whistles.join(whistle_departments, whistle_departments.c.whistle_id == whistles.c.id)
                         .join(departments, departments.c.id == whistle_departments.c.dept_id))
            .where(whistles.c.case_id == case_id)
            .order_by(whistles.c.raised_at, whistle_departments.c.role.desc(), departments.c.name))
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def dept_whistles(engine: Engine, dept_id: int, *, open_only: bool = True) -> list[dict]:
    """The whistles a department was named in, with its own deadline and check-in."""
    stmt = (select(whistle_departments, whistles.c.reason, whistles.c.state.label("whistle_state"),
                   whistles.c.raised_at, cases.c.code, cases.c.title, cases.c.state.label("case_state"))
            .select_from(whistle_departments.join(whistles, whistles.c.id == whistle_departments.c.whistle_id)
                         .join(cases, cases.c.id == whistles.c.case_id))
            .where(whistle_departments.c.dept_id == dept_id,
                   whistles.c.state == "open" if open_only else true())
            .order_by(whistle_departments.c.checked_in_at.is_not(None), whistle_departments.c.deadline_at))
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def dept_figures(engine: Engine, dept_id: int, since: datetime, now: datetime | None = None) -> dict:
    """A department's own record since a date: dispatched, closed on time, overdue now, check-ins on time."""
    now = now or datetime.now(timezone.utc)
    c = cases.c
    live = (c.dept_id == dept_id, c.merged_into_id.is_(None))

    def count(*where):
        return select(func.count()).where(*live, *where).scalar_subquery()

    # One count per index (dept_id with dispatched_at / closed_at / state, each covering what its count reads):
    # index-only scans, so a busy department's month costs no visit to the cases' rows.
    case_stmt = select(
        count(c.dispatched_at >= since).label("dispatched"),
        count(c.closed_at >= since, c.state == "closed").label("closed"),
        count(c.closed_at >= since, c.close_type == "normal").label("closed_on_time"),
        count(c.state.in_(OPEN_STATES), c.state != "parked", c.step_deadline_at < now).label("overdue_now"),
        count(c.state.in_(OPEN_STATES)).label("open_now"))
    wd = whistle_departments.c
    checkin_stmt = select(
        func.count().filter(wd.checked_in_at.is_not(None)).label("checked_in"),
        func.count().filter(wd.checkin_late.is_(false())).label("checked_in_on_time"),
    ).select_from(whistle_departments.join(whistles, whistles.c.id == wd.whistle_id)).where(
        wd.dept_id == dept_id, whistles.c.raised_at >= since)
    step_stmt = select(
        func.count().label("steps_due"),
        func.count().filter(case_steps.c.ended_at <= case_steps.c.deadline_at).label("steps_on_time"),
    ).where(case_steps.c.dept_id == dept_id, case_steps.c.started_at >= since,
            case_steps.c.deadline_at.is_not(None), case_steps.c.ended_at.is_not(None))
    with engine.connect() as conn:
        out = dict(conn.execute(case_stmt).mappings().one())
        out.update(conn.execute(checkin_stmt).mappings().one())
        out.update(conn.execute(step_stmt).mappings().one())
    return out


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def nearest_workers(engine: Engine, lon: float, lat: float, grid_id: int | None, *, limit: int = 5,
                    fresh_minutes: int = 30, now: datetime | None = None) -> list[dict]:
    """On-duty grid workers for an on-site check: those responsible for the case's grid first, then by distance."""
    now = now or datetime.now(timezone.utc)
    metres_x = (pl.c.lon - lon) * func.cos(func.radians(lat)) * 111320.0
    metres_y = (pl.c.lat - lat) * 110540.0
    distance = func.sqrt(metres_x * metres_x + metres_y * metres_y)
    responsible = exists().where(staff_grids.c.staff_id == staff.c.id, staff_grids.c.grid_id == grid_id) \
        if grid_id is not None else false()
    stmt = (select(staff.c.id, staff.c.code, staff.c.name, staff.c.phone, staff.c.role, pl.c.lon, pl.c.lat,
                   pl.c.ts, distance.label("distance_m"), responsible.label("responsible"))
            .select_from(pl.join(staff, staff.c.id == pl.c.staff_id))
            .where(staff.c.active, pl.c.online, pl.c.ts >= now - timedelta(minutes=fresh_minutes))
            .order_by(responsible.desc(), distance).limit(limit))
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def filter_options(engine: Engine) -> dict[str, list[tuple]]:
    """Choices for the queue filters and the dispatch forms: (value, label) pairs."""
    with engine.connect() as conn:
        streets = conn.execute(select(areas.c.code, areas.c.name).where(areas.c.level == "street")
                               .order_by(areas.c.code)).all()
        communities = conn.execute(select(areas.c.code, areas.c.name, areas.c.parent_code)
                                   .where(areas.c.level == "community").order_by(areas.c.code)).all()
        grid_rows = conn.execute(select(grids.c.id, grids.c.code, grids.c.name, grids.c.area_code)
                                 .order_by(grids.c.code)).all()
        depts = conn.execute(select(departments.c.id, departments.c.name, departments.c.tier,
                                    departments.c.checkin_minutes)
                             .where(departments.c.active).order_by(departments.c.tier, departments.c.name)).all()
        cats = conn.execute(select(categories.c.id, categories.c.name, categories.c.level,
                                   categories.c.default_dept_id)
                            .join(category_versions, category_versions.c.id == categories.c.version_id)
                            .where(category_versions.c.active, categories.c.level != "major")
                            .order_by(categories.c.code)).all()
    return {"streets": [tuple(r) for r in streets], "communities": [tuple(r) for r in communities],
            "grids": [tuple(r) for r in grid_rows], "departments": [tuple(r) for r in depts],
            "categories": [tuple(r[:3]) for r in cats],
            "default_dept": {r[0]: r[3] for r in cats if r[3] is not None}}
