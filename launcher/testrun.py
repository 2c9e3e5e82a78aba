"""`python -m launcher test [pytest args]` (./test.sh): throwaway PostgreSQL and broker, then pytest's exit code."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from db.labels import LAUNCHER as L
from launcher import syspkg
from launcher.paths import DATA_DIR, ROOT
from launcher.ports import free_port
from launcher.runtime import redact
from launcher.services import broker as brokers
from launcher.services.postgres import EmbeddedPostgres


class Throwaway:
    """Servers that live for one test run; everything goes in .data/tmp and is removed afterwards."""

    def __init__(self):
        self.tmp_root = DATA_DIR / "tmp"
        self.dirs: list[Path] = []
        self.pg: EmbeddedPostgres | None = None
        self.broker: brokers._BrokerProcess | None = None

    def _dir(self, prefix: str) -> Path:
        self.tmp_root.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=self.tmp_root))
        self.dirs.append(path)
        return path

    def postgres_url(self) -> str:
        self.pg = EmbeddedPostgres(self._dir("test-pg-") / "pg")
        self.pg.start()
        return self.pg.url("postgres")

    def broker_url(self) -> tuple[str, str]:
        binary = brokers.mosquitto_binary()
        directory, port = self._dir("test-broker-"), free_port()
        if binary:
            self.broker = brokers.MosquittoBroker(directory, port, binary=binary)
        else:
            print(L["test_amqtt_warning"], file=sys.stderr, flush=True)
            self.broker = brokers.AmqttBroker(directory, port)
        self.broker.start()
        return self.broker.url, self.broker.kind

    def close(self) -> None:
        if self.broker:
            self.broker.stop()
        if self.pg:
            self.pg.stop()
        for path in self.dirs:
            shutil.rmtree(path, ignore_errors=True)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_pytest(args: list[str], env: dict[str, str]) -> int:
    """pytest in our process group: the terminal's Ctrl-C reaches it directly, so we only wait for it."""
    # Ignored before the child exists, so no Ctrl-C can end us while pytest still uses the servers; the child
    # gets the default back, else Python would not turn Ctrl-C into KeyboardInterrupt inside pytest.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], env=env, cwd=ROOT,
                                preexec_fn=_default_sigint)
        signal.signal(signal.SIGTERM, lambda *_: proc.send_signal(signal.SIGTERM))
        return proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    # Until pytest runs, SIGTERM (a cancelled CI job) must still remove the throwaway servers.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Needed even with TEST_MQTT_URL given: the private_mosquitto fixture runs its own brokers.
    syspkg.ensure(["mosquitto"])
    servers = Throwaway()
    try:
        if not env.get("TEST_MQTT_URL"):
            env["TEST_MQTT_URL"], env["TEST_MQTT_BROKER"] = servers.broker_url()
        if not env.get("TEST_DATABASE_URL"):
            env["TEST_DATABASE_URL"] = servers.postgres_url()
        print(L["test_servers"].format(db=redact(env["TEST_DATABASE_URL"]), mqtt=redact(env["TEST_MQTT_URL"])),
              flush=True)
        return run_pytest(argv[1:], env)
    finally:
        servers.close()
