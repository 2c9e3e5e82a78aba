"""A source row as one of our messages: value tables, naive times in the source's zone, the same checks and the
same Parsed effects as the MQTT formats (hotline intake and status actions, video alerts, department feedback)."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Annotated, Any

from pydantic import StringConstraints

from db import labels
from ingest.formats.common import Context, Lat, Lenient, Lon, Priority, Score, ShortText, Text, Url
from ingest.formats.grid import attach_alert
from ingest.message import Incoming, Invalid, Parsed
from ingest.sources.config import Source
from ingest.values import check_ts, iso, lonlat_pair, validate

R = labels.SOURCES_REASON
Desc = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Short = Annotated[str, StringConstraints(max_length=500)]


class HotlineRow(Lenient):
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    description: Desc
    category: ShortText | None = None
    address: Short | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    reporter_name: Annotated[str, StringConstraints(max_length=100)] | None = None
    reporter_phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    urgency: Priority | None = None
    note: Text | None = None


class VideoRow(Lenient):
    camera: ShortText
    type: ShortText
    score: Score | None = None
    priority: Priority | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    snapshot_url: Url | None = None


class FeedbackRow(Lenient):
    dept: ShortText
    case_code: ShortText
    note: Text | None = None
    lon: Lon | None = None
    lat: Lat | None = None


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def payload_of(row: dict) -> bytes:
    """The row as stored in raw_events.payload / dead_letters.payload (JSON, column names as in the source)."""
    return json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False, default=str).encode()


PERSONAL = ("reporter_name", "reporter_phone")


def _mask(value: Any) -> Any:
    """Keep the first character (and a phone's last four) so an admin can still tell rows apart."""
    if not isinstance(value, str) or not value:
        return value
    return value[:3] + "****" + value[-4:] if len(value) >= 8 and value[-4:].isdigit() else value[0] + "*"


def masked(src: Source, row: dict) -> dict:
    """The row with the reporter's name and phone masked: what a dead letter keeps (the admin page shows it)."""
    personal = {src.columns[f] for f in PERSONAL if f in src.columns}
    return {k: _mask(v) if k in personal else v for k, v in row.items()}


def incoming(src: Source, row: dict, received_at: float) -> Incoming:
    return Incoming(topic=f"sql/{src.name}", payload=payload_of(row), received_at=received_at)


def source_key(src: Source, row: dict) -> str:
    """Source name + primary key (+ the version columns: an update of the row is a new event, once)."""
    version = "|".join(str(_json_value(row.get(c))) for c in src.version_columns())
    return f"sql:{src.name}:{row[src.key]}@{version}"


def case_ref(src: Source, key: Any) -> str:
    """cases.source_ref of the row's case: what write-back and later updates find it by."""
    return f"{src.name}:{key}"


def timestamp(src: Source, value: Any, field: str, ctx: Context) -> datetime:
    """A source time: aware as given, naive in the source's zone, text in ISO form, or Unix seconds."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(labels.INGEST_REASON["ts_bad"].format(field=field, value=value[:40])) from None
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            value = datetime.fromtimestamp(float(value), timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise Invalid(labels.INGEST_REASON["ts_range"].format(field=field, value=str(value)[:40])) from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise Invalid(labels.INGEST_REASON["ts_type"].format(field=field))
    if value.tzinfo is None:
        value = value.replace(tzinfo=src.tz())
    return check_ts(value, ctx.now, ctx.settings.max_future_s, field)


def _fields(src: Source, row: dict) -> dict:
    """Our field name -> the row's value, for the configured columns (a missing column is a config error)."""
    out = {}
    for ours, theirs in src.columns.items():
        if theirs not in row:
            raise Invalid(R["no_column"].format(column=theirs))
        value = row[theirs]
        out[ours] = value.strip() or None if isinstance(value, str) else value
    return out


def coded(src: Source, field: str, value: Any) -> Any:
    """Their code through the source's value table for `field`; an unknown code is refused."""
    table = src.values.get(field)
    if table is None or value is None:
        return value
    code = str(_json_value(value)).strip()
    if code not in table:
        raise Invalid(R["unmapped"].format(field=src.columns.get(field, field), code=code[:40]))
    return table[code]


def _text(value: Any) -> str | None:
    """Codes and references as text (a source may hold them as numbers)."""
    return None if value is None else str(_json_value(value))


def _actions(target: Any) -> list[str]:
    if not target:
        return []
    return [target] if isinstance(target, str) else [a for a in target if a]


def hotline(src: Source, row: dict, ctx: Context) -> Parsed:
    f = _fields(src, row)
    actions = _actions(coded(src, "status", f.pop("status", None)))
    category = coded(src, "category", f.pop("category", None))
    urgency = coded(src, "urgency", f.pop("urgency", None))
    reported_at = timestamp(src, f.pop("reported_at"), src.columns["reported_at"], ctx)
    m = validate(HotlineRow, {**f, "category": category, "urgency": urgency})
    lonlat_pair(m.lon, m.lat)
    ref = case_ref(src, row[src.key])
    data = {"source": src.name, "order": str(row[src.key]), "reported_at": iso(reported_at),
            "category": m.category, "status": _json_value(row.get(src.columns.get("status", ""))),
            "actions": actions}
    p = Parsed(kind="hotline_order", source_key=source_key(src, row), event_at=reported_at, data=data)
    p.lon, p.lat = m.lon, m.lat
    known = m.category is not None and ctx.registry.category_id(m.category) is not None
    if m.category is not None and not known:
        p.flag_unknown("unknown_category", "category", src.name, m.category)
    p.effect = ("hotline", {
        "source_ref": ref, "title": m.title, "category_code": m.category if known else None,
        "description": m.description, "address": m.address, "lon": m.lon, "lat": m.lat,
        "reporter_name": m.reporter_name, "reporter_phone": m.reporter_phone, "urgency": m.urgency or 3,
        "at": reported_at, "actions": actions, "note": m.note, "actor_role": src.actor_role,
        "actor_name": src.actor_name or src.name, "status": data["status"]})
    return p


def video_alert(src: Source, row: dict, ctx: Context) -> Parsed:
    f = _fields(src, row)
    status = coded(src, "status", f.pop("status", None)) or "raise"
    their_type = f.get("type")
    mapped_type = coded(src, "type", their_type)
    event_at = timestamp(src, f.pop("event_at"), src.columns["event_at"], ctx)
    ended_at = f.pop("ended_at", None)
    m = validate(VideoRow, {**f, "camera": _text(f.get("camera")), "type": _text(their_type)})
    lonlat_pair(m.lon, m.lat)
    if status == "clear":
        ended_at = timestamp(src, ended_at, src.columns.get("ended_at", "ended_at"), ctx) if ended_at else ctx.now
    else:
        ended_at = None
    key = f"sql:{src.name}:{row[src.key]}"
    alert_type = mapped_type if "type" in src.values else ctx.registry.alert_type(src.vendor or src.name, m.type)
    data = {"source": src.name, "id": str(row[src.key]), "camera": m.camera, "type": m.type, "ts": iso(event_at),
            "status": status, "alert_type": alert_type, "score": m.score}
    p = Parsed(kind="video_alert", source_key=source_key(src, row), event_at=event_at, data=data)
    camera = ctx.registry.camera(m.camera, src.name)
    if camera is None:
        p.flag_unknown("unknown_camera", "camera", src.name, m.camera)
    if alert_type is None:
        p.flag_unknown("unknown_alert_type", "alert_type", src.vendor or src.name, m.type)
    attach_alert(p, camera, alert_key=key, camera_ref=m.camera, alert_type=alert_type or m.type, event_at=event_at,
                 score=m.score, priority=m.priority, lon=m.lon, lat=m.lat, snapshot_url=m.snapshot_url,
                 vendor=src.vendor or src.name, ended_at=ended_at)
    return p


def feedback(src: Source, row: dict, ctx: Context) -> Parsed:
    f = _fields(src, row)
    action = coded(src, "action", f.pop("action", None))
    if action not in ("checkin", "progress", "result"):
        raise Invalid(R["unmapped"].format(field=src.columns["action"], code=str(action)[:40]))
    at = timestamp(src, f.pop("at"), src.columns["at"], ctx)
    m = validate(FeedbackRow, {**f, "dept": _text(f.get("dept")), "case_code": _text(f.get("case_code"))})
    lonlat_pair(m.lon, m.lat)
    data = {"source": src.name, "id": str(row[src.key]), "dept": m.dept, "case_code": m.case_code,
            "action": action, "ts": iso(at), "note": m.note}
    p = Parsed(kind="feedback", source_key=source_key(src, row), event_at=at, data=data)
    dept_id = ctx.registry.department_id(m.dept)
    if dept_id is None:
        p.flag_unknown("unknown_department", "department", src.name, m.dept)
        return p
    p.effect = ("feedback", {"dept_id": dept_id, "case_code": m.case_code, "action": action, "note": m.note,
                             "photos": None, "lon": m.lon, "lat": m.lat, "at": at})
    return p


MAPPERS = {"hotline": hotline, "video_alert": video_alert, "feedback": feedback}


def map_row(src: Source, row: dict, ctx: Context) -> Parsed:
    """The row as a Parsed message, or Invalid with a Chinese reason (the row becomes a dead letter)."""
    if row.get(src.key) is None:
        raise Invalid(R["no_key"].format(column=src.key))
    return MAPPERS[src.kind](src, row, ctx)
