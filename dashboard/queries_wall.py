"""Read-only SQL for the command wall: grids, open cases, whistles, cameras, KPIs, feed, data age (plain functions taking an Engine)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, Text, and_, cast, func, literal_column, select

from db.engine import dicts
from db.schema import (
    alert_types, alerts, areas, cases, departments, devices, grids, positions_latest, raw_events,
    whistle_departments, whistles,
)
from db.workflow.table import OPEN_STATES

# Parked cases (挂账) are listed apart: they are not "in progress" and not counted as overdue.
ACTIVE_STATES = tuple(s for s in OPEN_STATES if s != "parked")
MAX_POINTS = 5000           # the wall draws at most this many open cases (most urgent first)


def _active():
    return and_(cases.c.state.in_(ACTIVE_STATES), cases.c.merged_into_id.is_(None))


def _overdue():
    return and_(_active(), cases.c.step_deadline_at < func.now())


def district(engine: Engine) -> dict:
    """The district the data belongs to ({code, name}); the first district when several are loaded."""
    with engine.connect() as c:
        row = c.execute(select(areas.c.code, areas.c.name).where(areas.c.level == "district")
                        .order_by(areas.c.code).limit(1)).mappings().first()
    return dict(row) if row else {"code": "", "name": ""}


def _compact(boundary):
    """The GeoJSON geometry as compact text, made by the server: it goes into the static GeoJSON as it is
    (importers store boundaries rounded, db.geo.STORED_DECIMALS; a regular expression here would cost 10x)."""
    return func.replace(cast(boundary, Text), " ", "")


def grid_shapes(engine: Engine) -> list[dict]:
    """Every grid with its geometry (compact GeoJSON text), centre, bbox and street name (for the static GeoJSON
    and labels)."""
    street = areas.alias("street")
    community = areas.alias("community")
    q = (select(grids.c.id, grids.c.code, grids.c.name, _compact(grids.c.boundary).label("geometry"),
                grids.c.center_lon, grids.c.center_lat,
                grids.c.min_lon, grids.c.min_lat, grids.c.max_lon, grids.c.max_lat,
                community.c.name.label("community"), street.c.name.label("street"))
         .join(community, community.c.code == grids.c.area_code)
         .join(street, street.c.code == community.c.parent_code, isouter=True)
         .order_by(grids.c.id))
    with engine.connect() as c:
        return dicts(c.execute(q))


def grid_counts(engine: Engine) -> list[dict]:
    """Per grid: active cases and overdue cases (only grids with at least one)."""
    q = (select(cases.c.grid_id, func.count().label("open"),
                func.count().filter(cases.c.step_deadline_at < func.now()).label("overdue"))
         .where(_active(), cases.c.grid_id.is_not(None)).group_by(cases.c.grid_id))
    with engine.connect() as c:
        return dicts(c.execute(q))


def open_case_points(engine: Engine, limit: int = MAX_POINTS) -> list[dict]:
    """Active cases with a position, most urgent and oldest first, flagged overdue / whistle open."""
    whistle_open = (select(whistles.c.id).where(whistles.c.case_id == cases.c.id, whistles.c.state == "open")
                    .exists())
    q = (select(cases.c.id, cases.c.code, cases.c.title, cases.c.state, cases.c.urgency, cases.c.lon, cases.c.lat,
                cases.c.supervised, (cases.c.step_deadline_at < func.now()).label("overdue"),
                whistle_open.label("whistle"))
         .where(_active(), cases.c.lon.is_not(None), cases.c.lat.is_not(None))
         .order_by(cases.c.urgency, cases.c.reported_at).limit(limit))
    with engine.connect() as c:
        return dicts(c.execute(q))


def open_whistles(engine: Engine) -> list[dict]:
    """Open whistles, newest first, each with its departments (lead first) and check-in state."""
    q = (select(whistles.c.id, whistles.c.reason, whistles.c.raised_at, cases.c.code, cases.c.title,
                cases.c.lon, cases.c.lat, departments.c.name.label("dept"), whistle_departments.c.role,
                whistle_departments.c.deadline_at, whistle_departments.c.checked_in_at,
                whistle_departments.c.checkin_late)
         .join(cases, cases.c.id == whistles.c.case_id)
         .join(whistle_departments, whistle_departments.c.whistle_id == whistles.c.id)
         .join(departments, departments.c.id == whistle_departments.c.dept_id)
         .where(whistles.c.state == "open")
         .order_by(whistles.c.raised_at.desc(), whistles.c.id, whistle_departments.c.role.desc(),
                   departments.c.name))
    out: dict[int, dict] = {}
    with engine.connect() as c:
        for r in c.execute(q).mappings():
            w = out.setdefault(r["id"], {k: r[k] for k in ("id", "reason", "raised_at", "code", "title", "lon",
                                                          "lat")} | {"departments": []})
            w["departments"].append({k: r[k] for k in ("dept", "role", "deadline_at", "checked_in_at",
                                                       "checkin_late")})
    return list(out.values())


def camera_alerts(engine: Engine, minutes: int = 30) -> list[dict]:
    """Cameras with alerts in the last `minutes`: count and the latest alert type."""
    recent = (select(alerts.c.camera_id, func.count().label("n"), func.max(alerts.c.event_at).label("last_at"))
              .where(alerts.c.camera_id.is_not(None),
                     alerts.c.event_at >= func.now() - timedelta(minutes=minutes))
              .group_by(alerts.c.camera_id).subquery())
    last_type = (select(func.coalesce(alert_types.c.name, alerts.c.alert_type))
                 .select_from(alerts.outerjoin(alert_types, alert_types.c.code == alerts.c.alert_type))
                 .where(alerts.c.camera_id == recent.c.camera_id)
                 .order_by(alerts.c.event_at.desc()).limit(1).scalar_subquery())
    q = (select(devices.c.id, devices.c.name, devices.c.code, func.coalesce(devices.c.lon, 0).label("lon"),
                func.coalesce(devices.c.lat, 0).label("lat"), recent.c.n, recent.c.last_at,
                last_type.label("last_type"))
         .join(recent, recent.c.camera_id == devices.c.id)
         .where(devices.c.lon.is_not(None), devices.c.lat.is_not(None)))
    with engine.connect() as c:
        return dicts(c.execute(q))


def kpis(engine: Engine, day_start: datetime, day_end: datetime) -> dict:
    """Headline counts: today's intake by source, active, overdue, parked, open whistles."""
    with engine.connect() as c:
        by_source = {r.source: r.n for r in c.execute(
            select(cases.c.source, func.count().label("n"))
            .where(cases.c.reported_at >= day_start, cases.c.reported_at < day_end, cases.c.merged_into_id.is_(None))
            .group_by(cases.c.source))}
        # Every count needs an active or parked state: reading only those rows (index on state) gives the same
        # counts without scanning the year of closed cases.
        row = c.execute(select(
            func.count().filter(_active()).label("open"),
            func.count().filter(_overdue()).label("overdue"),
            func.count().filter(cases.c.state == "parked").label("parked"),
        ).where(cases.c.state.in_(ACTIVE_STATES + ("parked",)))).mappings().one()
        whistles_open = c.execute(select(func.count()).where(whistles.c.state == "open")).scalar_one()
    return {"intake_by_source": by_source, "intake": sum(by_source.values()), "open": row["open"],
            "overdue": row["overdue"], "parked": row["parked"], "whistles_open": whistles_open}


def feed(engine: Engine, limit: int = 30) -> list[dict]:
    """The latest video alerts and case reports, newest first."""
    a = (select(literal_column("'alert'").label("kind"), alerts.c.event_at.label("at"),
                func.coalesce(alert_types.c.name, alerts.c.alert_type).label("what"),
                func.coalesce(devices.c.name, alerts.c.camera_ref).label("where_"), grids.c.name.label("grid"),
                literal_column("NULL::text").label("source"))
         .select_from(alerts.outerjoin(alert_types, alert_types.c.code == alerts.c.alert_type)
                      .outerjoin(devices, devices.c.id == alerts.c.camera_id)
                      .outerjoin(grids, grids.c.id == alerts.c.grid_id))
         .where(alerts.c.below_threshold.is_(False))
         .order_by(alerts.c.event_at.desc()).limit(limit))
    r = (select(literal_column("'case'").label("kind"), cases.c.reported_at.label("at"), cases.c.title.label("what"),
                func.coalesce(cases.c.address, literal_column("''")).label("where_"), grids.c.name.label("grid"),
                cases.c.source)
         .select_from(cases.outerjoin(grids, grids.c.id == cases.c.grid_id))
         .where(cases.c.source != "video")
         .order_by(cases.c.reported_at.desc()).limit(limit))
    with engine.connect() as c:
        rows = [dict(x) for x in c.execute(a).mappings()] + [dict(x) for x in c.execute(r).mappings()]
    rows.sort(key=lambda x: x["at"], reverse=True)
    return rows[:limit]


def data_age(engine: Engine) -> datetime | None:
    """Time of the newest data received (events, alerts, positions), or None when nothing has arrived."""
    newest = [select(func.max(raw_events.c.received_at)).scalar_subquery(),
              select(func.max(alerts.c.received_at)).scalar_subquery(),
              select(func.max(positions_latest.c.ts)).scalar_subquery(),
              select(func.max(cases.c.created_at)).scalar_subquery()]
    with engine.connect() as c:
        return c.execute(select(func.greatest(*newest))).scalar_one()
