"""Hand-off from the MQTT network thread to the writer: a batch closes at N messages or T ms after its first."""
from __future__ import annotations

import threading
import time
from collections import deque

from ingest.message import Incoming


class Batcher:
    def __init__(self, size: int, window_ms: int):
        self.size = size
        self.window_s = window_ms / 1000.0
        self._queue: deque[tuple[float, Incoming]] = deque()
        self._cond = threading.Condition()

    def put(self, msg: Incoming) -> None:
        with self._cond:
            self._queue.append((time.monotonic(), msg))
            # Wake the writer only when it can act: the first message starts its clock, a full batch ends it.
            if len(self._queue) == 1 or len(self._queue) >= self.size:
                self._cond.notify()

    def __len__(self) -> int:
        return len(self._queue)

    def take(self, idle_s: float) -> list[Incoming]:
        """The next batch; [] when nothing arrived within idle_s (so the caller can do periodic work)."""
        with self._cond:
            if not self._queue and not self._cond.wait(idle_s):
                return []
            if not self._queue:
                return []
            deadline = self._queue[0][0] + self.window_s
            while len(self._queue) < self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            n = min(self.size, len(self._queue))
            return [self._queue.popleft()[1] for _ in range(n)]
