"""python -m ingest replay-dead-letters: after a fix, refused messages are stored; the rest keep a reason."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.replay import replay
from tests.test_ingest_support import LAT0, LON0, publish, rows, running, seed_world, settings_for, wait_handled

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def _position(seq: int, pad: int = 0) -> bytes:
    ts = (datetime.now(timezone.utc) - timedelta(minutes=5, seconds=seq)).isoformat()
    return json.dumps({"ts": ts, "lon": LON0 + 0.001, "lat": LAT0 + 0.001, "note": "x" * pad}).encode()


def test_replay_stores_what_a_fix_allows_and_explains_the_rest(world, mqtt_url):
    # The limit was set too low: ordinary positions were refused as oversized.
    strict = settings_for(world.url, mqtt_url, max_payload=300, dead_letter_keep=1000)
    topic = f"{strict.topic_prefix}/v1/terminal/S001/position"
    fixable, broken, cut = _position(1, pad=400), b'{"ts": ', _position(2, pad=1500)
    with running(strict) as worker:
        publish(mqtt_url, [(topic, fixable), (topic, broken), (topic, cut)])
        wait_handled(worker, 3)
    assert rows(world.url, "SELECT count(*) FROM dead_letters") == [(3,)]

    fixed = strict.model_copy(update={"max_payload": 256 * 1024})
    assert replay(fixed, dry_run=True).stored == 1
    assert rows(world.url, "SELECT count(*) FROM raw_events") == [(0,)]           # a dry run writes nothing
    summary = replay(fixed)
    assert (summary.total, summary.stored, summary.invalid, summary.skipped) == (3, 1, 1, 1)
    letters = {r.payload_size: r for r in rows(
        world.url, "SELECT payload_size, replayed_at, replay_result FROM dead_letters")}
    ok, bad, truncated = letters[len(fixable)], letters[len(broken)], letters[len(cut)]
    assert ok.replayed_at is not None and "重放成功" in ok.replay_result
    assert bad.replayed_at is None and "JSON 格式错误" in bad.replay_result
    assert truncated.replayed_at is None and "无法重放" in truncated.replay_result
    assert rows(world.url, "SELECT convert_from(payload, 'UTF8') FROM raw_events") == [(fixable.decode(),)]
    assert rows(world.url, "SELECT count(*) FROM positions") == [(1,)]

    again = replay(fixed)                                   # replayed letters are not taken again
    assert (again.total, again.stored, again.invalid) == (2, 0, 1)


def test_replay_of_a_message_stored_meanwhile_is_a_duplicate_and_the_cli_reports(world, mqtt_url):
    strict = settings_for(world.url, mqtt_url, max_payload=64)
    topic = f"{strict.topic_prefix}/v1/terminal/S002/position"
    msg = _position(3)
    with running(strict) as worker:
        publish(mqtt_url, [(topic, msg)])
        wait_handled(worker, 1)
    normal = strict.model_copy(update={"max_payload": 256 * 1024})
    with running(normal) as worker:                          # the device sent it again after the fix
        publish(mqtt_url, [(topic, msg)])
        wait_handled(worker, 1)
    env = {**os.environ, "DATABASE_URL": world.url, "MQTT_URL": mqtt_url, "GRID_TOPIC_PREFIX": normal.topic_prefix}
    out = subprocess.run([sys.executable, "-m", "ingest", "replay-dead-letters"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "重放死信 1 条：入库 0，已存在 1" in out.stdout
    assert rows(world.url, "SELECT replay_result FROM dead_letters WHERE replayed_at IS NOT NULL")[0][0] \
        .startswith("重放时发现该消息已入库")
    assert rows(world.url, "SELECT count(*) FROM raw_events") == [(1,)]


def test_replay_requested_on_the_page_is_done_by_the_running_worker(world, mqtt_url):
    from dashboard import queries_admin as qa
    from sqlalchemy import create_engine
    from tests.test_ingest_support import DbWaiter
    strict = settings_for(world.url, mqtt_url, max_payload=300)
    topic = f"{strict.topic_prefix}/v1/terminal/S001/position"
    fixable, broken = _position(4, pad=400), b'{"ts": '
    with running(strict) as worker:
        publish(mqtt_url, [(topic, fixable), (topic, broken)])
        wait_handled(worker, 2)
    ids = [r[0] for r in rows(world.url, "SELECT id FROM dead_letters ORDER BY payload_size DESC")]
    engine = create_engine(world.url)
    qa.request_replay(engine, ids, {"user_id": None, "username": "admin"})
    engine.dispose()
    assert rows(world.url, "SELECT count(*) FROM dead_letters WHERE replay_requested_at IS NOT NULL") == [(2,)]
    assert rows(world.url, "SELECT target_id FROM audit_log WHERE action = 'admin.dead_letter.replay'") \
        == [(",".join(map(str, sorted(ids))),)]
    fixed = strict.model_copy(update={"max_payload": 256 * 1024, "replay_poll_s": 0.2})
    waiter = DbWaiter(world.url)
    try:
        with running(fixed):
            assert waiter.until("SELECT count(*) FROM dead_letters WHERE replay_requested_at IS NOT NULL",
                                lambda n: n == 0, timeout=30)
    finally:
        waiter.close()
    done = {r.id: r for r in rows(world.url, "SELECT id, replayed_at, replay_result FROM dead_letters")}
    assert done[ids[0]].replayed_at is not None and "重放成功" in done[ids[0]].replay_result
    assert done[ids[1]].replayed_at is None and "JSON 格式错误" in done[ids[1]].replay_result
    assert rows(world.url, "SELECT count(*) FROM positions") == [(1,)]
    # Asking again for a replayed letter changes nothing and says so.
    engine = create_engine(world.url)
    with pytest.raises(qa.AdminError):
        qa.request_replay(engine, ids[:1], {"user_id": None, "username": "admin"})
    engine.dispose()


def test_a_parser_bug_dead_letters_the_message_and_the_stream_goes_on(world, mqtt_url, monkeypatch):
    import ingest.routes as routes
    real_route = routes.route

    def buggy(topic, ctx):
        found = real_route(topic, ctx)
        if topic.endswith("/S002/position"):
            return (lambda msg, c: 1 / 0), None           # a bug that only this device's messages reach
        return found
    monkeypatch.setattr(routes, "route", buggy)
    settings = settings_for(world.url, mqtt_url)
    bad = f"{settings.topic_prefix}/v1/terminal/S002/position"
    good = f"{settings.topic_prefix}/v1/terminal/S001/position"
    with running(settings) as worker:
        publish(mqtt_url, [(bad, _position(5)), (good, _position(6)), (bad, _position(7)), (good, _position(8))])
        wait_handled(worker, 4)
    assert rows(world.url, "SELECT count(*) FROM positions") == [(2,)]
    reasons = rows(world.url, "SELECT reason FROM dead_letters ORDER BY id")
    assert len(reasons) == 2 and all("ZeroDivisionError" in r[0] and "程序出错" in r[0] for r in reasons)
