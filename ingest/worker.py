"""The ingest worker: MQTT in, batches to the writer (a child process by default), acknowledgement after commit."""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Callable

from ingest.batcher import Batcher
from ingest.config import IngestSettings
from ingest.counters import Counters
from ingest.maintenance import Maintenance
from ingest.message import Incoming
from ingest.replay import ReplayRequests
from ingest.store import BatchResult
from ingest.transport import Transport
from ingest.writer import InlineWriter
from ingest.writer_process import WriterDied, WriterProcess

log = logging.getLogger("ingest.worker")
IDLE_S = 0.5        # waiting for the first message of a batch
POLL_S = 0.5        # waiting for the writer when the pipeline is full
BUSY_S = 0.02       # glance at the writer while there is room for another batch
STOP_DRAIN_S = 10.0

# Called after each committed batch with (batch, result, commit time): the benchmark's lag probe.
Observer = Callable[[list[Incoming], BatchResult, float], None]


class Worker:
    def __init__(self, settings: IngestSettings, observer: Observer | None = None):
        self.settings = settings
        self.observer = observer
        self.stop_event = threading.Event()
        self.counters = Counters(settings.worker_id, settings.counters_interval_s)
        self.batcher = Batcher(settings.batch_size, settings.batch_ms)
        self.transport = Transport(settings, self.batcher.put)
        self.writer: InlineWriter | WriterProcess | None = None
        self._thread: threading.Thread | None = None
        # Partitions ahead and retention (INGEST_MAINTENANCE); started with the worker.
        self.maintenance = Maintenance(settings, self.stop_event) if settings.maintenance else None
        self.pollers = None          # SQL sources (ingest.sources), when INGEST_SOURCES_FILE is set

    # --- running ---------------------------------------------------------------------------------
    def run(self) -> None:
        """Until stop(): the writer loop on this thread, MQTT on paho's."""
        self.writer = (WriterProcess(self.settings, self.stop_event) if self.settings.writer_process
                       else InlineWriter(self.settings, self.stop_event))
        self.transport.start()
        ReplayRequests(self.settings, self.stop_event).start()
        if self.maintenance:
            self.maintenance.start()
        if self.settings.sources_file:
            from ingest.sources.cli import start_pollers
            self.pollers = start_pollers(self.settings, self.stop_event, self.counters)
        # Submitted, not yet answered, oldest first: ("batch", messages) or ("counters", window).
        pending: deque = deque()
        try:
            while not self.stop_event.is_set():
                self.transport.poll()
                if len(pending) < self.writer.depth:
                    batch = self.batcher.take(0.0 if pending else IDLE_S)
                    if batch:
                        self.counters.received(len(batch))
                        self.writer.submit("batch", batch)
                        pending.append(("batch", batch))
                if self.counters.due() and all(kind == "batch" for kind, _ in pending):
                    self._submit_counters(pending)
                wait = POLL_S if len(pending) >= self.writer.depth else BUSY_S
                if pending and not self._collect(pending, wait):
                    break
        finally:
            self._finish(pending)

    def _finish(self, pending: deque) -> None:
        """Stopping: acknowledge what is committed by now; the rest the broker redelivers later."""
        deadline = time.monotonic() + STOP_DRAIN_S
        try:
            while pending and time.monotonic() < deadline:
                if not self._collect(pending, POLL_S):
                    break
            row, _ = self.counters.take_row(self._detail())
            if row is not None and not pending:
                self.writer.submit("counters", row)
                self.writer.result(POLL_S * 4)
        except WriterDied:
            pass                  # nothing more to acknowledge; run() reports the failure
        finally:
            self.transport.stop()
            self.writer.close()

    def start(self) -> "Worker":
        """Run in a background thread (tests, benchmark)."""
        self._thread = threading.Thread(target=self.run, name=f"ingest-{self.settings.worker_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 20.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # --- results ---------------------------------------------------------------------------------
    def _collect(self, pending: deque, wait: float) -> bool:
        """Take the oldest answer if there is one; False when a batch could not be committed (stopping)."""
        answer = self.writer.result(wait)
        if answer is None:
            return True
        kind, item = pending.popleft()
        if kind == "counters":
            if not answer:
                self.counters.restore(item)
            return True
        if not answer.committed:
            return False
        self.transport.ack(item)
        r = answer.result
        lags = [(answer.committed_at - (m.sent_at or m.received_at)) * 1000.0 for m in item]
        self.counters.batch(r.stored, r.duplicates, r.rejected, r.case_errors, lags)
        if self.observer:
            self.observer(item, r, answer.committed_at)
        return True

    def _detail(self) -> dict:
        detail = {"protocol": "5" if self.transport.protocol == 5 else "3.1.1",
                  "mqtt_connected": self.transport.connected.is_set(), "queued": len(self.batcher)}
        if self.pollers is not None:
            detail["sources"] = self.pollers.state()
        return detail

    def _submit_counters(self, pending: deque) -> None:
        row, window = self.counters.take_row(self._detail())
        if row is not None:
            self.writer.submit("counters", row)
            pending.append(("counters", window))
