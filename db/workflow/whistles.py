"""Public whistle API (中心吹哨、部门报到); each call is a case action written through the engine."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, select

from db.schema import whistles
from db.workflow.core import err
from db.workflow.engine import perform, transaction
from db.workflow.errors import NotFound
from db.workflow.model import Actor, StepResult


def _case_of(db: Engine | Connection, whistle_id: int) -> int:
    with transaction(db) as conn:
        case_id = conn.execute(select(whistles.c.case_id).where(whistles.c.id == int(whistle_id))).scalar()
    if case_id is None:
        raise NotFound(err("whistle_unknown", value=whistle_id))
    return case_id


def blow_whistle(db: Engine | Connection, case_id: int | str, actor: Actor, *, lead_dept_id: int,
                 co_dept_ids=(), reason: str, deadlines: dict | None = None, note: str | None = None,
                 at: datetime | None = None, expected_version: int | None = None) -> StepResult:
    """Raise a whistle: one lead and any co-handlers, reason in WHISTLE_REASONS; deadlines {dept_id: minutes or
    datetime} override the tier defaults (tier 1: 30 min, tier 2: 2 h, tier 3: the department's own minutes).
    On a filed case it also dispatches the case to the lead. Returns the step; .whistle_id is the new whistle."""
    params = dict(lead_dept_id=lead_dept_id, co_dept_ids=list(co_dept_ids or ()), reason=reason,
                  deadlines=deadlines, note=note)
    if expected_version is not None:
        params["expected_version"] = expected_version
    return perform(db, case_id, "whistle", actor, at=at, **params)


def check_in(db: Engine | Connection, whistle_id: int, dept_id: int, actor: Actor, *, at: datetime | None = None,
             lon: float | None = None, lat: float | None = None, photo: str | None = None,
             note: str | None = None) -> StepResult:
    """报到: timestamped, with optional position and photo; a late check-in is stored as late."""
    return perform(db, _case_of(db, whistle_id), "whistle_checkin", actor, at=at, whistle_id=whistle_id,
                   dept_id=dept_id, lon=lon, lat=lat, photo=photo, note=note)


def report_progress(db: Engine | Connection, whistle_id: int, dept_id: int, actor: Actor, *, note: str,
                    photo: str | None = None, at: datetime | None = None) -> StepResult:
    """A checked-in department's progress note (appended to its progress list)."""
    return perform(db, _case_of(db, whistle_id), "whistle_progress", actor, at=at, whistle_id=whistle_id,
                   dept_id=dept_id, note=note, photo=photo)


def report_result(db: Engine | Connection, whistle_id: int, dept_id: int, actor: Actor, *,
                  note: str | None = None, at: datetime | None = None) -> StepResult:
    """A department reports its result; the whistle closes when the lead has done so and the case is closed."""
    return perform(db, _case_of(db, whistle_id), "whistle_result", actor, at=at, whistle_id=whistle_id,
                   dept_id=dept_id, note=note)


def return_whistle(db: Engine | Connection, whistle_id: int, dept_id: int, actor: Actor, *, reason: str,
                   at: datetime | None = None) -> StepResult:
    """回退: the department says the whistle is not its business; the center then calls reassign_whistle."""
    return perform(db, _case_of(db, whistle_id), "whistle_return", actor, at=at, whistle_id=whistle_id,
                   dept_id=dept_id, reason=reason)


def reassign_whistle(db: Engine | Connection, whistle_id: int, actor: Actor, *, lead_dept_id: int | None = None,
                     co_dept_ids=(), deadlines: dict | None = None, note: str | None = None,
                     at: datetime | None = None) -> StepResult:
    """The center adds departments to an open whistle; a new lead demotes the old (returned) lead to co-handler."""
    return perform(db, _case_of(db, whistle_id), "whistle_reassign", actor, at=at, whistle_id=whistle_id,
                   lead_dept_id=lead_dept_id, co_dept_ids=list(co_dept_ids or ()), deadlines=deadlines, note=note)
