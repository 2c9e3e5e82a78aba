"""What each case action changes beyond the generic step bookkeeping (pure; see core.build_change)."""
from __future__ import annotations

from db import labels
from db.enums import URGENCIES, WORK_KINDS
from db.workflow import settings
from db.workflow.core import HANDLERS, CaseState, Change, err, int_param, to_int
from db.workflow.errors import ValidationError
from db.workflow.refdata import RefData
from db.workflow.table import APPROVAL_OF, REQUEST_OF, next_level


def department(ref: RefData, dept_id) -> dict:
    dept = ref.departments.get(int(dept_id)) if str(dept_id).lstrip("-").isdigit() else None
    if not dept or not dept["active"]:
        raise ValidationError(err("dept_unknown", value=dept_id))
    return dept


def clock_fields(category: dict | None, urgency: int, work_kind: str, ref: RefData) -> dict:
    """Urgent categories, emergencies and urgency 1 run on natural time; the rest on the default calendar."""
    natural = urgency == 1 or work_kind == "emergency" or bool(
        category and (category["urgent"] or category["clock_mode"] == "natural"))
    return {"clock_mode": "natural" if natural else "working",
            "calendar_code": None if natural else ref.default_calendar}


def _accept(cs, ch, p, ref):
    ch.case["accepted_at"] = cs.case.get("accepted_at") or ch.at


def _file(cs, ch, p, ref):
    case = cs.case
    cat_id = to_int(p["category_id"], "category_id") if p.get("category_id") else None
    cat = ref.category(code=p.get("category_code"), cat_id=cat_id) \
        if (p.get("category_code") or cat_id) else ref.category(cat_id=case.get("category_id"))
    if cat is None:
        key = p.get("category_code") or p.get("category_id")
        raise ValidationError(err("category_unknown", value=key) if key else err("category_required"))
    urgency = int_param(p, "urgency") if p.get("urgency") is not None else case["urgency"]
    if urgency not in URGENCIES:
        raise ValidationError(err("bad_urgency"))
    work_kind = p.get("work_kind") or cat["work_kind"]
    if work_kind not in WORK_KINDS:
        raise ValidationError(err("bad_work_kind", value=work_kind))
    ch.case.update(category_id=cat["id"], urgency=urgency, work_kind=work_kind, filed_at=ch.at,
                   **clock_fields(cat, urgency, work_kind, ref))
    ch.detail["category"] = cat["code"]


def _dispatch_to(cs, ch, dept_id, ref):
    dept = department(ref, dept_id)
    case = {**cs.case, **ch.case}
    clock = ref.case_clock(case)
    ch.case.update(dept_id=dept["id"], dispatched_at=ch.at,
                   handle_deadline_at=clock.add(ch.at, ref.limit(case, "handle")))
    ch.detail["dept"] = dept["code"]


def _dispatch(cs, ch, p, ref):
    _dispatch_to(cs, ch, p["dept_id"], ref)


def _close(cs, ch, p, ref):
    for w in cs.whistles:
        lead = next((d for d in w["depts"].values() if d["role"] == "lead"), None)
        if lead is None or lead.get("result_at") is None:
            raise ValidationError(err("whistle_lead_pending"))
    sat = p.get("satisfaction")
    if sat is not None:
        sat = int_param(p, "satisfaction")
        if not 1 <= sat <= 5:
            raise ValidationError(err("satisfaction_range"))
    close_type = "special" if p.get("special") else ("late" if cs.dept_late else "normal")
    ch.case.update(closed_at=ch.at, close_type=close_type, satisfaction=sat)
    ch.whistle_closes.extend(w["id"] for w in cs.whistles)
    ch.detail.update(close_type=close_type, satisfaction=sat)


def _self_handle(cs, ch, p, ref):
    ch.case.update(closed_at=ch.at, close_type="normal", satisfaction=p.get("satisfaction"))


def _rework(cs, ch, p, ref):
    case = cs.case
    limit = ref.limit(case, "handle")
    ch.set_deadline(ref.case_clock(case).add(ch.at, limit), limit)
    ch.case["rework_count"] = case["rework_count"] + 1


def _escalate(cs, ch, p, ref):
    level = next_level(cs.case["level"])
    if level is None:
        raise ValidationError(err("top_level"))
    limit = settings.escalation_limit(level)
    ch.case.update(level=level, dept_id=None, handle_deadline_at=None)
    ch.set_deadline(ref.case_clock(cs.case).add(ch.at, limit), limit)
    ch.detail.update(from_level=cs.case["level"], to_level=level)


def _pending(cs: CaseState, kind: str, request_id=None) -> dict:
    for req in cs.requests:
        if req["kind"] == kind and (request_id is None or to_int(request_id, "request_id") == req["id"]):
            return req
    raise ValidationError(err("request_missing", kind=labels.REQUEST_KIND[kind]))


def _decide(ch: Change, req: dict, status: str, note) -> None:
    ch.request_updates.append((req["id"], {"status": status, "decided_by": ch.actor.user_id,
                                           "decided_at": ch.at, "decision_note": note}))
    ch.detail.update(request_id=req["id"], request_kind=req["kind"])


def _request(cs, ch, p, ref):
    kind = REQUEST_OF[ch.action]
    if any(r["kind"] == kind for r in cs.requests):
        raise ValidationError(err("request_pending", kind=labels.REQUEST_KIND[kind]))
    extra = None
    if kind == "postpone":
        extra = int_param(p, "extra_minutes")
        if extra <= 0:
            raise ValidationError(err("minutes_positive"))
    ch.new_request = {"case_id": cs.case["id"], "kind": kind, "status": "pending", "reason": p["reason"],
                      "requested_by": ch.actor.user_id, "dept_id": ch.actor.dept_id or cs.case.get("dept_id"),
                      "requested_at": ch.at, "extra_minutes": extra}
    ch.detail.update(request_kind=kind, extra_minutes=extra)


def _approve(cs, ch, p, ref):
    kind = APPROVAL_OF[ch.action]
    req = _pending(cs, kind, p.get("request_id"))
    _decide(ch, req, "approved", p.get("note"))
    case = cs.case
    if kind == "postpone":
        _postpone(cs, ch, req, ref)
    elif kind == "return":
        ch.case.update(dept_id=None, handle_deadline_at=None, return_count=case["return_count"] + 1)
    elif kind == "reopen":
        ch.case.update(closed_at=None, close_type=None, satisfaction=None, dept_id=None, handle_deadline_at=None)


def _postpone(cs, ch, req, ref):
    case = cs.case
    clock = ref.case_clock(case)
    old = case.get("handle_deadline_at") or ch.at
    new = clock.add(old, req["extra_minutes"])
    ch.case.update(handle_deadline_at=new, postpone_count=case["postpone_count"] + 1)
    step = cs.open_step
    if step is not None and step["to_state"] in ("signed", "handling"):
        deadline = max(step["started_at"], new)
        warning = clock.add(step["started_at"], clock.minutes(step["started_at"], deadline) * settings.warn_share())
        ch.open_step = {"deadline_at": deadline, "warning_at": warning}
        ch.case.update(step_deadline_at=deadline, step_warning_at=warning)
    ch.detail.update(old_deadline=old.isoformat(), new_deadline=new.isoformat())


def _refuse(cs, ch, p, ref):
    req = next((r for r in cs.requests if r["id"] == int_param(p, "request_id")), None)
    if req is None:
        raise ValidationError(err("request_unknown", value=p["request_id"]))
    _decide(ch, req, "refused", p.get("note"))


def _reject(cs, ch, p, ref):
    ch.detail["reason"] = p["reason"]


def _supervise(cs, ch, p, ref):
    ch.case.update(supervised=True, supervise_note=p["note"])


def _verify(cs, ch, p, ref):
    ch.detail["passed"] = bool(p["passed"])


def _merge(cs, ch, p, ref):
    ch.detail["other_case_id"] = int_param(p, "other_case_id")


def _merge_into(cs, ch, p, ref):
    keep = int_param(p, "keep_id")
    if keep == cs.case["id"]:
        raise ValidationError(err("merge_self"))
    ch.case["merged_into_id"] = keep
    ch.detail["keep_id"] = keep


def _split(cs, ch, p, ref):
    ch.detail.update(alert_id=int_param(p, "alert_id"), new_case_id=p.get("new_case_id"))


def _nothing(cs, ch, p, ref):
    """Actions whose whole effect is the state change and the step row."""


HANDLERS.update({
    "self_handle": _self_handle, "accept": _accept, "reject": _reject, "file": _file, "dispatch": _dispatch,
    "sign": _nothing, "start": _nothing, "feedback": _nothing, "check": _nothing, "close": _close,
    "rework": _rework, "escalate": _escalate, "unpark": _nothing, "merge_into": _merge_into,
    "supervise": _supervise, "refuse_request": _refuse, "progress": _nothing, "verify": _verify, "merge": _merge,
    "alert_split": _split,
    **{a: _request for a in REQUEST_OF}, **{a: _approve for a in APPROVAL_OF},
})
