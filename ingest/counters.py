"""The worker's own health figures, written to ingest_counters every few seconds as one row of deltas
(db status sums the rows); cumulative totals since the worker started are in the row's detail."""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

# At most this many lag samples per interval (a reservoir would be fairer; the newest are what matters here).
MAX_SAMPLES = 20000
HEARTBEAT_S = 60.0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@dataclass
class Window:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    case_errors: int = 0
    lags_ms: list[float] = field(default_factory=list)

    def busy(self) -> bool:
        return bool(self.received or self.stored or self.duplicates or self.rejected or self.batches)


class Counters:
    """Thread-safe: `received` is counted on the MQTT thread, the rest on the writer thread."""

    def __init__(self, worker: str, interval_s: float):
        self.worker = worker
        self.interval_s = interval_s
        self.started_at = datetime.now(timezone.utc)
        self.totals = Window()
        self._window = Window()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._last_row = 0.0
        self.done = threading.Condition()    # notified after every batch (tests and bench wait on it)

    def received(self, n: int = 1) -> None:
        with self._lock:
            self._window.received += n
            self.totals.received += n

    def batch(self, stored: int, duplicates: int, rejected: int, case_errors: int, lags_ms: list[float]) -> None:
        with self._lock:
            for w in (self._window, self.totals):
                w.stored += stored
                w.duplicates += duplicates
                w.rejected += rejected
                w.case_errors += case_errors
                w.batches += 1
            room = MAX_SAMPLES - len(self._window.lags_ms)
            self._window.lags_ms.extend(lags_ms[-room:] if room > 0 else [])
        with self.done:
            self.done.notify_all()

    def wait(self, predicate, timeout: float) -> bool:
        """Block until predicate(totals) holds (checked after each batch) or the timeout passes."""
        with self.done:
            return self.done.wait_for(lambda: predicate(self.totals), timeout)

    def due(self) -> bool:
        return time.monotonic() - self._last_flush >= self.interval_s

    def take_row(self, detail: dict) -> tuple[dict | None, Window]:
        """The window as one ingest_counters row (None when idle, except a heartbeat each minute), and the
        window itself so that restore() can put it back if the row could not be written."""
        with self._lock:
            window, self._window = self._window, Window()
        now = time.monotonic()
        self._last_flush = now
        if not window.busy() and now - self._last_row < HEARTBEAT_S:
            return None, window
        self._last_row = now
        lags = window.lags_ms
        detail = {**detail, "pid": os.getpid(), "started_at": self.started_at.isoformat(),
                  "case_errors": window.case_errors, "lag_p99_ms": percentile(lags, 0.99),
                  "totals": {"received": self.totals.received, "stored": self.totals.stored,
                             "duplicates": self.totals.duplicates, "rejected": self.totals.rejected}}
        return {"worker": self.worker, "received": window.received, "stored": window.stored,
                "duplicates": window.duplicates, "rejected": window.rejected, "batches": window.batches,
                "lag_p50_ms": percentile(lags, 0.5), "lag_p95_ms": percentile(lags, 0.95),
                "lag_max_ms": max(lags) if lags else None, "detail": json.dumps(detail)}, window

    def restore(self, window: Window) -> None:
        """Put an unwritten window back (the database was away) so no count is lost."""
        with self._lock:
            w = self._window
            w.received += window.received
            w.stored += window.stored
            w.duplicates += window.duplicates
            w.rejected += window.rejected
            w.batches += window.batches
            w.case_errors += window.case_errors
            w.lags_ms = (window.lags_ms + w.lags_ms)[-MAX_SAMPLES:]
