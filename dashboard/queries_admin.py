"""Basic-data queries and the few cheap, safe admin writes (departments, limits, calendar days, device mapping)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import (
    Connection, Engine, case, delete, exists, false, func, insert, not_, or_, select, text, true, update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from db import labels
from db.engine import dicts
from db.schema import (
    alert_type_aliases, alert_types, areas, audit_log, calendar_days, calendars, categories, category_versions,
    dead_letters, departments, device_aliases, devices, grids, ingest_counters, staff, staff_grids,
    unregistered_devices,
)

LIMIT_COLUMNS = ("limit_filing_min", "limit_dispatch_min", "limit_sign_min", "limit_handle_min", "limit_check_min")
DEPT_EDITABLE = ("duty_phone", "checkin_minutes", "active")
PAYLOAD_PREVIEW = 300          # bytes of a dead letter shown on screen
CAMERA_CODE = re.compile(r"[0-9]{20}")
L = labels.ACTION_PAGES


def _rows(engine: Engine, stmt) -> list[dict]:
    with engine.connect() as conn:
        return dicts(conn.execute(stmt))


def grids_table(engine: Engine) -> list[dict]:
    workers = (select(staff_grids.c.grid_id, func.count().label("staff_count"))
               .group_by(staff_grids.c.grid_id).subquery())
    stmt = (select(grids.c.id, grids.c.code, grids.c.name, grids.c.level, grids.c.kind,
                   areas.c.name.label("community_name"), grids.c.households, grids.c.population,
                   func.coalesce(workers.c.staff_count, 0).label("staff_count"))
            .select_from(grids.join(areas, areas.c.code == grids.c.area_code)
                         .outerjoin(workers, workers.c.grid_id == grids.c.id))
            .order_by(grids.c.code))
    return _rows(engine, stmt)


def staff_table(engine: Engine) -> list[dict]:
    grid_codes = (select(staff_grids.c.staff_id, func.string_agg(grids.c.code, ",").label("grid_codes"))
                  .join(grids, grids.c.id == staff_grids.c.grid_id).group_by(staff_grids.c.staff_id).subquery())
    stmt = (select(staff.c.id, staff.c.code, staff.c.name, staff.c.phone, staff.c.role, staff.c.active,
                   areas.c.name.label("area_name"), departments.c.name.label("dept_name"), grid_codes.c.grid_codes)
            .select_from(staff.outerjoin(areas, areas.c.code == staff.c.area_code)
                         .outerjoin(departments, departments.c.id == staff.c.dept_id)
                         .outerjoin(grid_codes, grid_codes.c.staff_id == staff.c.id))
            .order_by(staff.c.code))
    return _rows(engine, stmt)


def departments_table(engine: Engine) -> list[dict]:
    return _rows(engine, select(departments).order_by(departments.c.tier, departments.c.code))


def cameras_table(engine: Engine) -> list[dict]:
    stmt = (select(devices.c.id, devices.c.code, devices.c.name, devices.c.status, devices.c.vendor,
                   devices.c.lon, devices.c.lat, grids.c.code.label("grid_code"), devices.c.status_at)
            .select_from(devices.outerjoin(grids, grids.c.id == devices.c.grid_id))
            .where(devices.c.kind == "camera").order_by(devices.c.code))
    return _rows(engine, stmt)


def categories_table(engine: Engine) -> list[dict]:
    """Categories of the active version with their per-step limits."""
    stmt = (select(categories.c.id, categories.c.code, categories.c.name, categories.c.level, categories.c.domain,
                   categories.c.clock_mode, categories.c.urgent, categories.c.work_kind,
                   *[categories.c[col] for col in LIMIT_COLUMNS], departments.c.name.label("default_dept"))
            .select_from(categories.join(category_versions, category_versions.c.id == categories.c.version_id)
                         .outerjoin(departments, departments.c.id == categories.c.default_dept_id))
            .where(category_versions.c.active).order_by(categories.c.code))
    return _rows(engine, stmt)


def calendars_table(engine: Engine) -> tuple[list[dict], list[dict]]:
    cals = _rows(engine, select(calendars).order_by(calendars.c.is_default.desc(), calendars.c.code))
    days = _rows(engine, select(calendar_days).order_by(calendar_days.c.calendar_code, calendar_days.c.day))
    return cals, days


def _resolved(u):
    """Whether what an unregistered row names is known by now (registered here, imported, or mapped)."""
    ext, src = u.c.external_id, u.c.source
    alias = exists().where(device_aliases.c.source == src, device_aliases.c.external_id == ext)
    type_alias = exists().where(alert_type_aliases.c.vendor.in_([src, "*"]), alert_type_aliases.c.vendor_code == ext)
    return case(
        (u.c.registered_device_id.is_not(None), true()),
        (u.c.kind == "camera", or_(alias, exists().where(devices.c.code == ext))),
        (u.c.kind.in_(["staff", "device"]), or_(alias, exists().where(staff.c.code == ext),
                                                exists().where(devices.c.code == ext))),
        (u.c.kind == "alert_type", or_(type_alias, exists().where(or_(alert_types.c.code == ext,
                                                                      alert_types.c.name == ext)))),
        (u.c.kind == "category", exists().where(categories.c.code == ext, categories.c.version_id.in_(
            select(category_versions.c.id).where(category_versions.c.active)))),
        (u.c.kind == "department", exists().where(departments.c.code == ext)),
        (u.c.kind == "grid", exists().where(grids.c.code == ext)),
        else_=false())


def unregistered(engine: Engine, include_resolved: bool = False) -> list[dict]:
    """What the ingest saw but could not place, most recent first; resolved rows drop off the list."""
    u = unregistered_devices
    stmt = select(u, _resolved(u).label("resolved")).order_by(u.c.last_seen.desc())
    if not include_resolved:
        stmt = stmt.where(not_(_resolved(u)))
    return _rows(engine, stmt)


def alert_type_choices(engine: Engine) -> list[tuple[str, str]]:
    return [tuple(r) for r in _rows_plain(engine, select(alert_types.c.code, alert_types.c.name)
                                         .order_by(alert_types.c.code))]


def _rows_plain(engine: Engine, stmt) -> list:
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def ingest_health(engine: Engine, window_minutes: int = 15, now: datetime | None = None) -> list[dict]:
    """Per worker over the window (rows are deltas): messages received/stored/rejected, per second, worst lag."""
    now = now or datetime.now(timezone.utc)
    ic = ingest_counters.c
    stmt = (select(ic.worker, func.sum(ic.received).label("received"), func.sum(ic.stored).label("stored"),
                   func.sum(ic.duplicates).label("duplicates"), func.sum(ic.rejected).label("rejected"),
                   func.max(ic.at).label("last_at"), func.max(ic.lag_p95_ms).label("lag_p95_ms"),
                   func.max(ic.lag_max_ms).label("lag_max_ms"))
            .where(ic.at >= now - timedelta(minutes=window_minutes)).group_by(ic.worker).order_by(ic.worker))
    rows = _rows(engine, stmt)
    seconds = window_minutes * 60.0
    for r in rows:
        for key in ("received", "stored", "duplicates", "rejected"):
            r[key] = int(r[key] or 0)              # sum() of bigint comes back as Decimal
        r["received_per_s"] = round(r["received"] / seconds, 2)
    return rows


def source_health_rows(engine: Engine) -> list[dict]:
    """SQL sources (issue 8): each source's last poll state, written by the ingest's pollers."""
    return _rows(engine, text(
        "SELECT h.*, w.wm, w.tb, now() - h.updated_at > interval '5 minutes' AS stale FROM source_health h "
        "LEFT JOIN source_watermarks w ON w.source = h.source ORDER BY h.source"))


def dead_letter_rows(engine: Engine, limit: int = 200, unreplayed_only: bool = False) -> list[dict]:
    dl = dead_letters.c
    stmt = (select(dl.id, dl.source, dl.topic, dl.reason, dl.payload_size, dl.received_at, dl.replayed_at,
                   dl.replay_result, dl.replay_requested_at, dl.seen_count, func.substring(dl.payload, 1, PAYLOAD_PREVIEW).label("preview"))
            .order_by(dl.received_at.desc()).limit(limit))
    if unreplayed_only:
        stmt = stmt.where(dl.replayed_at.is_(None))
    rows = _rows(engine, stmt)
    for r in rows:
        r["preview"] = bytes(r["preview"] or b"").decode("utf-8", errors="replace")
    return rows


def dead_letter_counts(engine: Engine) -> dict:
    dl = dead_letters.c
    stmt = select(func.count().label("total"), func.count().filter(dl.replayed_at.is_(None)).label("unreplayed"))
    with engine.connect() as conn:
        return dict(conn.execute(stmt).mappings().one())


# --- writes: each one audited -----------------------------------------------------------------------


def _audit(conn: Connection, actor: dict, action: str, kind: str, target: str, detail: dict) -> None:
    conn.execute(insert(audit_log).values(user_id=actor.get("user_id"), username=actor.get("username"),
                                          action=action, target_kind=kind, target_id=target, detail=detail))


def update_department(engine: Engine, dept_id: int, changes: dict, actor: dict) -> None:
    """Duty phone, tier-3 check-in minutes and active flag only: names, codes and tiers come from imports."""
    values = {k: v for k, v in changes.items() if k in DEPT_EDITABLE}
    if not values:
        return
    with engine.begin() as conn:
        conn.execute(update(departments).where(departments.c.id == dept_id).values(**values))
        _audit(conn, actor, "admin.department.update", "department", str(dept_id),
               {k: v for k, v in values.items()})


def update_category_limits(engine: Engine, category_id: int, limits: dict, actor: dict) -> None:
    """Changes apply to steps started from now on: deadlines already set stay as they are."""
    values = {k: limits[k] for k in LIMIT_COLUMNS if k in limits}
    if not values:
        return
    with engine.begin() as conn:
        conn.execute(update(categories).where(categories.c.id == category_id).values(**values))
        _audit(conn, actor, "admin.category.limits", "category", str(category_id), values)


def request_replay(engine: Engine, ids: list[int], actor: dict) -> None:
    """Ask the ingest worker to replay these dead letters (it polls for requests); already replayed ones are left."""
    dl = dead_letters.c
    with engine.begin() as conn:
        done = conn.execute(update(dead_letters).where(dl.id.in_(ids), dl.replayed_at.is_(None))
                            .values(replay_requested_at=func.now(), replay_requested_by=actor.get("username"))
                            .returning(dl.id)).scalars().all()
        if not done:
            raise AdminError(L["adm_replay_none"])
        _audit(conn, actor, "admin.dead_letter.replay", "dead_letter", ",".join(map(str, sorted(done))),
               {"ids": sorted(done)})


def set_calendar_day(engine: Engine, calendar_code: str, day: date, kind: str, name: str | None,
                     actor: dict) -> None:
    stmt = pg_insert(calendar_days).values(calendar_code=calendar_code, day=day, kind=kind, name=name)
    stmt = stmt.on_conflict_do_update(index_elements=["calendar_code", "day"], set_={"kind": kind, "name": name})
    with engine.begin() as conn:
        conn.execute(stmt)
        _audit(conn, actor, "admin.calendar.set", "calendar", calendar_code,
               {"day": day.isoformat(), "kind": kind, "name": name})


def delete_calendar_day(engine: Engine, calendar_code: str, day: date, actor: dict) -> None:
    with engine.begin() as conn:
        conn.execute(delete(calendar_days).where(calendar_days.c.calendar_code == calendar_code,
                                                 calendar_days.c.day == day))
        _audit(conn, actor, "admin.calendar.delete", "calendar", calendar_code, {"day": day.isoformat()})


# --- registering what the ingest did not know ------------------------------------------------------


class AdminError(Exception):
    """A refused admin edit; .message is for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _pending(conn: Connection, uid: int, kinds: tuple[str, ...]) -> dict:
    row = conn.execute(select(unregistered_devices).where(unregistered_devices.c.id == uid)
                       .with_for_update()).mappings().first()
    if row is None or row["kind"] not in kinds:
        raise AdminError(L["adm_unreg_missing"])
    return dict(row)


def _alias(conn: Connection, source: str, external_id: str, *, device_id=None, staff_id=None) -> None:
    stmt = pg_insert(device_aliases).values(source=source, external_id=external_id, device_id=device_id,
                                            staff_id=staff_id)
    conn.execute(stmt.on_conflict_do_update(index_elements=["source", "external_id"],
                                            set_={"device_id": device_id, "staff_id": staff_id}))


def register_camera(engine: Engine, uid: int, actor: dict, *, device_id: int | None = None,
                    code: str | None = None, name: str | None = None, grid_id: int | None = None,
                    lon: float | None = None, lat: float | None = None) -> int:
    """A camera the ingest saw: map it to an existing camera, or create one (20-digit GB/T 28181 code)."""
    with engine.begin() as conn:
        row = _pending(conn, uid, ("camera",))
        ext = row["external_id"]
        if device_id is None:
            code = (code or ext).strip()
            if not CAMERA_CODE.fullmatch(code):
                raise AdminError(L["adm_camera_code"])
            if conn.execute(select(devices.c.id).where(devices.c.code == code)).first():
                raise AdminError(L["adm_code_taken"].format(code=code))
            if (lon is None) != (lat is None) or (lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)):
                raise AdminError(L["adm_bad_position"])
            device_id = conn.execute(insert(devices).values(
                kind="camera", code=code, name=(name or "").strip() or ext, grid_id=grid_id, lon=lon, lat=lat,
                vendor=row["source"]).returning(devices.c.id)).scalar_one()
        else:
            code = conn.execute(select(devices.c.code).where(devices.c.id == device_id,
                                                             devices.c.kind == "camera")).scalar()
            if code is None:
                raise AdminError(L["adm_unreg_missing"])
        if code != ext:
            _alias(conn, row["source"], ext, device_id=device_id)
        conn.execute(update(unregistered_devices).where(unregistered_devices.c.id == uid)
                     .values(registered_device_id=device_id))
        _audit(conn, actor, "admin.device.register", "device", str(device_id),
               {"source": row["source"], "external_id": ext, "code": code})
    return device_id


def map_to_staff(engine: Engine, uid: int, staff_id: int, actor: dict) -> None:
    """A terminal or OwnTracks user the ingest could not place, mapped to a staff member by an alias."""
    with engine.begin() as conn:
        row = _pending(conn, uid, ("staff", "device"))
        if not conn.execute(select(staff.c.id).where(staff.c.id == staff_id, staff.c.active)).first():
            raise AdminError(L["adm_unreg_missing"])
        _alias(conn, row["source"], row["external_id"], staff_id=staff_id)
        _audit(conn, actor, "admin.alias.staff", "staff", str(staff_id),
               {"source": row["source"], "external_id": row["external_id"]})


def map_alert_type(engine: Engine, uid: int, alert_type_code: str, actor: dict) -> None:
    """A vendor's alert code mapped onto one of our alert types (plain 'video' messages name no vendor: '*')."""
    with engine.begin() as conn:
        row = _pending(conn, uid, ("alert_type",))
        if not conn.execute(select(alert_types.c.code).where(alert_types.c.code == alert_type_code)).first():
            raise AdminError(L["adm_unreg_missing"])
        vendor = "*" if row["source"] == "video" else row["source"]
        stmt = pg_insert(alert_type_aliases).values(vendor=vendor, vendor_code=row["external_id"],
                                                    alert_type_code=alert_type_code)
        conn.execute(stmt.on_conflict_do_update(index_elements=["vendor", "vendor_code"],
                                                set_={"alert_type_code": alert_type_code}))
        _audit(conn, actor, "admin.alias.alert_type", "alert_type", alert_type_code,
               {"vendor": vendor, "vendor_code": row["external_id"]})
