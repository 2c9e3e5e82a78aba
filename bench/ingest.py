"""Ingest benchmark against Mosquitto: the same 100,000-message QoS-1 backlog (about 300 bytes each, held for a
persistent session) drained by (a) a paho subscriber that only counts, (b) our ingest into PostgreSQL with the
acknowledgement after the commit, (c) the naive way (one transaction and commit per message); then the
publish-to-commit latency of our ingest at a steady 1,000 messages/s. The last line is one JSON object.

Run: DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ingest.py
(a throwaway database is created on that server and dropped; a private mosquitto is started unless --mqtt-url).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import migrate  # noqa: E402
from ingest.config import IngestSettings, parse_mqtt_url  # noqa: E402
from ingest.counters import percentile  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from ingest.routes import context, parse_one  # noqa: E402
from ingest.simulate.publisher import Publisher  # noqa: E402
from ingest.worker import Worker  # noqa: E402

STAFF = 500
WARMUP = 500                 # unmeasured messages before the steady-rate latency run
PREFIX = "bench"


# --- set-up ----------------------------------------------------------------------------------------
def make_database(server_url: str) -> tuple[str, str]:
    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("INSERT INTO staff (code, name, role) SELECT 'B' || lpad(i::text, 4, '0'), '测试' || i, "
                       "'patroller' FROM generate_series(1, :n) i"), {"n": STAFF})
    eng.dispose()
    return name, url


def drop_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def start_broker():
    from launcher.ports import free_port
    from launcher.services.broker import MosquittoBroker
    broker = MosquittoBroker(Path(tempfile.mkdtemp(prefix="bench-mosquitto-")), free_port())
    broker.start()
    return broker


def messages(n: int, seed: int, base: datetime) -> list[tuple[str, bytes]]:
    """n distinct positions of about 300 bytes (a terminal sends speed, heading, altitude, network, app version)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        staff = f"B{i % STAFF + 1:04d}"
        ts = base + timedelta(milliseconds=i // STAFF * 1000 + rng.randint(0, 999))
        body = {"ts": ts.isoformat(timespec="milliseconds"), "lon": round(rng.uniform(119.25, 119.35), 7),
                "lat": round(rng.uniform(26.03, 26.10), 7), "acc": round(rng.uniform(3, 25), 1),
                "batt": rng.randint(20, 100), "crs": "wgs84", "speed": round(rng.uniform(0, 1.6), 2),
                "heading": rng.randint(0, 359), "alt": round(rng.uniform(5, 40), 1), "sats": rng.randint(6, 20),
                "net": rng.choice(("4g", "5g", "wifi")), "app": "grid-terminal 3.2.1 (build 2025.11)",
                "model": rng.choice(("HUAWEI nova 12", "Honor X50", "Redmi Note 13")),
                "cell": f"460-00-{rng.randint(10000, 99999)}-{rng.randint(100000, 999999)}", "seq": i}
        out.append((f"{PREFIX}/v1/terminal/{staff}/position", json.dumps(body, separators=(",", ":")).encode()))
    return out


def publish_all(url: str, msgs: list[tuple[str, bytes]], sent_at: bool = False) -> float:
    pub = Publisher(url, f"bench-pub-{uuid.uuid4().hex[:6]}", max_outstanding=2000)
    pub.connect()
    started = time.perf_counter()
    for topic, payload in msgs:
        pub.publish(topic, payload, round(time.time() * 1000) if sent_at else None)
    pub.flush(300)
    elapsed = time.perf_counter() - started
    pub.close()
    return elapsed


def session_client(url: str, client_id: str, on_message=None, manual_ack: bool = False) -> mqtt.Client:
    ep = parse_mqtt_url(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                         manual_ack=manual_ack)
    client.on_message = on_message
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    props.ReceiveMaximum = 15000
    connected = threading.Event()
    client.on_connect = lambda c, u, f, rc, p: (c.subscribe(f"{PREFIX}/v1/#", 1), connected.set())
    client.connect(ep.host, ep.port, 30, clean_start=False, properties=props)
    client.loop_start()
    if not connected.wait(10):
        raise RuntimeError("no CONNACK")
    return client


def make_session(url: str, client_id: str) -> None:
    """Register a persistent session with its subscription, then go offline so the backlog queues."""
    subscribed = threading.Event()
    client = session_client(url, client_id)
    client.on_subscribe = lambda *a: subscribed.set()
    client.subscribe(f"{PREFIX}/v1/#", 1)
    subscribed.wait(10)
    client.disconnect()
    client.loop_stop()


# --- (a) raw drain ---------------------------------------------------------------------------------
def raw_drain(url: str, msgs) -> float:
    """Messages per second from the first message received to the last (connecting is not draining)."""
    cid = f"bench-raw-{uuid.uuid4().hex[:6]}"
    make_session(url, cid)
    publish_all(url, msgs)
    count, first, done = [0], [0.0], threading.Event()

    def on_message(c, u, m):
        if count[0] == 0:
            first[0] = time.perf_counter()
        count[0] += 1
        if count[0] >= len(msgs):
            done.set()
    client = session_client(url, cid, on_message)
    done.wait(600)
    elapsed = time.perf_counter() - first[0]
    client.disconnect()
    client.loop_stop()
    return count[0] / elapsed


# --- (b) ours --------------------------------------------------------------------------------------
def settings(url: str, db_url: str, worker_id: str) -> IngestSettings:
    return IngestSettings(mqtt_url=url, database_url=db_url, topic_prefix=PREFIX, worker_id=worker_id,
                          shared_group="", counters_interval_s=5.0)


def ours_drain(url: str, db_url: str, msgs) -> float:
    """From the first message received to the commit of the last (the writer process is already up)."""
    s = settings(url, db_url, f"bench-ours-{uuid.uuid4().hex[:6]}")
    w = Worker(s).start()
    w.transport.subscribed.wait(30)
    w.stop()
    publish_all(url, msgs)
    first, last = [None], [0.0]

    def observe(batch, result, committed):
        first[0] = first[0] or batch[0].received_at
        last[0] = committed
    w = Worker(s, observer=observe).start()
    w.counters.wait(lambda t: t.stored + t.duplicates >= len(msgs), 600)
    stored = w.counters.totals.stored
    w.stop()
    return stored / (last[0] - first[0])


# --- (c) naive -------------------------------------------------------------------------------------
def naive_drain(url: str, db_url: str, msgs) -> float:
    """Same parsing and the same rows (raw event, position, latest position), one transaction per message."""
    cid = f"bench-naive-{uuid.uuid4().hex[:6]}"
    make_session(url, cid)
    publish_all(url, msgs)
    eng = create_engine(db_url)
    raw = eng.raw_connection()
    cur = raw.cursor()
    reg = Registry()
    with eng.begin() as c:
        reg.load(c)
    s = settings(url, db_url, cid)
    cols = ("source, kind, source_key, topic, payload, parsed, device_id, staff_id, event_at, published_at, "
            "received_at, flags, district_code")
    count, first, done = [0], [0.0], threading.Event()

    def on_message(client, u, m):
        if count[0] == 0:
            first[0] = time.perf_counter()
        parsed, dumped = parse_one(_incoming(m), context(reg, s, datetime.now(timezone.utc)))
        e = parsed.effect[1]
        cur.execute(f"INSERT INTO raw_events ({cols}) VALUES ('mqtt', %s, %s, %s, %s, %s, NULL, %s, %s, NULL, "
                    "now(), NULL, NULL) ON CONFLICT (source_key, event_at) DO NOTHING",
                    (parsed.kind, parsed.source_key, m.topic, m.payload, dumped, parsed.staff_id, parsed.event_at))
        cur.execute("INSERT INTO positions (staff_id, ts, lon, lat, acc, batt, crs) VALUES (%s, %s, %s, %s, %s, %s, "
                    "%s) ON CONFLICT DO NOTHING", (parsed.staff_id, e["ts"], e["lon"], e["lat"], e["acc"],
                                                   e["batt"], e["crs"]))
        cur.execute("INSERT INTO positions_latest AS pl (staff_id, ts, lon, lat, acc, batt) VALUES (%s, %s, %s, %s, "
                    "%s, %s) ON CONFLICT (staff_id) DO UPDATE SET ts = EXCLUDED.ts, lon = EXCLUDED.lon, "
                    "lat = EXCLUDED.lat WHERE pl.ts < EXCLUDED.ts",
                    (parsed.staff_id, e["ts"], e["lon"], e["lat"], e["acc"], e["batt"]))
        raw.commit()
        client.ack(m.mid, m.qos)
        count[0] += 1
        if count[0] >= len(msgs):
            done.set()
    client = session_client(url, cid, on_message, manual_ack=True)
    done.wait(1800)
    elapsed = time.perf_counter() - first[0]
    client.disconnect()
    client.loop_stop()
    raw.close()
    eng.dispose()
    return count[0] / elapsed


def _incoming(m):
    from ingest.message import Incoming
    return Incoming(m.topic, m.payload, time.time(), m.mid, m.qos)


# --- latency at a steady rate ----------------------------------------------------------------------
def settle(db_url: str) -> None:
    """VACUUM ANALYZE after the bulk phases, so that autovacuum of 300,000 fresh rows does not run (and get
    measured) in the middle of the steady-rate phase."""
    eng = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("VACUUM (ANALYZE) raw_events, positions, positions_latest"))
        try:
            c.execute(text("CHECKPOINT"))
        except DBAPIError:
            pass      # needs superuser or pg_checkpoint; only lowers the odds of a checkpoint mid-measurement
    eng.dispose()


def steady_latency(url: str, db_url: str, rate: int, seconds: float, seed: int) -> list[float]:
    lags: list[float] = []

    def observe(batch, result, committed):
        lags.extend((committed - m.sent_at) * 1000.0 for m in batch if m.sent_at)
    w = Worker(settings(url, db_url, f"bench-lag-{uuid.uuid4().hex[:6]}"), observer=observe).start()
    w.transport.subscribed.wait(30)
    msgs = messages(int(rate * seconds) + WARMUP, seed + 1, datetime.now(timezone.utc) - timedelta(minutes=5))
    warmup, msgs = msgs[:WARMUP], msgs[WARMUP:]
    pub = Publisher(url, f"bench-steady-{uuid.uuid4().hex[:6]}")
    pub.connect()
    # Steady state, not start-up: the writer child process imports, connects and loads its registry on the first
    # batch; these unmeasured messages (no sent_at) wait for that, the measured stream starts once they are stored.
    for topic, payload in warmup:
        pub.publish(topic, payload, None)
    pub.flush(60)
    w.counters.wait(lambda t: t.stored + t.duplicates >= len(warmup), 60)
    msgs_total = len(warmup) + len(msgs)
    started = time.perf_counter()
    for i, (topic, payload) in enumerate(msgs):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        pub.publish(topic, payload, round(time.time() * 1000))
    pub.flush(60)
    pub.close()
    w.counters.wait(lambda t: t.stored + t.duplicates >= msgs_total, 60)
    w.stop()
    return lags


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2, help="drains (a) and (b) this many times, best counts")
    ap.add_argument("--mqtt-url")
    args = ap.parse_args()
    server = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server:
        ap.error("set DATABASE_URL (a PostgreSQL server where a throwaway database may be created)")
    broker = None if args.mqtt_url else start_broker()
    url = args.mqtt_url or broker.url
    name = None
    try:
        name, db_url = make_database(server)
        base = datetime.now(timezone.utc) - timedelta(days=1)
        msgs = messages(args.messages, args.seed, base)
        size = sum(len(p) for _, p in msgs) / len(msgs)
        print(f"backlog: {len(msgs)} QoS-1 messages, {size:.0f} bytes on average; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other processes slow every figure)")
        raws, ours_runs = [], []
        for run in range(args.repeat):
            # Alternating runs, best of each: neighbours on a shared machine slow whichever runs when they wake.
            raws.append(raw_drain(url, msgs))
            ours_runs.append(ours_drain(url, db_url, messages(args.messages, args.seed, base - timedelta(hours=run))))
        raw, ours = max(raws), max(ours_runs)
        print(f"(a) raw paho subscriber, count only:        {raw:9,.0f} msg/s  (runs: {_runs(raws)})")
        print(f"(b) ours, batched, ack after commit:        {ours:9,.0f} msg/s  (runs: {_runs(ours_runs)})")
        naive = naive_drain(url, db_url, messages(args.messages, args.seed, base - timedelta(days=1)))
        print(f"(c) naive, one transaction per message:     {naive:9,.0f} msg/s")
        settle(db_url)
        lags = steady_latency(url, db_url, args.rate, args.seconds, args.seed)
        p50, p95, p99 = (percentile(lags, q) for q in (0.5, 0.95, 0.99))
        print(f"latency publish->commit at {args.rate}/s ({len(lags)} messages): "
              f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms")
        print(f"b/a = {ours / raw:.2f} (target >= 0.70), b/c = {ours / naive:.1f} (target >= 8); "
              f"drain rates count from the first message received to the last one handled")
        print(json.dumps({"raw_msgs_per_s": round(raw), "ours_msgs_per_s": round(ours),
                          "naive_msgs_per_s": round(naive), "ours_over_raw": round(ours / raw, 3),
                          "ours_over_naive": round(ours / naive, 2), "lag_p50_ms": round(p50, 1),
                          "lag_p95_ms": round(p95, 1), "lag_p99_ms": round(p99, 1)}))
    finally:
        if name:
            drop_database(server, name)
        if broker is not None:
            broker.stop()
            shutil.rmtree(broker.data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
