"""Frigate, OwnTracks and GB/T 28181 messages as their projects publish them (../shared/fixtures/third_party) and
samples of our own written from their documentation (tests/data/ingest): each stored or refused as its source
intends, through a real broker into PostgreSQL."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.effects import dead_letter_key
from tests.test_ingest_support import (
    CAMERAS,
    COMMUNITY,
    THIRD_PARTY,
    publish,
    rows,
    running,
    seed_world,
    settings_for,
    wait_handled,
)


@pytest.fixture
def world(db_url):
    return seed_world(db_url)

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT / THIRD_PARTY).resolve()
OURS = ROOT / "tests" / "data" / "ingest"
FRIGATE_ID = "1607123955.475377-mxklsc"

# file -> (where it is published, what must happen). Order matters for Frigate: new, updates, end.
EXPECTED = {
    "frigate_event_new.DERIVED.json": ("frigate", "frigate_event"),
    "frigate_event_update.json": ("frigate", "frigate_event"),
    "frigate_event_update_v0_14.json": ("frigate", "frigate_event"),
    "frigate_event_end.DERIVED.json": ("frigate", "frigate_event"),
    "owntracks_location_basic.json": ("owntracks", "owntracks_location"),
    "owntracks_location_minimal.json": ("owntracks", "owntracks_location"),
    "owntracks_transition_beacon_enter.json": ("owntracks/event", "owntracks_other"),
    "owntracks_lwt.json": ("owntracks", "owntracks_lwt"),
    "owntracks_INVALID_location_lat_missing.json": ("owntracks", "缺少字段 lat"),
    "owntracks_INVALID_transition_lat_string.json": ("owntracks/event", "字段 lat 类型错误"),
    "gb28181_alarm_notify_spec_example.xml": ("gb28181", "gb28181_alarm"),
    "gb28181_alarm_notify_video_motion_with_info.xml": ("gb28181", "gb28181_alarm"),
    "gb28181_alarm_response.xml": ("gb28181", "不是报警通知"),
}
OWN = {
    "frigate_new_sub_label_string.json": ("frigate", "frigate_event"),
    "frigate_new_false_positive.json": ("frigate", "frigate_event"),
    "frigate_update_unmapped_camera_and_label.json": ("frigate", "frigate_event"),
    "frigate_INVALID_type.json": ("frigate", "字段 type 取值无效"),
    "frigate_INVALID_no_after.json": ("frigate", "缺少字段 after"),
    "frigate_INVALID_sub_label_object.json": ("frigate", "after.sub_label"),
    "owntracks_location_in_grid.json": ("owntracks", "owntracks_location"),
    "owntracks_waypoint.json": ("owntracks/waypoint", "owntracks_other"),
    "owntracks_INVALID_battery.json": ("owntracks", "字段 batt 超出范围"),
    "owntracks_INVALID_type.json": ("owntracks", "不符合 OwnTracks 消息格式"),
    "gb28181_2011_layout_gb2312.xml": ("gb28181", "gb28181_alarm"),
    "gb28181_top_level_alarmtype_utf8.xml": ("gb28181", "gb28181_alarm"),
    "gb28181_undeclared_gbk.xml": ("gb28181", "gb28181_alarm"),
    "gb28181_INVALID_device_id.xml": ("gb28181", "DeviceID 应为 20 位数字"),
    "gb28181_INVALID_priority.xml": ("gb28181", "AlarmPriority"),
    "gb28181_INVALID_doctype.xml": ("gb28181", "DOCTYPE"),
    "gb28181_INVALID_not_xml.xml": ("gb28181", "XML 格式错误"),
}


def _topic(where: str, s) -> str:
    return {"frigate": s.frigate_topic, "owntracks": f"{s.owntracks_prefix}/alice/phone",
            "owntracks/event": f"{s.owntracks_prefix}/alice/phone/event",
            "owntracks/waypoint": f"{s.owntracks_prefix}/alice/phone/waypoint",
            "gb28181": f"{s.gb28181_prefix}/35010200002000000001/alarm"}[where]


def test_every_shared_sample_is_classified():
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: CI keeps shared/ beside the clone")
    found = {p.name for p in SHARED.iterdir()} - {"README.md", "owntracks_message.schema.json"}
    assert found == set(EXPECTED), "a new third-party sample needs its expected outcome here"
    assert {p.name for p in OURS.iterdir()} - {"README.md"} == set(OWN)


def _check(url: str, topic: str, payload: bytes, expect: str, name: str) -> None:
    stored = rows(url, "SELECT kind FROM raw_events WHERE payload = :p", p=payload)
    if expect in ("frigate_event", "owntracks_location", "owntracks_lwt", "owntracks_other", "gb28181_alarm"):
        assert [r.kind for r in stored] == [expect], name
        return
    assert stored == [], name
    reasons = rows(url, "SELECT reason FROM dead_letters WHERE dedup_key = :k", k=dead_letter_key(topic, payload))
    assert len(reasons) == 1 and expect in reasons[0].reason, (name, reasons)


def test_samples_stored_or_refused_as_their_sources_intend(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    plan = [(SHARED / n, w, e) for n, (w, e) in EXPECTED.items()] + [(OURS / n, w, e) for n, (w, e) in OWN.items()]
    items = [(_topic(where, s), path.read_bytes()) for path, where, _ in plan]
    with running(s) as worker:
        publish(mqtt_url, items)
        wait_handled(worker, len(items))
    for (path, where, expect), (topic, payload) in zip(plan, items):
        _check(world.url, topic, payload, expect, path.name)
    _frigate(world)
    _owntracks(world)
    _gb28181(world)


def _frigate(world) -> None:
    alerts = rows(world.url, "SELECT alert_key, camera_id, alert_type, score, ended_at, case_id FROM alerts "
                             "WHERE vendor = 'frigate' ORDER BY alert_key")
    by_key = {a.alert_key: a for a in alerts}
    one = by_key[f"frigate:{FRIGATE_ID}"]                       # new + 2 updates + end: one alert, updated
    assert one.camera_id == world.cameras[CAMERAS[0]] and one.alert_type == "crowd"
    assert one.ended_at is not None and one.score == pytest.approx(0.958984375)
    assert "frigate:1714550100.000001-fp0001" not in by_key     # not confirmed by Frigate: no alert
    assert by_key["frigate:1714550000.123456-abc123"].camera_id == world.cameras[CAMERAS[0]]
    unmapped = by_key["frigate:1714550200.000001-cam999"]
    assert unmapped.camera_id is None and unmapped.alert_type == "dog"
    flags = rows(world.url, "SELECT flags FROM raw_events WHERE source_key LIKE 'frigate:1714550200%'")[0].flags
    assert flags == {"unknown_camera": "back_yard", "unknown_alert_type": "dog"}
    parsed = rows(world.url, "SELECT parsed FROM raw_events WHERE source_key LIKE :k AND parsed->>'type' = 'end'",
                  k=f"frigate:{FRIGATE_ID}:%")[0].parsed
    assert parsed["sub_label"] == "John Smith" and parsed["sub_label_score"] == 0.79


def _owntracks(world) -> None:
    s001 = world.staff["S001"]
    got = rows(world.url, "SELECT lat, grid_id FROM positions WHERE staff_id = :s ORDER BY ts", s=s001)
    assert [round(r.lat, 3) for r in got] == [44.221, 52.196, 26.085]
    assert got[-1].grid_id == world.grids[f"{COMMUNITY}001"]
    assert rows(world.url, "SELECT online FROM positions_latest WHERE staff_id = :s", s=s001) == [(False,)]


def _gb28181(world) -> None:
    parsed = {r.source_key.split(":")[1] + ":" + str(r.parsed["sn"]): (r.parsed, r.flags) for r in rows(
        world.url, "SELECT source_key, parsed, flags FROM raw_events WHERE kind = 'gb28181_alarm'")}
    spec, spec_flags = parsed["64010000001340000001:1"]
    assert spec["layout"] == "2011" and spec["method_name"] == "设备报警" and spec["priority_name"] == "四级警情"
    assert spec["alarm_time"] == "2009-12-04T08:23:32+00:00"             # local time read as Beijing time
    assert spec_flags["coords_outside_china"] is True and spec["lon"] is None
    motion, motion_flags = parsed["62000000001320000011:3"]
    assert motion["description"] == "视频动检" and motion["alarm_type_name"] == "运动目标检测报警"
    assert motion["encoding"] == "gb18030" and motion["layout"] == "2016" and motion_flags is None
    assert parsed["35010200001320000002:17"][0]["description"] == "设备报警：视频丢失"
    top, top_flags = parsed["35010200001320000001:18"]
    assert top["layout"] == "top_level" and top_flags == {"unknown_alert_type": "5-6"}
    gbk = parsed["35010200001320000001:19"][0]
    assert gbk["encoding"] == "gb18030" and gbk["event_type"] == "1" and gbk["description"].startswith("运动目标检测")
    alerts = {r.camera_ref: r for r in rows(world.url, "SELECT camera_ref, camera_id, alert_type, priority, grid_id "
                                                        "FROM alerts WHERE vendor = 'gb28181'")}
    assert alerts["62000000001320000011"].camera_id == world.cameras["62000000001320000011"]
    assert alerts["62000000001320000011"].alert_type == "occupy_road_business"
    assert alerts["62000000001320000011"].priority == 1
    assert alerts["64010000001340000001"].camera_id is None and alerts["64010000001340000001"].alert_type == "crowd"


def test_generic_failures_on_the_native_topics_are_dead_lettered(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    update = (SHARED / "frigate_event_update.json").read_text()
    far = json.loads(update)
    far["after"]["start_time"] = 4102444800.0                      # 2100-01-01
    plan = [
        (s.frigate_topic, update[:200].encode(), "JSON 格式错误"),
        (s.frigate_topic, json.dumps(far).encode(), "超前当前时间"),
        (s.frigate_topic, b'{"type": "new", "after": ' + b" " * (300 * 1024) + b"}", "消息过大"),
        (f"{s.owntracks_prefix}/alice/phone", b'{"_type": "location", "lat": 95.0, "lon": 7.0, "tst": 1700000000}',
         "字段 lat 超出范围"),
        (f"{s.owntracks_prefix}/alice/phone", b'\xfe{"_type": "lwt", "tst": 1700000000}', "UTF-8"),
        (f"{s.owntracks_prefix}/alice", b'{"_type": "lwt", "tst": 1700000000}', "未知主题"),
        (f"{s.gb28181_prefix}/35010200002000000001/alarm", b"<Notify>" + b"<x/>" * 70000 + b"</Notify>", "消息过大"),
        (f"{s.gb28181_prefix}/35010200002000000001/alarm",
         (OURS / "gb28181_2011_layout_gb2312.xml").read_bytes().replace(b"<SN>17</SN>", b""), "缺少字段 SN"),
    ]
    with running(s) as worker:
        publish(mqtt_url, [(t, p) for t, p, _ in plan])
        wait_handled(worker, len(plan))
    for topic, payload, expect in plan:
        reasons = rows(world.url, "SELECT reason FROM dead_letters WHERE dedup_key = :k",
                       k=dead_letter_key(topic, payload))
        assert len(reasons) == 1 and expect in reasons[0].reason, (topic, expect, reasons)
    assert rows(world.url, "SELECT count(*) FROM raw_events") == [(0,)]
