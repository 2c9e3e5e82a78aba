"""Video alerts into cases: threshold, merge window per camera and type, updates by key, manual merge and split."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from db.workflow import AlertIn, TransitionRefused, ValidationError, intake_alert, merge_cases, perform, split_alert
from tests.test_workflow_flow import T0, m, new_case
from tests.test_workflow_support import count, wf  # noqa: F401  (fixture)


def alert(key, at, camera="CAM-1", atype="occupy_road_business", score=0.9, **kw) -> AlertIn:
    return AlertIn(alert_key=key, camera_ref=camera, alert_type=atype, event_at=at, score=score,
                   lon=116.405, lat=39.905, **kw)


def test_same_camera_and_type_within_the_window_join_one_case(wf):  # noqa: F811
    engine, _ = wf
    first = intake_alert(engine, alert("a1", T0), at=T0)
    assert not first.merged and first.case_id
    second = intake_alert(engine, alert("a2", m(8)), at=m(8))
    third = intake_alert(engine, alert("a3", m(17)), at=m(17))          # 9 min after the last one: sliding
    assert second.merged and third.merged and second.case_id == third.case_id == first.case_id
    other_type = intake_alert(engine, alert("a4", m(18), atype="waterlogging"), at=m(18))
    other_camera = intake_alert(engine, alert("a5", m(18), camera="CAM-2"), at=m(18))
    late = intake_alert(engine, alert("a6", m(40)), at=m(40))
    assert len({first.case_id, other_type.case_id, other_camera.case_id, late.case_id}) == 4
    with engine.connect() as c:
        case = c.execute(text("SELECT * FROM cases WHERE id = :i"), {"i": first.case_id}).mappings().one()
    assert case["source"] == "video" and case["title"] == "占道经营（CAM-1）" and case["grid_id"] is not None
    assert count(engine, "SELECT count(*) FROM alerts WHERE case_id = :i", i=first.case_id) == 3


def test_low_score_is_stored_but_opens_no_case_and_an_update_can_raise_it(wf):  # noqa: F811
    engine, _ = wf
    low = intake_alert(engine, alert("b1", T0, score=0.3), at=T0)
    assert low.below_threshold and low.case_id is None
    assert count(engine, "SELECT count(*) FROM cases") == 0
    raised = intake_alert(engine, alert("b1", T0, score=0.8), at=m(1))        # Frigate update of the same event
    assert raised.updated and raised.case_id and raised.alert_id == low.alert_id
    ended = intake_alert(engine, alert("b1", T0, score=0.8, ended_at=m(5)), at=m(5))
    assert ended.updated and ended.case_id == raised.case_id
    assert count(engine, "SELECT count(*) FROM alerts") == 1
    assert count(engine, "SELECT count(*) FROM cases") == 1


def test_closed_case_does_not_absorb_new_alerts(wf):  # noqa: F811
    engine, w = wf
    first = intake_alert(engine, alert("c1", T0), at=T0)
    perform(engine, first.case_id, "reject", w.actors["operator"], at=m(1), reason="误报")
    again = intake_alert(engine, alert("c2", m(2)), at=m(2))
    assert not again.merged and again.case_id != first.case_id


def test_manual_merge_moves_alerts_and_split_takes_one_out(wf):  # noqa: F811
    engine, w = wf
    op = w.actors["operator"]
    a = intake_alert(engine, alert("d1", T0), at=T0)
    intake_alert(engine, alert("d2", m(1)), at=m(1))
    b = intake_alert(engine, alert("d3", m(2), camera="CAM-9"), at=m(2))
    merge_cases(engine, a.case_id, b.case_id, op, "同一摊点", at=m(3))
    with engine.connect() as c:
        other = c.execute(text("SELECT state, merged_into_id FROM cases WHERE id = :i"), {"i": b.case_id}).one()
    assert tuple(other) == ("cancelled", a.case_id)
    assert count(engine, "SELECT count(*) FROM alerts WHERE case_id = :i", i=a.case_id) == 3
    with pytest.raises(TransitionRefused):
        merge_cases(engine, b.case_id, a.case_id, op, "again", at=m(4))
    new = split_alert(engine, b.alert_id, op, "不是同一事件", at=m(5))
    assert count(engine, "SELECT count(*) FROM alerts WHERE case_id = :i", i=new.id) == 1
    assert count(engine, "SELECT count(*) FROM case_steps WHERE case_id = :i AND action = 'alert_split'",
                 i=a.case_id) == 1
    with pytest.raises(ValidationError):
        split_alert(engine, b.alert_id, op, "只剩一条", at=m(6))


def test_merge_of_a_case_into_itself_is_refused(wf):  # noqa: F811
    engine, w = wf
    ref = new_case(engine, w)
    with pytest.raises(ValidationError):
        merge_cases(engine, ref.id, ref.code, w.actors["operator"], "x", at=m(1))
    assert m(1) - T0 == timedelta(minutes=1)
