"""A source's poll health (last success, lag, rows, errors, backoff), kept in memory and written to
source_health after each cycle for the admin page; never stops the polling when it cannot be written."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from db import labels
from ingest.dbconn import Database, primary_message
from ingest.sources.config import Source
from ingest.store import BatchResult

log = logging.getLogger("ingest.sources")

UPSERT = text("""
    INSERT INTO source_health AS h (source, worker, kind, last_poll_at, last_success_at, last_error_at, last_error,
        rows_total, dead_total, errors_total, failures, lag_s, next_attempt_at, updated_at)
    VALUES (:source, :worker, :kind, :last_poll_at, :last_success_at, :last_error_at, :last_error, :rows,
        :dead, :errors, :failures, :lag_s, :next_attempt_at, now())
    ON CONFLICT (source) DO UPDATE SET worker = EXCLUDED.worker, kind = EXCLUDED.kind,
        last_poll_at = COALESCE(EXCLUDED.last_poll_at, h.last_poll_at),
        last_success_at = COALESCE(EXCLUDED.last_success_at, h.last_success_at),
        last_error_at = COALESCE(EXCLUDED.last_error_at, h.last_error_at),
        last_error = COALESCE(EXCLUDED.last_error, h.last_error),
        rows_total = h.rows_total + EXCLUDED.rows_total, dead_total = h.dead_total + EXCLUDED.dead_total,
        errors_total = h.errors_total + EXCLUDED.errors_total, failures = EXCLUDED.failures,
        lag_s = EXCLUDED.lag_s, next_attempt_at = EXCLUDED.next_attempt_at, updated_at = now()""")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Health:
    def __init__(self, src: Source, worker: str):
        self.src, self.worker = src, worker
        self.failures = 0
        self.last_poll_at = self.last_success_at = self.last_error_at = None
        self.last_error: str | None = None
        self.next_attempt_at: datetime | None = None
        self.caught_up_at = time.monotonic()
        self.behind = True            # until the first poll that reaches the end of the source
        self.rows = self.dead = self.errors = 0      # since the last flush
        self.totals = {"rows": 0, "stored": 0, "duplicates": 0, "dead": 0, "case_errors": 0}

    def polled(self) -> None:
        self.last_poll_at = _now()
        if self.failures:
            log.warning(labels.SOURCES_CLI["source_back"].format(source=self.src.name))
        self.failures, self.next_attempt_at = 0, None

    def stored(self, rows: int, r: BatchResult) -> None:
        self.rows += rows
        self.dead += r.rejected
        self.last_success_at = _now()
        for k, v in (("rows", rows), ("stored", r.stored), ("duplicates", r.duplicates), ("dead", r.rejected),
                     ("case_errors", r.case_errors)):
            self.totals[k] += v

    def caught_up(self) -> None:
        self.last_success_at = self.last_poll_at or _now()
        self.caught_up_at = time.monotonic()
        self.behind = False

    def lag_s(self) -> float:
        """Seconds since this poller last reached the end of the source (0 right after it did)."""
        return round(time.monotonic() - self.caught_up_at, 3)

    def failed(self, message: str) -> float:
        """Count a failure; the backoff before the next attempt (doubling up to the source's maximum)."""
        self.failures += 1
        self.error(message)
        delay = min(self.src.backoff_initial_s * 2 ** (self.failures - 1), self.src.backoff_max_s)
        self.next_attempt_at = _now() + timedelta(seconds=delay)
        return delay

    def error(self, message: str) -> None:
        self.errors += 1
        self.last_error, self.last_error_at = message[:500], _now()

    def row(self) -> dict:
        return {"source": self.src.name, "worker": self.worker, "kind": self.src.kind,
                "last_poll_at": self.last_poll_at, "last_success_at": self.last_success_at,
                "last_error_at": self.last_error_at, "last_error": self.last_error, "rows": self.rows,
                "dead": self.dead, "errors": self.errors, "failures": self.failures, "lag_s": self.lag_s(),
                "next_attempt_at": self.next_attempt_at}

    def summary(self) -> dict:
        at = self.last_success_at
        return {"last_success_at": at.isoformat() if at else None, "lag_s": self.lag_s(), "rows": self.totals["rows"],
                "stored": self.totals["stored"], "dead": self.totals["dead"], "failures": self.failures,
                "last_error": self.last_error}

    def flush(self, db: Database) -> None:
        """One upsert of source_health; the deltas stay for the next try when PostgreSQL is away."""
        row = self.row()
        try:
            if db.try_once(lambda conn: conn.execute(UPSERT, row)):
                self.rows = self.dead = self.errors = 0
        except Exception as exc:  # noqa: BLE001 - health figures must never stop the polling
            log.warning(labels.INGEST_CLI["counters_failed"].format(error=primary_message(exc)))
