"""Periodic database maintenance beside the ingest: a small runner of named tasks, each run at the worker's start
and then on its own interval; `python -m ingest maintain` runs them once. The tasks keep the monthly partitions
(created ahead, retention by dropping whole partitions: db/partitions.py; hourly), the time-in-own-grid rollup
(db/staff_time.py; every few seconds) and the trend's day figures (db/day_stats.py; every few minutes)."""
from __future__ import annotations

import argparse
import logging
import threading
import time
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from db import day_stats, labels, partitions as parts, staff_time
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


def grid_time_task(engine: Engine, settings: IngestSettings) -> int:
    """The quarter hours of time-in-own-grid that new positions made stale (db/staff_time.py)."""
    return staff_time.roll_up_all(engine)


def day_stats_task(engine: Engine, settings: IngestSettings) -> int:
    """The trend's figures of the past days (db/day_stats.py)."""
    return day_stats.refresh(engine)


# The tasks, in order, each with the setting that says how often it runs (maintenance_interval_s by default).
# Register another periodic task with one more line here: ("name", task) where task(engine, settings) does it.
TASKS: list[tuple[str, Task]] = [
    ("partitions", partition_task),
    ("grid_time", grid_time_task),
    ("day_stats", day_stats_task),
]
INTERVALS = {"grid_time": "rollup_interval_s", "day_stats": "day_stats_interval_s"}


class Maintenance:
    """Runs every task at start, then each on its own interval until `stop` is set. A failing task is logged and
    tried again at its next turn; it never stops the ingest."""

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

    def interval(self, name: str) -> float:
        return getattr(self.settings, INTERVALS.get(name, "maintenance_interval_s"))

    def run_once(self, names: set[str] | None = None) -> dict[str, object]:
        """Every task (or those named) once, in order."""
        engine = create_engine(self.settings.resolved_database_url(), poolclass=NullPool)
        try:
            for name, task in self.tasks:
                if names is not None and name not in names:
                    continue
                try:
                    self.results[name] = task(engine, self.settings)
                except Exception as exc:  # noqa: BLE001 - the database may be away; the worker goes on
                    self.results[name] = exc
                    log.warning(L["task_failed"].format(task=name, error=primary_message(exc),
                                                        interval=self.interval(name)))
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
        due = {name: 0.0 for name, _ in self.tasks}
        while not self.stop.is_set():
            now = time.monotonic()
            ready = {name for name, at in due.items() if at <= now}
            self.run_once(ready)
            for name in ready:
                due[name] = now + self.interval(name)
            if self.stop.wait(max(0.0, min(due.values()) - time.monotonic())):
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
