"""The database side of the worker: parse a batch, write it in one transaction (retried while PostgreSQL is
away), and fall back to one message at a time when the database refuses the batch."""
from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text

from db import labels
from ingest.config import IngestSettings
from ingest.dbconn import Database, primary_message
from ingest.encode import encode
from ingest.message import Incoming
from ingest.registry import Registry
from ingest.routes import Prepared, context, prepare
from ingest.store import BatchResult, write_batch, write_dead_letters_only

log = logging.getLogger("ingest.writer")
R = labels.INGEST_REASON


@dataclass
class Outcome:
    """What became of a batch: committed (then the caller acknowledges) or not (stopped while the DB was away)."""
    committed: bool
    result: BatchResult
    committed_at: float = 0.0


class BatchWriter:
    def __init__(self, settings: IngestSettings, stop):
        """stop: anything with wait(seconds) -> bool and is_set(), ending retries when the worker stops."""
        self.settings = settings
        self.stop = stop
        self.registry = Registry(settings.registry_refresh_s)
        self.db = Database(settings.resolved_database_url(), settings.retry_initial_s, settings.retry_max_s)

    def refresh(self) -> bool:
        """Load the registry when due; False if stopped while PostgreSQL was away."""
        if self.registry.loaded_at and not self.registry.due():
            return True
        ok, _ = self.db.run(self.registry.load, self.stop)
        return ok

    def prepare(self, batch: list[Incoming]) -> Prepared:
        """Parsing only (no database): may run on another thread while the previous batch is written."""
        return encode(prepare(batch, context(self.registry, self.settings, datetime.now(timezone.utc))))

    def handle(self, batch: list[Incoming]) -> Outcome:
        if not self.refresh():
            return Outcome(False, BatchResult())
        return self.write(self.prepare(batch))

    def write(self, prepared: Prepared) -> Outcome:
        """One transaction for the batch (retried while the database is away), then the commit time."""
        try:
            ok, result = self.db.run(self._writer(prepared), self.stop)
        except Exception as exc:  # noqa: BLE001 - a row the database refuses must not stop the service
            log.warning(labels.INGEST_CLI["batch_split"].format(error=primary_message(exc)))
            ok, result = self._after_refusal(prepared)
        return Outcome(ok, result or BatchResult(), time.time())

    def _after_refusal(self, prepared: Prepared) -> tuple[bool, BatchResult | None]:
        """A refused batch most often refers to something deleted meanwhile (a camera, a staff member): parse it
        again with fresh reference data and retry; what is still refused goes one message at a time."""
        self.registry.loaded_at = 0.0
        if not self.refresh():
            return False, None
        again = self.prepare([a.msg for a in prepared.accepted] + [m for m, _ in prepared.rejected])
        again.in_batch_duplicates += prepared.in_batch_duplicates
        try:
            return self.db.run(self._writer(again), self.stop)
        except Exception:  # noqa: BLE001 - still refused: find the message(s) the database will not take
            return self._one_by_one(again)

    def _writer(self, prepared: Prepared):
        keep, worker = self.settings.dead_letter_keep, self.settings.worker_id
        return lambda conn: write_batch(conn, prepared, self.registry, keep, worker)

    def _one_by_one(self, prepared: Prepared) -> tuple[bool, BatchResult | None]:
        """Each message alone; the ones the database refuses become dead letters with its reason."""
        total = BatchResult(duplicates=prepared.in_batch_duplicates)
        rejected = list(prepared.rejected)
        for accepted in prepared.accepted:
            try:
                ok, r = self.db.run(self._writer(Prepared(accepted=[accepted])), self.stop)
            except Exception as exc:  # noqa: BLE001 - this one message is refused, the rest go on
                rejected.append((accepted.msg, R["db_refused"].format(detail=primary_message(exc))))
                continue
            if not ok:
                return False, None
            total.stored += r.stored
            total.duplicates += r.duplicates
            total.case_errors += r.case_errors
        keep = self.settings.dead_letter_keep
        ok, _ = self.db.run(lambda conn: write_dead_letters_only(conn, rejected, keep), self.stop)
        total.rejected = len(rejected)
        return ok, total if ok else None

    def write_counters(self, row: dict) -> bool:
        """One ingest_counters row; False when PostgreSQL is away (the caller keeps the figures)."""
        sql = text("INSERT INTO ingest_counters (worker, received, stored, duplicates, rejected, batches, "
                   "lag_p50_ms, lag_p95_ms, lag_max_ms, detail) VALUES (:worker, :received, :stored, :duplicates, "
                   ":rejected, :batches, :lag_p50_ms, :lag_p95_ms, :lag_max_ms, CAST(:detail AS jsonb))")
        try:
            return self.db.try_once(lambda conn: conn.execute(sql, row))
        except Exception as exc:  # noqa: BLE001 - health figures must never stop the ingest
            log.warning(labels.INGEST_CLI["counters_failed"].format(error=primary_message(exc)))
            return False

    def close(self) -> None:
        self.db.close()


class InlineWriter:
    """The writer on the worker's own thread (INGEST_WRITER_PROCESS=false): each submit is done at once."""

    depth = 1

    def __init__(self, settings: IngestSettings, stop):
        self.writer = BatchWriter(settings, stop)
        self._done: deque = deque()

    def submit(self, kind: str, body) -> None:
        self._done.append(self.writer.handle(body) if kind == "batch" else self.writer.write_counters(body))

    def result(self, timeout: float):
        return self._done.popleft() if self._done else None

    def close(self) -> None:
        self.writer.close()
