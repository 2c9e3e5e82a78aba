"""Our own contract on {prefix}/v1/…: video alerts, terminal position/report/patrol/verify/status, dept feedback."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from db.geo import gcj02_to_wgs84
from ingest.formats.common import (
    Context,
    Ident,
    Lat,
    Lon,
    Photos,
    Priority,
    R,
    Score,
    ShortText,
    Strict,
    Text,
    Timestamp,
    Url,
    epoch_ms,
    topic_ref,
)
from ingest.message import Incoming, Invalid, Parsed
from ingest.values import check_ts, iso, lonlat_pair, validate_json

ENCODE = json.JSONEncoder(ensure_ascii=False).encode


class VideoAlert(Strict):
    id: Ident
    ts: Timestamp
    type: ShortText
    score: Score
    lon: Lon | None = None
    lat: Lat | None = None
    snapshot_url: Url | None = None
    priority: Priority | None = None
    vendor: ShortText | None = None


class Position(Strict):
    ts: Timestamp
    lon: Lon
    lat: Lat
    acc: Annotated[float, Field(ge=0, le=1_000_000)] | None = None
    batt: Annotated[int, Field(ge=0, le=100)] | None = None
    crs: Literal["wgs84", "gcj02"] = "wgs84"


class Report(Strict):
    id: Ident
    ts: Timestamp
    category: ShortText
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    lon: Lon
    lat: Lat
    photos: Photos | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    self_handled: bool = False
    urgency: Priority | None = None


class Patrol(Strict):
    id: Ident
    ts: Timestamp
    action: Literal["start", "end", "checkpoint"]
    grid_code: ShortText
    lon: Lon
    lat: Lat


class Verify(Strict):
    id: Ident
    ts: Timestamp
    case_code: ShortText
    passed: bool
    note: Text | None = None
    photos: Photos | None = None


class Status(Strict):
    status: Literal["online", "offline"]
    ts: Timestamp | None = None


class Feedback(Strict):
    id: Ident
    ts: Timestamp
    case_code: ShortText
    action: Literal["checkin", "progress", "result"]
    note: Text | None = None
    photos: Photos | None = None
    lon: Lon | None = None
    lat: Lat | None = None


def _ts(value: datetime, ctx: Context) -> datetime:
    return check_ts(value, ctx.now, ctx.settings.max_future_s)


def _num(value: float | int | None) -> str:
    return "null" if value is None else repr(value)


def _base(kind: str, key: str, ts, staff_id: int | None, data: dict) -> Parsed:
    return Parsed(kind=kind, source_key=key, event_at=ts, data=data, staff_id=staff_id)


def _staff(p: Parsed, ctx: Context, ref: str) -> int | None:
    staff_id = ctx.registry.staff_id(ref, "terminal")
    if staff_id is None:
        p.flag_unknown("unknown_staff", "staff", "terminal", ref)
    p.staff_id = staff_id
    return staff_id


def video_alert(msg: Incoming, ctx: Context, camera_ref: str) -> Parsed:
    m = validate_json(VideoAlert, msg.payload)
    lonlat_pair(m.lon, m.lat)
    ts = _ts(m.ts, ctx)
    key = f"video:{camera_ref}:{m.id}"
    data = {"camera": camera_ref, "id": str(m.id), "ts": iso(ts), "type": m.type, "score": m.score,
            "lon": m.lon, "lat": m.lat, "snapshot_url": m.snapshot_url, "priority": m.priority, "vendor": m.vendor}
    p = _base("video_alert", key, ts, None, data)
    camera = ctx.registry.camera(camera_ref, "video")
    if camera is None:
        p.flag_unknown("unknown_camera", "camera", "video", camera_ref)
    alert_type = ctx.registry.alert_type(m.vendor, m.type)
    if alert_type is None:
        p.flag_unknown("unknown_alert_type", "alert_type", m.vendor or "video", m.type)
    data["alert_type"] = alert_type
    attach_alert(p, camera, alert_key=key, camera_ref=camera_ref, alert_type=alert_type or m.type,
                 event_at=ts, score=m.score, priority=m.priority, lon=m.lon, lat=m.lat,
                 snapshot_url=m.snapshot_url, vendor=m.vendor)
    return p


def attach_alert(p: Parsed, camera, **alert) -> None:
    """Alert effect shared by every video format: position from the message, else from the camera."""
    p.device_id = camera.id if camera else None
    if alert.get("lon") is None and camera is not None and camera.lon is not None:
        alert["lon"], alert["lat"] = camera.lon, camera.lat
        p.grid_id = camera.grid_id
    p.lon, p.lat = alert.get("lon"), alert.get("lat")
    p.effect = ("alert", {**alert, "camera_id": p.device_id})


def position(msg: Incoming, ctx: Context, staff_ref: str) -> Parsed:
    """The busiest message: its parsed JSON is written directly rather than through a dict and the encoder."""
    m = validate_json(Position, msg.payload)
    ts = _ts(m.ts, ctx)
    if m.crs == "gcj02":
        (lon, lat), orig = gcj02_to_wgs84(m.lon, m.lat), (m.lon, m.lat)
    else:
        lon, lat, orig = m.lon, m.lat, (None, None)
    p = _base("position", f"position:{staff_ref}:{epoch_ms(ts)}", ts, None, {})
    p.data_json = (f'{{"staff":{ENCODE(staff_ref)},"ts":"{ts.isoformat()}","lon":{lon!r},"lat":{lat!r},'
                   f'"acc":{_num(m.acc)},"batt":{_num(m.batt)},"crs":"{m.crs}","orig_lon":{_num(orig[0])},'
                   f'"orig_lat":{_num(orig[1])}}}')
    p.lon, p.lat = lon, lat
    if _staff(p, ctx, staff_ref) is not None:
        p.effect = ("position", {"ts": ts, "lon": lon, "lat": lat, "acc": m.acc, "batt": m.batt, "crs": m.crs,
                                 "orig_lon": orig[0], "orig_lat": orig[1]})
    return p


def report(msg: Incoming, ctx: Context, staff_ref: str) -> Parsed:
    m = validate_json(Report, msg.payload)
    ts = _ts(m.ts, ctx)
    key = f"report:{staff_ref}:{m.id}"
    data = {"staff": staff_ref, "id": str(m.id), "ts": iso(ts), "category": m.category,
            "description": m.description, "lon": m.lon, "lat": m.lat, "photos": m.photos, "address": m.address,
            "self_handled": m.self_handled, "urgency": m.urgency}
    p = _base("report", key, ts, None, data)
    p.lon, p.lat = m.lon, m.lat
    _staff(p, ctx, staff_ref)
    category_known = ctx.registry.category_id(m.category) is not None
    if not category_known:
        p.flag_unknown("unknown_category", "category", "terminal", m.category)
    p.effect = ("report", {"source_ref": key, "category_code": m.category if category_known else None,
                           "description": m.description, "lon": m.lon, "lat": m.lat, "photos": m.photos,
                           "address": m.address, "self_handled": m.self_handled, "urgency": m.urgency, "at": ts})
    return p


def patrol(msg: Incoming, ctx: Context, staff_ref: str) -> Parsed:
    m = validate_json(Patrol, msg.payload)
    ts = _ts(m.ts, ctx)
    key = f"patrol:{staff_ref}:{m.id}"
    data = {"staff": staff_ref, "id": str(m.id), "ts": iso(ts), "action": m.action, "grid_code": m.grid_code,
            "lon": m.lon, "lat": m.lat}
    p = _base("patrol", key, ts, None, data)
    p.lon, p.lat = m.lon, m.lat
    grid = ctx.registry.grid(m.grid_code)
    if grid is None:
        p.flag_unknown("unknown_grid", "grid", "terminal", m.grid_code)
    else:
        p.grid_id = grid.id
    if _staff(p, ctx, staff_ref) is not None:
        p.effect = ("patrol", {"source_key": key, "action": m.action, "ts": ts, "grid_code": m.grid_code,
                               "lon": m.lon, "lat": m.lat})
    return p


def verify(msg: Incoming, ctx: Context, staff_ref: str) -> Parsed:
    m = validate_json(Verify, msg.payload)
    ts = _ts(m.ts, ctx)
    data = {"staff": staff_ref, "id": str(m.id), "ts": iso(ts), "case_code": m.case_code, "passed": m.passed,
            "note": m.note, "photos": m.photos}
    p = _base("verify", f"verify:{staff_ref}:{m.id}", ts, None, data)
    if _staff(p, ctx, staff_ref) is not None:
        p.effect = ("verify", {"case_code": m.case_code, "passed": m.passed, "note": m.note, "photos": m.photos,
                               "at": ts})
    return p


def status(msg: Incoming, ctx: Context, staff_ref: str) -> Parsed:
    word = msg.payload.strip().lower()
    if word in (b"online", b"offline"):
        m = Status(status=word.decode())
    else:
        m = validate_json(Status, msg.payload)
    ts = _ts(m.ts, ctx) if m.ts is not None else None
    # A bare word carries no time: redeliveries within the same minute count as one status change.
    minute = int(msg.received_at // 60)
    stamp = epoch_ms(ts) if ts else f"m{minute}"
    at = ts or ctx.now
    # The stored time follows the key (raw_events is unique by key and time): that minute, not the parse time.
    event_at = ts or datetime.fromtimestamp(minute * 60, timezone.utc)
    p = _base("status", f"status:{staff_ref}:{m.status}:{stamp}", event_at, None,
              {"staff": staff_ref, "status": m.status, "ts": iso(ts)})
    if _staff(p, ctx, staff_ref) is not None:
        p.effect = ("status", {"online": m.status == "online", "at": at})
    return p


def feedback(msg: Incoming, ctx: Context, dept_ref: str) -> Parsed:
    m = validate_json(Feedback, msg.payload)
    lonlat_pair(m.lon, m.lat)
    ts = _ts(m.ts, ctx)
    data = {"dept": dept_ref, "id": str(m.id), "ts": iso(ts), "case_code": m.case_code, "action": m.action,
            "note": m.note, "photos": m.photos, "lon": m.lon, "lat": m.lat}
    p = _base("feedback", f"feedback:{dept_ref}:{m.id}", ts, None, data)
    dept_id = ctx.registry.department_id(dept_ref)
    if dept_id is None:
        p.flag_unknown("unknown_department", "department", "dept", dept_ref)
        return p
    p.effect = ("feedback", {"dept_id": dept_id, "case_code": m.case_code, "action": m.action, "note": m.note,
                             "photos": m.photos, "lon": m.lon, "lat": m.lat, "at": ts})
    return p


TERMINAL = {"position": position, "report": report, "patrol": patrol, "verify": verify, "status": status}


def parse(msg: Incoming, ctx: Context, levels: list[str]) -> Parsed:
    """levels: the topic after "{prefix}/v1/", e.g. ["terminal", "S001", "position"]."""
    match levels:
        case ["video", camera, "alert"]:
            return video_alert(msg, ctx, topic_ref(camera, "camera"))
        case ["terminal", staff, what] if what in TERMINAL:
            return TERMINAL[what](msg, ctx, topic_ref(staff, "staff"))
        case ["dept", dept, "feedback"]:
            return feedback(msg, ctx, topic_ref(dept, "dept"))
    raise Invalid(R["unknown_topic"].format(topic=msg.topic[:200]))
