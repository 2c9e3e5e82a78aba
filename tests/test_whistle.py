"""中心吹哨、部门报到: tier deadlines, on-time and late check-ins, progress, results, returns, 事不完、人不撤."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from db.workflow import (
    PermissionDenied, ValidationError, blow_whistle, check_in, perform, reassign_whistle, report_progress,
    report_result, return_whistle,
)
from tests.test_workflow_flow import m, new_case
from tests.test_workflow_support import wf  # noqa: F401  (fixture)


def filed_case(engine, w):
    ref = new_case(engine, w)
    perform(engine, ref.id, "accept", w.actors["operator"], at=m(1))
    perform(engine, ref.id, "file", w.actors["operator"], at=m(2), category_code="0403")
    return ref


def rows(engine, whistle_id) -> dict:
    with engine.connect() as c:
        return {r["dept_id"]: dict(r) for r in c.execute(text(
            "SELECT * FROM whistle_departments WHERE whistle_id = :w"), {"w": whistle_id}).mappings()}


def whistle_state(engine, whistle_id) -> str:
    with engine.connect() as c:
        return c.execute(text("SELECT state FROM whistles WHERE id = :w"), {"w": whistle_id}).scalar()


def test_whistle_dispatches_to_the_lead_with_tier_deadlines(wf):  # noqa: F811
    engine, w = wf
    A, D = w.actors, w.depts
    ref = filed_case(engine, w)
    res = blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["police"],
                       co_dept_ids=[D["sanit"], D["build"], D["market"]], reason="emergency", at=m(5),
                       deadlines={D["market"]: 90})
    assert res.to_state == "dispatched" and res.whistle_id
    r = rows(engine, res.whistle_id)
    assert r[D["police"]]["role"] == "lead" and r[D["police"]]["deadline_at"] == m(35)      # tier 1: 30 min
    assert r[D["sanit"]]["deadline_at"] == m(125)                                          # tier 2: 2 hours
    assert r[D["build"]]["deadline_at"] == m(245)                                          # tier 3: its own 240
    assert r[D["market"]]["deadline_at"] == m(95)                                          # set by the dispatcher


def test_tier3_without_minutes_needs_a_dispatcher_deadline_and_reason_is_checked(wf):  # noqa: F811
    engine, w = wf
    A, D = w.actors, w.depts
    ref = filed_case(engine, w)
    with pytest.raises(ValidationError) as info:
        blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["police"], co_dept_ids=[D["market"]],
                     reason="emergency", at=m(5))
    assert "市场监管所" in info.value.message
    with pytest.raises(ValidationError):
        blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["police"], reason="boredom", at=m(5))
    with pytest.raises(PermissionDenied):
        blow_whistle(engine, ref.id, A["operator"], lead_dept_id=D["police"], reason="emergency", at=m(5))


def test_checkins_late_flag_progress_result_and_closing_rule(wf):  # noqa: F811
    engine, w = wf
    A, D = w.actors, w.depts
    ref = filed_case(engine, w)
    wid = blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["police"], co_dept_ids=[D["sanit"]],
                       reason="enforcement", at=m(5)).whistle_id
    check_in(engine, wid, D["police"], A["dept-police"], at=m(20), lon=116.405, lat=39.905, photo="/p/a.jpg")
    report_progress(engine, wid, D["police"], A["dept-police"], note="现场封控", at=m(30))
    perform(engine, ref.id, "sign", A["dept-police"], at=m(31))
    check_in(engine, wid, D["sanit"], A["dept-sanit"], at=m(200))              # deadline m(125): late
    r = rows(engine, wid)
    assert r[D["police"]]["checkin_late"] is False and r[D["police"]]["checkin_lon"] == 116.405
    assert r[D["sanit"]]["checkin_late"] is True
    with pytest.raises(ValidationError):
        check_in(engine, wid, D["sanit"], A["dept-sanit"], at=m(201))
    with pytest.raises(PermissionDenied):
        check_in(engine, wid, D["sanit"], A["dept-police"], at=m(201))
    report_result(engine, wid, D["sanit"], A["dept-sanit"], note="协办完成", at=m(210))
    perform(engine, ref.id, "feedback", A["dept-police"], at=m(220))
    perform(engine, ref.id, "check", A["operator"], at=m(221))
    with pytest.raises(ValidationError) as info:
        perform(engine, ref.id, "close", A["dispatcher"], at=m(222))
    assert "事不完、人不撤" in info.value.message
    assert whistle_state(engine, wid) == "open"
    report_result(engine, wid, D["police"], A["dept-police"], note="处置完毕", at=m(223))
    perform(engine, ref.id, "close", A["dispatcher"], at=m(224))
    assert whistle_state(engine, wid) == "closed"
    assert rows(engine, wid)[D["police"]]["progress"][0]["note"] == "现场封控"


def test_return_and_reassign_a_new_lead(wf):  # noqa: F811
    engine, w = wf
    A, D = w.actors, w.depts
    ref = filed_case(engine, w)
    wid = blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["sanit"], reason="beyond_power",
                       at=m(5)).whistle_id
    return_whistle(engine, wid, D["sanit"], A["dept-sanit"], reason="非本部门职责", at=m(10))
    with pytest.raises(ValidationError):
        check_in(engine, wid, D["sanit"], A["dept-sanit"], at=m(11))
    reassign_whistle(engine, wid, A["dispatcher"], lead_dept_id=D["enforce"], at=m(12))
    r = rows(engine, wid)
    assert r[D["sanit"]]["role"] == "co" and r[D["sanit"]]["return_reason"] == "非本部门职责"
    assert r[D["enforce"]]["role"] == "lead" and r[D["enforce"]]["deadline_at"] == m(42)
    check_in(engine, wid, D["enforce"], A["dept-enforce"], at=m(30))
    actions = [s for (s,) in engine.connect().execute(text(
        "SELECT action FROM case_steps WHERE case_id = :c ORDER BY seq"), {"c": ref.id})]
    assert actions[-4:] == ["whistle", "whistle_return", "whistle_reassign", "whistle_checkin"]


def test_one_open_whistle_per_case_and_cancel_closes_it(wf):  # noqa: F811
    engine, w = wf
    A, D = w.actors, w.depts
    ref = filed_case(engine, w)
    wid = blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["police"], reason="emergency",
                       at=m(5)).whistle_id
    with pytest.raises(ValidationError):
        blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["enforce"], reason="emergency", at=m(6))
    perform(engine, ref.id, "request_cancel", A["operator"], at=m(7), reason="误报")
    perform(engine, ref.id, "approve_cancel", A["dispatcher"], at=m(8))
    assert whistle_state(engine, wid) == "closed"
    assert m(8) - m(5) == timedelta(minutes=3)
