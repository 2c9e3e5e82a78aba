"""Storage guarantees under failure: SIGKILL midway through 20,000 QoS-1 messages, PostgreSQL going away during a
stream, a broker restart, two workers on one shared subscription, and a broker that refuses MQTT v5."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.test_ingest_support import (
    LAT0,
    LON0,
    DbWaiter,
    PgProxy,
    publish,
    rows,
    running,
    scalar,
    seed_world,
    settings_for,
    wait_handled,
)

ROOT = Path(__file__).resolve().parent.parent
COUNT_RAW = "SELECT count(*) FROM raw_events"


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


BASE = datetime.now(timezone.utc) - timedelta(hours=1)


def positions(prefix: str, n: int, start: int = 0) -> list[tuple[str, bytes]]:
    """n distinct positions (two terminals, one per millisecond from BASE + start ms) under a topic prefix."""
    base = BASE
    out = []
    for i in range(start, start + n):
        staff = ("S001", "S002")[i % 2]
        ts = (base + timedelta(milliseconds=i)).isoformat()
        out.append((f"{prefix}/v1/terminal/{staff}/position",
                    json.dumps({"ts": ts, "lon": LON0 + 0.001, "lat": LAT0 + 0.001, "seq": i}).encode()))
    return out


def check_exactly_once(url: str, n: int) -> None:
    assert scalar(url, COUNT_RAW) == n
    assert scalar(url, "SELECT count(DISTINCT source_key) FROM raw_events") == n
    assert scalar(url, "SELECT count(*) FROM positions") == n
    assert scalar(url, "SELECT count(*) FROM dead_letters") == 0


def _spawn(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def test_sigkill_midway_then_restart_stores_each_message_exactly_once(world, private_mosquitto, tmp_path):
    broker = private_mosquitto()
    prefix = f"crash{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "MQTT_URL": broker.url, "DATABASE_URL": world.url, "GRID_TOPIC_PREFIX": prefix,
           "INGEST_WORKER_ID": f"crash-{prefix}", "INGEST_BATCH_SIZE": "1000"}
    items = positions(prefix, 20_000)
    waiter = DbWaiter(world.url)
    worker = _spawn(env, tmp_path / "ingest.log")
    try:
        # Once a probe is stored, the worker's session and subscription exist; probes sent earlier are lost.
        for k in range(60):
            publish(broker.url, positions(prefix, 1, start=-1000 - k))
            if waiter.until(COUNT_RAW, lambda n: n >= 1, 1.0):
                break
        probes = scalar(world.url, COUNT_RAW)
        assert probes >= 1, "the worker never subscribed"
        publisher = threading.Thread(target=publish, args=(broker.url, items), daemon=True)
        publisher.start()
        assert waiter.until(COUNT_RAW, lambda n: n >= probes + 4000, 60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        at_kill = scalar(world.url, COUNT_RAW)
        assert at_kill < len(items) + probes, "killed too late to prove anything"
        worker = _spawn(env, tmp_path / "ingest.log")
        publisher.join(120)
        assert not publisher.is_alive()
        assert waiter.until(COUNT_RAW, lambda n: n >= len(items) + probes, 120), scalar(world.url, COUNT_RAW)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        waiter.close()
    assert worker.returncode == 0
    check_exactly_once(world.url, len(items) + probes)


def test_database_outage_during_a_stream_loses_nothing(world, private_mosquitto):
    mosquitto_url = private_mosquitto().url      # queues sized for an ingest (the system default drops >1,000)
    proxy = PgProxy(world.url)
    s = settings_for(proxy.url, mosquitto_url, writer_process=True, batch_size=200)
    first, second = positions(s.topic_prefix, 1500), positions(s.topic_prefix, 1500, start=1500)
    try:
        with running(s) as worker:
            publish(mosquitto_url, first)
            wait_handled(worker, len(first))
            proxy.block()
            publish(mosquitto_url, second)          # the broker holds them: the worker cannot commit
            handled = worker.counters.totals.stored
            assert not worker.counters.wait(lambda t: t.stored > handled, 2.0), "stored while the DB was away"
            proxy.unblock()
            wait_handled(worker, len(first) + len(second), timeout=60)
            assert worker.counters.totals.duplicates == 0
    finally:
        proxy.close()
    check_exactly_once(world.url, 3000)


def test_broker_restart_reconnects_and_resubscribes(world, private_mosquitto):
    broker = private_mosquitto()
    s = settings_for(world.url, broker.url)
    with running(s) as worker:
        publish(broker.url, positions(s.topic_prefix, 100))
        wait_handled(worker, 100)
        broker.restart()
        assert worker.transport.subscribed.wait(30), "no resubscription after the broker came back"
        publish(broker.url, positions(s.topic_prefix, 100, start=100))
        wait_handled(worker, 200)
    check_exactly_once(world.url, 200)


def test_two_workers_share_a_subscription_without_duplicates(world, private_mosquitto):
    mosquitto_url = private_mosquitto().url
    group = f"g{uuid.uuid4().hex[:6]}"
    a = settings_for(world.url, mosquitto_url, shared_group=group, writer_process=True, batch_size=100)
    b = a.model_copy(update={"worker_id": a.worker_id + "-b"})
    items = positions(a.topic_prefix, 4000)
    waiter = DbWaiter(world.url)
    try:
        with running(a) as wa, running(b) as wb:
            publish(mosquitto_url, items)
            assert waiter.until(COUNT_RAW, lambda n: n >= len(items), 60)
    finally:
        waiter.close()
    ta, tb = wa.counters.totals, wb.counters.totals     # final once both stopped
    assert ta.stored > 0 and tb.stored > 0, "one worker took everything"
    assert ta.stored + tb.stored == len(items) and ta.duplicates + tb.duplicates == 0
    check_exactly_once(world.url, len(items))


def test_falls_back_to_mqtt_311_when_the_broker_refuses_v5(world, caplog):
    from launcher.ports import free_port
    from launcher.services.broker import AmqttBroker
    broker = AmqttBroker(Path(tempfile.mkdtemp(prefix="grid-amqtt-")), free_port())
    broker.start()
    try:
        s = settings_for(world.url, broker.url)
        with running(s) as worker:
            assert worker.transport.protocol == 4          # MQTT 3.1.1
            publish(broker.url, positions(s.topic_prefix, 20))
            wait_handled(worker, 20)
    finally:
        broker.stop()
        shutil.rmtree(broker.data_dir, ignore_errors=True)
    assert any("不支持 MQTT v5" in r.getMessage() for r in caplog.records)
    assert rows(world.url, "SELECT count(*) FROM raw_events") == [(20,)]


def test_writer_child_killed_mid_stream_is_restarted_and_loses_nothing(world, private_mosquitto):
    mosquitto_url = private_mosquitto().url
    s = settings_for(world.url, mosquitto_url, writer_process=True, batch_size=300)
    first, second = positions(s.topic_prefix, 2000), positions(s.topic_prefix, 2000, start=2000)
    with running(s) as worker:
        publish(mosquitto_url, first)
        wait_handled(worker, 500)
        old_child = worker.writer.proc
        os.kill(old_child.pid, signal.SIGKILL)
        publish(mosquitto_url, second)
        wait_handled(worker, len(first) + len(second), timeout=90)
        assert worker.writer.proc.pid != old_child.pid and worker.writer.proc.is_alive()
    check_exactly_once(world.url, 4000)
