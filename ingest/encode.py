"""COPY text of a prepared batch, built in the parsing stage so that the write stage only ships it to the server.

Positions are encoded for every accepted message, not only the new ones: (staff_id, ts) is unique and the
latest-position upsert only moves forward, so a redelivered position changes nothing."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from ingest.message import Parsed
from ingest.routes import Accepted, Prepared
from ingest.sqlcopy import NULL, esc, num

RAW_COLUMNS = ("id, source, kind, source_key, topic, payload, parsed, device_id, staff_id, event_at, published_at, "
               "received_at, flags, district_code")
POSITION_COLUMNS = "staff_id, ts, lon, lat, acc, batt, crs, orig_lon, orig_lat, grid_id, district_code"
UTC = timezone.utc


def _epoch(value: float | None) -> str:
    return NULL if value is None else datetime.fromtimestamp(value, UTC).isoformat()


def raw_line(a: Accepted) -> str:
    """One raw_events row without its id (allocated when written)."""
    p, m = a.parsed, a.msg
    flags = esc(json.dumps(p.flags, ensure_ascii=False)) if p.flags else NULL
    event_at = p.event_at.isoformat() if p.event_at else NULL
    return (f"mqtt\t{p.kind}\t{esc(p.source_key)}\t{esc(m.topic)}\t\\\\x{m.payload.hex()}\t{esc(a.parsed_json)}\t"
            f"{num(p.device_id)}\t{num(p.staff_id)}\t{event_at}\t{_epoch(m.sent_at)}\t{_epoch(m.received_at)}\t"
            f"{flags}\t{esc(p.district_code)}\n")


def position_line(p: Parsed) -> str:
    e = p.effect[1]
    return (f"{p.staff_id}\t{e['ts'].isoformat()}\t{e['lon']!r}\t{e['lat']!r}\t{num(e['acc'])}\t{num(e['batt'])}\t"
            f"{e['crs']}\t{num(e['orig_lon'])}\t{num(e['orig_lat'])}\t{num(p.grid_id)}\t{esc(p.district_code)}\n")


def latest_rows(items: list[Parsed]) -> list[tuple]:
    """The newest position of each staff member in the batch, sorted by staff (one lock order for all)."""
    newest: dict[int, Parsed] = {}
    for p in items:
        old = newest.get(p.staff_id)
        if old is None or p.effect[1]["ts"] > old.effect[1]["ts"]:
            newest[p.staff_id] = p
    return [(sid, e["ts"], e["lon"], e["lat"], e["acc"], e["batt"], p.grid_id)
            for sid, p in sorted(newest.items()) for e in (p.effect[1],)]


def encode(prepared: Prepared) -> Prepared:
    prepared.raw_lines = [raw_line(a) for a in prepared.accepted]
    positions = [a.parsed for a in prepared.accepted if a.parsed.effect and a.parsed.effect[0] == "position"]
    prepared.positions_copy = "".join(map(position_line, positions))
    prepared.latest = latest_rows(positions)
    return prepared
