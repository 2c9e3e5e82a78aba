"""Operations on a running start: `python -m launcher status [--json]` and `python -m launcher stop`."""
from __future__ import annotations

import argparse
import json
import os
import signal
import unicodedata
from pathlib import Path

import psutil

from db.labels import LAUNCHER as L
from launcher import runtime
from launcher.paths import DATA_DIR
from launcher.services.postgres import stop_data_dir

STOP_WAIT_S = 90  # the launcher gives each wave of children 10 s, then stops the broker and PostgreSQL
# Processes a start spawns in their own process group; postgres is stopped with pg_ctl instead.
GROUP_LEADERS = ("dashboard", "simulate", "ingest", "broker")
DISPLAY_ORDER = ("launcher", "postgres", "broker", "ingest", "simulate", "dashboard")


def reap_orphans(info: dict, timeout: float = 10.0) -> list[str]:
    """Stop children a dead launcher left behind (recorded in runtime.json); returns their names."""
    if runtime.launcher_running(info):
        return []
    procs = {}
    for name in GROUP_LEADERS:
        ident = info.get("processes", {}).get(name)
        if runtime.alive(ident):
            procs[name] = psutil.Process(ident["pid"])
            _signal_group(ident["pid"], signal.SIGTERM)
    _, left = psutil.wait_procs(list(procs.values()), timeout=timeout)
    for proc in left:
        _signal_group(proc.pid, signal.SIGKILL)
    return list(procs)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def services(info: dict) -> dict[str, dict]:
    procs = info.get("processes", {})
    names = [n for n in DISPLAY_ORDER if n in procs] + [n for n in procs if n not in DISPLAY_ORDER]
    return {name: {"pid": procs[name].get("pid"), "alive": runtime.alive(procs[name])} for name in names}


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def status(data_dir: Path, as_json: bool) -> int:
    info = runtime.read(data_dir / "runtime.json")
    running = runtime.launcher_running(info)
    if as_json:
        shown = {k: info.get(k) for k in ("broker", "postgres", "started_at", "stopped_at")}
        shown |= {k: runtime.redact(info.get(k) or "") for k in ("dashboard_url", "mqtt_url", "database_url")}
        print(json.dumps({"running": running, **shown, "services": services(info)}, ensure_ascii=False, indent=2))
        return 0 if running else 1
    if not info:
        print(L["status_never"])
        return 1
    headline = "status_running" if running else "status_stopped" if info.get("stopped_at") else "status_crashed"
    print(L[headline].format(
        url=info.get("dashboard_url", ""), since=info.get("started_at", ""), at=info.get("stopped_at", "")))
    print(L["status_endpoints"].format(mqtt=runtime.redact(info.get("mqtt_url", "")), broker=info.get("broker", ""),
                                       db=runtime.redact(info.get("database_url", ""))))
    for name, svc in services(info).items():
        state = L["status_alive"] if svc["alive"] else L["status_dead"]
        print(f"  {pad(L['svc'].get(name, name), 40)}pid {svc['pid']:<8} {state}")
    return 0 if running else 1


def stop(data_dir: Path) -> int:
    info = runtime.read(data_dir / "runtime.json")
    ident = info.get("processes", {}).get("launcher")
    if runtime.launcher_running(info):
        print(L["stop_sending"].format(pid=ident["pid"]), flush=True)
        proc = psutil.Process(ident["pid"])
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_WAIT_S)
        except psutil.TimeoutExpired:
            print(L["stop_timeout"].format(pid=ident["pid"], s=STOP_WAIT_S))
            return 1
        print(L["stopped"])
        return 0
    reaped = reap_orphans(info)
    pg_stopped = info.get("postgres") == "embedded" and stop_data_dir(data_dir / "pg")
    if info.get("processes"):
        info.update(pids={}, processes={}, stopped_at=runtime.now_iso())
        runtime.write(data_dir / "runtime.json", info)
    for name in reaped + (["postgres"] if pg_stopped else []):
        print(L["orphan_stopped"].format(name=L["svc"].get(name, name)))
    print(L["stopped"] if reaped or pg_stopped else L["status_never" if not info else "stop_nothing"])
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m launcher {argv[0]}")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=L["data_dir_help"])
    if argv[0] == "status":
        parser.add_argument("--json", action="store_true", help=L["json_help"])
    args = parser.parse_args(argv[1:])
    if argv[0] == "status":
        return status(args.data_dir.resolve(), args.json)
    return stop(args.data_dir.resolve())
