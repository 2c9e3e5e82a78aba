"""The closed loop and its side flows on a real database: steps, deadlines, audit rows, codes, the timeline."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from db.workflow import (
    PermissionDenied, TransitionRefused, ValidationError, open_case, perform, timeline,
)
from tests.test_workflow_support import count, wf  # noqa: F401  (fixture)

T0 = datetime(2026, 9, 15, 1, 0, tzinfo=timezone.utc)     # Tuesday 09:00 in Shanghai


def m(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def new_case(engine, w, at=T0, **kw):
    return open_case(engine, w.actors["worker"], source="grid_worker", title="暴露垃圾", lon=116.405, lat=39.905,
                     at=at, **kw)


def to_dispatched(engine, w, ref, dept="sanit", category="0101", start=0):
    A = w.actors
    perform(engine, ref.id, "accept", A["operator"], at=m(start + 1))
    perform(engine, ref.id, "file", A["operator"], at=m(start + 2), category_code=category)
    return perform(engine, ref.id, "dispatch", A["dispatcher"], at=m(start + 3), dept_id=w.depts[dept])


def case_row(engine, case_id) -> dict:
    with engine.connect() as c:
        from sqlalchemy import text
        return dict(c.execute(text("SELECT * FROM cases WHERE id = :i"), {"i": case_id}).mappings().one())


def test_full_loop_writes_one_step_and_one_audit_row_per_action(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w)
    assert re.fullmatch(r"20260915-0001", ref.code)
    to_dispatched(engine, w, ref)
    perform(engine, ref.code, "sign", A["dept-sanit"], at=m(20))
    perform(engine, ref.id, "start", A["dept-sanit"], at=m(30))
    perform(engine, ref.id, "progress", A["dept-sanit"], at=m(60), note="已安排保洁")
    perform(engine, ref.id, "feedback", A["dept-sanit"], at=m(120), note="已清理", photos=["/p/1.jpg"])
    perform(engine, ref.id, "check", A["operator"], at=m(125))
    perform(engine, ref.id, "verify", A["worker"], at=m(150), passed=True)
    res = perform(engine, ref.id, "close", A["dispatcher"], at=m(160), satisfaction=5)
    assert res.to_state == "closed" and res.version == 11
    case = case_row(engine, ref.id)
    assert case["close_type"] == "normal" and case["satisfaction"] == 5 and case["grid_id"] == w.grids[0]
    assert case["street_code"] == "110101001000" and case["step_deadline_at"] is None
    assert count(engine, "SELECT count(*) FROM case_steps WHERE case_id = :i", i=ref.id) == 11
    assert count(engine, "SELECT count(*) FROM audit_log WHERE target_id = :c AND action LIKE 'case.%'",
                 c=ref.code) == 11
    steps = timeline(engine, ref.code)
    assert [s["action"] for s in steps] == ["report", "accept", "file", "dispatch", "sign", "start", "progress",
                                            "feedback", "check", "verify", "close"]
    dispatch = steps[3]
    assert dispatch["working_minutes"] == 17 and dispatch["limit_minutes"] == 60
    assert dispatch["deadline_at"] == m(63) and dispatch["status"] == "normal"
    assert steps[5]["deadline_at"] == m(3 + 24 * 60)          # 1 working day (480 min) from dispatch
    assert steps[6]["event"] and steps[6]["working_minutes"] == 0
    assert all(s["ended_at"] is not None for s in steps)


def test_late_department_step_makes_a_late_close_and_the_timeline_shows_it(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w)
    to_dispatched(engine, w, ref, category="0501")      # handling limit 240 working minutes
    perform(engine, ref.id, "sign", A["dept-sanit"], at=m(200))                  # sign limit 60: late
    perform(engine, ref.id, "start", A["dept-sanit"], at=m(210))
    perform(engine, ref.id, "feedback", A["dept-sanit"], at=m(60 * 30))
    perform(engine, ref.id, "check", A["operator"], at=m(60 * 30 + 1))
    perform(engine, ref.id, "close", A["dispatcher"], at=m(60 * 30 + 2))
    assert case_row(engine, ref.id)["close_type"] == "late"
    steps = timeline(engine, ref.id)
    assert steps[3]["status"] == "overdue" and steps[3]["overdue_multiple"] > 1
    assert steps[5]["status"] == "overdue"


def test_self_handled_report_is_registered_and_closed(wf):  # noqa: F811
    engine, w = wf
    ref = new_case(engine, w, self_handled=True)
    case = case_row(engine, ref.id)
    assert case["state"] == "closed" and case["close_type"] == "normal" and case["reported_by_staff_id"] == w.staff_id
    assert [s["action"] for s in timeline(engine, ref.id)] == ["report", "self_handle"]


def test_reject_needs_a_reason_and_ends_the_case(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w)
    with pytest.raises(ValidationError):
        perform(engine, ref.id, "reject", A["operator"], at=m(1))
    perform(engine, ref.id, "reject", A["operator"], at=m(1), reason="不属于受理范围")
    with pytest.raises(TransitionRefused) as info:
        perform(engine, ref.id, "accept", A["operator"], at=m(2))
    assert "不予立案" in info.value.message
    assert count(engine, "SELECT count(*) FROM case_steps WHERE case_id = :i AND ended_at IS NULL", i=ref.id) == 0


def test_department_may_only_touch_its_own_cases(wf):  # noqa: F811
    engine, w = wf
    ref = new_case(engine, w)
    to_dispatched(engine, w, ref)
    with pytest.raises(PermissionDenied):
        perform(engine, ref.id, "sign", w.actors["dept-police"], at=m(10))
    with pytest.raises(PermissionDenied):
        perform(engine, ref.id, "dispatch", w.actors["operator"], at=m(10), dept_id=w.depts["police"])


def test_return_and_redispatch(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w)
    to_dispatched(engine, w, ref)
    perform(engine, ref.id, "request_return", A["dept-sanit"], at=m(10), reason="不属于本部门")
    perform(engine, ref.id, "approve_return", A["dispatcher"], at=m(15))
    case = case_row(engine, ref.id)
    assert case["state"] == "filed" and case["dept_id"] is None and case["return_count"] == 1
    perform(engine, ref.id, "dispatch", A["dispatcher"], at=m(16), dept_id=w.depts["enforce"])
    perform(engine, ref.id, "sign", A["dept-enforce"], at=m(20))
    assert count(engine, "SELECT count(*) FROM case_requests WHERE case_id = :i AND status = 'approved'",
                 i=ref.id) == 1


def test_postponement_moves_the_deadline_and_is_counted(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w)
    to_dispatched(engine, w, ref)
    perform(engine, ref.id, "sign", A["dept-sanit"], at=m(10))
    perform(engine, ref.id, "start", A["dept-sanit"], at=m(11))
    before = case_row(engine, ref.id)["handle_deadline_at"]
    with pytest.raises(ValidationError):
        perform(engine, ref.id, "request_postpone", A["dept-sanit"], at=m(12), reason="缺材料", extra_minutes=0)
    perform(engine, ref.id, "request_postpone", A["dept-sanit"], at=m(12), reason="缺材料", extra_minutes=480)
    perform(engine, ref.id, "approve_postpone", A["dispatcher"], at=m(13))
    case = case_row(engine, ref.id)
    assert case["postpone_count"] == 1 and case["handle_deadline_at"] == before + timedelta(days=1)
    assert case["step_deadline_at"] == case["handle_deadline_at"]
    assert count(engine, "SELECT count(*) FROM case_steps WHERE case_id = :i AND ended_at IS NULL "
                         "AND deadline_at = :d", i=ref.id, d=case["handle_deadline_at"]) == 1


def test_park_unpark_cancel_supervise_rework_reopen(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w)
    to_dispatched(engine, w, ref)
    perform(engine, ref.id, "supervise", A["leader"], at=m(5), note="尽快处理")
    assert case_row(engine, ref.id)["supervised"]
    perform(engine, ref.id, "request_park", A["dept-sanit"], at=m(6), reason="需列入改造计划")
    perform(engine, ref.id, "approve_park", A["dispatcher"], at=m(7))
    assert case_row(engine, ref.id)["step_deadline_at"] is None
    perform(engine, ref.id, "unpark", A["dispatcher"], at=m(60))
    perform(engine, ref.id, "dispatch", A["dispatcher"], at=m(61), dept_id=w.depts["sanit"])
    perform(engine, ref.id, "sign", A["dept-sanit"], at=m(62))
    perform(engine, ref.id, "feedback", A["dept-sanit"], at=m(63))
    perform(engine, ref.id, "check", A["operator"], at=m(64))
    perform(engine, ref.id, "rework", A["dispatcher"], at=m(65), reason="仍有垃圾")
    assert case_row(engine, ref.id)["rework_count"] == 1
    perform(engine, ref.id, "feedback", A["dept-sanit"], at=m(70))
    perform(engine, ref.id, "check", A["operator"], at=m(71))
    perform(engine, ref.id, "close", A["dispatcher"], at=m(72), special=True)
    assert case_row(engine, ref.id)["close_type"] == "special"
    perform(engine, ref.id, "request_reopen", A["leader"], at=m(80), reason="群众再次反映")
    perform(engine, ref.id, "approve_reopen", A["dispatcher"], at=m(81))
    case = case_row(engine, ref.id)
    assert case["state"] == "filed" and case["closed_at"] is None and case["close_type"] is None
    perform(engine, ref.id, "request_cancel", A["operator"], at=m(82), reason="重复")
    perform(engine, ref.id, "approve_cancel", A["dispatcher"], at=m(83))
    assert case_row(engine, ref.id)["state"] == "cancelled"


def test_refusal_inside_a_callers_transaction_leaves_it_usable(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    with engine.begin() as conn:
        ref = new_case(conn, w)
        with pytest.raises(TransitionRefused):
            perform(conn, ref.id, "sign", A["dept-sanit"], at=m(1))
        perform(conn, ref.id, "accept", A["operator"], at=m(2))
    assert case_row(engine, ref.id)["state"] == "accepted"


def test_bad_input_gets_chinese_messages(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    with pytest.raises(ValidationError) as info:
        open_case(engine, A["operator"], source="fax", title="x", grid_id=w.grids[0], at=T0)
    assert info.value.message == "未知来源：fax"
    with pytest.raises(ValidationError):
        open_case(engine, A["operator"], source="hotline", title=" ", grid_id=w.grids[0], at=T0)
    with pytest.raises(ValidationError):
        open_case(engine, A["operator"], source="hotline", title="x", grid_id=999, at=T0)
    with pytest.raises(PermissionDenied):
        open_case(engine, A["wall"], source="hotline", title="x", grid_id=w.grids[0], at=T0)
    ref = new_case(engine, w)
    perform(engine, ref.id, "accept", A["operator"], at=m(1))
    with pytest.raises(ValidationError) as info:
        perform(engine, ref.id, "file", A["operator"], at=m(2), category_code="9999")
    assert "9999" in info.value.message
    with pytest.raises(ValidationError):
        perform(engine, ref.id, "nonsense", A["operator"], at=m(2))
    with pytest.raises(ValidationError) as info:
        perform(engine, ref.id, "file", A["operator"], at=m(2), category_id="abc")
    assert info.value.message == "案件类别必须是数字"
    perform(engine, ref.id, "file", A["operator"], at=m(2), category_code="0101")
    perform(engine, ref.id, "dispatch", A["dispatcher"], at=m(3), dept_id=w.depts["sanit"])
    with pytest.raises(ValidationError):
        perform(engine, ref.id, "request_postpone", A["dept-sanit"], at=m(4), reason="x", extra_minutes="两天")
    with pytest.raises(ValidationError):
        perform(engine, ref.id, "whistle_checkin", A["dispatcher"], at=m(4), whistle_id="x", dept_id=1)
    codes = count(engine, "SELECT count(*) FROM cases")
    assert codes == 1
