"""The writer's single database connection: transactions retried with backoff while PostgreSQL is away."""
from __future__ import annotations

import logging
import threading
from typing import Callable, TypeVar

import psycopg2
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from db import labels

log = logging.getLogger("ingest.db")
T = TypeVar("T")


def transient(exc: BaseException) -> bool:
    """Connection lost, server shutting down, deadlock or serialization failure: worth retrying as is."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig
    return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError))


def primary_message(exc: BaseException) -> str:
    """The server's primary message only: its DETAIL can quote row values (personal data)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    diag = getattr(orig, "diag", None)
    text = (diag.message_primary if diag is not None and diag.message_primary else str(orig)).strip()
    return text.splitlines()[0][:300] if text else type(orig).__name__


class Database:
    def __init__(self, url: str, initial_s: float, max_s: float):
        # Fail fast instead of hanging on a vanished server (TCP keepalives; ignored on Unix sockets).
        self.engine: Engine = create_engine(url, poolclass=NullPool, future=True, connect_args={
            "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
            "keepalives_count": 3})
        self.initial_s = initial_s
        self.max_s = max_s
        self._conn: Connection | None = None
        self.down = False

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    def drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # noqa: BLE001 - the connection is already broken; we only let go of it
                pass
            self._conn = None

    def run(self, fn: Callable[[Connection], T], stop: threading.Event) -> tuple[bool, T | None]:
        """(True, fn's result) once a transaction running fn committed; (False, None) if stopped while
        PostgreSQL was away. Errors other than a lost connection propagate (the transaction rolled back)."""
        delay = self.initial_s
        while True:
            try:
                conn = self._connection()
                with conn.begin():
                    result = fn(conn)
                if self.down:
                    self.down = False
                    log.warning(labels.INGEST_CLI["db_back"])
                return True, result
            except Exception as exc:
                if not transient(exc):
                    raise
                self.drop()
                self.down = True
                log.warning(labels.INGEST_CLI["db_down"].format(error=primary_message(exc), delay=delay))
                if stop.wait(delay):
                    return False, None
                delay = min(delay * 2, self.max_s)

    def try_once(self, fn: Callable[[Connection], T]) -> bool:
        """One attempt (for work that may wait, like health figures): False if PostgreSQL is away."""
        try:
            conn = self._connection()
            with conn.begin():
                fn(conn)
            return True
        except Exception as exc:
            if not transient(exc):
                raise
            self.drop()
            self.down = True
            return False

    def close(self) -> None:
        self.drop()
        self.engine.dispose()
