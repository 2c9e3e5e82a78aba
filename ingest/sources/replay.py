"""SQL dead letters replayed on request (the admin page's replay button): the row is read again from its source by
its key (the dead letter keeps the reporter masked, the source has the real row), mapped with the current
configuration and stored like a poll, the dead letter marked in the same transaction. The watermark stays."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, text

from db import labels
from ingest.dbconn import Database
from ingest.registry import Registry
from ingest.routes import context
from ingest.sources import pipeline
from ingest.sources.config import Source
from ingest.sources.reader import read_row

R = labels.INGEST_REASON
S = labels.SOURCES_REASON
REQUESTED = text("SELECT id, payload, payload_size FROM dead_letters WHERE source = 'sql' AND topic = :t "
                 "AND replay_requested_at IS NOT NULL AND replayed_at IS NULL ORDER BY id LIMIT 100")
ANSWER = text("UPDATE dead_letters SET replay_result = :r, replay_requested_at = NULL, "
              "replayed_at = CASE WHEN :done THEN now() END WHERE id = :id")


def _key(letter, src: Source):
    """The row's key from the dead letter, or None when the kept bytes cannot give it."""
    payload = bytes(letter.payload or b"")
    if letter.payload_size > len(payload):
        return None
    try:
        return json.loads(payload).get(src.key)
    except (ValueError, AttributeError):
        return None


def _answer(conn: Connection, letter_id: int, reason: str, done: bool) -> None:
    conn.execute(ANSWER, {"r": reason, "done": done, "id": letter_id})


def replay_one(conn: Connection, letter, src: Source, engine: Engine, registry: Registry, settings) -> str:
    """'stored', 'duplicate' or 'invalid', answered on the dead letter in the caller's transaction. Reading the
    source may raise: the caller counts that as the source failing."""
    key = _key(letter, src)
    if key is None:
        _answer(conn, letter.id, S["replay_no_key"], False)
        return "invalid"
    rows = read_row(engine, src, key)
    if not rows:
        _answer(conn, letter.id, S["replay_row_gone"].format(key=str(key)[:60]), False)
        return "invalid"
    page = pipeline.parse_rows(src, rows, context(registry, settings, datetime.now(timezone.utc)))
    if page.rejected:
        _answer(conn, letter.id, page.rejected[0][1], False)
        return "invalid"
    page.position = None
    result = pipeline.write_page(conn, page, registry, settings.dead_letter_keep, "replay")
    _answer(conn, letter.id, R["replay_stored"] if result.stored else R["replay_duplicate"], True)
    return "stored" if result.stored else "duplicate"


def replay_requested(db: Database, stop: threading.Event, src: Source, engine: Engine, registry: Registry,
                     settings) -> int:
    """Every replay asked for this source's dead letters; how many were answered."""
    ok, letters = db.run(lambda conn: conn.execute(REQUESTED, {"t": f"sql/{src.name}"}).all(), stop)
    answered = 0
    for letter in letters or []:
        ok, _ = db.run(lambda conn: replay_one(conn, letter, src, engine, registry, settings), stop)
        answered += bool(ok)
    return answered
