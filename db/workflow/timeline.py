"""一案一码 read back: every step of a case in order, with durations on the case's clock and its status."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, text

from db import labels
from db.workflow import refdata, settings
from db.workflow.clock import clock_status
from db.workflow.core import err
from db.workflow.engine import case_id_of, transaction
from db.workflow.errors import NotFound


def _step_dict(s, clock, now: datetime) -> dict:
    end = s["ended_at"] or now
    event = s["from_state"] == s["to_state"] and s["ended_at"] == s["started_at"] and s["deadline_at"] is None
    status = None if event else clock_status(clock, s["started_at"], s["deadline_at"], end, settings.warn_share())
    return {
        "seq": s["seq"], "action": s["action"], "action_label": labels.WF_ACTION.get(s["action"], s["action"]),
        "from_state": s["from_state"], "to_state": s["to_state"],
        "state_label": labels.CASE_STATE[s["to_state"]], "event": event,
        "actor_name": s["actor_name"], "actor_role": s["actor_role"], "dept_id": s["dept_id"],
        "dept_name": s["dept_name"], "level": s["level"], "started_at": s["started_at"],
        "ended_at": s["ended_at"], "deadline_at": s["deadline_at"], "warning_at": s["warning_at"],
        "limit_minutes": s["limit_minutes"], "open": s["ended_at"] is None,
        "elapsed_minutes": round((end - s["started_at"]).total_seconds() / 60, 1),
        "working_minutes": s["working_minutes"] if s["ended_at"] else round(clock.minutes(s["started_at"], now)),
        "status": status and status["status"],
        "status_label": status and labels.WF_CLOCK_STATUS[status["status"]],
        "overdue_multiple": status and round(status["overdue_multiple"], 2),
        "note": s["note"], "attachments": s["attachments"], "detail": s["detail"],
    }


def timeline(db: Engine | Connection, case: int | str, now: datetime | None = None) -> list[dict]:
    """Steps of a case (id or code) oldest first: who, when, deadline, minutes used, 正常/预警/超时."""
    now = now or datetime.now(timezone.utc)
    with transaction(db) as conn:
        case_id = case_id_of(conn, case)
        row = conn.execute(text("SELECT clock_mode, calendar_code FROM cases WHERE id = :id"),
                           {"id": case_id}).mappings().first()
        if row is None:
            raise NotFound(err("case_not_found", case=case))
        clock = refdata.get_ref(conn).case_clock(dict(row))
        steps = conn.execute(text(
            "SELECT s.*, d.name AS dept_name FROM case_steps s LEFT JOIN departments d ON d.id = s.dept_id "
            "WHERE s.case_id = :id ORDER BY s.seq"), {"id": case_id}).mappings().all()
    return [_step_dict(s, clock, now) for s in steps]
