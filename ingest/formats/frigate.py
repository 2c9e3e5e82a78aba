"""Frigate NVR events (frigate/events: new/update/end with before/after): one alert per Frigate event id."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from ingest.formats.common import Context, Lenient, digest
from ingest.formats.grid import attach_alert
from ingest.message import Incoming, Parsed
from ingest.values import check_ts, from_epoch, iso, json_object, validate

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class FrigateObject(Lenient):
    id: Name
    camera: Name
    label: Name
    start_time: float
    end_time: float | None = None
    score: Annotated[float, Field(ge=0, le=1)] | None = None
    top_score: Annotated[float, Field(ge=0, le=1)] | None = None
    false_positive: bool = False
    has_snapshot: bool = False
    sub_label: Any = Field(None, validate_default=True)     # absent before Frigate 0.11: (None, None)
    current_zones: list[str] = []
    entered_zones: list[str] = []

    @field_validator("sub_label")
    @classmethod
    def _sub_label(cls, value: Any) -> tuple[str | None, float | None]:
        """Frigate sends a name, null, or a [name, score] pair."""
        if value is None:
            return None, None
        if isinstance(value, str):
            return value, None
        if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str) \
                and isinstance(value[1], (int, float)) and not isinstance(value[1], bool):
            return value[0], float(value[1])
        raise ValueError("sub_label")


class FrigateEvent(Lenient):
    type: Literal["new", "update", "end"]
    before: FrigateObject | None = None
    after: FrigateObject


def _time(value: float | None, ctx: Context, field: str) -> datetime | None:
    if value is None:
        return None
    return check_ts(from_epoch(value, field), ctx.now, ctx.settings.max_future_s, field)


def parse(msg: Incoming, ctx: Context) -> Parsed:
    ev = validate(FrigateEvent, json_object(msg.payload))
    obj = ev.after
    started = _time(obj.start_time, ctx, "after.start_time")
    ended = _time(obj.end_time, ctx, "after.end_time")
    score = obj.top_score if obj.top_score else obj.score
    sub_label, sub_score = obj.sub_label
    data = {"type": ev.type, "id": obj.id, "camera": obj.camera, "label": obj.label, "score": score,
            "false_positive": obj.false_positive, "start_time": iso(started), "end_time": iso(ended),
            "sub_label": sub_label, "sub_label_score": sub_score, "zones": obj.current_zones}
    # Each new/update/end message is kept raw; its key is its content, so only a redelivery collides.
    p = Parsed(kind="frigate_event", source_key=f"frigate:{obj.id}:{digest(msg.payload)}", event_at=started,
               data=data)
    camera = ctx.registry.camera(obj.camera, "frigate")
    if camera is None:
        p.flag_unknown("unknown_camera", "camera", "frigate", obj.camera)
    alert_type = ctx.registry.alert_type("frigate", obj.label)
    if alert_type is None:
        p.flag_unknown("unknown_alert_type", "alert_type", "frigate", obj.label)
    data["alert_type"] = alert_type
    base = ctx.settings.frigate_base_url
    snapshot = f"{base.rstrip('/')}/api/events/{obj.id}/snapshot.jpg" if base and obj.has_snapshot else None
    attach_alert(p, camera, alert_key=f"frigate:{obj.id}", camera_ref=obj.camera,
                 alert_type=alert_type or obj.label, event_at=started, ended_at=ended, score=score,
                 snapshot_url=snapshot, vendor="frigate")
    if obj.false_positive:
        # Frigate has not confirmed the object yet: keep the message, raise no alert.
        p.effect = None
    return p
