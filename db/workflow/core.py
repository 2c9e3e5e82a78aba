"""The pure transition core: given a case's state and an action, decide the change (no database access here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from db import labels
from db.workflow import settings
from db.workflow.errors import AlreadyHandled, PermissionDenied, TransitionRefused, ValidationError
from db.workflow.model import Actor
from db.workflow.refdata import RefData
from db.workflow.table import DEPT_OWNED, DEPT_STAGES, TERMINAL, TRANSITIONS


@dataclass
class CaseState:
    """A case as the core needs it: its row, open step, pending requests and open whistles."""
    case: dict
    open_step: dict | None = None          # {seq, started_at, deadline_at, to_state}
    last_actor: str | None = None
    last_action: str | None = None
    last_at: datetime | None = None
    dept_late: bool = False                # a department step ended past its deadline
    requests: list = field(default_factory=list)   # pending case_requests rows
    whistles: list = field(default_factory=list)   # open whistles: {"id", "row", "depts": {dept_id: row}}


@dataclass
class Change:
    """Everything one action writes; the database writer and the bulk writer both apply it."""
    action: str
    actor: Actor
    at: datetime
    from_state: str | None
    to_state: str
    transition: bool
    case: dict = field(default_factory=dict)        # columns to set on the case row
    close_step: dict | None = None                 # the open step's end
    open_step: dict | None = None                  # updates of the open step that stays open
    step: dict = field(default_factory=dict)
    audit: dict = field(default_factory=dict)
    new_request: dict | None = None
    request_updates: list = field(default_factory=list)    # (request id, columns)
    new_whistle: dict | None = None                         # {"row": ..., "depts": [...]}
    whistle_dept_updates: list = field(default_factory=list)  # (whistle id, dept id, columns)
    whistle_dept_inserts: list = field(default_factory=list)  # (whistle id, row)
    whistle_closes: list = field(default_factory=list)
    step_dept_id: int | None = None                # the step's department when not the case's (whistles)
    deadline: datetime | None = None
    deadline_set: bool = False
    limit: int | None = None
    note: str | None = None
    attachments: list | None = None
    detail: dict = field(default_factory=dict)

    def set_deadline(self, deadline: datetime | None, limit: int | None = None) -> None:
        self.deadline, self.limit, self.deadline_set = deadline, limit, True


# action -> handler(cs, change, params, ref); filled by handlers.py, whistle_rules.py and newcase.py
HANDLERS: dict = {}


def err(key: str, **kw) -> str:
    return labels.WF_ERR[key].format(**kw)


def to_int(value, name: str) -> int:
    """An integer, or a ValidationError naming the parameter."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(err("bad_number", param=labels.WF_PARAM.get(name, name))) from None


def int_param(params: dict, name: str) -> int:
    return to_int(params.get(name), name)


def action_label(action: str) -> str:
    return labels.WF_ACTION.get(action, action)


def role_label(role: str) -> str:
    return labels.USER_ROLE.get(role, labels.WF_ROLE_SYSTEM if role == "system" else role)


def check_allowed(cs: CaseState, action: str, actor: Actor, params: dict) -> str:
    """Refuse unknown actions, wrong roles, wrong states, stale versions and foreign departments; return target."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise ValidationError(err("unknown_action", action=action))
    if actor.role not in rule.roles:
        raise PermissionDenied(err("no_permission", role=role_label(actor.role), action=action_label(action)))
    case = cs.case
    state = case["state"]
    expected = params.pop("expected_version", None)
    state_label = labels.CASE_STATE.get(state, "-")
    if expected is not None and int(expected) != case["version"]:
        raise AlreadyHandled(err("already_handled", by=cs.last_actor or "-", state=state_label),
                             by=cs.last_actor, state=state)
    if state not in rule.sources:
        if cs.last_action == action:
            raise AlreadyHandled(err("already_handled", by=cs.last_actor or "-", state=state_label),
                                 by=cs.last_actor, state=state)
        raise TransitionRefused(err("refused_state", state=state_label, action=action_label(action)), state=state)
    for need in rule.needs:
        if params.get(need) is None or params.get(need) == "":
            raise ValidationError(err("missing", param=labels.WF_PARAM.get(need, need)))
    if actor.role == "department":
        if action in DEPT_OWNED and case.get("dept_id") != actor.dept_id:
            raise PermissionDenied(err("not_own_dept"))
        if action.startswith("whistle_") and int_param(params, "dept_id") != actor.dept_id:
            raise PermissionDenied(err("not_own_whistle"))
    return rule.sources[state]


def default_deadline(cs: CaseState, target: str, at: datetime, ref: RefData) -> tuple[datetime | None, int | None]:
    """Deadline and limit of the step that starts when the case enters `target`."""
    case = cs.case
    clock = ref.case_clock(case)
    if target in ("reported", "accepted"):
        limit = ref.limit(case, "filing")
        start = case.get("created_at") or at
        return max(at, clock.add(start, limit)), limit
    if target == "filed":
        limit = ref.limit(case, "dispatch")
        return clock.add(at, limit), limit
    if target == "dispatched":
        limit = ref.limit(case, "sign")
        return clock.add(at, limit), limit
    if target in ("signed", "handling"):
        deadline = case.get("handle_deadline_at")
        return (max(at, deadline) if deadline else None), ref.limit(case, "handle")
    if target in ("feedback", "checking"):
        limit = ref.limit(case, "check")
        return clock.add(at, limit), limit
    return None, None


def build_change(cs: CaseState, action: str, actor: Actor, at: datetime, params: dict, ref: RefData) -> Change:
    """Check the action, let its handler fill the change, then add the step, audit and case bookkeeping."""
    target = check_allowed(cs, action, actor, params)
    if cs.last_at is not None and at < cs.last_at:
        raise ValidationError(err("time_before_last"))
    state = cs.case["state"]
    rule = TRANSITIONS[action]
    transition = target != state or rule.restarts
    ch = Change(action, actor, at, state, target, transition)
    ch.note = params.get("note") or params.get("reason")
    ch.attachments = params.get("photos")
    HANDLERS[action](cs, ch, params, ref)
    _finish(cs, ch, ref)
    return ch


def _finish(cs: CaseState, ch: Change, ref: RefData) -> None:
    case = {**cs.case, **ch.case}
    at = ch.at
    seq = cs.case["version"] + 1
    ch.case.update(version=seq, updated_at=at)
    terminal = ch.to_state in TERMINAL
    if ch.transition:
        if cs.open_step is not None:
            ch.close_step = _close(cs, ch, ref)
            if ch.close_step["dept_late"]:
                ch.case["dept_late"] = True
        if not ch.deadline_set:
            ch.deadline, ch.limit = default_deadline(CaseState(case), ch.to_state, at, ref)
        warning = None
        if ch.deadline is not None:
            clock = ref.case_clock(case)
            warning = clock.add(at, clock.minutes(at, ch.deadline) * settings.warn_share())
        ch.case.update(state=ch.to_state, step_deadline_at=ch.deadline, step_warning_at=warning)
        if ch.to_state == "parked":
            ch.case["parked_ever"] = True
        if terminal:
            _drop_pending(cs, ch)
    step_end = at if (terminal or not ch.transition) else None
    ch.step = {
        "case_id": cs.case["id"], "seq": seq, "action": ch.action, "from_state": ch.from_state,
        "to_state": ch.to_state, "actor_user_id": ch.actor.user_id, "actor_role": ch.actor.role,
        "actor_name": ch.actor.name, "dept_id": ch.step_dept_id or case.get("dept_id"),
        "level": case.get("level"), "started_at": at,
        "deadline_at": ch.deadline if ch.transition else None,
        "warning_at": ch.case.get("step_warning_at") if ch.transition else None,
        "ended_at": step_end, "limit_minutes": ch.limit if ch.transition else None,
        "working_minutes": 0 if step_end else None, "note": ch.note, "attachments": ch.attachments,
        "detail": ch.detail or None,
    }
    ch.audit = {
        "at": at, "user_id": ch.actor.user_id, "username": ch.actor.username, "action": f"case.{ch.action}",
        "target_kind": "case", "target_id": cs.case["code"],
        "detail": {"seq": seq, "from": ch.from_state, "to": ch.to_state, **ch.detail},
    }


def _close(cs: CaseState, ch: Change, ref: RefData) -> dict:
    step = cs.open_step
    minutes = ref.case_clock(cs.case).minutes(step["started_at"], ch.at)
    late = step["deadline_at"] is not None and ch.at > step["deadline_at"]
    ch.detail["prev_late"] = late        # lets assessment read "dispatched on time" off the dispatch step alone
    return {"seq": step["seq"], "ended_at": ch.at, "working_minutes": int(round(minutes)),
            "dept_late": late and step["to_state"] in DEPT_STAGES}


def _drop_pending(cs: CaseState, ch: Change) -> None:
    """A case that ends takes its pending requests and open whistles with it."""
    for req in cs.requests:
        if not (ch.action.startswith("approve_") and req["id"] == ch.detail.get("request_id")):
            ch.request_updates.append((req["id"], {"status": "refused", "decided_at": ch.at,
                                                   "decision_note": labels.WF_CLOSED_BY_CASE}))
    for w in cs.whistles:
        if w["id"] not in ch.whistle_closes:
            ch.whistle_closes.append(w["id"])


def advance(cs: CaseState, ch: Change, request_id: int | None = None, whistle_id: int | None = None) -> None:
    """Apply a change to the in-memory case state (bulk writer, and chained actions in one transaction)."""
    cs.case.update(ch.case)
    if ch.close_step:
        cs.dept_late = cs.dept_late or ch.close_step["dept_late"]
    if ch.transition:
        step = ch.step
        cs.open_step = None if step["ended_at"] is not None else {
            "seq": step["seq"], "started_at": step["started_at"], "deadline_at": step["deadline_at"],
            "to_state": step["to_state"]}
    if ch.open_step and cs.open_step:
        cs.open_step.update(deadline_at=ch.open_step["deadline_at"])
    cs.last_actor, cs.last_action, cs.last_at = ch.actor.name, ch.action, ch.at
    decided = {rid for rid, _ in ch.request_updates}
    cs.requests = [r for r in cs.requests if r["id"] not in decided]
    if ch.new_request is not None:
        cs.requests.append({**ch.new_request, "id": request_id})
    if ch.new_whistle is not None:
        cs.whistles.append({"id": whistle_id, "row": dict(ch.new_whistle["row"]),
                            "depts": {d["dept_id"]: dict(d) for d in ch.new_whistle["depts"]}})
    by_id = {w["id"]: w for w in cs.whistles}
    for wid, dept_id, columns in ch.whistle_dept_updates:
        by_id[wid]["depts"][dept_id].update(columns)
    for wid, row in ch.whistle_dept_inserts:
        by_id[wid]["depts"][row["dept_id"]] = dict(row)
    cs.whistles = [w for w in cs.whistles if w["id"] not in ch.whistle_closes]
