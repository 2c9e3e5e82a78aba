"""A whole period of engine actions run in memory and written at once: demo history and large test fixtures.

The same core (checks, handlers, steps, audit rows) decides every change; only the writing is batched. A Batch
assumes nobody else writes cases of the same days while it runs (it numbers case codes itself).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, text

from db.schema import alerts, audit_log, case_requests, case_steps, cases, whistle_departments, whistles
from db.workflow import handlers, refdata, whistle_rules  # noqa: F401  (they register the action handlers)
from db.workflow.alerts import alert_rule, case_fields, is_below
from db.workflow.clock import SHANGHAI, as_utc
from db.workflow.core import CaseState, Change, advance, build_change, err
from db.workflow.errors import NotFound, ValidationError
from db.workflow.model import SYSTEM, Actor, AlertIn, AlertOutcome, CaseRef, StepResult
from db.workflow.newcase import CASE_FIELDS, case_row, report_change
from db.workflow.copyrows import copy_rows
from db.workflow.table import TERMINAL


class IdPool:
    """Ids taken from a table's sequence in blocks, so rows can be referenced before they are written."""

    def __init__(self, conn: Connection, table: str, block: int = 1000):
        self.conn, self.table, self.block, self.free = conn, table, block, []

    def take(self) -> int:
        if not self.free:
            self.free = list(self.conn.execute(text(
                f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'id')) FROM generate_series(1, :n)"),
                {"n": self.block}).scalars())[::-1]
        return self.free.pop()


class Batch:
    """open_case / perform / intake_alert / merge_cases in memory; flush() writes every row with COPY."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.ref = refdata.get_ref(conn)
        self.states: dict[int, CaseState] = {}
        self.steps: dict[tuple[int, int], dict] = {}
        self.audit: list[dict] = []
        self.requests: dict[int, dict] = {}
        self.whistles: dict[int, dict] = {}
        self.wdepts: dict[tuple[int, int], dict] = {}
        self.alerts: list[dict] = []
        self._by_camera: dict[tuple, list] = {}
        self._alert_keys: set[str] = set()
        self._ids = {t: IdPool(conn, t) for t in ("cases", "case_requests", "whistles", "alerts")}
        self._day_seq = {r[0]: r[1] for r in conn.execute(text("SELECT day, last_seq FROM case_counters"))}

    def state(self, case_id: int) -> CaseState:
        cs = self.states.get(case_id)
        if cs is None:
            raise NotFound(err("case_not_found", case=case_id))
        return cs

    def _code(self, at: datetime) -> str:
        day = at.astimezone(SHANGHAI).date()
        self._day_seq[day] = self._day_seq.get(day, 0) + 1
        return f"{day:%Y%m%d}-{self._day_seq[day]:04d}"

    def open_case(self, actor: Actor, *, source: str, title: str, self_handled: bool = False,
                  at: datetime, **fields) -> CaseRef:
        at = as_utc(at)
        unknown = set(fields) - set(CASE_FIELDS)
        if unknown:
            raise TypeError(f"open_case() got unexpected keyword arguments {sorted(unknown)}")
        row = case_row(self.ref, actor, at, {**fields, "source": source, "title": title})
        row["id"], row["code"] = self._ids["cases"].take(), self._code(at)
        cs, ch = report_change(row, actor, at, self.ref)
        self.states[row["id"]] = cs
        self._apply(cs, ch)
        if self_handled:
            self._apply(cs, build_change(cs, "self_handle", actor, at, {}, self.ref))
        return CaseRef(row["id"], row["code"])

    def perform(self, case_id: int, action: str, actor: Actor, *, at: datetime, **params) -> StepResult:
        cs = self.state(case_id)
        return self._apply(cs, build_change(cs, action, actor, as_utc(at), params, self.ref))

    def _apply(self, cs: CaseState, ch: Change) -> StepResult:
        case_id = cs.case["id"]
        if ch.close_step:
            self.steps[(case_id, ch.close_step["seq"])].update(
                ended_at=ch.close_step["ended_at"], working_minutes=ch.close_step["working_minutes"])
        if ch.open_step and cs.open_step:
            self.steps[(case_id, cs.open_step["seq"])].update(ch.open_step)
        for rid, columns in ch.request_updates:
            self.requests[rid].update(columns)
        request_id = whistle_id = None
        if ch.new_request:
            request_id = self._ids["case_requests"].take()
            self.requests[request_id] = {**ch.new_request, "id": request_id}
        if ch.new_whistle:
            whistle_id = self._ids["whistles"].take()
            self.whistles[whistle_id] = {**ch.new_whistle["row"], "id": whistle_id}
            for d in ch.new_whistle["depts"]:
                self.wdepts[(whistle_id, d["dept_id"])] = {**d, "whistle_id": whistle_id}
        for wid, dept_id, columns in ch.whistle_dept_updates:
            self.wdepts[(wid, dept_id)].update(columns)
        for wid, row in ch.whistle_dept_inserts:
            self.wdepts[(wid, row["dept_id"])] = {**row, "whistle_id": wid}
        for wid in ch.whistle_closes:
            self.whistles[wid].update(state="closed", closed_at=ch.at)
        self.steps[(case_id, ch.step["seq"])] = {**ch.step, "case_id": case_id}
        self.audit.append(ch.audit)
        advance(cs, ch, request_id, whistle_id)
        return StepResult(case_id, cs.case["code"], ch.step["seq"], ch.action, ch.from_state, ch.to_state,
                          cs.case["version"], ch.at, request_id, whistle_id or ch.detail.get("whistle_id"))

    def merge_cases(self, keep_id: int, other_id: int, actor: Actor, reason: str, at: datetime) -> StepResult:
        if keep_id == other_id:
            raise ValidationError(err("merge_self"))
        keep, other = self.state(keep_id), self.state(other_id)
        at = as_utc(at)
        ch_keep = build_change(keep, "merge", actor, at, {"other_case_id": other_id, "note": reason}, self.ref)
        ch_other = build_change(other, "merge_into", actor, at, {"keep_id": keep_id, "reason": reason}, self.ref)
        result = self._apply(keep, ch_keep)
        self._apply(other, ch_other)
        for a in self.alerts:
            if a["case_id"] == other_id:
                a["case_id"] = keep_id
        return result

    def intake_alert(self, alert: AlertIn, at: datetime) -> AlertOutcome:
        """New alerts only (a Batch writes history; updates of known keys go through db.workflow.intake_alert)."""
        at = as_utc(at)
        if alert.alert_key in self._alert_keys:
            raise ValueError(f"Batch.intake_alert: alert_key {alert.alert_key!r} given twice")
        self._alert_keys.add(alert.alert_key)
        min_score, window, cat_code, type_name = alert_rule(self.ref, alert.alert_type)
        row = {"id": self._ids["alerts"].take(), "alert_key": alert.alert_key, "received_at": at,
               "below_threshold": is_below(alert, min_score), "case_id": None,
               **{k: getattr(alert, k) for k in ("camera_id", "camera_ref", "alert_type", "score", "priority",
                                                 "lon", "lat", "grid_id", "snapshot_url", "vendor",
                                                 "ended_at", "raw_event_id", "district_code")},
               "event_at": as_utc(alert.event_at)}
        self.alerts.append(row)
        if row["below_threshold"]:
            return AlertOutcome(row["id"], None, False, True)
        key = (alert.camera_id if alert.camera_id is not None else alert.camera_ref, alert.alert_type)
        seen = self._by_camera.setdefault(key, [])
        limit = timedelta(seconds=window)
        target = next((cid for t, cid in reversed(seen) if abs(t - row["event_at"]) <= limit
                       and self.states[cid].case["state"] not in TERMINAL), None)
        merged = target is not None
        if not merged:
            target = self.open_case(SYSTEM, at=at, **case_fields(alert, cat_code, type_name, None)).id
        seen.append((row["event_at"], target))
        row["case_id"] = target
        return AlertOutcome(row["id"], target, merged, False)

    def flush(self) -> dict:
        """Write everything (COPY) and the day counters; returns row counts."""
        conn = self.conn
        out = {
            "cases": copy_rows(conn, "cases", _cols(cases), (cs.case for cs in self.states.values())),
            "case_steps": copy_rows(conn, "case_steps", _cols(case_steps), self.steps.values()),
            "audit_log": copy_rows(conn, "audit_log", _cols(audit_log), self.audit),
            "case_requests": copy_rows(conn, "case_requests", _cols(case_requests), self.requests.values()),
            "whistles": copy_rows(conn, "whistles", _cols(whistles), self.whistles.values()),
            "whistle_departments": copy_rows(conn, "whistle_departments", _cols(whistle_departments),
                                             self.wdepts.values()),
            "alerts": copy_rows(conn, "alerts", _cols(alerts), self.alerts),
        }
        if self._day_seq:
            conn.execute(text(
                "INSERT INTO case_counters (day, last_seq) VALUES (:day, :seq) ON CONFLICT (day) DO UPDATE "
                "SET last_seq = GREATEST(case_counters.last_seq, EXCLUDED.last_seq)"),
                [{"day": d, "seq": s} for d, s in self._day_seq.items()])
        return out


def _cols(table) -> list[str]:
    """Columns written by COPY: ids of steps and audit rows come from their sequences; generated columns
    from PostgreSQL."""
    serial = table.name in ("case_steps", "audit_log")
    return [c.name for c in table.columns if not (serial and c.name == "id") and c.computed is None]
