"""Launcher services: embedded PostgreSQL keeps data across restarts; private brokers; throwaway test servers."""
from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import create_engine, text

from launcher.paths import DATA_DIR
from launcher.ports import free_port
from launcher.services.broker import AmqttBroker, mqtt_ready, split_url
from launcher.services.postgres import EmbeddedPostgres, ensure_database
from launcher.testrun import Throwaway

WAIT_S = 20


@pytest.fixture
def project_tmp():
    """A scratch directory inside the project: embedded PostgreSQL opens up every parent of its data dir."""
    (DATA_DIR / "tmp").mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="test-launcher-", dir=DATA_DIR / "tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_embedded_postgres_restart_keeps_data(project_tmp):
    server = EmbeddedPostgres(project_tmp / "pg")
    server.start()
    try:
        ensure_database(server.url(), "grid")
        ensure_database(server.url(), "grid")  # idempotent
        url = server.url("grid")
        assert url.startswith("postgresql+psycopg2://postgres@/grid?host=/")
        scalar(url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here'); SELECT 1")
        server.stop()
        server.start()
        assert scalar(server.url("grid"), "SELECT v FROM kept") == "still here"
        assert scalar(url, "SELECT current_setting('server_version_num')::int") >= 180000
    finally:
        server.stop()


def v5_client(client_id: str) -> mqtt.Client:
    return mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)


def connect_persistent(client: mqtt.Client, url: str) -> bool:
    """Connect with clean_start off and a long session expiry; returns the broker's session_present flag."""
    connected, present = threading.Event(), []
    client.on_connect = lambda c, u, flags, rc, props: (present.append(flags.session_present), connected.set())
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    host, port = split_url(url)
    client.connect(host, port, clean_start=False, properties=props)
    client.loop_start()
    assert connected.wait(WAIT_S)
    return present[0]


def test_private_mosquitto_keeps_persistent_session_across_restart(private_mosquitto):
    broker = private_mosquitto()
    subscribed = threading.Event()
    sub = v5_client("ingest-test")
    sub.on_subscribe = lambda *a: subscribed.set()
    connect_persistent(sub, broker.url)
    sub.subscribe("grid/test/#", qos=1)
    assert subscribed.wait(WAIT_S)
    sub.disconnect()
    sub.loop_stop()

    pub = v5_client("publisher")
    host, port = split_url(broker.url)
    pub.connect(host, port)
    pub.loop_start()
    infos = [pub.publish(f"grid/test/{i}", f"m{i}", qos=1) for i in range(50)]
    for info in infos:
        info.wait_for_publish(WAIT_S)
    pub.disconnect()
    pub.loop_stop()

    broker.restart()

    received, all_in = [], threading.Event()

    def on_message(client, userdata, msg):
        received.append(msg.payload.decode())
        if len(received) == 50:
            all_in.set()

    sub = v5_client("ingest-test")
    sub.on_message = on_message
    assert connect_persistent(sub, broker.url) is True
    assert all_in.wait(WAIT_S), f"{len(received)} of 50 queued messages after restart"
    sub.disconnect()
    sub.loop_stop()
    assert sorted(received) == sorted(f"m{i}" for i in range(50))


def test_amqtt_fallback_starts_and_stops(tmp_path):
    broker = AmqttBroker(tmp_path, free_port())
    broker.start()
    try:
        assert mqtt_ready("127.0.0.1", broker.port)
    finally:
        broker.stop()
    assert not mqtt_ready("127.0.0.1", broker.port)


def test_throwaway_servers_for_test_sh_are_usable_and_removed():
    servers = Throwaway()
    try:
        db_url = servers.postgres_url()
        mqtt_url, kind = servers.broker_url()
        assert kind in ("mosquitto", "amqtt")
        engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            # conftest.py creates a database per test on this server: it must allow CREATE DATABASE.
            conn.execute(text('CREATE DATABASE "throwaway_check"'))
            conn.execute(text('DROP DATABASE "throwaway_check"'))
        engine.dispose()
        assert mqtt_ready(*split_url(mqtt_url))
    finally:
        servers.close()
    assert all(not path.exists() for path in servers.dirs)
    assert not mqtt_ready(*split_url(mqtt_url))
