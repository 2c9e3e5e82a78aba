"""The case bridge through the workflow engine: a terminal's report opens a case, a department's own system signs,
reports progress and results, a grid worker verifies on site, a whistled department checks in."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine

from db import workflow
from db.workflow import Actor
from tests.test_ingest_support import LAT0, LON0, publish, rows, running, seed_world, settings_for, wait_handled

DISPATCHER = Actor(None, "dispatcher", "dispatcher", display_name="指挥长")
OPERATOR = Actor(None, "operator", "operator", display_name="值班员")


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def now(minutes: float = 0) -> str:
    return (datetime.now(timezone(timedelta(hours=8))) + timedelta(minutes=minutes)).isoformat()


def _to_department(url: str, code: str, dept_id: int) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        workflow.perform(c, code, "accept", OPERATOR)
        workflow.perform(c, code, "file", DISPATCHER, category_code="0101")
        workflow.perform(c, code, "dispatch", DISPATCHER, dept_id=dept_id)
    eng.dispose()


def test_report_then_department_feedback_then_verification(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    v1 = f"{s.topic_prefix}/v1"
    report = {"id": "r-100", "ts": now(-30), "category": "0101", "description": "路口垃圾堆积\n已拍照",
              "lon": LON0 + 0.004, "lat": LAT0 + 0.003, "address": "测试路8号", "urgency": 2}
    with running(s) as worker:
        publish(mqtt_url, [(f"{v1}/terminal/S001/report", json.dumps(report, ensure_ascii=False))])
        wait_handled(worker, 1)
        case = rows(world.url, "SELECT code, title, state, grid_id, district_code, urgency, reported_by_staff_id, "
                               "reported_at, source, source_ref FROM cases")[0]
        assert (case.state, case.source, case.source_ref) == ("reported", "grid_worker", "report:S001:r-100")
        assert case.title == "暴露垃圾（测试路8号）" and case.urgency == 2
        assert case.grid_id == world.grids["350102001001001"] and case.district_code == "350102"
        assert case.reported_by_staff_id == world.staff["S001"]
        assert case.reported_at == datetime.fromisoformat(report["ts"])
        _to_department(world.url, case.code, world.depts["sanit"])
        answers = [("dept/sanit/feedback", {"id": "f1", "ts": now(), "case_code": case.code, "action": "checkin"}),
                   ("dept/sanit/feedback", {"id": "f2", "ts": now(), "case_code": case.code, "action": "progress",
                                            "note": "已调派车辆"}),
                   ("dept/sanit/feedback", {"id": "f3", "ts": now(), "case_code": case.code, "action": "result",
                                            "note": "已清理完毕", "photos": ["https://img.local/after.jpg"]}),
                   ("terminal/S001/verify", {"id": "v1", "ts": now(), "case_code": case.code, "passed": True,
                                             "note": "现场已干净"})]
        publish(mqtt_url, [(f"{v1}/{tail}", json.dumps(body, ensure_ascii=False)) for tail, body in answers])
        wait_handled(worker, 1 + len(answers))
    steps = rows(world.url, "SELECT action, to_state, actor_role, actor_name FROM case_steps c JOIN cases k "
                            "ON k.id = c.case_id WHERE k.code = :c ORDER BY seq", c=case.code)
    assert [(s.action, s.to_state) for s in steps][-4:] == [
        ("sign", "signed"), ("progress", "signed"), ("feedback", "feedback"), ("verify", "feedback")]
    assert [s.actor_name for s in steps][-4:] == ["环卫所", "环卫所", "环卫所", "网格员S001"]
    assert rows(world.url, "SELECT count(*) FROM raw_events WHERE flags ? 'case_error'") == [(0,)]


def test_whistled_department_checks_in_from_its_own_system(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    eng = create_engine(world.url)
    with eng.begin() as c:
        ref = workflow.open_case(c, OPERATOR, source="superior", title="河道非法采砂", lon=LON0 + 0.005,
                                 lat=LAT0 + 0.005)
        workflow.perform(c, ref.code, "accept", OPERATOR)
        workflow.perform(c, ref.code, "file", DISPATCHER, category_code="0101")
        workflow.blow_whistle(c, ref.code, DISPATCHER, lead_dept_id=world.depts["enforce"],
                              co_dept_ids=[world.depts["sanit"]], reason="enforcement")
    eng.dispose()
    checkin = {"id": "w1", "ts": now(), "case_code": ref.code, "action": "checkin", "lon": LON0 + 0.005,
               "lat": LAT0 + 0.005, "photos": ["https://img.local/onsite.jpg"], "note": "执法队员已到场"}
    with running(s) as worker:
        publish(mqtt_url, [(f"{s.topic_prefix}/v1/dept/enforce/feedback", json.dumps(checkin, ensure_ascii=False))])
        wait_handled(worker, 1)
    found = rows(world.url, "SELECT d.checked_in_at, d.checkin_lon, d.checkin_photo FROM whistle_departments d "
                            "WHERE d.dept_id = :d", d=world.depts["enforce"])[0]
    assert found.checked_in_at is not None and found.checkin_lon == LON0 + 0.005
    assert found.checkin_photo == "https://img.local/onsite.jpg"
    assert rows(world.url, "SELECT checked_in_at FROM whistle_departments WHERE dept_id = :d",
                d=world.depts["sanit"]) == [(None,)]
