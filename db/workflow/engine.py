"""The database side of the engine: lock a case, run the core, write state, step, audit in one transaction."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, insert, select, text, update

from db.schema import audit_log, case_requests, case_steps, cases, whistle_departments, whistles
from db.workflow import refdata
from db.workflow.clock import SHANGHAI, as_utc
from db.workflow.core import CaseState, Change, advance, build_change, err
from db.workflow.errors import NotFound
from db.workflow.model import Actor, CaseRef, StepResult
from db.workflow.newcase import CASE_FIELDS, case_row, report_change
from db.workflow import handlers, whistle_rules  # noqa: F401  (they register the action handlers)


@contextmanager
def transaction(db: Engine | Connection):
    """Own transaction on an Engine; a SAVEPOINT inside the caller's transaction on a Connection."""
    if isinstance(db, Engine):
        with db.begin() as conn:
            yield conn
    else:
        with db.begin_nested():
            yield db


def moment(at: datetime | None) -> datetime:
    return as_utc(at) if at is not None else datetime.now(timezone.utc)


def invalidate_caches() -> None:
    """Forget cached categories, departments, grids and calendars (after an admin edit, or in tests)."""
    refdata.invalidate()


def case_id_of(conn: Connection, case: int | str) -> int:
    if isinstance(case, int) or str(case).isdigit():
        return int(case)
    found = conn.execute(select(cases.c.id).where(cases.c.code == case)).scalar()
    if found is None:
        raise NotFound(err("case_not_found", case=case))
    return found


def load_state(conn: Connection, case: int | str) -> CaseState:
    """The case locked FOR UPDATE, with its open step, last step, pending requests and open whistles."""
    case_id = case_id_of(conn, case)
    row = conn.execute(text("SELECT * FROM cases WHERE id = :id FOR UPDATE"), {"id": case_id}).mappings().first()
    if row is None:
        raise NotFound(err("case_not_found", case=case))
    cs = CaseState(case=dict(row))
    steps = conn.execute(text(
        "SELECT seq, action, actor_name, started_at, ended_at, deadline_at, to_state FROM case_steps "
        "WHERE case_id = :id AND (ended_at IS NULL OR seq = :v)"), {"id": case_id, "v": row["version"]}).mappings()
    for s in steps:
        if s["ended_at"] is None:
            cs.open_step = {k: s[k] for k in ("seq", "started_at", "deadline_at", "to_state")}
        if s["seq"] == row["version"]:
            cs.last_actor, cs.last_action, cs.last_at = s["actor_name"], s["action"], s["started_at"]
    cs.dept_late = row["dept_late"]
    cs.requests = [dict(r) for r in conn.execute(select(case_requests).where(
        case_requests.c.case_id == case_id, case_requests.c.status == "pending")).mappings()]
    open_whistles = conn.execute(select(whistles).where(
        whistles.c.case_id == case_id, whistles.c.state == "open")).mappings().all()
    for w in open_whistles:
        depts = conn.execute(select(whistle_departments).where(whistle_departments.c.whistle_id == w["id"]))
        cs.whistles.append({"id": w["id"], "row": dict(w),
                            "depts": {d["dept_id"]: dict(d) for d in depts.mappings()}})
    return cs


def write_change(conn: Connection, cs: CaseState, ch: Change) -> StepResult:
    """Write one change: close/adjust steps, requests, whistles, the case row, the new step and the audit row."""
    case_id = cs.case["id"]
    if ch.close_step:
        conn.execute(update(case_steps).where(case_steps.c.case_id == case_id,
                                              case_steps.c.seq == ch.close_step["seq"]).values(
            ended_at=ch.close_step["ended_at"], working_minutes=ch.close_step["working_minutes"]))
    if ch.open_step:
        conn.execute(update(case_steps).where(case_steps.c.case_id == case_id,
                                              case_steps.c.ended_at.is_(None)).values(**ch.open_step))
    request_id = whistle_id = None
    for rid, columns in ch.request_updates:
        conn.execute(update(case_requests).where(case_requests.c.id == rid).values(**columns))
    if ch.new_request:
        request_id = conn.execute(insert(case_requests).values(**ch.new_request).returning(case_requests.c.id)) \
            .scalar_one()
    whistle_id = _write_whistles(conn, ch)
    conn.execute(update(cases).where(cases.c.id == case_id).values(**ch.case))
    conn.execute(insert(case_steps).values(**{**ch.step, "case_id": case_id}))
    conn.execute(insert(audit_log).values(**ch.audit))
    advance(cs, ch, request_id, whistle_id)
    return StepResult(case_id, cs.case["code"], ch.step["seq"], ch.action, ch.from_state, ch.to_state,
                      cs.case["version"], ch.at, request_id, whistle_id or ch.detail.get("whistle_id"))


def _write_whistles(conn: Connection, ch: Change) -> int | None:
    whistle_id = None
    if ch.new_whistle:
        whistle_id = conn.execute(insert(whistles).values(**ch.new_whistle["row"]).returning(whistles.c.id)) \
            .scalar_one()
        conn.execute(insert(whistle_departments), [{**d, "whistle_id": whistle_id} for d in ch.new_whistle["depts"]])
    for wid, dept_id, columns in ch.whistle_dept_updates:
        conn.execute(update(whistle_departments).where(
            whistle_departments.c.whistle_id == wid, whistle_departments.c.dept_id == dept_id).values(**columns))
    if ch.whistle_dept_inserts:
        conn.execute(insert(whistle_departments), [{**row, "whistle_id": wid} for wid, row in ch.whistle_dept_inserts])
    if ch.whistle_closes:
        conn.execute(update(whistles).where(whistles.c.id.in_(ch.whistle_closes)).values(
            state="closed", closed_at=ch.at))
    return whistle_id


def perform(db: Engine | Connection, case: int | str, action: str, actor: Actor, *, at: datetime | None = None,
            **params) -> StepResult:
    """Take one action on a case (by id or code): checked, locked, written with its step and audit rows."""
    at = moment(at)
    with transaction(db) as conn:
        cs = load_state(conn, case)
        ch = build_change(cs, action, actor, at, dict(params), refdata.get_ref(conn))
        return write_change(conn, cs, ch)


def next_code(conn: Connection, at: datetime) -> str:
    """一案一码: local date + the day's sequence, e.g. 20261122-0001."""
    day = at.astimezone(SHANGHAI).date()
    seq = conn.execute(text(
        "INSERT INTO case_counters (day, last_seq) VALUES (:d, 1) ON CONFLICT (day) "
        "DO UPDATE SET last_seq = case_counters.last_seq + 1 RETURNING last_seq"), {"d": day}).scalar_one()
    return f"{day:%Y%m%d}-{seq:04d}"


def open_case(db: Engine | Connection, actor: Actor, *, source: str, title: str, self_handled: bool = False,
              at: datetime | None = None, **fields) -> CaseRef:
    """Register a case (上报); self_handled reports by grid workers are closed at once (自行处置)."""
    at = moment(at)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise TypeError(f"open_case() got unexpected keyword arguments {sorted(unknown)}")
    if fields.get("reported_at") is not None:
        fields["reported_at"] = as_utc(fields["reported_at"])
    with transaction(db) as conn:
        ref = refdata.get_ref(conn)
        row = case_row(ref, actor, at, {**fields, "source": source, "title": title})
        row["id"] = conn.execute(text("SELECT nextval(pg_get_serial_sequence('cases', 'id'))")).scalar_one()
        row["code"] = next_code(conn, at)
        cs, ch = report_change(row, actor, at, ref)
        conn.execute(insert(cases).values(**{**row, **ch.case}))
        _write_new(conn, cs, ch)
        if self_handled:
            nxt = build_change(cs, "self_handle", actor, at, {}, ref)
            write_change(conn, cs, nxt)
        return CaseRef(row["id"], row["code"])


def _write_new(conn: Connection, cs: CaseState, ch: Change) -> None:
    conn.execute(insert(case_steps).values(**{**ch.step, "case_id": cs.case["id"]}))
    conn.execute(insert(audit_log).values(**ch.audit))
    advance(cs, ch)
