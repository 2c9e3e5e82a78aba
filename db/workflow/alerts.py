"""Video alerts into cases: threshold, merging by camera and type within a window, manual merge and split."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, text, update

from db import labels
from db.schema import alerts, devices
from db.workflow import refdata, settings
from db.workflow.clock import as_utc
from db.workflow.core import build_change, err
from db.workflow.engine import case_id_of, load_state, moment, open_case, perform, transaction, write_change
from db.workflow.errors import NotFound, ValidationError
from db.workflow.model import SYSTEM, Actor, AlertIn, AlertOutcome, CaseRef, StepResult
from db.workflow.refdata import RefData
from db.workflow.table import TERMINAL

ALERT_COLUMNS = ("camera_id", "camera_ref", "alert_type", "score", "priority", "lon", "lat", "grid_id",
                 "snapshot_url", "vendor", "event_at", "ended_at", "raw_event_id", "district_code")


def alert_rule(ref: RefData, alert_type: str) -> tuple[float, int, str | None, str]:
    """(min_score, merge window seconds, category code, display name) of an alert type."""
    row = ref.alert_types.get(alert_type)
    if row is None:
        min_score, window = settings.alert_defaults()
        return min_score, window, None, alert_type
    code = row["category_code"] if ref.category(code=row["category_code"]) else None
    return float(row["min_score"]), int(row["merge_window_s"]), code, row["name"]


def is_below(alert: AlertIn, min_score: float) -> bool:
    return alert.score is not None and alert.score < min_score


def case_fields(alert: AlertIn, category_code: str | None, type_name: str, camera_name: str | None) -> dict:
    """open_case() arguments for the case a new alert opens."""
    title = labels.WF_ALERT_TITLE.format(type=type_name, camera=camera_name or alert.camera_ref)
    return dict(source="video", title=title,
                category_code=category_code, lon=alert.lon, lat=alert.lat, grid_id=alert.grid_id,
                urgency=alert.priority if alert.priority in (1, 2, 3, 4) else 3, reported_at=alert.event_at,
                source_ref=alert.alert_key, photos=[alert.snapshot_url] if alert.snapshot_url else None,
                district_code=alert.district_code)


def _values(alert: AlertIn) -> dict:
    values = {k: v for k, v in asdict(alert).items() if k in ALERT_COLUMNS}
    values["event_at"] = as_utc(alert.event_at)
    if alert.ended_at is not None:
        values["ended_at"] = as_utc(alert.ended_at)
    return values


def _merge_target(conn: Connection, alert: AlertIn, window_s: int) -> int | None:
    same_camera = "a.camera_id = :cid" if alert.camera_id is not None else "a.camera_ref = :ref"
    return conn.execute(text(
        f"SELECT a.case_id FROM alerts a JOIN cases c ON c.id = a.case_id WHERE {same_camera} "
        "AND a.alert_type = :type AND a.event_at BETWEEN :t - make_interval(secs => :w) "
        "AND :t + make_interval(secs => :w) AND c.state <> ALL(:terminal) ORDER BY a.event_at DESC LIMIT 1 "
        "FOR SHARE OF c"),      # a case being closed right now is re-checked after its close commits
        {"cid": alert.camera_id, "ref": alert.camera_ref, "type": alert.alert_type, "t": as_utc(alert.event_at),
         "w": window_s, "terminal": list(TERMINAL)}).scalar()


def intake_alert(db: Engine | Connection, alert: AlertIn, at: datetime | None = None) -> AlertOutcome:
    """Store an alert (a known alert_key updates it); below the type's threshold it opens no case; otherwise it
    joins the open case of the same camera and type within the merge window, or opens a video case."""
    at = moment(at)
    with transaction(db) as conn:
        ref = refdata.get_ref(conn)
        min_score, window, cat_code, type_name = alert_rule(ref, alert.alert_type)
        camera_key = f"{alert.camera_id if alert.camera_id is not None else alert.camera_ref}|{alert.alert_type}"
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": camera_key})
        values, below = _values(alert), is_below(alert, min_score)
        old = conn.execute(select(alerts.c.id, alerts.c.case_id).where(alerts.c.alert_key == alert.alert_key)
                           .with_for_update()).first()
        if old is not None:
            conn.execute(update(alerts).where(alerts.c.id == old.id).values(
                **values, below_threshold=below if old.case_id is None else False))
            if old.case_id is not None or below:
                return AlertOutcome(old.id, old.case_id, False, old.case_id is None and below, updated=True)
            alert_id = old.id
        else:
            alert_id = conn.execute(insert(alerts).values(
                alert_key=alert.alert_key, below_threshold=below, received_at=at, **values)
                .returning(alerts.c.id)).scalar_one()
            if below:
                return AlertOutcome(alert_id, None, False, True)
        target = _merge_target(conn, alert, window)
        if target is None:
            name = conn.execute(select(devices.c.name).where(devices.c.id == alert.camera_id)).scalar() \
                if alert.camera_id is not None else None
            target = open_case(conn, SYSTEM, at=at, **case_fields(alert, cat_code, type_name, name)).id
            merged = False
        else:
            merged = True
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(case_id=target))
        return AlertOutcome(alert_id, target, merged, False, updated=old is not None)


def merge_cases(db: Engine | Connection, keep_id: int | str, other_id: int | str, actor: Actor, reason: str,
                at: datetime | None = None) -> StepResult:
    """Merge a duplicate into the case kept: the duplicate is cancelled (merged_into_id), its alerts move over.
    Returns the kept case's step."""
    at = moment(at)
    with transaction(db) as conn:
        keep_id, other_id = case_id_of(conn, keep_id), case_id_of(conn, other_id)
        if keep_id == other_id:
            raise ValidationError(err("merge_self"))
        first, second = sorted((keep_id, other_id))      # lock in id order: two merges never deadlock
        states = {first: load_state(conn, first), second: load_state(conn, second)}
        keep, other = states[keep_id], states[other_id]
        ref = refdata.get_ref(conn)
        ch_keep = build_change(keep, "merge", actor, at, {"other_case_id": other_id, "note": reason}, ref)
        ch_other = build_change(other, "merge_into", actor, at, {"keep_id": keep_id, "reason": reason}, ref)
        result = write_change(conn, keep, ch_keep)
        write_change(conn, other, ch_other)
        conn.execute(update(alerts).where(alerts.c.case_id == other_id).values(case_id=keep_id))
        return result


def split_alert(db: Engine | Connection, alert_id: int, actor: Actor, reason: str,
                at: datetime | None = None) -> CaseRef:
    """Take one alert out of its case into a new case of its own; the old case's timeline records the split."""
    at = moment(at)
    with transaction(db) as conn:
        row = conn.execute(select(alerts).where(alerts.c.id == int(alert_id)).with_for_update()).mappings().first()
        if row is None:
            raise NotFound(err("alert_unknown", value=alert_id))
        if row["case_id"] is None:
            raise ValidationError(err("alert_no_case"))
        count = conn.execute(text("SELECT count(*) FROM alerts WHERE case_id = :c"), {"c": row["case_id"]}).scalar()
        if count < 2:
            raise ValidationError(err("alert_only_one"))
        ref = refdata.get_ref(conn)
        _, _, cat_code, type_name = alert_rule(ref, row["alert_type"])
        alert = AlertIn(alert_key=row["alert_key"], **{k: row[k] for k in ALERT_COLUMNS})
        new = open_case(conn, actor, at=at, **case_fields(alert, cat_code, type_name, None))
        perform(conn, row["case_id"], "alert_split", actor, at=at, alert_id=row["id"], new_case_id=new.id,
                note=reason)
        conn.execute(update(alerts).where(alerts.c.id == row["id"]).values(case_id=new.id))
        return new
