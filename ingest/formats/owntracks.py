"""OwnTracks on owntracks/{user}/{device}[/…]: checked against OwnTracks' own JSON Schema (owntracks_schema.json,
from owntracks/json-schema, MIT); locations become staff positions through device_aliases, lwt marks offline."""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import jsonschema
from pydantic import Field

from db import labels
from ingest.formats.common import Context, Lat, Lenient, Lon, R, digest, topic_ref
from ingest.message import Incoming, Invalid, Parsed
from ingest.values import check_ts, from_epoch, iso, json_object, validate

SCHEMA = Path(__file__).with_name("owntracks_schema.json")


class Location(Lenient):
    lat: Lat
    lon: Lon
    tst: int
    acc: Annotated[float, Field(ge=0)] | None = None
    batt: Annotated[int, Field(ge=0, le=100)] | None = None


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def _schema_reason(err: jsonschema.ValidationError) -> str:
    field = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in (err.instance or {})]
        return R["missing"].format(field=", ".join(missing))
    if err.validator == "type":
        expected = labels.INGEST_JSON_TYPE.get(str(err.validator_value), str(err.validator_value))
        return R["wrong_type"].format(field=field, expected=expected)
    if err.validator in ("enum", "const"):
        return R["choice"].format(field=field, expected=err.validator_value)
    return R["bad_value"].format(field=field or "-", detail=err.message[:200])


def check_schema(data: dict) -> None:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        reasons = "；".join(dict.fromkeys(_schema_reason(e) for e in errors))
        raise Invalid(R["owntracks_schema"].format(detail=reasons))


def _tst(value: int, ctx: Context) -> datetime:
    return check_ts(from_epoch(value, "tst"), ctx.now, ctx.settings.max_future_s, "tst")


def parse(msg: Incoming, ctx: Context, levels: list[str]) -> Parsed:
    """levels: the topic after the OwnTracks prefix: [user, device] or [user, device, subtopic]."""
    if len(levels) not in (2, 3):
        raise Invalid(R["unknown_topic"].format(topic=msg.topic[:200]))
    device = f"{topic_ref(levels[0], 'user')}/{topic_ref(levels[1], 'device')}"
    data = json_object(msg.payload)
    check_schema(data)
    kind = data["_type"]
    if kind == "location" and len(levels) == 2:
        return _location(data, ctx, device)
    tst = _tst(data["tst"], ctx) if isinstance(data.get("tst"), int) else None
    if kind == "lwt":
        p = Parsed("owntracks_lwt", f"owntracks:{device}:lwt:{data['tst']}", tst, {"device": device, "tst": iso(tst)})
        if _staff(p, ctx, device) is not None:
            p.effect = ("status", {"online": False, "at": ctx.now})
        return p
    summary = {"device": device, "type": kind, "tst": iso(tst), "subtopic": levels[2] if len(levels) == 3 else None}
    for key in ("event", "desc", "rid", "lat", "lon"):
        if key in data:
            summary[key] = data[key]
    p = Parsed("owntracks_other", f"owntracks:{device}:{kind}:{digest(msg.payload)}", tst, summary)
    _staff(p, ctx, device)
    return p


def _staff(p: Parsed, ctx: Context, device: str) -> int | None:
    p.staff_id = ctx.registry.staff_id(device, "owntracks")
    if p.staff_id is None:
        p.flag_unknown("unknown_device", "device", "owntracks", device)
    return p.staff_id


def _location(data: dict, ctx: Context, device: str) -> Parsed:
    m = validate(Location, data)
    ts = _tst(m.tst, ctx)
    parsed = {"device": device, "tst": iso(ts), "lat": m.lat, "lon": m.lon, "acc": m.acc, "batt": m.batt}
    p = Parsed("owntracks_location", f"owntracks:{device}:location:{m.tst}", ts, parsed, lon=m.lon, lat=m.lat)
    if _staff(p, ctx, device) is not None:
        p.effect = ("position", {"ts": ts, "lon": m.lon, "lat": m.lat, "acc": m.acc, "batt": m.batt,
                                 "crs": "wgs84", "orig_lon": None, "orig_lat": None})
    return p
