"""The BatchWriter in a child process, so parsing and database work run beside (not under the GIL of) the MQTT
network thread. Inside the child one thread parses the next batch while another writes the previous one.
Batches go down one pipe and outcomes come back, in order, up another; the child exits when the parent does."""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from collections import deque

from db import labels
from ingest.config import IngestSettings
from ingest.dbconn import primary_message
from ingest.message import Incoming
from ingest.store import BatchResult
from ingest.writer import BatchWriter, Outcome

log = logging.getLogger("ingest.writer")
POLL_S = 0.5
# A child that keeps dying before it answers anything (schema missing, bad settings) is not restarted forever:
# the worker exits with an error and its supervisor reports it.
MAX_RESTARTS = 5


class WriterDied(RuntimeError):
    pass


class _StopOrOrphan:
    """Set by SIGTERM from the parent (which stops), and in effect once the parent process is gone (killed)."""

    def __init__(self, parent_pid: int):
        self.event = threading.Event()
        self.parent_pid = parent_pid
        signal.signal(signal.SIGTERM, lambda *_: self.event.set())
        # Ctrl-C reaches the whole process group: the parent decides when this child stops.
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def is_set(self) -> bool:
        return self.event.is_set() or os.getppid() != self.parent_pid

    def wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.event.wait(min(POLL_S, remaining))
        return True


def _read(inbox, writer: BatchWriter, jobs: queue.Queue) -> None:
    """Parsing stage: receive and parse the next batch while the write stage commits the previous one."""
    while True:
        try:
            kind, body = inbox.recv()
        except (EOFError, OSError):
            jobs.put(("stop", None))
            return
        if kind == "batch":
            body = writer.prepare([Incoming(t, p, r, sent_at=s) for t, p, r, s in body])
        jobs.put((kind, body))
        if kind == "stop":
            return


def _serve(inbox, outbox, settings_json: str, parent_pid: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    writer = BatchWriter(IngestSettings.model_validate_json(settings_json), _StopOrOrphan(parent_pid))
    try:
        writer.refresh()
    except Exception as exc:  # noqa: BLE001 - say why in one line and let the parent decide
        log.error(labels.INGEST_CLI["writer_start_failed"].format(error=primary_message(exc)))
        writer.close()
        sys.exit(3)
    try:
        outbox.send("ready")
        jobs: queue.Queue = queue.Queue(maxsize=1)
        threading.Thread(target=_read, args=(inbox, writer, jobs), daemon=True).start()
        while True:
            kind, body = jobs.get()
            if kind == "batch":
                outbox.send(writer.write(body) if writer.refresh() else Outcome(False, BatchResult()))
            elif kind == "counters":
                outbox.send(writer.write_counters(body))
            else:
                return
    except (EOFError, OSError):
        return
    finally:
        writer.close()


class WriterProcess:
    """submit() batches and counter rows; result() returns their outcomes in the same order."""

    depth = 2      # batches in the pipe at once: one being written, the next being parsed

    def __init__(self, settings: IngestSettings, stop: threading.Event):
        """stop: the worker's stop event; once set, a child still retrying against a vanished database is told
        to give up (SIGTERM), and its batch stays unacknowledged."""
        self.settings = settings
        self.stop = stop
        self._sent: deque = deque()
        self._restarts = 0
        self._start()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")     # not fork: the parent already runs paho's thread
        child_in, self._inbox = ctx.Pipe(duplex=False)
        self._outbox, child_out = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_serve, name=f"{self.settings.worker_id}-writer", daemon=True,
                                args=(child_in, child_out, self.settings.model_dump_json(), os.getpid()))
        self.proc.start()
        child_in.close()
        child_out.close()
        self._told_to_stop = False
        # Imports and the registry take a second or two: be ready before MQTT starts delivering.
        while not self._outbox.poll(POLL_S):
            if self.stop.is_set():
                return
            if not self.proc.is_alive():
                break
        try:
            self._outbox.recv()
        except (EOFError, OSError):
            self._after_death()
            return
        for wire in self._sent:          # after a restart: what the dead child had not answered
            self._inbox.send(wire)

    def submit(self, kind: str, body) -> None:
        wire = (kind, [(m.topic, m.payload, m.received_at, m.sent_at) for m in body] if kind == "batch" else body)
        self._sent.append(wire)
        try:
            self._inbox.send(wire)
        except OSError:
            pass                         # a dead child: result() restarts it and sends this again

    def result(self, timeout: float):
        """The oldest submission's outcome (Outcome, or bool for counters), or None if not ready yet."""
        try:
            if self._outbox.poll(timeout):
                answer = self._outbox.recv()
                self._sent.popleft()
                self._restarts = 0
                return answer
            if not self.proc.is_alive():
                raise WriterDied(self.proc.exitcode)
            if self.stop.is_set() and not self._told_to_stop:
                self._told_to_stop = True
                self.proc.terminate()
            return None
        except (EOFError, OSError, WriterDied):
            return self._after_death()

    def _after_death(self):
        if self.stop.is_set():
            if not self._sent:
                return None
            kind, _ = self._sent.popleft()
            return Outcome(False, BatchResult()) if kind == "batch" else False
        self.proc.join(POLL_S)            # reap it, so that its exit code is known
        self._restarts += 1
        if self._restarts > MAX_RESTARTS:
            raise WriterDied(self.proc.exitcode)
        log.error(labels.INGEST_CLI["writer_died"].format(code=self.proc.exitcode))
        if not self.stop.wait(self._restarts):
            self._start()
        return None

    def close(self) -> None:
        try:
            self._inbox.send(("stop", None))
        except OSError:
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self._inbox.close()
        self._outbox.close()
