"""Write-back to a 12345 source: our case code, state and closing result into a configured table of the source,
for the hotline's own 回访 and 三率 figures. Each case's row is upserted (idempotent), so re-sending is harmless:
cases changed since our mark (less an overlap for late commits) are sent, then the mark moves."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, text

from db import labels
from ingest.dbconn import Database
from ingest.sources import pipeline
from ingest.sources.config import Source
from ingest.sources.reader import decode_value, encode_value, source_engine

OVERLAP_S = 30.0     # a case action that commits late (its updated_at before our mark) is still sent
PAGE = 500
CHANGED = text("""
    SELECT c.id, c.code, c.state, c.close_type, c.closed_at, c.satisfaction, c.updated_at, c.source_ref,
           (SELECT s.note FROM case_steps s WHERE s.case_id = c.id AND s.action = 'feedback'
            ORDER BY s.seq DESC LIMIT 1) AS result
    FROM cases c
    WHERE c.source = 'hotline' AND starts_with(c.source_ref, :prefix)
      AND (c.updated_at > :at OR (c.updated_at = :at AND c.id > :id))
    ORDER BY c.updated_at, c.id LIMIT :n""")


def _values(case) -> dict:
    return {"case_code": case.code, "state": case.state, "state_name": labels.CASE_STATE.get(case.state),
            "close_type": case.close_type, "closed_at": case.closed_at, "result": case.result,
            "satisfaction": case.satisfaction, "updated_at": case.updated_at}


class WriteBacker:
    def __init__(self, src: Source):
        self.src, self.wb = src, src.writeback
        self.url = self.wb.url or src.url
        self.engine = None           # made when first used: a bad URL is a write-back failure, not a crash
        self.next_at = 0.0
        self.mark_name = f"{src.name}#writeback"

    def due(self) -> bool:
        return time.monotonic() >= self.next_at

    def run(self, db: Database, stop: threading.Event) -> int:
        """Send every case changed since the mark; the number of rows written to the source."""
        self.next_at = time.monotonic() + self.wb.interval_s
        ok, stored = db.run(lambda conn: pipeline.load_position(conn, self.mark_name), stop)
        if not ok:
            return 0
        since = decode_value(stored[0]) if stored else None
        at = (since - timedelta(seconds=OVERLAP_S)) if since else datetime(2000, 1, 1, tzinfo=timezone.utc)
        after, sent = (at, 0), 0
        while not stop.is_set():
            ok, cases = db.run(lambda conn: self._changed(conn, after), stop)
            if not ok or not cases:
                break
            self._send(cases)
            sent += len(cases)
            after = (cases[-1].updated_at, cases[-1].id)
            newest = max(since, after[0]) if since else after[0]
            db.run(lambda conn: _save_mark(conn, self.mark_name, newest), stop)
            if len(cases) < PAGE:
                break
        return sent

    def _changed(self, conn: Connection, after: tuple) -> list:
        return conn.execute(CHANGED, {"prefix": f"{self.src.name}:", "at": after[0], "id": after[1],
                                      "n": PAGE}).all()

    def _send(self, cases: list) -> None:
        self.engine = self.engine or source_engine(self.src.model_copy(update={"url": self.url}))
        cols = self.wb.columns
        names = list(cols)
        q = (lambda n: f"`{n}`") if self.engine.dialect.name == "mysql" else (lambda n: f'"{n}"')
        table = ".".join(q(p) for p in self.wb.table.split("."))
        sets = ", ".join(f"{q(cols[n])} = :{n}" for n in names)
        update = text(f"UPDATE {table} SET {sets} WHERE {q(self.wb.key)} = :key")
        insert = text(f"INSERT INTO {table} ({q(self.wb.key)}, {', '.join(q(cols[n]) for n in names)}) "
                      f"VALUES (:key, {', '.join(':' + n for n in names)})")
        prefix = len(self.src.name) + 1
        with self.engine.begin() as conn:
            for case in cases:
                values = {n: v for n, v in _values(case).items() if n in cols}
                params = {**values, "key": case.source_ref[prefix:]}
                if conn.execute(update, params).rowcount == 0:
                    conn.execute(insert, params)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def _save_mark(conn: Connection, name: str, at: datetime) -> None:
    conn.execute(text(
        "INSERT INTO source_watermarks (source, wm, tb, rows, updated_at) VALUES (:s, :wm, NULL, 0, now()) "
        "ON CONFLICT (source) DO UPDATE SET wm = EXCLUDED.wm, updated_at = now()"),
        {"s": name, "wm": encode_value(at)})
