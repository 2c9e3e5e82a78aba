"""The transition table, exhaustively: every (state, action, role) is allowed and lands where the table says,
or is refused; and the database CHECK lists equal the enumerations."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from db import enums, labels
from db.workflow import TRANSITIONS, Actor, allowed_actions
from db.workflow.clock import Calendar
from db.workflow.core import CaseState, build_change
from db.workflow.errors import AlreadyHandled, PermissionDenied, TransitionRefused, ValidationError
from db.workflow.refdata import RefData
from db.workflow.table import ROLES, TERMINAL

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
DEPT = 7


def ref() -> RefData:
    r = RefData()
    r.categories[1] = {"id": 1, "code": "0101", "work_kind": "general", "urgent": False, "clock_mode": "working",
                       **{f"limit_{s}_min": 60 for s in ("filing", "dispatch", "sign", "handle", "check")}}
    r.category_codes["0101"] = 1
    for d, tier in ((DEPT, 1), (8, 2)):
        r.departments[d] = {"id": d, "code": f"d{d}", "name": f"部门{d}", "tier": tier, "checkin_minutes": None,
                            "active": True}
    r.calendars["CN"] = Calendar("CN")
    r.default_calendar = "CN"
    return r


def case_in(state: str, action: str) -> CaseState:
    case = {"id": 1, "code": "20260302-0001", "state": state, "version": 5, "level": "grid", "urgency": 3,
            "category_id": 1, "clock_mode": "working", "calendar_code": "CN", "dept_id": DEPT,
            "handle_deadline_at": T0 + timedelta(days=2), "created_at": T0, "accepted_at": T0, "rework_count": 0,
            "return_count": 0, "postpone_count": 0, "dispatched_at": T0}
    open_step = None if state in TERMINAL else {"seq": 5, "started_at": T0, "deadline_at": T0 + timedelta(hours=1),
                                                "to_state": state}
    cs = CaseState(case=case, open_step=open_step, last_actor="某人", last_action="accept", last_at=T0)
    kinds = ("postpone", "return", "park", "cancel", "reopen")
    if not action.startswith("request_"):
        cs.requests = [{"id": 10 + i, "kind": k, "extra_minutes": 60, "dept_id": DEPT} for i, k in enumerate(kinds)]
    if action != "whistle":
        checked = action in ("whistle_progress", "whistle_result", "close")
        lead = {"dept_id": DEPT, "role": "lead", "deadline_at": T0 + timedelta(hours=1),
                "checked_in_at": T0 if checked else None, "result_at": T0 if action == "close" else None}
        cs.whistles = [{"id": 3, "row": {}, "depts": {DEPT: lead}}]
    return cs


PARAMS = {"reason": "原因", "dept_id": DEPT, "note": "说明", "extra_minutes": 60, "request_id": 10, "passed": True,
          "other_case_id": 2, "alert_id": 5, "whistle_id": 3, "lead_dept_id": DEPT, "keep_id": 2,
          "category_code": "0101"}


def actor(role: str) -> Actor:
    return Actor(1, role, role, dept_id=DEPT if role == "department" else None)


def params_for(action: str) -> dict:
    p = dict(PARAMS)
    if action == "whistle":
        p["reason"] = "emergency"
    if action == "whistle_reassign":
        p["lead_dept_id"] = 8
    if action.startswith("approve_"):
        del p["request_id"]          # the pending request of that kind
    return p


STATES = list(enums.CASE_STATES)


@pytest.mark.parametrize("state", STATES)
def test_every_action_and_role_in_this_state(state):
    r = ref()
    at = T0 + timedelta(minutes=30)
    for action, rule in TRANSITIONS.items():
        if action == "report":
            continue
        for role in ROLES:
            cs = case_in(state, action)
            allowed = state in rule.sources and role in rule.roles
            assert (action in allowed_actions(state, role)) == allowed
            if allowed:
                ch = build_change(cs, action, actor(role), at, params_for(action), r)
                assert ch.to_state == rule.sources[state], (state, action, role)
                assert ch.case["state" if ch.transition else "version"] is not None
                if ch.transition:
                    assert ch.case["state"] == rule.sources[state]
                assert ch.step["seq"] == 6 and ch.audit["action"] == f"case.{action}"
            else:
                expected = PermissionDenied if role not in rule.roles else (TransitionRefused, AlreadyHandled)
                with pytest.raises(expected) as info:
                    build_change(cs, action, actor(role), at, params_for(action), r)
                if expected is not PermissionDenied and info.type is TransitionRefused:
                    assert labels.CASE_STATE[state] in info.value.message


def test_refusal_names_the_current_state():
    cs = case_in("closed", "dispatch")
    with pytest.raises(TransitionRefused) as info:
        build_change(cs, "dispatch", actor("dispatcher"), T0, {"dept_id": DEPT}, ref())
    assert info.value.message == "案件当前状态为“已结案”，不能执行“派遣”"


def test_stale_version_is_already_handled():
    cs = case_in("filed", "dispatch")
    with pytest.raises(AlreadyHandled) as info:
        build_change(cs, "dispatch", actor("dispatcher"), T0, {"dept_id": DEPT, "expected_version": 4}, ref())
    assert "已被 某人 处理" in info.value.message


def test_department_acts_only_on_its_own_cases():
    cs = case_in("dispatched", "sign")
    other = Actor(2, "d8", "department", dept_id=8)
    with pytest.raises(PermissionDenied):
        build_change(cs, "sign", other, T0 + timedelta(minutes=1), {}, ref())
    with pytest.raises(PermissionDenied):
        build_change(cs, "whistle_checkin", other, T0 + timedelta(minutes=1), {"whistle_id": 3, "dept_id": DEPT},
                     ref())


def test_missing_parameter_and_time_order_are_validation_errors():
    with pytest.raises(ValidationError) as info:
        build_change(case_in("reported", "reject"), "reject", actor("operator"), T0, {}, ref())
    assert info.value.message == "缺少原因"
    with pytest.raises(ValidationError):
        build_change(case_in("reported", "accept"), "accept", actor("operator"), T0 - timedelta(seconds=1), {}, ref())


def test_wall_may_do_nothing_and_leader_only_supervise_or_ask_reopen():
    for state in STATES:
        assert allowed_actions(state, "wall") == []
        assert set(allowed_actions(state, "leader")) <= {"supervise", "request_reopen"}


def test_every_action_has_a_label_and_handler():
    from db.workflow.core import HANDLERS
    assert set(TRANSITIONS) == set(HANDLERS)
    assert set(TRANSITIONS) <= set(labels.WF_ACTION)
    for rule in TRANSITIONS.values():
        assert set(rule.sources.values()) <= set(enums.CASE_STATES)
        assert set(rule.roles) <= set(ROLES)


STATE_COLUMNS = [("cases", "state", enums.CASE_STATES), ("case_steps", "to_state", enums.CASE_STATES),
                 ("case_steps", "from_state", enums.CASE_STATES), ("case_requests", "kind", enums.REQUEST_KINDS),
                 ("case_requests", "status", enums.REQUEST_STATUSES), ("whistles", "state", enums.WHISTLE_STATES),
                 ("cases", "close_type", enums.CLOSE_TYPES), ("case_steps", "level", enums.CASE_LEVELS)]


def test_database_check_lists_equal_the_enums(engine):
    insp = inspect(engine)
    for table, column, values in STATE_COLUMNS:
        checks = {c["name"]: c["sqltext"] for c in insp.get_check_constraints(table)}
        sql = checks[f"ck_{table}_{column}_enum"]
        assert {v for v in values} == {v for v in enums.__dict__[_enum_name(values)]}
        for v in values:
            assert f"'{v}'" in sql, (table, column, v)
        assert sql.count("'") == 2 * len(values), (table, column)


def _enum_name(values) -> str:
    return next(k for k, v in enums.__dict__.items() if v is values)
