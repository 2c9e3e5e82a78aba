"""One thread per source: read a page, write it with its watermark in one transaction, repeat until caught up,
then wait the poll interval. A source that fails backs off on its own; the others keep going."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

from db import labels
from ingest.config import IngestSettings
from ingest.dbconn import Database, primary_message
from ingest.registry import Registry
from ingest.routes import Prepared, context
from ingest.sources import pipeline
from ingest.sources.config import Source
from ingest.sources.health import Health
from ingest.sources.reader import decode_position, read_page, source_engine
from ingest.sources.replay import replay_requested
from ingest.sources.writeback import WriteBacker
from ingest.store import BatchResult

log = logging.getLogger("ingest.sources")
L = labels.SOURCES_CLI
R = labels.INGEST_REASON
FLUSH_PAGES = 20


class Moved(Exception):
    """Another poller moved this source's watermark since we read it: reload and go on from there."""


class SourcePoller:
    def __init__(self, src: Source, settings: IngestSettings, stop: threading.Event, counters=None):
        self.src, self.settings, self.stop, self.counters = src, settings, stop, counters
        self.db = Database(settings.resolved_database_url(), settings.retry_initial_s, settings.retry_max_s)
        self.registry = Registry(settings.registry_refresh_s)
        self.engine = None           # made on the first poll: a bad URL or a missing driver is that source's failure
        self.health = Health(src, settings.worker_id)
        self.writeback = WriteBacker(src) if src.writeback else None
        self.position: tuple | None = None
        self.loaded = False
        self.thread = threading.Thread(target=self.run, name=f"source-{src.name}", daemon=True)

    # --- the loop --------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            while not self.stop.is_set():
                delay = self.cycle()
                if self.stop.wait(delay):
                    break
        finally:
            self.health.flush(self.db)
            self.close()

    def cycle(self) -> float:
        """Poll until caught up (or an error); the seconds to wait before the next cycle."""
        try:
            self.drain()
        except Moved:
            self.loaded = False
            return 0.0
        except Exception as exc:  # noqa: BLE001 - whatever fails, this source backs off and the thread lives on
            message = exc.message if isinstance(exc, SourceFailed) else type(exc).__name__
            delay = self.health.failed(message)
            log.warning(L["source_down"].format(source=self.src.name, error=message, delay=round(delay, 1)))
            self.health.flush(self.db)
            return delay
        self.replays()
        self.write_back()
        self.health.flush(self.db)
        return self.src.poll_s

    def drain(self, max_pages: int | None = None) -> int:
        """Pages until a short one; the number of rows read. Raises SourceFailed when the source fails."""
        total, pages = 0, 0
        while not self.stop.is_set() and (max_pages is None or pages < max_pages):
            n = self.poll_page()
            total, pages = total + n, pages + 1
            if pages % FLUSH_PAGES == 0:
                self.health.flush(self.db)      # a long catch-up shows its progress on the admin page
            if n < self.src.page:
                self.health.caught_up()
                break
        return total

    def poll_page(self) -> int:
        """One page: read, map, write with the watermark; the number of rows read (0 when caught up)."""
        if not self._ready():
            return 0
        try:
            self.engine = self.engine or source_engine(self.src)
            rows = read_page(self.engine, self.src, self.position, self.src.page, self._settled())
        except Exception as exc:  # noqa: BLE001 - any failure of the source is its own, never the service's
            raise SourceFailed(primary_message(exc)) from None
        self.health.polled()
        if not rows:
            return 0
        page = pipeline.parse_rows(self.src, rows, context(self.registry, self.settings, _now()))
        result = self._write(page)
        if result is None:
            return 0
        self.position = page.position
        self.health.stored(len(rows), result)
        if self.counters is not None:
            self.counters.received(len(rows))
            self.counters.batch(result.stored, result.duplicates, result.rejected, result.case_errors, [])
        return len(rows)

    # --- our database ----------------------------------------------------------------------------
    def _ready(self) -> bool:
        """Reference data and the stored watermark loaded (False when stopped while PostgreSQL is away)."""
        if not self.registry.loaded_at or self.registry.due():
            ok, _ = self.db.run(self.registry.load, self.stop)
            if not ok:
                return False
        if not self.loaded:
            ok, stored = self.db.run(lambda conn: pipeline.load_position(conn, self.src.name), self.stop)
            if not ok:
                return False
            self.position = decode_position(*stored) if stored else None
            self.loaded = True
        return True

    def _write(self, page: pipeline.Page) -> BatchResult | None:
        expected = self.position
        keep, worker = self.settings.dead_letter_keep, self.settings.worker_id

        def write(conn):
            pipeline.lock_source(conn, self.src.name)
            stored = pipeline.load_position(conn, self.src.name)
            if (decode_position(*stored) if stored else None) != expected:
                raise Moved()
            return pipeline.write_page(conn, page, self.registry, keep, worker)
        try:
            ok, result = self.db.run(write, self.stop)
        except Moved:
            raise
        except Exception as exc:  # noqa: BLE001 - a row our database refuses must not stop the source
            log.warning(labels.INGEST_CLI["batch_split"].format(error=primary_message(exc)))
            ok, result = self._one_by_one(page)
        return result if ok else None

    def _one_by_one(self, page: pipeline.Page) -> tuple[bool, BatchResult | None]:
        """Each row alone (protected by its unique key); the refused ones become dead letters, and the last
        transaction stores those with the watermark."""
        total = BatchResult(duplicates=page.prepared.in_batch_duplicates)
        keep, worker = self.settings.dead_letter_keep, self.settings.worker_id
        rejected = list(page.rejected)
        for a in page.prepared.accepted:
            single = pipeline.Page(page.src, Prepared(accepted=[a], raw_lines=[pipeline.raw_line(a)]))
            try:
                ok, r = self.db.run(lambda conn: pipeline.write_page(conn, single, self.registry, keep, worker),
                                    self.stop)
            except Exception as exc:  # noqa: BLE001 - this row is refused, the rest go on
                rejected.append((pipeline.masked_message(self.src, a.msg),
                                 R["db_refused"].format(detail=primary_message(exc))))
                continue
            if not ok:
                return False, None
            total.stored, total.duplicates = total.stored + r.stored, total.duplicates + r.duplicates
            total.case_errors += r.case_errors
        rest = pipeline.Page(page.src, Prepared(), rejected, page.position, page.rows)
        ok, _ = self.db.run(lambda conn: _write_rest(conn, self.src.name, rest, keep), self.stop)
        total.rejected = len(rejected)
        return ok, total if ok else None

    def _settled(self):
        if not self.src.settle_s:
            return None
        return (datetime.now(self.src.tz()) - timedelta(seconds=self.src.settle_s)).replace(tzinfo=None)

    def replays(self) -> None:
        """Dead letters of this source an admin asked to replay: the rows are read again from the source."""
        try:
            if self.engine is not None:
                replay_requested(self.db, self.stop, self.src, self.engine, self.registry, self.settings)
        except Exception as exc:  # noqa: BLE001 - a replay that fails is asked again later; polling goes on
            self.health.error(primary_message(exc))

    def write_back(self) -> None:
        if self.writeback is None or not self.writeback.due():
            return
        try:
            self.writeback.run(self.db, self.stop)
        except Exception as exc:  # noqa: BLE001 - write-back failures are shown, polling goes on
            message = primary_message(exc)
            self.health.error(L["writeback_failed"].format(error=message))
            log.warning(L["writeback_failed_log"].format(source=self.src.name, error=message))

    def close(self) -> None:
        self.db.close()
        if self.engine is not None:
            self.engine.dispose()
        if self.writeback is not None:
            self.writeback.close()


class SourceFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _write_rest(conn, name: str, page: pipeline.Page, keep: int) -> None:
    cur = conn.connection.driver_connection.cursor()
    pipeline.write_dead_letters(cur, page.rejected, keep)
    if page.position is not None:
        pipeline.save_position(conn, name, page.position, page.rows)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Pollers:
    """Every configured source, each on its own thread, until stop is set."""

    def __init__(self, sources: list[Source], settings: IngestSettings, stop: threading.Event, counters=None):
        self.pollers = [SourcePoller(s, settings, stop, counters) for s in sources]

    def start(self) -> "Pollers":
        for p in self.pollers:
            p.thread.start()
        return self

    def state(self) -> dict:
        """Each source's health for the worker's ingest_counters detail: last success, lag, rows, errors."""
        return {p.src.name: p.health.summary() for p in self.pollers}

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        for p in self.pollers:
            p.thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
