"""Helpers for the MQTT edge tests (no tests here): seeded devices, the generator, and a private Mosquitto started
from deploy/mosquitto/mosquitto.conf with only paths and ports changed."""
from __future__ import annotations

import csv
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import insert

from db.schema import departments, device_aliases, devices, staff
from ingest.config import IngestSettings
from ingest.edge import cli
from launcher.ports import free_port
from launcher.services.broker import mqtt_ready
from tests.broker_fixtures import require_mosquitto

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_CONF = ROOT / "deploy" / "mosquitto" / "mosquitto.conf"
CAMERA = "34020000001320000001"
OTHER_CAMERA = "34020000001320000002"
WAIT_S = 10.0
NOT_AUTHORIZED = "Not authorized"


def seed(engine) -> None:
    """Two cameras (one with a topic alias), two grid workers with a terminal each, an unbound terminal, two
    departments and one with a code no topic can carry, an OwnTracks phone."""
    with engine.begin() as c:
        c.execute(insert(departments), [{"code": code, "name": name, "tier": 2} for code, name in
                                        (("D01", "城管局"), ("D02", "住建局"), ("bad/code", "坏编码"))])
        s1, s2 = (c.execute(insert(staff).values(code=code, name=name, role="patroller").returning(staff.c.id))
                  .scalar_one() for code, name in (("S001", "张三"), ("S002", "李四")))
        cam = c.execute(insert(devices).values(kind="camera", code=CAMERA).returning(devices.c.id)).scalar_one()
        c.execute(insert(devices), [
            {"kind": "camera", "code": OTHER_CAMERA, "staff_id": None},
            {"kind": "terminal", "code": "ZD-S001", "staff_id": s1},
            {"kind": "terminal", "code": "ZD-S002", "staff_id": s2},
            {"kind": "terminal", "code": "ZD-SPARE", "staff_id": None},
        ])
        c.execute(insert(device_aliases), [
            {"source": "video", "external_id": "CAM-ALIAS", "device_id": cam, "staff_id": None},
            {"source": "owntracks", "external_id": "alice/phone", "device_id": None, "staff_id": s1},
        ])


def add_camera(engine, code: str) -> None:
    with engine.begin() as c:
        c.execute(insert(devices).values(kind="camera", code=code))


def secrets(path: Path) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["username"]: row["password"] for row in csv.DictReader(f)}


def mosquitto_uid() -> tuple[int, int] | None:
    """As root, mosquitto drops to user `mosquitto`: the files it reads must be that user's."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("mosquitto")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed server certificate for 127.0.0.1 (it is its own CA), made with the openssl command."""
    cert, key = directory / "server.crt", directory / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class EdgeBroker:
    """The production mosquitto.conf with test paths and loopback ports; stderr log watched line by line."""

    def __init__(self, binary: str):
        self.binary = binary
        # /tmp rather than pytest's tmp_path: as root, mosquitto drops to user `mosquitto`, which cannot enter it.
        self.dir = Path(tempfile.mkdtemp(prefix="grid-edge-"))
        self.edge_dir = self.dir / "edge"        # where edge-config writes passwd and acl
        self.port, self.tls_port = free_port(), free_port()
        self.cert, self.key = make_certificate(self.dir)
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.process: subprocess.Popen | None = None
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text(self.localize(PRODUCTION_CONF.read_text(encoding="utf-8")), encoding="utf-8")

    def localize(self, text: str) -> str:
        listeners = iter([f"listener {self.port} 127.0.0.1", f"listener {self.tls_port} 127.0.0.1"])
        paths = {"persistence_location": f"{self.dir}/", "cafile": self.cert, "certfile": self.cert,
                 "keyfile": self.key, "password_file": self.edge_dir / "passwd", "acl_file": self.edge_dir / "acl"}
        out, seen = [], set()
        for line in text.splitlines():
            word = line.split(" ", 1)[0]
            seen.add(word)
            if word == "listener":
                line = next(listeners)
            elif word in paths:
                line = f"{word} {paths[word]}"
            elif word == "log_dest":
                line = "log_dest stderr"
            elif word == "pid_file":
                continue
            out.append(line)
        missing = {"listener", "log_dest", *paths} - seen
        assert not missing, f"deploy/mosquitto/mosquitto.conf lacks {missing}"
        # Subscriptions are logged so a test can tell when the ingest worker is ready to receive.
        out.append("log_type subscribe")
        if os.geteuid() == 0 and mosquitto_uid() is None:
            out.append("user root")              # no `mosquitto` user to drop to: stay the owner of the files
        return "\n".join(out + [""])

    def start(self) -> "EdgeBroker":
        owner = mosquitto_uid()
        if owner:
            for path in [self.dir, *self.dir.iterdir()]:
                os.chown(path, *owner)
        self.process = subprocess.Popen([self.binary, "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        # Mosquitto 2.0 logs "running" just before it arms its main loop, and a signal landing in between is
        # forgotten (seen with 2.0.11): a CONNACK, even a refusal, proves the loop runs and signals are heard.
        if not (self.wait_line(r"mosquitto version \S+ running") and mqtt_ready("127.0.0.1", self.port, WAIT_S)):
            self.stop()
            raise AssertionError("mosquitto did not start:\n" + self.log())
        return self

    def _read(self) -> None:
        for line in self.process.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.lines.append("<exit>")
            self._cond.notify_all()

    def wait_line(self, pattern: str, start: int = 0, timeout: float = WAIT_S) -> bool:
        """Wait until a log line from index `start` on matches; False on timeout or broker exit."""
        rx = re.compile(pattern)
        with self._cond:
            self._cond.wait_for(lambda: "<exit>" in self.lines or any(rx.search(x) for x in self.lines[start:]),
                                timeout)
            return any(rx.search(x) for x in self.lines[start:])

    def log(self) -> str:
        with self._cond:
            return "\n".join(self.lines[-40:])

    def reload(self) -> None:
        self.process.send_signal(signal.SIGHUP)   # mosquitto re-reads the password and ACL files

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Client:
    """A paho MQTT v5 client recording its CONNACK, disconnects, PUBACK reason codes and received messages."""

    def __init__(self, port: int, username: str | None, password: str | None, client_id: str,
                 ca: Path | None = None):
        self.cond = threading.Condition()
        self.client_id = client_id
        self.connack: str | None = None
        self.disconnected = False
        self.received: list[tuple[str, bytes]] = []
        self.pubacks: dict[int, str] = {}
        self.subacks: list[list[str]] = []
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if username is not None:
            self.c.username_pw_set(username, password)
        if ca is not None:
            self.c.tls_set(ca_certs=str(ca))
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = self._on_disconnect
        self.c.on_publish = lambda c, u, mid, rc, p: self._note(lambda: self.pubacks.__setitem__(mid, str(rc)))
        self.c.on_message = lambda c, u, m: self._note(lambda: self.received.append((m.topic, m.payload)))
        self.c.on_subscribe = lambda c, u, mid, rcs, p: self._note(lambda: self.subacks.append([str(r) for r in rcs]))
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def _on_connect(self, client, userdata, flags, rc, props) -> None:
        if rc.is_failure:
            client.disconnect()      # refused: stop paho's reconnect loop instead of retrying with the same login
        self._note(lambda: setattr(self, "connack", str(rc)))

    def _on_disconnect(self, client, userdata, flags, rc, props) -> None:
        client.disconnect()          # a test client never reconnects on its own
        self._note(lambda: setattr(self, "disconnected", True))

    def _note(self, change) -> None:
        with self.cond:
            change()
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = WAIT_S) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self), timeout)

    def connected(self) -> str | None:
        """The CONNACK reason ('Success' or why not); None when none came within the wait."""
        self.wait(lambda s: s.connack is not None or s.disconnected)
        return self.connack

    def publish(self, topic: str, payload: bytes) -> int:
        info = self.c.publish(topic, payload, qos=1)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, info.rc
        return info.mid

    def subscribe(self, topics: list[str]) -> list[str]:
        before = len(self.subacks)
        self.c.subscribe([(t, 1) for t in topics])
        assert self.wait(lambda s: len(s.subacks) > before), "no SUBACK"
        return self.subacks[before]

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def generate(broker: EdgeBroker, secrets_file, *extra) -> None:
    owner = ["--owner", "mosquitto"] if mosquitto_uid() else []
    rc = cli.main(["--out", str(broker.edge_dir), "--secrets-file", str(secrets_file), *owner, *extra])
    assert rc == 0


@pytest.fixture
def edge(engine, db_url, monkeypatch, tmp_path, capsys):
    """(broker, passwords by user name, clients to close): the seeded devices' accounts in a running broker."""
    binary = require_mosquitto()
    seed(engine)
    monkeypatch.setenv("DATABASE_URL", db_url)
    broker = EdgeBroker(binary)
    clients: list[Client] = []
    try:
        generate(broker, tmp_path / "secrets.csv")
        capsys.readouterr()
        broker.start()
        yield broker, secrets(tmp_path / "secrets.csv"), clients
    finally:
        for c in clients:
            c.close()
        broker.stop()


def connect(edge, username, password=None, tls=False) -> Client:
    broker, creds, clients = edge
    password = creds.get(username) if password is None and username else password
    client = Client(broker.tls_port if tls else broker.port, username, password,
                    client_id=f"{username or 'anon'}-{uuid.uuid4().hex[:8]}", ca=broker.cert if tls else None)
    clients.append(client)
    return client


def ingest_subscriber(edge) -> Client:
    """The ingest account with the ingest service's own subscriptions ($share form, as the worker makes them)."""
    sub = connect(edge, "ingest")
    assert sub.connected() == "Success", edge[0].log()
    assert sub.subscribe(IngestSettings().subscriptions(shared=True)) == ["Granted QoS 1"] * 4
    return sub


def now() -> str:
    return datetime.now(timezone.utc).isoformat()
