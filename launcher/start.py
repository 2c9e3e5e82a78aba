"""`python -m launcher start`: database, broker, migrate/seed, ingest + demo traffic + dashboard, until Ctrl-C.

Policy when a child dies: say which (with the end of its log), stop all the others, exit 1. No silent restarts:
a crash loop would hide a broken service behind a dashboard that looks alive."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from db.labels import LAUNCHER as L
from launcher import control, runtime
from launcher.errors import LaunchError
from launcher.paths import DATA_DIR, ROOT, relative
from launcher.ports import choose_port
from launcher.prepare import DEMO_SEED, main_logins, prepare
from launcher.readiness import wait_http
from launcher.services import broker as brokers
from launcher.services.postgres import EmbeddedPostgres, check_reachable, describe, ensure_database
from launcher.supervisor import ChildSpec, Supervisor, rotate, tail

APP_DATABASE = "grid"
DASHBOARD_PORT, MQTT_PORT = 8501, 1883
STOP_WAVES = [["dashboard", "simulate"], ["ingest"]]  # ingest last: it finishes and acks its current batch
POLL_S = 0.5


class Stack:
    """What this start brought up, so shutdown stops exactly that, in reverse order."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.log_dir = data_dir / "logs"
        self.runtime_file = data_dir / "runtime.json"
        self.pg: EmbeddedPostgres | None = None
        self.broker: brokers._BrokerProcess | None = None
        self.sup = Supervisor(self.log_dir)
        self.info: dict = {"started_at": runtime.now_iso(), "logins": {}, "pids": {}, "processes": {},
                           "data_dir": str(data_dir), "logs_dir": str(self.log_dir)}

    def record(self, **fields) -> None:
        """Merge fields and rewrite runtime.json with the processes running now."""
        self.info.update(fields)
        pids = {"launcher": os.getpid(), **({"postgres": self.pg.pid} if self.pg else {}), **self.sup.pids()}
        self.info["pids"] = pids
        self.info["processes"] = {name: runtime.identity(pid) for name, pid in pids.items()}
        runtime.write(self.runtime_file, self.info)

    def shutdown(self) -> bool:
        """Stop what we started; True when there was something to stop."""
        # A second Ctrl-C must not abandon half-stopped services: every stop below has its own deadline.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            return self._stop_all()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop_all(self) -> bool:
        started = bool(self.pg or self.broker or self.sup.children)
        self.sup.stop(STOP_WAVES)
        if self.broker:
            self.broker.stop()
        if self.pg:
            self.pg.stop()
        if self.info.get("pids"):
            self.info.update(pids={}, processes={}, stopped_at=runtime.now_iso())
            runtime.write(self.runtime_file, self.info)
        return started


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m launcher start", description=L["start_help"])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=L["data_dir_help"])
    parser.add_argument("--no-demo", action="store_true", help=L["no_demo_help"])
    return parser.parse_args(argv)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    args = parse_args(argv[1:])
    # SIGTERM (launcher stop, service managers) and SIGHUP (terminal closed) get the same clean stop as Ctrl-C;
    # SIGINT is set explicitly because a shell starting us in the background hands it down ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    previous = runtime.read(data_dir / "runtime.json")
    if runtime.launcher_running(previous):
        raise LaunchError(L["already_running"].format(url=previous.get("dashboard_url", "")), code=1)
    for name in control.reap_orphans(previous):
        print(L["orphan_stopped"].format(name=L["svc"].get(name, name)), flush=True)
    address = os.environ.get("GRID_DASHBOARD_ADDRESS", "127.0.0.1")
    port, note = choose_port(DASHBOARD_PORT, "GRID_DASHBOARD_PORT", L["what_dashboard"], address or "0.0.0.0")
    if note:
        print(note, flush=True)
    stack = Stack(data_dir)
    try:
        return run(stack, address, port, demo=not args.no_demo)
    except KeyboardInterrupt:
        print(L["stopping"], flush=True)
        return 0
    finally:
        if stack.shutdown():
            print(L["stopped"], flush=True)


def run(stack: Stack, address: str, port: int, demo: bool) -> int:
    host = "127.0.0.1" if address in ("", "0.0.0.0") else address
    db_url = start_database(stack)
    mqtt_url = start_broker(stack)
    env = {**os.environ, "DATABASE_URL": db_url, "MQTT_URL": mqtt_url, "PYTHONUNBUFFERED": "1",
           "GRID_DATA_DIR": str(stack.data_dir)}
    if demo:
        # The demo's 12345 platform: the simulator writes work orders into .data/hotline12345.db, the ingest polls it.
        env.setdefault("INGEST_SOURCES_FILE", str(ROOT / "config" / "sources.demo.toml"))
    stack.record(dashboard_url=f"http://{host}:{port}", mqtt_url=mqtt_url, database_url=db_url)
    logins = prepare(db_url, env, stack.data_dir, stack.log_dir, demo=demo)
    for spec in children(env, address, port):
        stack.sup.spawn(spec)
    stack.record(logins=logins, logins_file=str(stack.data_dir / "demo-logins.json"))
    print(L["waiting_dashboard"], flush=True)
    failure = wait_http(stack.info["dashboard_url"], stack.sup)
    if failure:
        return report_failure(*failure)
    announce(stack, logins)
    return supervise(stack)


def start_database(stack: Stack) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        check_reachable(url)
        stack.info["postgres"] = "external"
        return url
    print(L["pg_starting"].format(dir=relative(stack.data_dir / "pg")), flush=True)
    stack.pg = EmbeddedPostgres(stack.data_dir / "pg", stack.log_dir / "embedded-postgres.log")
    stack.pg.start()
    ensure_database(stack.pg.url(), APP_DATABASE)
    ident = runtime.identity(stack.pg.pid)
    stack.sup.watch("postgres", stack.pg.pid, lambda: runtime.alive(ident), stack.pg.pgdata / "log")
    stack.info["postgres"] = "embedded"
    return stack.pg.url(APP_DATABASE)


def start_broker(stack: Stack) -> str:
    url = os.environ.get("MQTT_URL", "").strip()
    if url:
        brokers.check_reachable(url)
        stack.info["broker"] = "external"
        return url
    port, note = choose_port(MQTT_PORT, "GRID_MQTT_PORT", L["what_broker"])
    if note:
        print(note, flush=True)
    choice = os.environ.get("GRID_BROKER", "").strip().lower()  # mosquitto | amqtt | empty: mosquitto if installed
    if choice not in ("", "mosquitto", "amqtt"):
        raise LaunchError(L["broker_choice_invalid"].format(value=choice))
    binary = brokers.mosquitto_binary() if choice != "amqtt" else None
    if choice == "mosquitto" and not binary:
        raise LaunchError(L["mosquitto_required"])
    if binary:
        stack.broker = brokers.MosquittoBroker(stack.data_dir / "mosquitto", port, stack.log_dir / "mosquitto.log",
                                               binary)
    else:
        print(L["amqtt_warning"], flush=True)
        stack.broker = brokers.AmqttBroker(stack.data_dir / "amqtt", port, stack.log_dir / "amqtt.log")
    rotate(stack.broker.log_file)
    stack.broker.start()
    proc = stack.broker.process
    stack.sup.watch("broker", proc.pid, lambda: proc.poll() is None, stack.broker.log_file)
    stack.info["broker"] = stack.broker.kind
    return stack.broker.url


def children(env: dict[str, str], address: str, port: int) -> list[ChildSpec]:
    py = sys.executable
    return [
        ChildSpec("ingest", [py, "-m", "ingest"], env, ROOT),
        ChildSpec("simulate", [py, "-m", "ingest", "simulate", "--seed", str(DEMO_SEED)], env, ROOT, may_finish=True),
        ChildSpec("dashboard", [py, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                "--server.address", address], env, ROOT),
    ]


def supervise(stack: Stack) -> int:
    while True:
        finished, failure = stack.sup.poll()
        for name in finished:
            print(L["child_finished"].format(name=L["svc"].get(name, name)), flush=True)
        if finished:
            stack.record()
        if failure:
            return report_failure(*failure)
        time.sleep(POLL_S)


def report_failure(name: str, code: int | None, log_file: Path) -> int:
    how = (L["exit_unknown"] if code is None else L["exit_signal"].format(n=-code) if code < 0
           else L["exit_code"].format(n=code))
    print(L["child_died"].format(name=L["svc"].get(name, name), how=how, log=relative(log_file)),
          file=sys.stderr, flush=True)
    print(tail(log_file), file=sys.stderr, flush=True)
    return 1


def announce(stack: Stack, logins: dict[str, str]) -> None:
    info = stack.info
    lines = ["", L["ready"].format(url=info["dashboard_url"])]
    lines.append(L["ready_db"].format(where=L["pg_embedded"].format(dir=relative(stack.data_dir / "pg"))
                                      if stack.pg else describe(info["database_url"])))
    lines.append(L["ready_broker"].format(kind=info["broker"], url=runtime.redact(info["mqtt_url"])))
    if logins:
        lines.append(L["logins_title"])
        lines += [f"  {user:<16} {password}" for user, password in main_logins(logins)]
        lines.append(L["logins_all"].format(n=len(logins), file=relative(Path(info["logins_file"]))))
    else:
        lines.append(L["logins_unknown"].format(file=relative(Path(info["logins_file"]))))
    lines.append(L["ready_files"].format(logs=relative(stack.log_dir), runtime=relative(stack.runtime_file)))
    lines.append(L["ready_stop"])
    print("\n".join(lines), flush=True)
