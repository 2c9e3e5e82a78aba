"""Launcher: port choice, runtime.json, one-sentence failures, child supervision, status/stop commands."""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from launcher import control, runtime
from launcher.errors import LaunchError
from launcher.paths import ROOT
from launcher.ports import choose_port, free_port, port_free
from launcher.start import Stack
from launcher.supervisor import ChildSpec, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def listening_socket(port: int) -> socket.socket | None:
    """Listen on port ourselves; None when something else already holds it (taken either way)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT leftovers do not count
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    sock.listen()
    return sock


@pytest.fixture
def no_port_env(monkeypatch):
    for name in ("GRID_DASHBOARD_PORT", "GRID_MQTT_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_free_default_port_is_used(no_port_env):
    port = free_port()
    assert choose_port(port, "GRID_DASHBOARD_PORT", "x") == (port, None)


@pytest.mark.parametrize("default,env", [(8501, "GRID_DASHBOARD_PORT"), (1883, "GRID_MQTT_PORT")])
def test_taken_default_port_falls_back_and_says_so(no_port_env, default, env):
    sock = listening_socket(default)
    try:
        assert not port_free(default)
        port, note = choose_port(default, env, "服务")
        assert port != default and port_free(port)
        assert str(default) in note and str(port) in note and env in note
    finally:
        if sock:
            sock.close()


def test_explicit_port_must_be_free(monkeypatch):
    sock = listening_socket(free_port())
    port = sock.getsockname()[1]
    monkeypatch.setenv("GRID_DASHBOARD_PORT", str(port))
    try:
        with pytest.raises(LaunchError, match=str(port)):
            choose_port(8501, "GRID_DASHBOARD_PORT", "大屏网页")
    finally:
        sock.close()
    assert choose_port(8501, "GRID_DASHBOARD_PORT", "大屏网页") == (port, None)


def run_start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MQTT_URL")} | env
    return subprocess.run([sys.executable, "-m", "launcher", "start", "--data-dir", str(tmp_path / "data")],
                          env=full_env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def assert_one_sentence(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_unreachable_database_url_is_one_sentence(tmp_path):
    url = f"postgresql+psycopg2://postgres:secret@127.0.0.1:{free_port()}/grid"
    result = run_start(tmp_path, DATABASE_URL=url)
    assert_one_sentence(result, "DATABASE_URL", "无法连接数据库")
    assert "secret" not in result.stderr


def test_unreachable_mqtt_url_is_one_sentence(tmp_path, db_url):
    result = run_start(tmp_path, DATABASE_URL=db_url, MQTT_URL=f"mqtt://127.0.0.1:{free_port()}")
    assert_one_sentence(result, "MQTT_URL")


def test_taken_explicit_dashboard_port_is_one_sentence(tmp_path):
    sock = listening_socket(free_port())
    try:
        result = run_start(tmp_path, GRID_DASHBOARD_PORT=str(sock.getsockname()[1]))
    finally:
        sock.close()
    assert_one_sentence(result, "GRID_DASHBOARD_PORT")


def test_runtime_json_has_the_keys_and_is_private(tmp_path):
    stack = Stack(tmp_path)
    stack.sup.spawn(ChildSpec("ingest", SLEEPER))
    try:
        stack.record(dashboard_url="http://127.0.0.1:8501", mqtt_url="mqtt://127.0.0.1:1883",
                     database_url="postgresql+psycopg2://postgres@/grid?host=/x", broker="mosquitto",
                     logins={"admin": "pw"})
        info = json.loads((tmp_path / "runtime.json").read_text(encoding="utf-8"))
        assert set(runtime.REQUIRED_KEYS) <= set(info)
        assert info["pids"]["launcher"] == os.getpid() and "ingest" in info["pids"]
        assert stat.S_IMODE((tmp_path / "runtime.json").stat().st_mode) == 0o600
        assert runtime.launcher_running(info)
    finally:
        assert stack.shutdown()
    info = runtime.read(tmp_path / "runtime.json")
    assert info["pids"] == {} and info["stopped_at"] and info["logins"] == {"admin": "pw"}


def test_runtime_write_refuses_missing_keys(tmp_path):
    with pytest.raises(ValueError):
        runtime.write(tmp_path / "runtime.json", {"dashboard_url": "x"})


def test_supervisor_reports_dead_child_and_stops_whole_groups(tmp_path):
    sup = Supervisor(tmp_path)
    # The leader starts a grandchild in its own group: stopping the group must end both.
    parent = sup.spawn(ChildSpec("ingest", [sys.executable, "-c",
                                            "import subprocess, sys, time; "
                                            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']);"
                                            " print('up', flush=True); time.sleep(120)"]))
    sup.spawn(ChildSpec("simulate", [sys.executable, "-c", "pass"], may_finish=True))
    sup.spawn(ChildSpec("dashboard", [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]))
    sup.children["simulate"].process.wait(30)
    sup.children["dashboard"].process.wait(30)
    finished, failure = sup.poll()
    assert finished == ["simulate"]
    assert failure[:2] == ("dashboard", 3) and "boom" in failure[2].read_text()
    grandchildren = psutil.Process(parent.process.pid).children()
    sup.stop([["dashboard", "simulate"], ["ingest"]], timeout=5)
    assert parent.process.returncode is not None
    gone, alive = psutil.wait_procs(grandchildren, timeout=5)
    assert not alive


def test_redact_hides_passwords_only():
    assert runtime.redact("mqtt://dev:pw@10.0.0.5:1883") == "mqtt://dev:***@10.0.0.5:1883"
    db = "postgresql+psycopg2://app:{}@db:5432/grid"
    assert runtime.redact(db.format("s3cret")) == db.format("***")
    socket_url = "postgresql+psycopg2://postgres@/grid?host=/work/.data/pg"
    assert runtime.redact(socket_url) == socket_url


def test_stop_command_signals_the_launcher(tmp_path, capsys):
    launcher = subprocess.Popen(SLEEPER, start_new_session=True)
    info = {"dashboard_url": "http://127.0.0.1:1", "mqtt_url": "mqtt://u:mqttpw@h:1", "database_url": "",
            "logins": {}, "broker": "mosquitto", "started_at": runtime.now_iso(), "pids": {"launcher": launcher.pid},
            "processes": {"launcher": runtime.identity(launcher.pid)}}
    runtime.write(tmp_path / "runtime.json", info)
    assert control.status(tmp_path, as_json=False) == 0
    assert "mqttpw" not in capsys.readouterr().out
    assert control.stop(tmp_path) == 0
    assert not runtime.alive(info["processes"]["launcher"])
    assert control.status(tmp_path, as_json=True) == 1


def test_start_refuses_while_running_and_stop_reaps_orphans(tmp_path):
    data = tmp_path / "data"
    live = subprocess.Popen(SLEEPER, start_new_session=True)
    orphan = subprocess.Popen(SLEEPER, start_new_session=True)
    info = {"dashboard_url": "http://127.0.0.1:9", "mqtt_url": "", "database_url": "", "logins": {},
            "broker": "mosquitto", "started_at": runtime.now_iso(), "pids": {},
            "processes": {"launcher": runtime.identity(live.pid), "ingest": runtime.identity(orphan.pid)}}
    runtime.write(data / "runtime.json", info)
    result = run_start(tmp_path)
    assert result.returncode == 1 and "http://127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr
    live.kill()
    live.wait()
    assert control.stop(data) == 0
    assert not runtime.alive(info["processes"]["ingest"])
    assert runtime.read(data / "runtime.json")["pids"] == {}
