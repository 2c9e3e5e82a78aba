"""Periodic database maintenance beside the ingest: a small runner of named tasks, run once at the worker's start
and then every INGEST_MAINTENANCE_INTERVAL_S; `python -m ingest maintain` runs them once. The first task keeps
the monthly partitions (created ahead, retention by dropping whole partitions: db/partitions.py)."""
from __future__ import annotations

import argparse
import logging
import threading
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from db import labels, partitions as parts
from ingest.config import IngestSettings
from ingest.dbconn import primary_message

log = logging.getLogger("ingest.maintenance")
L = labels.RETENTION
# Several workers run the same tasks: an advisory lock lets one of them at a time do the partition work.
PARTITION_LOCK = 7_000_000_001

# A task gets the engine and the settings; whatever it returns is kept as the last result (tests, CLI).
Task = Callable[[Engine, IngestSettings], object]


def retention_days(settings: IngestSettings) -> dict[str, int]:
    """Days kept per partitioned table (0 = forever). Cases are not partitioned: they are kept forever."""
    return {"raw_events": settings.retention_raw_events_days, "positions": settings.retention_positions_days,
            "ingest_counters": settings.retention_counters_days}


def partition_task(engine: Engine, settings: IngestSettings, now: datetime | None = None) -> parts.Report:
    """This month and the next ones exist for every partitioned table; partitions past retention are dropped."""
    now = now or datetime.now(timezone.utc)
    report = parts.Report()
    with engine.connect() as holder:
        if not holder.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PARTITION_LOCK}).scalar():
            return report             # another worker is at it right now
        try:
            for table, days in retention_days(settings).items():
                if not parts.is_partitioned(holder, table):
                    log.warning(L["not_partitioned"].format(table=table))
                    continue
                parts.maintain_table(engine, table, now, settings.partitions_ahead_months, days, report)
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PARTITION_LOCK})
            holder.commit()
    _log(report, retention_days(settings))
    return report


def _log(report: parts.Report, days: dict[str, int]) -> None:
    for table, names in report.created.items():
        log.info(L["created"].format(table=table, names="、".join(names)))
    for table, names in report.dropped.items():
        log.info(L["dropped"].format(table=table, names="、".join(names), days=days[table]))
    for table, n in report.default_rows.items():
        if n:
            log.info(L["default_rows"].format(table=table, n=n))


# The tasks every run performs, in order. Register another periodic task with one more line here, e.g.
# ("positions_rollup", rollup_positions) where rollup_positions(engine, settings) does its work.
TASKS: list[tuple[str, Task]] = [
    ("partitions", partition_task),
]


class Maintenance:
    """Runs TASKS at start, then every interval until `stop` is set. A failing task is logged and tried again at
    the next run; it never stops the ingest."""

    def __init__(self, settings: IngestSettings, stop: threading.Event, tasks: list[tuple[str, Task]] | None = None):
        self.settings, self.stop = settings, stop
        self.tasks = TASKS if tasks is None else tasks
        self.results: dict[str, object] = {}       # name -> last result, or the exception it raised
        self.runs = 0
        self.done = threading.Condition()           # notified after every run (tests wait on it)
        self.thread = threading.Thread(target=self._loop, name="ingest-maintenance", daemon=True)

    def start(self) -> "Maintenance":
        self.thread.start()
        return self

    def run_once(self) -> dict[str, object]:
        engine = create_engine(self.settings.resolved_database_url(), poolclass=NullPool)
        try:
            for name, task in self.tasks:
                try:
                    self.results[name] = task(engine, self.settings)
                except Exception as exc:  # noqa: BLE001 - the database may be away; the worker goes on
                    self.results[name] = exc
                    log.warning(L["task_failed"].format(task=name, error=primary_message(exc),
                                                        interval=self.settings.maintenance_interval_s))
        finally:
            engine.dispose()
        with self.done:
            self.runs += 1
            self.done.notify_all()
        return self.results

    def wait_runs(self, n: int, timeout: float) -> bool:
        with self.done:
            return self.done.wait_for(lambda: self.runs >= n, timeout)

    def _loop(self) -> None:
        while not self.stop.is_set():
            self.run_once()
            if self.stop.wait(self.settings.maintenance_interval_s):
                return


def main(argv: list[str]) -> int:
    """python -m ingest maintain [--now ISO]: every task once; exit 1 if one failed."""
    parser = argparse.ArgumentParser(prog="python -m ingest maintain", description=L["maintain"])
    parser.add_argument("--now", type=datetime.fromisoformat, help=L["help_now"])
    args = parser.parse_args(argv)
    settings = IngestSettings()
    tasks = TASKS
    if args.now is not None:
        tasks = [(n, (lambda e, s: partition_task(e, s, args.now)) if t is partition_task else t) for n, t in TASKS]
    results = Maintenance(settings, threading.Event(), tasks).run_once()
    report = results.get("partitions")
    if isinstance(report, parts.Report):
        print(L["summary"].format(created=sum(map(len, report.created.values())),
                                  dropped=sum(map(len, report.dropped.values()))))
    return 1 if any(isinstance(r, Exception) for r in results.values()) else 0
