"""The invalid-payload matrix: for every topic (our grid/v1 contract and the native Frigate, OwnTracks and GB/T 28181
formats) each failure class the issue names — missing fields, wrong types, bad JSON (or XML), bad UTF-8 (or an
undecodable encoding), out-of-range coordinates, timestamps far in the future, huge payloads — published through a
real broker to one worker writing to real PostgreSQL. Every invalid message must land in dead letters with a
readable Chinese reason and nothing raw; afterwards a valid message on every topic must still be stored exactly once
(published twice), proving the worker kept running.

A class that does not apply to a topic is left out on purpose: verify and status carry no coordinates (unknown
extra fields are ignored, so a stray `lon` is not an error), and Frigate has no coordinates either (its
out-of-range case is a score)."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.effects import dead_letter_key
from tests.conftest import _db_url, create_database, drop_database
from tests.test_ingest_support import (
    CAMERAS,
    LAT0,
    LON0,
    THIRD_PARTY,
    publish,
    rows,
    running,
    scalar,
    seed_world,
    settings_for,
    wait_handled,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT / THIRD_PARTY).resolve()
OURS = ROOT / "tests" / "data" / "ingest"
NOW = datetime.now(timezone(timedelta(hours=8)))
HUGE = "x" * (300 * 1024)                                  # above the default 256 KiB limit
FAR = "9999-12-31T23:59:59-14:00"                          # far enough that converting it to UTC overflows


def iso(minutes: float = 0) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def js(fields: dict, **changes) -> bytes:
    """fields with changes applied; a change to None removes the field."""
    out = {**fields, **changes}
    return json.dumps({k: v for k, v in out.items() if v is not None}, ensure_ascii=False).encode()


def bad_utf8(payload: bytes) -> bytes:
    """Valid JSON structure, but a lone continuation byte inside the first string."""
    return payload.replace(b'"', b'"\x80', 1)


def truncated(payload: bytes) -> bytes:
    """Cut in the middle (of characters, not bytes: the text stays valid UTF-8, only the JSON is broken)."""
    text = payload.decode()
    return text[: len(text) // 2].encode()


# --- one valid body per topic (each invalid case changes one thing) -------------------------------------------
ALERT = {"id": "m-a1", "ts": iso(-1), "type": "crowd", "score": 0.9, "priority": 2, "lon": LON0 + 0.004,
         "lat": LAT0 + 0.004, "snapshot_url": "http://nvr.local/m-a1.jpg", "vendor": "hik"}
POSITION = {"ts": iso(-1), "lon": LON0 + 0.002, "lat": LAT0 + 0.003, "acc": 5, "batt": 80}
REPORT = {"id": "m-r1", "ts": iso(-2), "category": "0101", "description": "路口垃圾堆放", "lon": LON0 + 0.004,
          "lat": LAT0 + 0.004, "photos": ["https://img.local/m1.jpg"], "self_handled": False, "urgency": 2}
PATROL = {"id": "m-p1", "ts": iso(-3), "action": "checkpoint", "grid_code": "350102001001001",
          "lon": LON0 + 0.001, "lat": LAT0 + 0.001}
VERIFY = {"id": "m-v1", "ts": iso(-1), "case_code": "NO-SUCH-CASE", "passed": True, "note": "已清理"}
STATUS = {"status": "online", "ts": iso(-1)}
FEEDBACK = {"id": "m-f1", "ts": iso(-1), "case_code": "NO-SUCH-CASE", "action": "checkin",
            "lon": LON0 + 0.002, "lat": LAT0 + 0.002}
FRIGATE = json.loads((SHARED / "frigate_event_new.DERIVED.json").read_text())
OWNTRACKS = {"_type": "location", "lat": LAT0 + 0.005, "lon": LON0 + 0.005, "tst": int(NOW.timestamp()) - 30,
             "acc": 12, "batt": 64, "tid": "al"}
LWT = {"_type": "lwt", "tst": int(NOW.timestamp()) - 3600}


def frigate(**after) -> bytes:
    """The shared Frigate `new` sample with fields of `after` changed (None removes one)."""
    ev = copy.deepcopy(FRIGATE)
    for k, v in after.items():
        if v is None:
            ev["after"].pop(k, None)
        else:
            ev["after"][k] = v
    return json.dumps(ev).encode()


def alarm(*, time: str = "2025-05-01T09:15:30", priority: str = "2", device: str = CAMERAS[1], sn: str = "41",
          extra: str = "", encoding: str = "UTF-8") -> bytes:
    parts = [f'<?xml version="1.0" encoding="{encoding}"?>', "<Notify>", "<CmdType>Alarm</CmdType>",
             f"<SN>{sn}</SN>", f"<DeviceID>{device}</DeviceID>" if device else "",
             f"<AlarmPriority>{priority}</AlarmPriority>", "<AlarmMethod>5</AlarmMethod>",
             f"<AlarmTime>{time}</AlarmTime>" if time else "", "<AlarmDescription>视频报警</AlarmDescription>",
             extra, "<Info><AlarmType>2</AlarmType></Info>", "</Notify>"]
    return "\n".join(p for p in parts if p).encode("gb18030" if encoding == "GB2312" else "utf-8")


@dataclass(frozen=True)
class Case:
    topic: str                 # key of TOPICS
    what: str                  # the failure class, for the test id
    payload: bytes
    expect: str                # a phrase the dead-letter reason must contain

    @property
    def id(self) -> str:
        return f"{self.topic}-{self.what}"


C = Case
INVALID = [
    # --- grid/v1/video/{camera}/alert ---
    C("alert", "missing-score", js(ALERT, score=None), "缺少字段 score"),
    C("alert", "missing-id", js(ALERT, id=None), "缺少字段 id"),
    C("alert", "score-string", js(ALERT, score="0.9"), "字段 score 类型错误，应为数字"),
    C("alert", "priority-9", js(ALERT, priority=9), "字段 priority 超出范围（应 ≤ 4）"),
    C("alert", "priority-string", js(ALERT, priority="1"), "字段 priority 类型错误，应为整数"),
    C("alert", "id-bool", js(ALERT, id=True), "字段 id 类型错误，应为字符串或整数"),
    C("alert", "id-negative", js(ALERT, id=-5), "字段 id 超出范围（应 ≥ 0）"),
    C("alert", "bad-json", truncated(js(ALERT)), "JSON 格式错误"),
    C("alert", "bad-utf8", bad_utf8(js(ALERT)), "不是有效的 UTF-8"),
    C("alert", "lon-181", js(ALERT, lon=181.0), "字段 lon 超出范围（应 ≤ 180）"),
    C("alert", "lat-minus-91", js(ALERT, lat=-91.0), "字段 lat 超出范围（应 ≥ -90）"),
    C("alert", "future-ts", js(ALERT, ts=iso(24 * 60)), "时间字段 ts 超前当前时间"),
    C("alert", "future-ts-ms", js(ALERT, ts=round(NOW.timestamp() * 1000) + 10 * 86400_000), "超前当前时间"),
    C("alert", "year-9999", js(ALERT, ts=FAR), "时间字段 ts 超出可处理的范围"),
    C("alert", "huge", js(ALERT, pad=HUGE), "消息过大"),
    # --- grid/v1/terminal/{staff}/position ---
    C("position", "missing-lat", js(POSITION, lat=None), "缺少字段 lat"),
    C("position", "lon-string", js(POSITION, lon="119.3"), "字段 lon 类型错误，应为数字"),
    C("position", "bad-json", truncated(js(POSITION)), "JSON 格式错误"),
    C("position", "bad-utf8", bad_utf8(js(POSITION)), "不是有效的 UTF-8"),
    C("position", "lat-95", js(POSITION, lat=95.0), "字段 lat 超出范围"),
    C("position", "future-ts", js(POSITION, ts=iso(60)), "超前当前时间"),
    C("position", "year-9999", js(POSITION, ts=FAR), "时间字段 ts 超出可处理的范围"),
    C("position", "huge", js(POSITION, pad=HUGE), "消息过大"),
    # --- grid/v1/terminal/{staff}/report ---
    C("report", "missing-category", js(REPORT, category=None), "缺少字段 category"),
    C("report", "missing-description", js(REPORT, description=None), "缺少字段 description"),
    C("report", "missing-lon", js(REPORT, lon=None), "缺少字段 lon"),
    C("report", "urgency-string", js(REPORT, urgency="3"), "字段 urgency 类型错误，应为整数"),
    C("report", "category-number", js(REPORT, category=101), "字段 category 类型错误，应为字符串"),
    C("report", "bad-json", truncated(js(REPORT)), "JSON 格式错误"),
    C("report", "bad-utf8", bad_utf8(js(REPORT)), "不是有效的 UTF-8"),
    C("report", "lat-91", js(REPORT, lat=91.0), "字段 lat 超出范围（应 ≤ 90）"),
    C("report", "lon-minus-181", js(REPORT, lon=-181.0), "字段 lon 超出范围（应 ≥ -180）"),
    C("report", "future-ts", js(REPORT, ts=iso(3 * 24 * 60)), "时间字段 ts 超前当前时间"),
    C("report", "huge", js(REPORT, description=HUGE), "消息过大"),
    # --- grid/v1/terminal/{staff}/patrol ---
    C("patrol", "missing-action", js(PATROL, action=None), "缺少字段 action"),
    C("patrol", "missing-grid", js(PATROL, grid_code=None), "缺少字段 grid_code"),
    C("patrol", "grid-number", js(PATROL, grid_code=350102001001001), "字段 grid_code 类型错误，应为字符串"),
    C("patrol", "bad-json", truncated(js(PATROL)), "JSON 格式错误"),
    C("patrol", "bad-utf8", bad_utf8(js(PATROL)), "不是有效的 UTF-8"),
    C("patrol", "lat-minus-95", js(PATROL, lat=-95.0), "字段 lat 超出范围（应 ≥ -90）"),
    C("patrol", "lon-180.5", js(PATROL, lon=180.5), "字段 lon 超出范围（应 ≤ 180）"),
    C("patrol", "future-ts", js(PATROL, ts=iso(24 * 60)), "时间字段 ts 超前当前时间"),
    C("patrol", "huge", js(PATROL, pad=HUGE), "消息过大"),
    # --- grid/v1/terminal/{staff}/verify (no coordinates) ---
    C("verify", "missing-case-code", js(VERIFY, case_code=None), "缺少字段 case_code"),
    C("verify", "missing-passed", js(VERIFY, passed=None), "缺少字段 passed"),
    C("verify", "passed-string", js(VERIFY, passed="true"), "字段 passed 类型错误，应为布尔值"),
    C("verify", "photos-string", js(VERIFY, photos="https://img.local/1.jpg"), "字段 photos 类型错误，应为数组"),
    C("verify", "bad-json", truncated(js(VERIFY)), "JSON 格式错误"),
    C("verify", "bad-utf8", bad_utf8(js(VERIFY)), "不是有效的 UTF-8"),
    C("verify", "future-ts", js(VERIFY, ts=iso(24 * 60)), "时间字段 ts 超前当前时间"),
    C("verify", "huge", js(VERIFY, note=HUGE), "消息过大"),
    # --- grid/v1/terminal/{staff}/status (a bare word or JSON; no coordinates) ---
    C("status", "json-missing-status", js(STATUS, status=None), "缺少字段 status"),
    C("status", "status-number", js(STATUS, status=1), "字段 status"),
    C("status", "status-word", js(STATUS, status="asleep"), "字段 status 取值无效"),
    C("status", "bad-json", b'{"status": "offline", ', "JSON 格式错误"),
    C("status", "bad-word", b"sleeping", "JSON 格式错误"),
    C("status", "bad-utf8", b"off\xc3\x28line", "不是有效的 UTF-8"),
    C("status", "future-ts", js(STATUS, ts=iso(24 * 60)), "时间字段 ts 超前当前时间"),
    C("status", "year-9999", js(STATUS, ts=FAR), "时间字段 ts 超出可处理的范围"),
    C("status", "huge", b"offline" + b" " * (300 * 1024), "消息过大"),
    # --- grid/v1/dept/{dept}/feedback ---
    C("feedback", "missing-action", js(FEEDBACK, action=None), "缺少字段 action"),
    C("feedback", "missing-id", js(FEEDBACK, id=None), "缺少字段 id"),
    C("feedback", "note-number", js(FEEDBACK, note=42), "字段 note 类型错误，应为字符串"),
    C("feedback", "bad-json", truncated(js(FEEDBACK)), "JSON 格式错误"),
    C("feedback", "bad-utf8", bad_utf8(js(FEEDBACK)), "不是有效的 UTF-8"),
    C("feedback", "lat-91", js(FEEDBACK, lat=91.0), "字段 lat 超出范围"),
    C("feedback", "lon-only", js(FEEDBACK, lat=None), "同时提供"),
    C("feedback", "future-ts", js(FEEDBACK, ts=iso(24 * 60)), "时间字段 ts 超前当前时间"),
    C("feedback", "huge", js(FEEDBACK, note=HUGE), "消息过大"),
    # --- frigate/events (no coordinates: the range case is a score) ---
    C("frigate", "missing-camera", frigate(camera=None), "缺少字段 after.camera"),
    C("frigate", "missing-start-time", frigate(start_time=None), "缺少字段 after.start_time"),
    C("frigate", "start-time-text", frigate(start_time="yesterday"), "字段 after.start_time 类型错误，应为数字"),
    C("frigate", "false-positive-text", frigate(false_positive="maybe"), "字段 after.false_positive 类型错误"),
    C("frigate", "bad-json", truncated(frigate()), "JSON 格式错误"),
    C("frigate", "bad-utf8", bad_utf8(frigate()), "不是有效的 UTF-8"),
    C("frigate", "top-score-1.5", frigate(top_score=1.5), "字段 after.top_score 超出范围（应 ≤ 1）"),
    C("frigate", "future-end", frigate(end_time=NOW.timestamp() + 86400), "时间字段 after.end_time 超前当前时间"),
    C("frigate", "start-1e20", frigate(start_time=1e20), "时间字段 after.start_time 超出可处理的范围"),
    C("frigate", "start-negative", frigate(start_time=-1e13), "时间字段 after.start_time 超出可处理的范围"),
    C("frigate", "huge", frigate(thumbnail=HUGE), "消息过大"),
    # --- owntracks/{user}/{device} ---
    C("owntracks", "missing-tst", js(OWNTRACKS, tst=None), "缺少字段 tst"),
    C("owntracks", "lat-string", js(OWNTRACKS, lat="26.08"), "字段 lat 类型错误，应为数字"),
    C("owntracks", "bad-json", truncated(js(OWNTRACKS)), "JSON 格式错误"),
    C("owntracks", "bad-utf8", bad_utf8(js(OWNTRACKS)), "不是有效的 UTF-8"),
    C("owntracks", "lon-200", js(OWNTRACKS, lon=200.0), "字段 lon 超出范围"),
    C("owntracks", "future-tst", js(OWNTRACKS, tst=int(NOW.timestamp()) + 86400), "时间字段 tst 超前当前时间"),
    C("owntracks", "future-lwt", js(LWT, tst=int(NOW.timestamp()) + 86400), "时间字段 tst 超前当前时间"),
    C("owntracks", "tst-5000-digits", b'{"_type": "location", "lat": 26.08, "lon": 119.3, "tst": ' + b"9" * 5000
      + b"}", "数字位数过多"),
    C("owntracks", "huge", js(OWNTRACKS, desc=HUGE), "消息过大"),
    # --- gb28181/{platform}/alarm (XML; "bad JSON" is bad XML, "bad UTF-8" bytes neither UTF-8 nor GBK) ---
    C("gb28181", "missing-alarm-time", alarm(time=""), "缺少字段 AlarmTime"),
    C("gb28181", "missing-device-id", alarm(device=""), "DeviceID 应为 20 位数字"),
    C("gb28181", "priority-text", alarm(priority="high"), "AlarmPriority 取值「high」无效"),
    C("gb28181", "priority-superscript", alarm(priority="²"), "AlarmPriority 取值「²」无效"),
    C("gb28181", "sn-5000-digits", alarm(sn="9" * 5000), "SN 取值"),
    C("gb28181", "bad-xml", alarm().replace(b"</Notify>", b"</Notfy>"), "XML 格式错误"),
    C("gb28181", "bad-bytes", alarm().replace(b"<AlarmDescription>", b"<AlarmDescription>\xff\x80"),
      "既不是有效的 UTF-8，也不是 GB2312/GBK"),
    C("gb28181", "longitude-200", alarm(extra="<Longitude>200</Longitude><Latitude>26.08</Latitude>"),
      "经纬度无效"),
    C("gb28181", "future-alarm-time", alarm(time=(NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")),
      "时间字段 AlarmTime 超前当前时间"),
    C("gb28181", "year-1", alarm(time="0001-01-01T00:00:00"), "时间字段 AlarmTime"),
    C("gb28181", "huge", alarm(extra="<Pad>" + HUGE + "</Pad>"), "消息过大"),
]

# Published after every invalid one: each is stored once although published twice.
VALID = [
    ("alert", js(ALERT)),
    ("position", js(POSITION)),
    ("report", js(REPORT)),
    ("patrol", js(PATROL)),
    ("verify", js(VERIFY)),
    ("status", js(STATUS)),
    ("feedback", js(FEEDBACK)),
    ("frigate", frigate()),
    ("frigate", frigate(id="1714550300.000001-nosub", sub_label=None)),   # Frigate before 0.11: no sub_label
    ("owntracks", js(OWNTRACKS)),
    ("owntracks", js(LWT)),
    ("gb28181", alarm(encoding="GB2312", sn="42")),
]


def topics(s) -> dict[str, str]:
    v1 = f"{s.topic_prefix}/v1"
    return {"alert": f"{v1}/video/{CAMERAS[0]}/alert", "position": f"{v1}/terminal/S001/position",
            "report": f"{v1}/terminal/S001/report", "patrol": f"{v1}/terminal/S001/patrol",
            "verify": f"{v1}/terminal/S001/verify", "status": f"{v1}/terminal/S002/status",
            "feedback": f"{v1}/dept/sanit/feedback", "frigate": s.frigate_topic,
            "owntracks": f"{s.owntracks_prefix}/alice/phone", "gb28181": f"{s.gb28181_prefix}/35010200002000000001/alarm"}


def test_the_matrix_covers_every_topic_and_class():
    assert len({c.id for c in INVALID}) == len(INVALID)
    assert len({(c.topic, c.payload) for c in INVALID}) == len(INVALID), "two cases would share a dead letter"
    assert {c.topic for c in INVALID} == {t for t, _ in VALID} == set(topics(settings_for("x", "mqtt://x:1")))
    for t in {c.topic for c in INVALID}:
        whats = " ".join(c.what for c in INVALID if c.topic == t)
        for needed in ("missing", "bad-", "huge"):
            assert needed in whats, (t, needed)
        assert "future" in whats or "year-" in whats, t


@dataclass
class Run:
    url: str
    topic: dict
    rejected: int
    handled_after_valid: int


@pytest.fixture(scope="module")
def run(migrated_template, mqtt_url):
    """One database and one worker for the whole matrix: all invalid messages, then every valid one twice."""
    name = create_database(template=migrated_template)
    url = _db_url(name)
    try:
        seed_world(url)
        s = settings_for(url, mqtt_url)
        topic = topics(s)
        with running(s) as worker:
            publish(mqtt_url, [(topic[c.topic], c.payload) for c in INVALID])
            wait_handled(worker, len(INVALID), timeout=60)
            rejected = worker.counters.totals.rejected
            publish(mqtt_url, [(topic[t], p) for t, p in VALID for _ in range(2)])
            wait_handled(worker, len(INVALID) + 2 * len(VALID), timeout=60)
            handled = worker.counters.totals.stored + worker.counters.totals.duplicates
        yield Run(url, topic, rejected, handled)
    finally:
        drop_database(name)


@pytest.mark.parametrize("case", INVALID, ids=[c.id for c in INVALID])
def test_invalid_payload_is_dead_lettered_with_a_reason(run, case):
    topic = run.topic[case.topic]
    found = rows(run.url, "SELECT reason, topic, payload_size, seen_count FROM dead_letters WHERE dedup_key = :k",
                 k=dead_letter_key(topic, case.payload))
    assert len(found) == 1, case.id
    letter = found[0]
    assert case.expect in letter.reason, (case.id, letter.reason)
    assert letter.topic == topic and letter.payload_size == len(case.payload) and letter.seen_count == 1
    assert "Input should" not in letter.reason and "constrained-" not in letter.reason, letter.reason  # no pydantic
    assert scalar(run.url, "SELECT count(*) FROM raw_events WHERE topic = :t AND payload = :p", t=topic,
                  p=case.payload) == 0


def test_the_worker_kept_going_and_stored_each_valid_message_once(run):
    assert run.rejected == len(INVALID)
    assert run.handled_after_valid == 2 * len(VALID)
    for t, payload in VALID:
        assert scalar(run.url, "SELECT count(*) FROM raw_events WHERE topic = :t AND payload = :p",
                      t=run.topic[t], p=payload) == 1, (t, payload[:80])
    assert scalar(run.url, "SELECT count(*) FROM dead_letters") == len(INVALID)
    kinds = dict(rows(run.url, "SELECT kind, count(*) FROM raw_events GROUP BY kind"))
    assert kinds == {"video_alert": 1, "position": 1, "report": 1, "patrol": 1, "verify": 1, "status": 1,
                     "feedback": 1, "frigate_event": 2, "owntracks_location": 1, "owntracks_lwt": 1,
                     "gb28181_alarm": 1}
    assert scalar(run.url, "SELECT count(*) FROM alerts WHERE alert_key = 'frigate:1714550300.000001-nosub'") == 1
