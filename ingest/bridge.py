"""Case bridge: new reports, alerts, verifications and department feedback become workflow actions, inside the
batch transaction (each in a SAVEPOINT), so a raw event and its case step commit together exactly once."""
from __future__ import annotations

import logging
import traceback

import psycopg2
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from db import labels, workflow
from db.workflow import Actor, AlertIn
from ingest.message import Parsed
from ingest.registry import Registry

log = logging.getLogger("ingest.bridge")
R = labels.INGEST_REASON


def _grid_worker(p: Parsed, reg: Registry) -> Actor:
    if p.staff_id is None:
        return workflow.SYSTEM
    code, name = reg.staff_names.get(p.staff_id, (str(p.staff_id), ""))
    return Actor(None, code, "grid_worker", staff_id=p.staff_id, display_name=name)


def _report(conn: Connection, raw_id: int, p: Parsed, reg: Registry) -> None:
    e = p.effect[1]
    category = reg.category_names.get(e["category_code"]) if e["category_code"] else None
    title = category or e["description"].strip().splitlines()[0][:40]
    if e["address"]:
        title = f"{title}（{e['address'][:40]}）"
    workflow.open_case(conn, _grid_worker(p, reg), source="grid_worker", title=title,
                       self_handled=e["self_handled"], category_code=e["category_code"],
                       description=e["description"], lon=e["lon"], lat=e["lat"], grid_id=p.grid_id,
                       urgency=e["urgency"] or 3, reported_at=e["at"], source_ref=e["source_ref"],
                       photos=e["photos"], address=e["address"], district_code=p.district_code)


def _alert(conn: Connection, raw_id: int, p: Parsed, reg: Registry) -> None:
    e = p.effect[1]
    workflow.intake_alert(conn, AlertIn(
        alert_key=e["alert_key"], camera_ref=e["camera_ref"], alert_type=e["alert_type"], event_at=e["event_at"],
        camera_id=e["camera_id"], score=e.get("score"), priority=e.get("priority"), lon=e.get("lon"),
        lat=e.get("lat"), grid_id=p.grid_id, snapshot_url=e.get("snapshot_url"), vendor=e.get("vendor"),
        ended_at=e.get("ended_at"), raw_event_id=raw_id, district_code=p.district_code))


def _verify(conn: Connection, raw_id: int, p: Parsed, reg: Registry) -> None:
    e = p.effect[1]
    workflow.perform(conn, e["case_code"], "verify", _grid_worker(p, reg), passed=e["passed"], note=e["note"],
                     photos=e["photos"])


def _feedback(conn: Connection, raw_id: int, p: Parsed, reg: Registry) -> None:
    """checkin: whistle check-in or sign; progress: whistle progress or case progress; result: whistle result
    and/or the case's feedback step, whichever this department holds."""
    e = p.effect[1]
    dept_id = e["dept_id"]
    code, name = reg.dept_names.get(dept_id, (str(dept_id), ""))
    actor = Actor(None, code, "department", dept_id=dept_id, display_name=name)
    case = conn.execute(text(
        "SELECT c.id, c.state, c.dept_id, (SELECT w.id FROM whistles w JOIN whistle_departments d "
        "ON d.whistle_id = w.id WHERE w.case_id = c.id AND w.state = 'open' AND d.dept_id = :d "
        "ORDER BY w.id DESC LIMIT 1) AS whistle_id FROM cases c WHERE c.code = :code"),
        {"d": dept_id, "code": e["case_code"]}).first()
    if case is None:
        raise workflow.NotFound(R["case_unknown"].format(code=e["case_code"]))
    photo = e["photos"][0] if e["photos"] else None
    note = e["note"] or ""
    owns_case = case.dept_id == dept_id
    if e["action"] == "checkin":
        if case.whistle_id:
            workflow.check_in(conn, case.whistle_id, dept_id, actor, lon=e["lon"], lat=e["lat"], photo=photo,
                              note=e["note"])
        else:
            workflow.perform(conn, case.id, "sign", actor)
        return
    if owns_case and case.state == "dispatched":
        workflow.perform(conn, case.id, "sign", actor)
    if e["action"] == "progress":
        if case.whistle_id:
            workflow.report_progress(conn, case.whistle_id, dept_id, actor, note=note, photo=photo)
        else:
            workflow.perform(conn, case.id, "progress", actor, note=note, photos=e["photos"])
        return
    if case.whistle_id:
        workflow.report_result(conn, case.whistle_id, dept_id, actor, note=e["note"])
    if owns_case or not case.whistle_id:
        workflow.perform(conn, case.id, "feedback", actor, note=note, photos=e["photos"])


HANDLERS = {"report": _report, "alert": _alert, "verify": _verify, "feedback": _feedback}


def _connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc.orig, psycopg2.OperationalError)
    return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError))


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"


def run(conn: Connection, new: list[tuple[int, Parsed]], reg: Registry) -> dict[int, str]:
    """Apply case effects in arrival order; returns {raw_event_id: reason} of those the workflow refused."""
    failed: dict[int, str] = {}
    for raw_id, p in new:
        if p.effect is None or p.effect[0] not in HANDLERS:
            continue
        try:
            with conn.begin_nested():
                HANDLERS[p.effect[0]](conn, raw_id, p, reg)
        except workflow.WorkflowError as exc:
            failed[raw_id] = R["case_error"].format(detail=exc.message)
        except Exception as exc:  # noqa: BLE001 - one bad case step must not stop the ingest
            if _connection_lost(exc):
                raise
            # Type and place only: the exception text may quote message content (personal data).
            error = f"{type(exc).__name__} @ {_where(exc)}"
            log.error(labels.INGEST_CLI["case_crash"].format(error=error))
            failed[raw_id] = R["case_crash"].format(error=type(exc).__name__)
    return failed
