"""python -m ingest simulate [--rate R] [--seed N] [--duration S] [--max N]: demo traffic over MQTT, and work
orders into the demo 12345 database (--hotline-db, default $GRID_DATA_DIR/hotline12345.db)."""
from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from db import labels
from ingest.config import IngestSettings
from ingest.simulate.district import load_district, open_cases, worker_of_grid
from ingest.simulate.hotline import HotlineSim, default_path
from ingest.simulate.publisher import Publisher
from ingest.simulate.responses import RESPOND_EVERY_S, Responder
from ingest.simulate.traffic import Traffic

log = logging.getLogger("ingest.simulate")
L = labels.INGEST_CLI
PROGRESS_S = 60.0


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ingest simulate", description=L["simulate"])
    p.add_argument("--rate", type=float, default=1.0, help=L["help_rate"])
    p.add_argument("--seed", type=int, default=1, help=L["help_seed"])
    p.add_argument("--duration", type=float, help=L["help_duration"])
    p.add_argument("--max", type=int, dest="max_messages", help=L["help_max"])
    p.add_argument("--run-id", help=L["help_run_id"])
    p.add_argument("--hotline-db", type=Path, default=default_path(), help=labels.SOURCES_CLI["help_hotline_db"])
    args = p.parse_args(argv)
    if args.rate <= 0:
        p.error(L["help_rate"])
    return args


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


def _answers(engine, responder: Responder) -> list:
    """This round's department and grid-worker answers; none while the database is away."""
    try:
        with engine.connect() as conn:
            return responder.answer(open_cases(conn))
    except OperationalError:
        return []


def run(args: argparse.Namespace, settings: IngestSettings, stop: threading.Event) -> int:
    """Publishes until stopped, --duration or --max; returns the number of messages sent."""
    engine = create_engine(settings.resolved_database_url())
    with engine.connect() as conn:
        district = load_district(conn)
    if district.empty():
        print(L["sim_empty"])
        engine.dispose()
        return 0
    run_id = args.run_id or _base36(int(time.time()))
    traffic = Traffic(district, args.seed, run_id)
    responder = Responder(args.seed, run_id, worker_of_grid(district), [w.staff_code for w in district.walkers])
    if getattr(args, "hotline_db", None):
        HotlineSim(args.hotline_db, district, args.seed, run_id).start(stop, args.rate)
    publisher = Publisher(settings.resolved_mqtt_url(), f"simulator-{run_id}")
    publisher.connect()
    log.info(L["sim_started"].format(workers=len(district.walkers), cameras=len(district.cameras),
                                     rate=args.rate, seed=args.seed))
    started = time.monotonic()
    deadline = started + args.duration if args.duration else None
    sent, next_answer, next_progress = 0, RESPOND_EVERY_S, started + PROGRESS_S

    def send(out) -> None:
        nonlocal sent
        if args.max_messages and sent >= args.max_messages:
            stop.set()
            return
        now = datetime.now(timezone.utc)
        publisher.publish(out.full_topic(settings), out.render(now), round(now.timestamp() * 1000))
        sent += 1

    try:
        for t, out in traffic.events():
            due = started + t / args.rate
            if deadline is not None and due > deadline:
                stop.wait(max(0.0, deadline - time.monotonic()))
                break
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            while next_answer <= t:
                next_answer += RESPOND_EVERY_S
                for answer in _answers(engine, responder):
                    send(answer)
            send(out)
            if stop.is_set():
                break
            if time.monotonic() >= next_progress:
                next_progress += PROGRESS_S
                log.info(L["sim_progress"].format(sent=sent))
        publisher.flush()
    finally:
        publisher.close()
        engine.dispose()
    return sent


def main(argv: list[str]) -> int:
    args = parse(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sent = run(args, IngestSettings(), stop)
    log.info(L["sim_progress"].format(sent=sent))
    return 0
