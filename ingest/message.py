"""The records passed between transport, parsers and storage: an incoming message and its parsed form."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Invalid(Exception):
    """A message that fails validation; `reason` is the Chinese text stored with the dead letter."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Incoming:
    topic: str
    payload: bytes
    received_at: float                 # epoch seconds on our clock
    mid: int = 0
    qos: int = 0
    gen: int = 0                       # connection generation: an ack only goes back on the connection that delivered
    sent_at: float | None = None       # publisher's clock (MQTT v5 user property sent_at, epoch ms)


@dataclass(slots=True)
class Unregistered:
    """Something the admin has to register or map (table unregistered_devices)."""
    kind: str                          # one of db.enums.UNREGISTERED_KINDS
    source: str                        # channel: video, terminal, frigate, owntracks, gb28181, dept
    external_id: str


@dataclass(slots=True)
class Parsed:
    kind: str                          # db.enums.EVENT_KINDS
    source_key: str                    # unique per source message
    event_at: datetime | None
    data: dict[str, Any]               # the parsed form stored in raw_events.parsed
    data_json: str | None = None       # the same, already encoded (fast path of positions)
    staff_id: int | None = None
    device_id: int | None = None
    lon: float | None = None           # WGS-84 position used to find the grid
    lat: float | None = None
    grid_id: int | None = None
    district_code: str | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    unknown: list[Unregistered] = field(default_factory=list)
    # What to do once the raw row is new: ("position", {...}), ("alert", AlertIn), ("report", {...}) ...
    effect: tuple[str, Any] | None = None

    def flag_unknown(self, flag: str, kind: str, source: str, external_id: str) -> None:
        self.flags[flag] = external_id
        self.unknown.append(Unregistered(kind, source, external_id))
