"""python -m ingest replay-dead-letters: run refused messages through the ingest again after a fix or mapping."""
from __future__ import annotations

import argparse
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from db import labels
from ingest.config import IngestSettings
from ingest.dbconn import Database, primary_message
from ingest.message import Incoming
from ingest.registry import Registry
from ingest.routes import Prepared, context, prepare
from ingest.store import write_batch

log = logging.getLogger("ingest.replay")
L = labels.INGEST_CLI
R = labels.INGEST_REASON


@dataclass
class ReplaySummary:
    total: int = 0
    stored: int = 0
    duplicate: int = 0
    invalid: int = 0
    skipped: int = 0


def _letters(conn: Connection, ids: list[int] | None, topic: str | None, limit: int | None,
             requested: bool = False) -> list:
    where, params = ["replayed_at IS NULL", "source = 'mqtt'"], {}
    if requested:
        where.append("replay_requested_at IS NOT NULL")
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
        # Tried: a request from the page is answered either way (the result says why), never retried in a loop.
        conn.execute(text("UPDATE dead_letters SET replay_result = :r, replay_requested_at = NULL, "
                          "replayed_at = CASE WHEN :done THEN now() END WHERE id = :id"),
                     {"r": reason, "done": outcome in ("stored", "duplicate"), "id": letter.id})
    return outcome


def replay(settings: IngestSettings, ids: list[int] | None = None, topic: str | None = None,
           limit: int | None = None, dry_run: bool = False, requested: bool = False) -> ReplaySummary:
    db = Database(settings.resolved_database_url(), settings.retry_initial_s, settings.retry_max_s)
    stop = threading.Event()
    registry = Registry(settings.registry_refresh_s)
    summary = ReplaySummary()
    try:
        db.run(registry.load, stop)
        _, letters = db.run(lambda conn: _letters(conn, ids, topic, limit, requested), stop)
        for letter in letters:
            _, outcome = db.run(lambda conn: replay_one(conn, letter, registry, settings, dry_run), stop)
            summary.total += 1
            setattr(summary, outcome, getattr(summary, outcome) + 1)
    finally:
        db.close()
    return summary


def requests_waiting(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM dead_letters WHERE replay_requested_at IS NOT NULL "
                             "AND replayed_at IS NULL")).scalar_one()


class ReplayRequests:
    """Beside the worker: replays the dead letters an admin asked for on the page (the page cannot run ingest
    code), every few seconds while there are any. Several workers may both take one letter: the unique key per
    source message makes the second a 'duplicate', never a second row."""

    def __init__(self, settings: IngestSettings, stop: threading.Event):
        self.settings, self.stop = settings, stop
        self.thread = threading.Thread(target=self._run, name="ingest-replay-requests", daemon=True)

    def start(self) -> "ReplayRequests":
        self.thread.start()
        return self

    def _run(self) -> None:
        engine = create_engine(self.settings.resolved_database_url(), poolclass=NullPool)
        try:
            while not self.stop.wait(self.settings.replay_poll_s):
                try:
                    with engine.connect() as conn:
                        waiting = requests_waiting(conn)
                    if waiting:
                        s = replay(self.settings, requested=True)
                        log.info(L["replay_done"].format(total=s.total, stored=s.stored, duplicate=s.duplicate,
                                                         invalid=s.invalid, skipped=s.skipped))
                except Exception as exc:  # noqa: BLE001 - the database may be away; the worker goes on
                    log.warning(L["replay_requests_failed"].format(error=primary_message(exc)))
        finally:
            engine.dispose()


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
