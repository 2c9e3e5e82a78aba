"""Topic routing and the parse step of a batch: size limit, parser by topic, grid lookup, in-batch duplicates."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from db import labels
from ingest.formats import frigate, gb28181, grid, owntracks
from ingest.formats.common import Context
from ingest.message import Incoming, Invalid, Parsed

R = labels.INGEST_REASON
L = labels.INGEST_CLI
log = logging.getLogger("ingest.routes")


@dataclass
class Accepted:
    msg: Incoming
    parsed: Parsed
    parsed_json: str


@dataclass
class Prepared:
    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[tuple[Incoming, str]] = field(default_factory=list)
    in_batch_duplicates: int = 0
    # COPY text filled by ingest.encode in the parsing stage
    raw_lines: list[str] = field(default_factory=list)
    positions_copy: str = ""
    latest: list[tuple] = field(default_factory=list)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def route(topic: str, ctx: Context) -> tuple[Callable, list[str] | None] | None:
    """(parser, topic levels below its prefix), or None for a topic we do not serve."""
    s = ctx.settings
    if topic == s.frigate_topic:
        return frigate.parse, None
    for prefix, parse in ((f"{s.topic_prefix}/v1/", grid.parse), (f"{s.owntracks_prefix}/", owntracks.parse),
                          (f"{s.gb28181_prefix}/", gb28181.parse_topic)):
        if topic.startswith(prefix):
            return parse, topic[len(prefix):].split("/")
    return None


def parse_one(msg: Incoming, ctx: Context) -> tuple[Parsed, str]:
    """The parsed message and its JSON form, or Invalid."""
    if len(msg.payload) > ctx.settings.max_payload:
        raise Invalid(R["too_large"].format(size=len(msg.payload), limit=ctx.settings.max_payload))
    found = route(msg.topic, ctx)
    if found is None:
        raise Invalid(R["unknown_topic"].format(topic=msg.topic[:200]))
    parse, levels = found
    parsed = parse(msg, ctx) if levels is None else parse(msg, ctx, levels)
    dumped = parsed.data_json or _ENCODER.encode(parsed.data)
    # PostgreSQL text and jsonb cannot hold NUL: refuse the message rather than fail the whole batch.
    if "\\u0000" in dumped or "\x00" in msg.topic:
        raise Invalid(R["nul_char"])
    return parsed, dumped


def prepare(batch: list[Incoming], ctx: Context) -> Prepared:
    out = Prepared()
    seen: set[str] = set()
    for msg in batch:
        try:
            parsed, dumped = parse_one(msg, ctx)
        except Invalid as exc:
            out.rejected.append((msg, exc.reason))
            continue
        except Exception as exc:  # noqa: BLE001 - a parser bug must not block the stream behind one message
            # Redelivered after a crash, the same message would fail again forever: keep it as a dead letter
            # (replayable once fixed) and say where; the payload is never logged (personal data).
            log.error(L["parse_crash_log"].format(topic=msg.topic[:200], error=type(exc).__name__))
            out.rejected.append((msg, R["parse_crash"].format(error=type(exc).__name__)))
            continue
        if parsed.source_key in seen:
            out.in_batch_duplicates += 1
            continue
        seen.add(parsed.source_key)
        out.accepted.append(Accepted(msg, parsed, dumped))
    _locate(out.accepted, ctx)
    return out


def _locate(accepted: list[Accepted], ctx: Context) -> None:
    """Grid and district for every message with a position, in one vectorised lookup."""
    todo = [a.parsed for a in accepted if a.parsed.grid_id is None and a.parsed.lon is not None]
    for p, grid_id in zip(todo, ctx.registry.locate_many([(p.lon, p.lat) for p in todo])):
        p.grid_id = grid_id
    for a in accepted:
        p = a.parsed
        p.district_code = ctx.registry.district_of(p.grid_id, p.staff_id)


def context(registry, settings, now: datetime) -> Context:
    return Context(registry=registry, settings=settings, now=now)
