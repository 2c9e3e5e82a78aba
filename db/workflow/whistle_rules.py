"""中心吹哨、部门报到 as case actions: raising a whistle, check-ins, progress, results, returns, reassignment."""
from __future__ import annotations

from datetime import datetime, timedelta

from db import labels
from db.enums import WHISTLE_REASONS
from db.workflow import settings
from db.workflow.clock import as_utc
from db.workflow.core import HANDLERS, Change, err, int_param, to_int
from db.workflow.errors import ValidationError
from db.workflow.handlers import _dispatch_to, department


def _checkin_deadline(dept: dict, at: datetime, deadlines: dict) -> datetime:
    """The dispatcher's deadline for this department if given, else the department tier's default."""
    given = deadlines.get(dept["id"], deadlines.get(str(dept["id"])))
    if isinstance(given, datetime):
        return max(at, as_utc(given))
    minutes = given or settings.whistle_minutes(dept["tier"]) or dept["checkin_minutes"]
    if not minutes:
        raise ValidationError(err("whistle_no_deadline", dept=dept["name"]))
    minutes = to_int(minutes, "checkin_minutes")
    if minutes <= 0:
        raise ValidationError(err("checkin_minutes"))
    return at + timedelta(minutes=minutes)


def _dept_rows(ch: Change, ref, lead, co_ids, deadlines, taken=()) -> list[dict]:
    wanted = ([(lead, "lead")] if lead is not None else []) + [(d, "co") for d in co_ids or ()]
    ids = [to_int(d, "dept_id") for d, _ in wanted]
    if len(set(ids)) != len(ids) or set(ids) & set(taken):
        raise ValidationError(err("whistle_dept_twice"))
    rows = []
    for dept_id, role in wanted:
        dept = department(ref, dept_id)
        rows.append({"dept_id": dept["id"], "role": role,
                     "deadline_at": _checkin_deadline(dept, ch.at, deadlines or {})})
    return rows


def _whistle(cs, ch, p, ref):
    if p["reason"] not in WHISTLE_REASONS:
        raise ValidationError(err("whistle_reason"))
    if cs.whistles:
        raise ValidationError(err("whistle_open"))
    depts = _dept_rows(ch, ref, p["lead_dept_id"], p.get("co_dept_ids"), p.get("deadlines"))
    ch.new_whistle = {"row": {"case_id": cs.case["id"], "reason": p["reason"], "note": p.get("note"),
                              "state": "open", "raised_by": ch.actor.user_id, "raised_at": ch.at},
                      "depts": depts}
    if ch.transition:
        _dispatch_to(cs, ch, p["lead_dept_id"], ref)
    ch.note = p.get("note") or labels.WHISTLE_REASON[p["reason"]]
    ch.detail.update(reason=p["reason"], lead=depts[0]["dept_id"], co=[d["dept_id"] for d in depts[1:]])


def _member(cs, p) -> tuple[dict, dict]:
    wid = int_param(p, "whistle_id")
    whistle = next((w for w in cs.whistles if w["id"] == wid), None)
    if whistle is None:
        raise ValidationError(err("whistle_unknown", value=wid))
    row = whistle["depts"].get(int_param(p, "dept_id"))
    if row is None:
        raise ValidationError(err("whistle_not_member"))
    if row.get("returned_at") is not None:
        raise ValidationError(err("whistle_returned"))
    return whistle, row


def _update(ch: Change, whistle: dict, row: dict, columns: dict) -> None:
    ch.whistle_dept_updates.append((whistle["id"], row["dept_id"], columns))
    ch.step_dept_id = row["dept_id"]
    ch.detail.update(whistle_id=whistle["id"], dept_id=row["dept_id"])


def _checkin(cs, ch, p, ref):
    whistle, row = _member(cs, p)
    if row.get("checked_in_at") is not None:
        raise ValidationError(err("whistle_checked_in"))
    late = ch.at > row["deadline_at"]
    _update(ch, whistle, row, {"checked_in_at": ch.at, "checkin_late": late, "checkin_lon": p.get("lon"),
                               "checkin_lat": p.get("lat"), "checkin_photo": p.get("photo"),
                               "checkin_note": p.get("note")})
    ch.detail["late"] = late


def _checked_in(cs, p) -> tuple[dict, dict]:
    whistle, row = _member(cs, p)
    if row.get("checked_in_at") is None:
        raise ValidationError(err("whistle_not_checked_in"))
    if row.get("result_at") is not None:
        raise ValidationError(err("whistle_result_done"))
    return whistle, row


def _progress(cs, ch, p, ref):
    whistle, row = _checked_in(cs, p)
    entry = {"at": ch.at.isoformat(), "note": p["note"], "photo": p.get("photo"), "by": ch.actor.name}
    _update(ch, whistle, row, {"progress": list(row.get("progress") or []) + [entry]})


def _result(cs, ch, p, ref):
    whistle, row = _checked_in(cs, p)
    _update(ch, whistle, row, {"result_at": ch.at, "result_note": p.get("note")})


def _return(cs, ch, p, ref):
    whistle, row = _member(cs, p)
    if row.get("result_at") is not None:
        raise ValidationError(err("whistle_result_done"))
    _update(ch, whistle, row, {"returned_at": ch.at, "return_reason": p["reason"]})


def _reassign(cs, ch, p, ref):
    wid = int_param(p, "whistle_id")
    whistle = next((w for w in cs.whistles if w["id"] == wid), None)
    if whistle is None:
        raise ValidationError(err("whistle_unknown", value=wid))
    lead = p.get("lead_dept_id")
    rows = _dept_rows(ch, ref, lead, p.get("co_dept_ids"), p.get("deadlines"), taken=whistle["depts"].keys())
    if not rows:
        raise ValidationError(err("missing", param=labels.WF_PARAM["lead_dept_id"]))
    if lead is not None:
        for old in whistle["depts"].values():
            if old["role"] == "lead":
                ch.whistle_dept_updates.append((wid, old["dept_id"], {"role": "co"}))
    ch.whistle_dept_inserts.extend((wid, r) for r in rows)
    ch.detail.update(whistle_id=wid, added=[r["dept_id"] for r in rows])


HANDLERS.update({
    "whistle": _whistle, "whistle_checkin": _checkin, "whistle_progress": _progress,
    "whistle_result": _result, "whistle_return": _return, "whistle_reassign": _reassign,
})
