"""One batch in one transaction: raw events (COPY; merged with ON CONFLICT DO NOTHING after a redelivery), then
only for the new ones their domain rows and case steps, plus dead letters; a NOTIFY tells listeners (dashboard,
tests) once it commits."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection

from ingest import bridge, effects
from ingest.encode import RAW_COLUMNS, encode
from ingest.message import Incoming, Parsed
from ingest.registry import Registry
from ingest.routes import Accepted, Prepared
from ingest.sqlcopy import copy_or_merge

NOTIFY_CHANNEL = "ingest"


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    case_errors: int = 0


# Kinds keyed by the sender's message id, not by its time: a sender reusing an id with another time would pass
# the (source_key, event_at) key, so their keys are looked up first. Few rows a day: cheap over every partition.
BY_ID = frozenset({"report", "verify", "feedback", "video_alert", "hotline_order"})


def _stored_before(cur, prepared: Prepared) -> set[str]:
    keys = [a.parsed.source_key for a in prepared.accepted if a.parsed.kind in BY_ID]
    if not keys:
        return set()
    cur.execute("SELECT source_key FROM raw_events WHERE source_key = ANY(%s)", (keys,))
    return {row[0] for row in cur.fetchall()}


def insert_raw(cur, prepared: Prepared) -> dict[str, int]:
    """{source_key: raw id} of the rows that were new; the others were stored before (a redelivery)."""
    if not prepared.accepted:
        return {}
    known = _stored_before(cur, prepared)
    rows = [(a, line) for a, line in zip(prepared.accepted, prepared.raw_lines) if a.parsed.source_key not in known]
    if not rows:
        return {}
    cur.execute("SELECT nextval(pg_get_serial_sequence('raw_events', 'id')) FROM generate_series(1, %s)",
                (len(rows),))
    ids = [row[0] for row in cur.fetchall()]
    text = "".join(f"{i}\t{line}" for i, (_, line) in zip(ids, rows))
    # raw_events is partitioned by event_at, which every parser derives from the message: a redelivery has the
    # same (source_key, event_at) and is refused by that key (migration 0009).
    merged = copy_or_merge(cur, "raw_events", RAW_COLUMNS, text, "(source_key, event_at)", "source_key, id")
    if merged is None:
        return {a.parsed.source_key: i for (a, _), i in zip(rows, ids)}
    return dict(merged)


def _effects(cur, prepared: Prepared, new: list[tuple[int, Accepted]]) -> None:
    effects.write_positions(cur, prepared)
    by_kind: dict[str, list[Parsed]] = {}
    for _, a in new:
        if a.parsed.effect is not None:
            by_kind.setdefault(a.parsed.effect[0], []).append(a.parsed)
    effects.write_patrols(cur, by_kind.get("patrol", []))
    effects.write_statuses(cur, by_kind.get("status", []))
    effects.write_unregistered(cur, [(a.parsed, a.msg.topic) for _, a in new if a.parsed.unknown])


def _flag_failures(cur, failed: dict[int, str]) -> None:
    for raw_id, reason in sorted(failed.items()):
        cur.execute("UPDATE raw_events SET flags = COALESCE(flags, '{}'::jsonb) || jsonb_build_object("
                    "'case_error', %s::text) WHERE id = %s", (reason, raw_id))


def write_batch(conn: Connection, prepared: Prepared, registry: Registry, dead_letter_keep: int,
                worker: str = "") -> BatchResult:
    """Everything of one batch, in the caller's open transaction (the caller commits, then acknowledges)."""
    cur = conn.connection.driver_connection.cursor()
    if prepared.accepted and not prepared.raw_lines:
        encode(prepared)
    ids = insert_raw(cur, prepared)
    new = [(ids[a.parsed.source_key], a) for a in prepared.accepted if a.parsed.source_key in ids]
    _effects(cur, prepared, new)
    effects.write_dead_letters(cur, prepared.rejected, dead_letter_keep)
    failed = bridge.run(conn, [(raw_id, a.parsed) for raw_id, a in new], registry)
    _flag_failures(cur, failed)
    result = BatchResult(stored=len(new), duplicates=len(prepared.accepted) - len(new) + prepared.in_batch_duplicates,
                         rejected=len(prepared.rejected), case_errors=len(failed))
    if result.stored or result.rejected:
        cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps(
            {"worker": worker, "stored": result.stored, "rejected": result.rejected})))
    return result


def write_dead_letters_only(conn: Connection, rejected: list[tuple[Incoming, str]], keep: int) -> None:
    cur = conn.connection.driver_connection.cursor()
    effects.write_dead_letters(cur, rejected, keep)
    if rejected:
        cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps({"rejected": len(rejected)})))
