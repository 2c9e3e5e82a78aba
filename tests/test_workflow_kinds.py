"""The four kinds of work of seed 001 and the escalation up the grid levels, each expressed through the engine."""
from __future__ import annotations

import pytest

from db.workflow import TransitionRefused, ValidationError, blow_whistle, check_in, perform, report_result, timeline
from tests.test_workflow_flow import case_row, m, new_case
from tests.test_workflow_support import wf  # noqa: F401  (fixture)


def test_general_work_is_handled_on_site_and_registered(wf):  # noqa: F811
    engine, w = wf
    ref = new_case(engine, w, self_handled=True, category_code="0101")
    case = case_row(engine, ref.id)
    assert (case["work_kind"], case["state"], case["level"]) == ("general", "closed", "grid")


def test_coordination_goes_to_the_community_then_a_town_department(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w, category_code="0301")
    perform(engine, ref.id, "accept", A["operator"], at=m(1))
    perform(engine, ref.id, "file", A["operator"], at=m(1))
    res = perform(engine, ref.id, "escalate", A["dispatcher"], at=m(2), reason="网格无法协调，提交社区受理中心")
    assert res.to_state == "filed"
    case = case_row(engine, ref.id)
    assert case["level"] == "community" and case["step_deadline_at"] == m(2 + 240 + 120)  # 240 working min
    perform(engine, ref.id, "dispatch", A["dispatcher"], at=m(4), dept_id=w.depts["build"])
    perform(engine, ref.id, "sign", A["dept-build"], at=m(5))
    perform(engine, ref.id, "feedback", A["dept-build"], at=m(60), note="已协调施工方停工")
    perform(engine, ref.id, "check", A["operator"], at=m(61))
    perform(engine, ref.id, "close", A["dispatcher"], at=m(62), satisfaction=4)
    assert case_row(engine, ref.id)["work_kind"] == "coordination"


def test_emergency_runs_on_natural_time_with_a_whistle_and_the_worker_on_site(wf):  # noqa: F811
    engine, w = wf
    A, D = w.actors, w.depts
    ref = new_case(engine, w, category_code="0403", urgency=1)
    case = case_row(engine, ref.id)
    assert case["clock_mode"] == "natural" and case["work_kind"] == "emergency"
    perform(engine, ref.id, "accept", A["operator"], at=m(1))
    perform(engine, ref.id, "file", A["operator"], at=m(2))
    wid = blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["police"], co_dept_ids=[D["sanit"]],
                       reason="emergency", at=m(3)).whistle_id
    check_in(engine, wid, D["police"], A["dept-police"], at=m(20))
    perform(engine, ref.id, "sign", A["dept-police"], at=m(21))
    report_result(engine, wid, D["police"], A["dept-police"], note="积水已排除", at=m(90))
    perform(engine, ref.id, "feedback", A["dept-police"], at=m(91))
    perform(engine, ref.id, "check", A["operator"], at=m(92))
    perform(engine, ref.id, "verify", A["worker"], at=m(100), passed=True, note="网格员现场跟踪确认")
    perform(engine, ref.id, "close", A["dispatcher"], at=m(101))
    steps = timeline(engine, ref.id)
    assert steps[3]["deadline_at"] == m(3 + 60)       # natural minutes: the sign limit counts the night too


def test_approval_is_accepted_by_community_checked_by_street_approved_by_district(wf):  # noqa: F811
    engine, w = wf
    A = w.actors
    ref = new_case(engine, w, category_code="0107")
    perform(engine, ref.id, "accept", A["operator"], at=m(1))
    perform(engine, ref.id, "file", A["operator"], at=m(2))
    levels = []
    for i, why in enumerate(("社区受理界定", "镇审核", "报区审批")):
        perform(engine, ref.id, "escalate", A["dispatcher"], at=m(10 + i), reason=why)
        levels.append(case_row(engine, ref.id)["level"])
    assert levels == ["community", "street", "district"]
    with pytest.raises(ValidationError):
        perform(engine, ref.id, "escalate", A["dispatcher"], at=m(20), reason="再上报")
    with pytest.raises(TransitionRefused):        # escalation lands in the next level's dispatch queue
        perform(engine, ref.id, "file", A["operator"], at=m(22), category_code="0107")
    perform(engine, ref.id, "dispatch", A["dispatcher"], at=m(23), dept_id=w.depts["build"])
    deadlines = [s["deadline_at"] for s in timeline(engine, ref.id) if s["action"] == "escalate"]
    assert len(set(deadlines)) == 3                   # each level's queue has its own deadline
    assert case_row(engine, ref.id)["work_kind"] == "approval"
