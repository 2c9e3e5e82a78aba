"""MQTT fixtures: the run's broker (TEST_MQTT_URL) and private mosquitto brokers that a test may stop and restart.

`private_mosquitto` is a factory: `broker = private_mosquitto()` starts one on a free loopback port (persistence on,
large queues, MQTT v5) and returns a handle with `.url`, `.port`, `.stop()`, `.start()`, `.restart()`; persistent
sessions and queued messages survive stop/start. Everything is stopped and removed after the test. Without a
mosquitto binary the test is skipped, or fails when CI=true."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from db.labels import LAUNCHER as L
from launcher.ports import free_port
from launcher.services.broker import MosquittoBroker, mosquitto_binary


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_mosquitto() -> str:
    """The mosquitto binary; skips the test when absent, fails it under CI=true."""
    binary = mosquitto_binary()
    if binary:
        return binary
    if in_ci():
        pytest.fail(L["mosquitto_missing"])
    pytest.skip(L["mosquitto_missing"])


@pytest.fixture(scope="session")
def mqtt_url() -> str:
    """The broker of this test run (./test.sh starts a private one unless TEST_MQTT_URL is given)."""
    url = os.environ.get("TEST_MQTT_URL")
    if not url:
        pytest.fail("TEST_MQTT_URL is not set: run the suite through ./test.sh")
    return url


@pytest.fixture(scope="session")
def mosquitto_url(mqtt_url) -> str:
    """TEST_MQTT_URL for tests needing MQTT v5, $share or offline queues: not the amqtt fallback of ./test.sh."""
    if os.environ.get("TEST_MQTT_BROKER") == "amqtt":
        if in_ci():
            pytest.fail(L["mosquitto_missing"])
        pytest.skip(L["mosquitto_missing"])
    return mqtt_url


@pytest.fixture
def private_mosquitto():
    binary = require_mosquitto()
    started: list[MosquittoBroker] = []

    def start() -> MosquittoBroker:
        # /tmp, not pytest's tmp_path: as root, mosquitto drops to user `mosquitto`, which cannot enter tmp_path.
        broker = MosquittoBroker(Path(tempfile.mkdtemp(prefix="grid-mosquitto-")), free_port(), binary=binary)
        started.append(broker)
        broker.start()
        return broker

    yield start
    for broker in started:
        broker.stop()
        shutil.rmtree(broker.data_dir, ignore_errors=True)
