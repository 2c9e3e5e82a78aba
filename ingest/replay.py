"""python -m ingest replay-dead-letters: run refused messages through the ingest again after a fix or mapping."""
from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, text

from db import labels
from ingest.config import IngestSettings
from ingest.dbconn import Database
from ingest.message import Incoming
from ingest.registry import Registry
from ingest.routes import Prepared, context, prepare
from ingest.store import write_batch

L = labels.INGEST_CLI
R = labels.INGEST_REASON


@dataclass
class ReplaySummary:
    total: int = 0
    stored: int = 0
    duplicate: int = 0
    invalid: int = 0
    skipped: int = 0


def _letters(conn: Connection, ids: list[int] | None, topic: str | None, limit: int | None) -> list:
    where, params = ["replayed_at IS NULL", "source = 'mqtt'"], {}
    if ids:
        where.append("id = ANY(:ids)")
        params["ids"] = ids
    if topic:
        where.append("starts_with(topic, :topic)")
        params["topic"] = topic
    sql = f"SELECT id, topic, payload, payload_size, received_at FROM dead_letters WHERE {' AND '.join(where)} " \
          "ORDER BY id" + (" LIMIT :limit" if limit else "")
    if limit:
        params["limit"] = limit
    return conn.execute(text(sql), params).all()


def replay_one(conn: Connection, letter, registry: Registry, settings: IngestSettings, dry_run: bool) -> str:
    """'stored', 'duplicate', 'invalid' or 'skipped'; the dead letter's replay_result says why (unless dry_run)."""
    payload = bytes(letter.payload or b"")
    if letter.payload_size > len(payload):
        outcome, reason = "skipped", R["replay_truncated"].format(kept=len(payload), size=letter.payload_size)
    else:
        msg = Incoming(letter.topic or "", payload, letter.received_at.timestamp())
        prepared = prepare([msg], context(registry, settings, datetime.now(timezone.utc)))
        if prepared.rejected:
            outcome, reason = "invalid", prepared.rejected[0][1]
        elif dry_run:
            return "stored"
        else:
            result = write_batch(conn, Prepared(accepted=prepared.accepted), registry, settings.dead_letter_keep,
                                 "replay")
            outcome = "stored" if result.stored else "duplicate"
            reason = R["replay_stored"] if result.stored else R["replay_duplicate"]
    if not dry_run:
        conn.execute(text("UPDATE dead_letters SET replay_result = :r, "
                          "replayed_at = CASE WHEN :done THEN now() END WHERE id = :id"),
                     {"r": reason, "done": outcome in ("stored", "duplicate"), "id": letter.id})
    return outcome


def replay(settings: IngestSettings, ids: list[int] | None = None, topic: str | None = None,
           limit: int | None = None, dry_run: bool = False) -> ReplaySummary:
    db = Database(settings.resolved_database_url(), settings.retry_initial_s, settings.retry_max_s)
    stop = threading.Event()
    registry = Registry(settings.registry_refresh_s)
    summary = ReplaySummary()
    try:
        db.run(registry.load, stop)
        _, letters = db.run(lambda conn: _letters(conn, ids, topic, limit), stop)
        for letter in letters:
            _, outcome = db.run(lambda conn: replay_one(conn, letter, registry, settings, dry_run), stop)
            summary.total += 1
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    finally:
        db.close()
    return summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest replay-dead-letters", description=L["replay"])
    parser.add_argument("--id", type=int, action="append", help=L["replay_help_id"])
    parser.add_argument("--topic", help=L["replay_help_topic"])
    parser.add_argument("--limit", type=int, help=L["replay_help_limit"])
    parser.add_argument("--dry-run", action="store_true", help=L["replay_help_dry"])
    args = parser.parse_args(argv)
    s = replay(IngestSettings(), args.id, args.topic, args.limit, args.dry_run)
    print(L["replay_done"].format(total=s.total, stored=s.stored, duplicate=s.duplicate, invalid=s.invalid,
                                  skipped=s.skipped))
    return 0
