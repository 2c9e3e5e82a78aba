"""One page of source rows into our database in ONE transaction: raw events, case steps (the MQTT store and
bridge), dead letters of rows that do not map, and the source's watermark. A crash before the commit leaves
all of it undone, after the commit all of it done: the next poll resumes exactly after the page."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from psycopg2.extras import execute_values
from sqlalchemy import Connection, text

from db import labels
from ingest import routes
from ingest.formats.common import Context
from ingest.message import Incoming, Invalid
from ingest.registry import Registry
from ingest.routes import Accepted, Prepared
from ingest.sources import cases  # noqa: F401  (registers the hotline case handler with the bridge)
from ingest.sources.config import Source
from ingest.sources.mapping import incoming, map_row, masked
from ingest.sources.reader import Position, encode_position
from ingest.sqlcopy import NULL, esc, num
from ingest.store import BatchResult, NOTIFY_CHANNEL, write_batch

log = logging.getLogger("ingest.sources")
R = labels.INGEST_REASON
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass
class Page:
    """A page read from a source, parsed, with the position after its last row."""
    src: Source
    prepared: Prepared
    rejected: list[tuple[Incoming, str]] = field(default_factory=list)
    position: Position | None = None
    rows: int = 0


def raw_line(a: Accepted) -> str:
    """A raw_events row of a source row (source 'sql'; the topic names the source)."""
    p, m = a.parsed, a.msg
    flags = esc(_ENCODER.encode(p.flags)) if p.flags else NULL
    event_at = p.event_at.isoformat() if p.event_at else NULL
    received = datetime.fromtimestamp(m.received_at, timezone.utc).isoformat()
    return (f"sql\t{p.kind}\t{esc(p.source_key)}\t{esc(m.topic)}\t\\\\x{m.payload.hex()}\t{esc(a.parsed_json)}\t"
            f"{num(p.device_id)}\t{num(p.staff_id)}\t{event_at}\t{NULL}\t{received}\t{flags}\t"
            f"{esc(p.district_code)}\n")


def parse_rows(src: Source, rows: list[dict], ctx: Context) -> Page:
    """Map every row; those that do not map become dead letters with the reason (the poll goes on)."""
    page = Page(src, Prepared(), rows=len(rows))
    seen: set[str] = set()
    received = ctx.now.timestamp()
    for row in rows:
        msg = incoming(src, row, received)
        try:
            parsed = map_row(src, row, ctx)
            dumped = _ENCODER.encode(parsed.data)
            if "\\u0000" in dumped:
                raise Invalid(R["nul_char"])
        except Invalid as exc:
            page.rejected.append((incoming(src, masked(src, row), received), exc.reason))
            continue
        except Exception as exc:  # noqa: BLE001 - a mapping bug must not block the source behind one row
            log.error(labels.SOURCES_CLI["map_crash"].format(source=src.name, error=type(exc).__name__))
            page.rejected.append((incoming(src, masked(src, row), received),
                                  R["parse_crash"].format(error=type(exc).__name__)))
            continue
        if parsed.source_key in seen:
            page.prepared.in_batch_duplicates += 1
            continue
        seen.add(parsed.source_key)
        page.prepared.accepted.append(Accepted(msg, parsed, dumped))
    routes._locate(page.prepared.accepted, ctx)
    page.prepared.raw_lines = [raw_line(a) for a in page.prepared.accepted]
    if rows:
        page.position = (rows[-1][src.watermark], rows[-1][src.key])
    return page


def masked_message(src: Source, msg: Incoming) -> Incoming:
    """A parsed row's message with the reporter masked, for a dead letter (the payload is the row as JSON)."""
    row = json.loads(msg.payload)
    return incoming(src, masked(src, row), msg.received_at)


def write_dead_letters(cur, rejected: list[tuple[Incoming, str]], keep: int) -> None:
    """Rows that do not map, source 'sql'; the same row version (same bytes) adds to one open dead letter."""
    if not rejected:
        return
    rows: dict[str, tuple] = {}
    for msg, reason in rejected:
        key = hashlib.sha256(msg.topic.encode() + b"\x00" + msg.payload).hexdigest()
        at = datetime.fromtimestamp(msg.received_at, timezone.utc)
        rows[key] = ("sql", msg.topic, msg.payload[:keep], len(msg.payload), reason, at, 1, at, key)
    execute_values(cur, """
        INSERT INTO dead_letters AS d (source, topic, payload, payload_size, reason, received_at, seen_count,
            last_seen_at, dedup_key) VALUES %s
        ON CONFLICT (dedup_key) WHERE replayed_at IS NULL DO UPDATE SET seen_count = d.seen_count + 1,
            last_seen_at = EXCLUDED.last_seen_at, reason = EXCLUDED.reason""",
                   [rows[k] for k in sorted(rows)], page_size=len(rows))


def save_position(conn: Connection, name: str, position: Position, rows: int) -> None:
    wm, tb = encode_position(position)
    conn.execute(text(
        "INSERT INTO source_watermarks (source, wm, tb, rows, updated_at) VALUES (:s, :wm, :tb, :n, now()) "
        "ON CONFLICT (source) DO UPDATE SET wm = EXCLUDED.wm, tb = EXCLUDED.tb, "
        "rows = source_watermarks.rows + EXCLUDED.rows, updated_at = now()"),
        {"s": name, "wm": wm, "tb": tb, "n": rows})


def lock_source(conn: Connection, name: str) -> None:
    """Serialise writers of one source (two workers polling it): the watermark check-and-set below is safe."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"source:{name}"})


def load_position(conn: Connection, name: str) -> tuple[str | None, str | None] | None:
    row = conn.execute(text("SELECT wm, tb FROM source_watermarks WHERE source = :s"), {"s": name}).first()
    return None if row is None else (row.wm, row.tb)


def write_page(conn: Connection, page: Page, registry: Registry, keep: int, worker: str) -> BatchResult:
    """Everything of the page in the caller's transaction, the watermark last (the caller commits)."""
    result = write_batch(conn, page.prepared, registry, keep, worker)
    cur = conn.connection.driver_connection.cursor()
    write_dead_letters(cur, page.rejected, keep)
    result.rejected = len(page.rejected)
    if page.rejected and not result.stored:
        cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps({"rejected": len(page.rejected)})))
    if page.position is not None:
        save_position(conn, page.src.name, page.position, page.rows)
    return result
