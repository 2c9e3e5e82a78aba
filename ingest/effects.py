"""Domain rows written beside new raw events: positions, latest positions, patrols, terminal status,
unregistered references and dead letters. Rows are sorted by key so concurrent workers lock in one order."""
from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timezone

from psycopg2.extras import execute_values

from ingest.encode import POSITION_COLUMNS
from ingest.message import Incoming, Parsed
from ingest.routes import Prepared
from ingest.sqlcopy import copy_or_merge


def write_positions(cur, prepared: Prepared) -> None:
    """Positions of the batch (encoded in the parsing stage) and each terminal's newest one."""
    if not prepared.latest:
        return
    copy_or_merge(cur, "positions", POSITION_COLUMNS, prepared.positions_copy, "(staff_id, ts)")
    execute_values(cur, """
        INSERT INTO positions_latest AS pl (staff_id, ts, lon, lat, acc, batt, grid_id) VALUES %s
        ON CONFLICT (staff_id) DO UPDATE SET ts = EXCLUDED.ts, lon = EXCLUDED.lon, lat = EXCLUDED.lat,
            acc = EXCLUDED.acc, batt = EXCLUDED.batt, grid_id = EXCLUDED.grid_id,
            online = CASE WHEN pl.status_at IS NULL OR EXCLUDED.ts >= pl.status_at THEN true ELSE pl.online END
        WHERE pl.ts < EXCLUDED.ts""", prepared.latest, page_size=len(prepared.latest))


def write_patrols(cur, items: list[Parsed]) -> None:
    if not items:
        return
    rows = sorted((e["source_key"], p.staff_id, p.grid_id, e["grid_code"], e["action"], e["ts"], e["lon"], e["lat"])
                  for p in items for e in (p.effect[1],))
    execute_values(cur, "INSERT INTO patrols (source_key, staff_id, grid_id, grid_code, action, ts, lon, lat) "
                        "VALUES %s ON CONFLICT (source_key) DO NOTHING", rows, page_size=len(rows))


def write_statuses(cur, items: list[Parsed]) -> None:
    """Online/offline: the latest status of each terminal in the batch; an older one never overrides a newer."""
    latest: dict[int, tuple] = {}
    for p in items:
        at = p.effect[1]["at"]
        if p.staff_id not in latest or at >= latest[p.staff_id][2]:
            latest[p.staff_id] = (p.staff_id, p.effect[1]["online"], at)
    if not latest:
        return
    rows = [latest[k] for k in sorted(latest)]
    execute_values(cur, """
        UPDATE positions_latest pl SET online = v.online, status_at = v.at FROM (VALUES %s) AS v(staff_id, online, at)
        WHERE pl.staff_id = v.staff_id AND (pl.status_at IS NULL OR pl.status_at <= v.at)""",
                   rows, template="(%s::int, %s::boolean, %s::timestamptz)", page_size=len(rows))
    execute_values(cur, """
        UPDATE devices d SET status = CASE WHEN v.online THEN 'online' ELSE 'offline' END, status_at = v.at
        FROM (VALUES %s) AS v(staff_id, online, at)
        WHERE d.kind = 'terminal' AND d.staff_id = v.staff_id AND (d.status_at IS NULL OR d.status_at <= v.at)""",
                   rows, template="(%s::int, %s::boolean, %s::timestamptz)", page_size=len(rows))


def write_unregistered(cur, items: list[tuple[Parsed, str]]) -> None:
    """items: (parsed, topic) of new raw events; each unknown reference counted once per message."""
    seen: Counter = Counter()
    topics: dict[tuple, str] = {}
    for p, topic in items:
        for u in p.unknown:
            key = (u.kind, u.source, u.external_id)
            seen[key] += 1
            topics[key] = topic
    if not seen:
        return
    now = datetime.now(timezone.utc)
    rows = [(*key, now, now, n, topics[key]) for key, n in sorted(seen.items())]
    execute_values(cur, """
        INSERT INTO unregistered_devices AS u (kind, source, external_id, first_seen, last_seen, seen_count, last_topic)
        VALUES %s ON CONFLICT (kind, source, external_id) DO UPDATE SET last_seen = EXCLUDED.last_seen,
            seen_count = u.seen_count + EXCLUDED.seen_count, last_topic = EXCLUDED.last_topic""",
                   rows, page_size=len(rows))


def dead_letter_key(topic: str, payload: bytes) -> str:
    return hashlib.sha256(topic.encode("utf-8", "replace") + b"\x00" + payload).hexdigest()


def write_dead_letters(cur, rejected: list[tuple[Incoming, str]], keep: int) -> None:
    """Refused messages, bounded to `keep` bytes each; the same bytes on the same topic add to one row."""
    if not rejected:
        return
    rows: dict[str, list] = {}
    for msg, reason in rejected:
        key = dead_letter_key(msg.topic, msg.payload)
        at = datetime.fromtimestamp(msg.received_at, timezone.utc)
        if key in rows:
            rows[key][6] += 1
            rows[key][7] = at
            continue
        rows[key] = ["mqtt", msg.topic, msg.payload[:keep], len(msg.payload), reason, at, 1, at, key]
    execute_values(cur, """
        INSERT INTO dead_letters AS d (source, topic, payload, payload_size, reason, received_at, seen_count,
            last_seen_at, dedup_key) VALUES %s
        ON CONFLICT (dedup_key) WHERE replayed_at IS NULL DO UPDATE SET seen_count = d.seen_count + EXCLUDED.seen_count,
            last_seen_at = EXCLUDED.last_seen_at, reason = EXCLUDED.reason""",
                   [tuple(r) for _, r in sorted(rows.items())], page_size=len(rows))
