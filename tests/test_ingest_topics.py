"""Every topic of our contract against a real broker and PostgreSQL: valid messages stored once, invalid ones in
dead letters with a readable reason, and the worker still running afterwards."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ingest.effects import dead_letter_key
from tests.test_ingest_support import (
    CAMERAS,
    COMMUNITY,
    LAT0,
    LON0,
    publish,
    rows,
    running,
    scalar,
    seed_world,
    settings_for,
    wait_handled,
)


@pytest.fixture
def world(db_url):
    return seed_world(db_url)

NOW = datetime.now(timezone(timedelta(hours=8)))
ROOT = Path(__file__).resolve().parent.parent


def iso(minutes: float = 0) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def js(**fields) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


@dataclass
class Case:
    tail: str                  # topic below "{prefix}/v1/"
    payload: bytes
    expect: str                # "stored" or a phrase the dead-letter reason must contain
    times: int = 1             # published this many times (a redelivery must not store twice)


def run_cases(world, mqtt_url: str, cases: list[Case]):
    """Publish all cases, wait until each was handled, prove the worker still works, then check each case."""
    s = settings_for(world.url, mqtt_url)
    topic = lambda c: f"{s.topic_prefix}/v1/{c.tail}"  # noqa: E731
    items = [(topic(c), c.payload) for c in cases for _ in range(c.times)]
    alive = Case("terminal/S002/position", js(ts=iso(), lon=LON0 + 0.001, lat=LAT0 + 0.001), "stored")
    with running(s) as worker:
        publish(mqtt_url, items)
        wait_handled(worker, len(items))
        publish(mqtt_url, [(topic(alive), alive.payload)])
        wait_handled(worker, len(items) + 1)
    for c in cases + [alive]:
        if c.expect == "stored":
            assert scalar(world.url, "SELECT count(*) FROM raw_events WHERE payload = :p", p=c.payload) == 1, c
            assert scalar(world.url, "SELECT count(*) FROM dead_letters WHERE payload = :p", p=c.payload) == 0, c
        else:
            found = rows(world.url, "SELECT reason, topic, payload_size FROM dead_letters WHERE dedup_key = :k",
                         k=dead_letter_key(topic(c), c.payload))
            assert len(found) == 1, c
            assert c.expect in found[0].reason, (c, found[0].reason)
            assert found[0].topic == topic(c) and found[0].payload_size == len(c.payload)
            assert scalar(world.url, "SELECT count(*) FROM raw_events WHERE payload = :p", p=c.payload) == 0, c
    return s


def common_invalid(tail: str, valid: dict) -> list[Case]:
    """The failures every JSON topic must refuse: bad JSON, bad UTF-8, not an object, oversized, NaN."""
    return [
        Case(tail, b'{"ts": "' + iso().encode() + b'", ', "JSON 格式错误"),
        Case(tail, b"\xff\xfe" + json.dumps(valid).encode(), "UTF-8"),
        Case(tail, b"[1, 2, 3]", "顶层应为对象"),
        Case(tail, json.dumps({**valid, "pad": "x" * (300 * 1024)}).encode(), "消息过大"),
        Case(tail, json.dumps(valid).replace("}", ', "lat": NaN}').encode(), "NaN 不是合法的 JSON"),
    ]


def test_position(world, mqtt_url):
    tail = "terminal/S001/position"
    valid = {"ts": iso(), "lon": LON0 + 0.003, "lat": LAT0 + 0.004, "acc": 8.5, "batt": 76}
    gcj_ms = round(NOW.timestamp() * 1000) - 5000
    cases = [
        Case(tail, js(**valid), "stored", times=2),
        Case(tail, js(ts=gcj_ms, lon=LON0 + 0.0081, lat=LAT0 + 0.0028, crs="gcj02", speed=1.2), "stored"),
        Case(tail, js(ts=int(NOW.timestamp()) - 60, lon=LON0 + 0.002, lat=LAT0 + 0.002), "stored"),
        Case("terminal/NOBODY/position", js(ts=iso(-1), lon=LON0, lat=LAT0), "stored"),
        Case(tail, js(ts=iso(-2), lon=LON0), "缺少字段 lat"),
        Case(tail, js(ts=iso(-3), lon="119.3", lat=LAT0), "字段 lon 类型错误"),
        Case(tail, js(ts=iso(-4), lon=LON0, lat=95.0), "字段 lat 超出范围"),
        Case(tail, js(ts=iso(-5), lon=200, lat=LAT0), "字段 lon 超出范围"),
        Case(tail, js(ts=iso(24 * 60), lon=LON0, lat=LAT0), "超前当前时间"),
        Case(tail, js(ts="2025-05-01T08:30:00", lon=LON0, lat=LAT0), "缺少时区"),
        Case(tail, js(ts="yesterday", lon=LON0, lat=LAT0), "无法解析"),
        Case(tail, js(ts=iso(-6), lon=LON0, lat=LAT0, batt=150), "字段 batt 超出范围"),
        Case(tail, js(ts=iso(-7), lon=LON0, lat=LAT0, crs="bd09"), "字段 crs 取值无效"),
        Case(tail, js(ts=True, lon=LON0, lat=LAT0), "时间字段 ts"),
    ] + common_invalid(tail, valid)
    run_cases(world, mqtt_url, cases)
    s001 = world.staff["S001"]
    got = rows(world.url, "SELECT ts, lon, lat, crs, orig_lon, grid_id FROM positions WHERE staff_id = :s ORDER BY ts",
               s=s001)
    assert len(got) == 3
    gcj = [r for r in got if r.crs == "gcj02"][0]
    assert gcj.orig_lon == LON0 + 0.0081 and abs(gcj.lon - (LON0 + 0.0081)) > 0.003   # moved to WGS-84
    assert all(r.grid_id == world.grids[f"{COMMUNITY}001"] for r in got)
    latest = rows(world.url, "SELECT ts, online FROM positions_latest WHERE staff_id = :s", s=s001)[0]
    assert latest.ts == max(r.ts for r in got) and latest.online
    flagged = rows(world.url, "SELECT flags FROM raw_events WHERE source_key LIKE 'position:NOBODY:%'")
    assert flagged[0].flags == {"unknown_staff": "NOBODY"}
    assert rows(world.url, "SELECT kind, source, seen_count FROM unregistered_devices WHERE external_id = 'NOBODY'") \
        == [("staff", "terminal", 1)]


def test_status_and_patrol(world, mqtt_url):
    grid = f"{COMMUNITY}001"
    pos = Case("terminal/S002/position", js(ts=iso(-10), lon=LON0 + 0.001, lat=LAT0 + 0.001), "stored")
    cases = [
        pos,
        Case("terminal/S002/status", b"offline", "stored", times=2),
        Case("terminal/S001/status", js(status="online", ts=iso(-1)), "stored"),
        Case("terminal/S001/status", js(status="asleep"), "字段 status 取值无效"),
        Case("terminal/S001/status", b"maybe", "JSON 格式错误"),
        Case("terminal/S001/patrol", js(id="p1", ts=iso(-9), action="start", grid_code=grid, lon=LON0 + 0.001,
                                        lat=LAT0 + 0.001), "stored", times=2),
        Case("terminal/S001/patrol", js(id="p2", ts=iso(-8), action="checkpoint", grid_code="NOPE", lon=LON0,
                                        lat=LAT0), "stored"),
        Case("terminal/S001/patrol", js(id="p3", ts=iso(-7), action="pause", grid_code=grid, lon=LON0, lat=LAT0),
             "字段 action 取值无效"),
        Case("terminal/S001/patrol", js(id="p4", ts=iso(-7), action="end", lon=LON0, lat=LAT0),
             "缺少字段 grid_code"),
        Case("terminal/S001/patrol", js(id=["p5"], ts=iso(-7), action="end", grid_code=grid, lon=LON0, lat=LAT0),
             "字段 id"),
    ] + common_invalid("terminal/S001/patrol", {"id": "p6", "ts": iso(), "action": "end", "grid_code": grid,
                                                 "lon": LON0, "lat": LAT0})
    run_cases(world, mqtt_url, cases)
    assert rows(world.url, "SELECT online FROM positions_latest WHERE staff_id = :s", s=world.staff["S002"]) \
        == [(False,)]
    assert rows(world.url, "SELECT status FROM devices WHERE code = 'ZD-S002'") == [("offline",)]
    patrols = rows(world.url, "SELECT action, grid_id FROM patrols ORDER BY ts")
    assert patrols == [("start", world.grids[grid]), ("checkpoint", world.grids[grid])]   # located from lon/lat
    assert scalar(world.url, "SELECT count(*) FROM unregistered_devices WHERE kind = 'grid' "
                             "AND external_id = 'NOPE'") == 1


def test_video_alert(world, mqtt_url):
    cam = CAMERAS[0]
    tail = f"video/{cam}/alert"
    valid = {"id": "a1", "ts": iso(-1), "type": "occupy_road_business", "score": 0.91, "priority": 3}
    cases = [
        Case(tail, js(**valid), "stored", times=2),
        Case(tail, js(id=2, ts=iso(-1), type="店外经营", score=0.8, vendor="hik",
                      snapshot_url="http://nvr.local/snap/2.jpg"), "stored"),
        Case(tail, js(id="a3", ts=round(NOW.timestamp() * 1000), type="131", vendor="hik", score=0.7), "stored"),
        Case(tail, js(id="a4", ts=iso(-1), type="mystery_thing", score=0.9), "stored"),
        Case("video/99999999999999999999/alert", js(id="a5", ts=iso(-1), type="crowd", score=0.9,
                                                      lon=LON0 + 0.011, lat=LAT0 + 0.002), "stored"),
        Case(tail, js(id="b1", ts=iso(-1), type="crowd", score=1.5), "字段 score 超出范围"),
        Case(tail, js(id="b2", ts=iso(-1), type="crowd", score=0.9, priority=7), "字段 priority 超出范围"),
        Case(tail, js(id="b3", ts=iso(-1), type="crowd", score=0.9, lon=LON0), "同时提供"),
        Case(tail, js(id="b4", ts=iso(-1), score=0.9), "缺少字段 type"),
        Case(tail, js(id="b5", ts=iso(-1), type="crowd", score=0.9, snapshot_url="javascript:alert(1)"),
             "snapshot_url"),
        Case(tail, js(id="b6", ts=iso(120), type="crowd", score=0.9), "超前当前时间"),
    ] + common_invalid(tail, valid)
    run_cases(world, mqtt_url, cases)
    alerts = {r.alert_key: r for r in rows(world.url, "SELECT alert_key, alert_type, camera_id, grid_id, case_id "
                                                      "FROM alerts")}
    assert alerts[f"video:{cam}:a1"].alert_type == "occupy_road_business"
    assert alerts[f"video:{cam}:2"].alert_type == "occupy_road_business"       # Chinese variant via 'zh'
    assert alerts[f"video:{cam}:a3"].alert_type == "occupy_road_business"      # vendor code via its table
    assert alerts[f"video:{cam}:a1"].camera_id == world.cameras[cam]
    unknown_cam = alerts["video:99999999999999999999:a5"]
    assert unknown_cam.camera_id is None and unknown_cam.grid_id == world.grids[f"{COMMUNITY}002"]
    flags = dict(rows(world.url, "SELECT source_key, flags FROM raw_events WHERE flags IS NOT NULL"))
    assert flags[f"video:{cam}:a4"] == {"unknown_alert_type": "mystery_thing"}
    assert flags["video:99999999999999999999:a5"] == {"unknown_camera": "99999999999999999999"}
    # a1, 2 and a3 are one stall on one camera: merged into one case; the redelivered a1 opened nothing
    assert len({alerts[f"video:{cam}:{k}"].case_id for k in ("a1", "2", "a3")}) == 1


def test_report_verify_feedback(world, mqtt_url):
    report = {"id": "r1", "ts": iso(-3), "category": "0101", "description": "小区门口垃圾堆放",
              "lon": LON0 + 0.004, "lat": LAT0 + 0.004, "address": "测试路1号", "photos": ["https://img.local/1.jpg"]}
    cases = [
        Case("terminal/S001/report", js(**report), "stored", times=2),
        Case("terminal/S001/report", js(**{**report, "id": "r2", "category": "9999"}), "stored"),
        Case("terminal/S001/report", js(**{**report, "id": "r3", "self_handled": True}), "stored"),
        Case("terminal/S001/report", js(**{**report, "id": "r4", "description": "   "}), "字段 description"),
        Case("terminal/S001/report", js(**{**report, "id": "r5", "self_handled": "yes"}), "字段 self_handled"),
        Case("terminal/S001/report", js(**{**report, "id": "r6", "photos": "https://img.local/1.jpg"}),
             "字段 photos 类型错误"),
        Case("terminal/S001/report", js(**{**report, "id": "r7", "urgency": 0}), "字段 urgency 超出范围"),
        Case("terminal/S001/verify", js(id="v1", ts=iso(-1), case_code="NO-SUCH-CASE", passed=True), "stored"),
        Case("terminal/S001/verify", js(id="v2", ts=iso(-1), case_code="X", passed="true"), "字段 passed"),
        Case("dept/sanit/feedback", js(id="f1", ts=iso(-1), case_code="NO-SUCH-CASE", action="checkin"), "stored"),
        Case("dept/nobody/feedback", js(id="f2", ts=iso(-1), case_code="X", action="result"), "stored"),
        Case("dept/sanit/feedback", js(id="f3", ts=iso(-1), case_code="X", action="done"), "字段 action 取值无效"),
        Case("dept/sanit/feedback", js(id="f4", ts=iso(-1), action="progress"), "缺少字段 case_code"),
        Case("terminal/S001/verify", js(id="v3", ts=iso(90), case_code="X", passed=True), "超前当前时间"),
        Case("dept/sanit/feedback", js(id="f5", ts=iso(-1), case_code="X", action="checkin", lat=91.0, lon=LON0),
             "字段 lat 超出范围"),
        Case("terminal/S001/status", b"\xffonline", "UTF-8"),
        Case("terminal/S001/status", b"x" * (300 * 1024), "消息过大"),
    ] + common_invalid("terminal/S001/report", report) \
        + common_invalid("terminal/S001/verify", {"id": "v9", "ts": iso(), "case_code": "X", "passed": False}) \
        + common_invalid("dept/sanit/feedback", {"id": "f9", "ts": iso(), "case_code": "X", "action": "result"})
    run_cases(world, mqtt_url, cases)
    cases_rows = {r.source_ref: r for r in rows(world.url, "SELECT source_ref, state, category_id, "
                                                           "reported_by_staff_id FROM cases")}
    assert set(cases_rows) == {"report:S001:r1", "report:S001:r2", "report:S001:r3"}   # r1 redelivered: one case
    assert cases_rows["report:S001:r1"].reported_by_staff_id == world.staff["S001"]
    assert cases_rows["report:S001:r2"].category_id is None                            # unknown 小类: to classify
    assert cases_rows["report:S001:r3"].state == "closed"                              # 自行处置
    flags = dict(rows(world.url, "SELECT source_key, flags FROM raw_events WHERE flags IS NOT NULL"))
    assert flags["report:S001:r2"] == {"unknown_category": "9999"}
    assert "NO-SUCH-CASE" in flags["verify:S001:v1"]["case_error"]
    assert "NO-SUCH-CASE" in flags["feedback:sanit:f1"]["case_error"]
    assert flags["feedback:nobody:f2"] == {"unknown_department": "nobody"}


def test_unknown_topics_counters_and_db_status(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    v1 = f"{s.topic_prefix}/v1"
    with running(s) as worker:
        publish(mqtt_url, [(f"{v1}/terminal/S001/selfie", b"{}"), (f"{v1}/camera/C1/alert", b"{}"),
                           (f"{v1}/terminal/S001/position", js(ts=iso(-1), lon=LON0, lat=LAT0)),
                           (f"{v1}/terminal/S001/position", js(ts=iso(-2), lon=LON0, lat=LAT0)),
                           (f"{v1}/terminal/S001/status", b"online")])
        wait_handled(worker, 5)
        reasons = [r.reason for r in rows(world.url, "SELECT reason FROM dead_letters ORDER BY id")]
        assert len(reasons) == 2 and all("未知主题" in r for r in reasons)
    # stopping writes the last window of counters
    row = rows(world.url, "SELECT worker, sum(received), sum(stored), sum(rejected), sum(batches) "
                          "FROM ingest_counters GROUP BY worker")
    assert row[0][0] == s.worker_id and tuple(row[0][1:4]) == (5, 3, 2) and row[0][4] >= 1
    out = subprocess.run([sys.executable, "-m", "db", "status", "--json"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "DATABASE_URL": world.url})
    report = json.loads(out.stdout)
    assert report["events"]["position"] == 2 and report["events"]["status"] == 1       # each message once
    assert report["ingest"]["received"] == 5 and report["ingest"]["rejected"] == 2
    assert report["dead_letters"] == 2


def test_a_later_redelivery_and_a_same_second_position_store_nothing_twice(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    pos = f"{s.topic_prefix}/v1/terminal/S001/position"
    tst = int(NOW.timestamp()) - 120
    first = js(ts=tst, lon=LON0 + 0.001, lat=LAT0 + 0.001)
    owntracks = json.dumps({"_type": "location", "lat": LAT0 + 0.001, "lon": LON0 + 0.001, "tst": tst}).encode()
    with running(s) as worker:
        publish(mqtt_url, [(pos, first)])
        wait_handled(worker, 1)
        # the same message again (as after a crash) beside new ones, and OwnTracks reporting the same second
        publish(mqtt_url, [(pos, first), (pos, js(ts=tst + 1, lon=LON0, lat=LAT0)),
                           (f"{s.owntracks_prefix}/alice/phone", owntracks)])
        wait_handled(worker, 4)
        assert worker.counters.totals.duplicates == 1
    assert scalar(world.url, "SELECT count(*) FROM raw_events") == 3
    assert rows(world.url, "SELECT extract(epoch FROM ts)::bigint FROM positions ORDER BY ts") == [(tst,), (tst + 1,)]


def test_a_reference_deleted_meanwhile_and_a_row_the_database_refuses(world, mqtt_url):
    s = settings_for(world.url, mqtt_url, batch_ms=500)
    v1, gone = f"{s.topic_prefix}/v1", CAMERAS[2]
    alert = js(id="z1", ts=iso(-1), type="crowd", score=0.9)
    refused = js(id="poison", ts=iso(-1), category="0101", description="x", lon=LON0, lat=LAT0)
    with running(s) as worker:
        publish(mqtt_url, [(f"{v1}/terminal/S001/position", js(ts=iso(-5), lon=LON0, lat=LAT0))])
        wait_handled(worker, 1)                    # the worker's reference data now has the camera...
        eng = create_engine(world.url)
        with eng.begin() as c:                     # ...which an admin deletes; and a rule the ingest cannot know
            c.execute(text("DELETE FROM devices WHERE code = :c"), {"c": gone})
            c.execute(text("ALTER TABLE raw_events ADD CONSTRAINT test_refuse CHECK (source_key NOT LIKE '%poison')"))
        eng.dispose()
        publish(mqtt_url, [(f"{v1}/video/{gone}/alert", alert), (f"{v1}/terminal/S001/report", refused),
                           (f"{v1}/terminal/S002/position", js(ts=iso(-4), lon=LON0, lat=LAT0))])
        wait_handled(worker, 4)
    flags = rows(world.url, "SELECT flags FROM raw_events WHERE payload = :p", p=alert)[0].flags
    assert flags == {"unknown_camera": gone}                 # parsed again with fresh data: stored, flagged
    reason = rows(world.url, "SELECT reason FROM dead_letters WHERE payload = :p", p=refused)[0].reason
    assert reason.startswith("数据库拒绝保存") and "test_refuse" in reason
    assert scalar(world.url, "SELECT count(*) FROM positions") == 2
