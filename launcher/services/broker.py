"""Private MQTT broker on loopback: mosquitto with our own config when installed, else amqtt (pure Python)."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from db.labels import LAUNCHER as L
from launcher.errors import LaunchError
from launcher.paths import relative

HOST = "127.0.0.1"
# Above ingest's batch (5,000 messages acked after one commit) so the broker never stalls on a batch in flight;
# below 65,535 because MQTT packet ids are 16-bit.
MAX_INFLIGHT = 10_000
# Mosquitto's default (1,000) would drop an offline ingest's backlog within seconds of demo traffic.
MAX_QUEUED = 1_000_000

MOSQUITTO_CONF = """\
# Written by the launcher at every start (launcher/services/broker.py); edits here are overwritten.
listener {port} {host}
allow_anonymous true
persistence true
persistence_location {data}/
# Save queued messages every 30 s, not only at shutdown, so a broker crash loses little.
autosave_interval 30
max_inflight_messages {inflight}
max_queued_messages {queued}
max_queued_bytes 0
{user_line}log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
log_timestamp_format %Y-%m-%dT%H:%M:%S
"""

# JSON is valid YAML, which is what amqtt reads.
AMQTT_CONF = {
    "listeners": {"default": {"type": "tcp", "bind": None}},
    "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
}


def mosquitto_binary() -> str | None:
    """Path of the mosquitto executable; Debian puts it in /usr/sbin, often missing from a user's PATH."""
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def split_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = 8883 if parts.scheme in ("mqtts", "ssl") else 1883
    try:
        return parts.hostname or HOST, parts.port or default
    except ValueError:
        raise LaunchError(L["mqtt_url_invalid"].format(url=url)) from None


def mqtt_ready(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when an MQTT 3.1.1 CONNECT on host:port gets a CONNACK (any return code)."""
    client_id = b"launcher-probe"
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client_id).to_bytes(2, "big") + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(bytes([0x10, len(body)]) + body)
            reply = sock.recv(4)
            sock.sendall(b"\xe0\x00")  # DISCONNECT, so the broker logs a clean goodbye
    except OSError:
        return False
    return len(reply) >= 2 and reply[0] == 0x20


def check_reachable(url: str) -> None:
    """An external broker (MQTT_URL) must accept TCP connections; credentials and TLS are the client's business."""
    host, port = split_url(url)
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as err:
        raise LaunchError(L["mqtt_unreachable"].format(where=f"{host}:{port}", reason=err.strerror or err)) from None


class _BrokerProcess:
    """A broker child process in its own process group, with readiness check and clean stop."""

    kind = ""

    def __init__(self, data_dir: Path, port: int, log_file: Path | None = None):
        self.data_dir = data_dir.resolve()
        self.port = port
        self.log_file = log_file or self.data_dir / f"{self.kind}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{HOST}:{self.port}"

    def _argv(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 15.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = self._argv()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=self.data_dir, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not mqtt_ready(HOST, self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)  # connection refused returns at once: pace the readiness loop
        # Alive after answering: the answer came from our broker, not from one that took the port meanwhile.
        if self.process.poll() is not None or not mqtt_ready(HOST, self.port):
            self.stop()
            raise LaunchError(L["broker_start_failed"].format(kind=self.kind, port=self.port,
                                                              log=relative(self.log_file)))

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (mosquitto then saves its persistence file), SIGKILL after timeout."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            proc.wait()

    def restart(self, timeout: float = 15.0) -> None:
        """Stop and start on the same port and data directory (persistent sessions survive with mosquitto)."""
        self.stop()
        self.start(timeout)


class MosquittoBroker(_BrokerProcess):
    kind = "mosquitto"

    def __init__(self, data_dir: Path, port: int, log_file: Path | None = None, binary: str | None = None):
        super().__init__(data_dir, port, log_file)
        self.binary = binary or mosquitto_binary()

    @property
    def config_file(self) -> Path:
        return self.data_dir / "mosquitto.conf"

    def _argv(self) -> list[str]:
        self.config_file.write_text(MOSQUITTO_CONF.format(
            port=self.port, host=HOST, data=self.data_dir, inflight=MAX_INFLIGHT, queued=MAX_QUEUED,
            user_line=self._user_line()), encoding="utf-8")
        return [self.binary, "-c", str(self.config_file)]

    def _user_line(self) -> str:
        """As root, mosquitto drops to user `mosquitto`, which must own the persistence directory."""
        if os.geteuid() != 0:
            return ""
        try:
            entry = pwd.getpwnam("mosquitto")
        except KeyError:
            return "user root\n"
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        for stale in self.data_dir.glob("mosquitto.db*"):
            os.chown(stale, entry.pw_uid, entry.pw_gid)
        return ""


class AmqttBroker(_BrokerProcess):
    kind = "amqtt"

    def _argv(self) -> list[str]:
        conf = json.loads(json.dumps(AMQTT_CONF))
        conf["listeners"]["default"]["bind"] = f"{HOST}:{self.port}"
        path = self.data_dir / "amqtt.yaml"
        path.write_text(json.dumps(conf, indent=2), encoding="utf-8")
        return [sys.executable, "-m", "amqtt.scripts.broker_script", "-c", str(path)]
