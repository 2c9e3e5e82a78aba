"""Assessment (考核) computed from case step rows in one SQL pass: counts, rates, composite score and grade."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, text

from db.engine import dicts
from db.workflow import settings
from db.workflow.clock import as_utc
from db.workflow.core import err
from db.workflow.engine import transaction
from db.workflow.errors import ValidationError
from db.workflow.table import OPEN_STATES

DIMENSIONS = {"dept": "dept_id", "grid": "grid_id", "street": "street_code", "staff": "staff_id", "all": None}
DEPT_STAGES = "('dispatched', 'signed', 'handling')"
COUNTS = ("accepted", "filed", "due", "closed", "closed_ontime", "self_handled", "feedbacks", "reworks",
          "dispatches", "dispatches_ontime", "returns", "postponed", "overdue_open", "parked",
          "handle_minutes", "handled_cases", "satisfaction_sum", "satisfaction_n", "satisfied",
          "checkins_due", "checkins_ontime")
MAIN_COUNTS = COUNTS[:-2]
# The statement is too short to repay JIT compilation (measured: JIT alone cost 2.5 s).
PLANNER = {"jit": "off", "work_mem": "64MB"}
# When most cases are candidates (a month of a month-old table), hashing one sequential scan of the steps beats
# walking the (case_id, seq) index per case (measured 1.2 s against 3.3 s on 100,000 cases); when few are (a day,
# or a month of a city's year), the index wins (0.3 s against 6 s for a day of 1,000,000 cases).
SCAN_SHARE = 0.2
SCAN_PLANNER = {**PLANNER, "enable_indexscan": "off"}

# Per case, from its steps: what happened inside [start, end) and where it stood at the snapshot. Candidates are
# the cases touched since `start` or due in the window (each arm on an index, so a day's figures do not read a
# year of cases); only their steps that can count are read (department stages, parking, the counted actions),
# through the covering (case_id) index. An open case untouched since `start` (rest) did nothing in the window and
# stands at the snapshot where it stands now: its row alone says whether it is overdue or parked.
_TOUCHED = "(updated_at >= :start OR handle_deadline_at >= :start AND handle_deadline_at < :end)"
_CAND_WHERE = f"created_at < :end AND merged_into_id IS NULL AND {_TOUCHED}"
_FACTS = f"""
cand AS (
  SELECT id, dept_id, grid_id, street_code, reported_by_staff_id AS staff_id, state, handle_deadline_at,
         closed_at, satisfaction
  FROM cases
  WHERE {_CAND_WHERE}
),
rest AS (
  SELECT dept_id, grid_id, street_code, reported_by_staff_id AS staff_id, id AS case_id,
    false AS accepted, false AS filed, false AS self_handled, 0::bigint AS feedbacks, 0::bigint AS reworks,
    0::bigint AS dispatches, 0::bigint AS dispatches_ontime, 0::bigint AS returns, 0::bigint AS postponed,
    dept_late, (state IN {DEPT_STAGES} AND step_deadline_at < :snap) AS overdue_open, state = 'parked' AS parked,
    NULL::bigint AS handle_minutes, false AS due, false AS is_closed, false AS closed_in_range, satisfaction
  FROM cases
  WHERE state IN {OPEN_STATES} AND created_at < :end AND merged_into_id IS NULL AND NOT COALESCE({_TOUCHED}, false)
    AND (accepted_at IS NOT NULL OR dispatched_at IS NOT NULL OR parked_ever)
),
per AS (
  SELECT s.case_id,
    bool_or(s.action = 'accept' AND s.started_at >= :start) AS accepted,
    bool_or(s.action = 'file' AND s.started_at >= :start) AS filed,
    bool_or(s.action = 'self_handle' AND s.started_at >= :start) AS self_handled,
    count(*) FILTER (WHERE s.action = 'feedback' AND s.started_at >= :start) AS feedbacks,
    count(*) FILTER (WHERE s.action = 'rework' AND s.started_at >= :start) AS reworks,
    count(*) FILTER (WHERE s.from_state = 'filed' AND s.to_state = 'dispatched' AND s.started_at >= :start)
      AS dispatches,
    count(*) FILTER (WHERE s.from_state = 'filed' AND s.to_state = 'dispatched' AND s.started_at >= :start
      AND NOT COALESCE(s.prev_late, false)) AS dispatches_ontime,
    count(*) FILTER (WHERE s.action = 'approve_return' AND s.started_at >= :start) AS returns,
    count(*) FILTER (WHERE s.action = 'approve_postpone' AND s.started_at >= :start) AS postponed,
    COALESCE(bool_or(s.to_state IN {DEPT_STAGES} AND s.ended_at > s.deadline_at), false) AS dept_late,
    COALESCE(bool_or(s.to_state IN {DEPT_STAGES} AND s.deadline_at < :snap
      AND (s.ended_at IS NULL OR s.ended_at > :snap)), false) AS overdue_open,
    COALESCE(bool_or(s.to_state = 'parked' AND (s.ended_at IS NULL OR s.ended_at > :snap)), false) AS parked,
    sum(s.working_minutes) FILTER (WHERE s.to_state IN {DEPT_STAGES}) AS handle_minutes
  FROM case_steps s
  WHERE s.started_at < :end {{restrict}}
    AND (s.to_state IN ('dispatched', 'signed', 'handling', 'parked')
         OR s.started_at >= :start
            AND s.action IN ('accept', 'file', 'self_handle', 'feedback', 'rework', 'approve_return',
                             'approve_postpone'))
  GROUP BY s.case_id
),
facts AS (
  SELECT c.dept_id, c.grid_id, c.street_code, c.staff_id, p.*,
    (c.handle_deadline_at IS NOT NULL AND c.state NOT IN ('rejected', 'cancelled') AND NOT p.parked
      AND (c.handle_deadline_at >= :start AND c.handle_deadline_at < :end
           OR c.closed_at >= :start AND c.closed_at < :end)) AS due,
    (c.closed_at < :end) AS is_closed,
    (c.closed_at >= :start AND c.closed_at < :end) AS closed_in_range,
    c.satisfaction
  FROM cand c JOIN per p ON p.case_id = c.id
  UNION ALL
  SELECT * FROM rest
),
chk AS (
  SELECT wd.dept_id, c.grid_id, c.street_code, c.reported_by_staff_id AS staff_id,
    (wd.checked_in_at IS NOT NULL AND wd.checked_in_at <= wd.deadline_at) AS ontime
  FROM whistle_departments wd JOIN whistles w ON w.id = wd.whistle_id JOIN cases c ON c.id = w.case_id
  WHERE wd.deadline_at >= :start AND wd.deadline_at < :end
    AND (wd.checked_in_at IS NOT NULL OR wd.deadline_at < :snap) AND wd.returned_at IS NULL
)"""

_AGG = """
  count(*) FILTER (WHERE accepted) AS accepted, count(*) FILTER (WHERE filed) AS filed,
  count(*) FILTER (WHERE due) AS due, count(*) FILTER (WHERE due AND is_closed) AS closed,
  count(*) FILTER (WHERE due AND is_closed AND NOT dept_late) AS closed_ontime,
  count(*) FILTER (WHERE self_handled) AS self_handled,
  sum(feedbacks) AS feedbacks, sum(reworks) AS reworks, sum(dispatches) AS dispatches,
  sum(dispatches_ontime) AS dispatches_ontime, sum(returns) AS returns, sum(postponed) AS postponed,
  count(*) FILTER (WHERE overdue_open) AS overdue_open, count(*) FILTER (WHERE parked) AS parked,
  sum(handle_minutes) FILTER (WHERE due AND is_closed) AS handle_minutes,
  count(*) FILTER (WHERE due AND is_closed) AS handled_cases,
  sum(satisfaction) FILTER (WHERE closed_in_range) AS satisfaction_sum,
  count(satisfaction) FILTER (WHERE closed_in_range) AS satisfaction_n,
  count(*) FILTER (WHERE closed_in_range AND satisfaction >= 4) AS satisfied"""


def _grouping(dims: list[str]) -> tuple[str, str, str]:
    cols = [DIMENSIONS[d] for d in dims if DIMENSIONS[d]]
    sets = ", ".join(f"({DIMENSIONS[d]})" if DIMENSIONS[d] else "()" for d in dims)
    dim = "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN '{d}'" for d, c in DIMENSIONS.items() if c in cols) \
        + " ELSE 'all' END" if cols else "'all'"
    key = "COALESCE(" + ", ".join(f"{c}::text" for c in cols) + ")" if cols else "NULL::text"
    return sets, dim, key


def assessment_sql(dims: list[str], scan: bool = True) -> str:
    """The single statement computing every dimension in `dims` (GROUPING SETS over per-case facts); scan=False
    reads only the candidates' steps (few candidates), scan=True all steps then joins (most cases candidates).
    Keys are ids and codes, never '': the COALESCE keeps the full join hashable (IS NOT DISTINCT FROM is not)."""
    sets, dim, key = _grouping(dims)
    facts = _FACTS.replace("{restrict}", "" if scan else "AND s.case_id IN (SELECT id FROM cand)")
    return f"""WITH {facts},
main AS (SELECT {dim} AS dim, {key} AS key, {_AGG} FROM facts GROUP BY GROUPING SETS ({sets})),
whistle AS (SELECT {dim} AS dim, {key} AS key, count(*) AS checkins_due,
  count(*) FILTER (WHERE ontime) AS checkins_ontime FROM chk GROUP BY GROUPING SETS ({sets}))
SELECT COALESCE(m.dim, w.dim) AS dim, COALESCE(m.key, w.key) AS key, {", ".join(f"m.{c}" for c in MAIN_COUNTS)},
  w.checkins_due, w.checkins_ontime
FROM main m FULL JOIN whistle w ON w.dim = m.dim AND COALESCE(w.key, '') = COALESCE(m.key, '')"""


def _rate(num, den) -> float | None:
    return round(100.0 * num / den, 2) if den else None


def grade(score: float | None, bounds: list[tuple[str, float]] | None = None) -> str | None:
    if score is None:
        return None
    for name, bound in bounds if bounds is not None else settings.grade_bounds():
        if score >= bound:
            return name
    return "E"


def finish_row(raw: dict, weights: dict | None = None, bounds: list[tuple[str, float]] | None = None) -> dict:
    """Counts to rates, averages, composite score (configured weights) and grade. A unit with nothing due to
    close in the period gets no score and no grade: its other rates alone would rank it first on nothing."""
    r = dict.fromkeys(COUNTS, 0)
    r.update((k, int(v)) for k, v in raw.items() if v and k in r)
    r.update(dim=raw["dim"], key=raw["key"])
    r["file_rate"] = _rate(r["filed"], r["accepted"])
    r["close_rate"] = _rate(r["closed"], r["due"])
    r["ontime_close_rate"] = _rate(r["closed_ontime"], r["due"])
    r["rework_rate"] = _rate(r["reworks"], r["feedbacks"])
    r["dispatch_ontime_rate"] = _rate(r["dispatches_ontime"], r["dispatches"])
    r["dispatch_accuracy"] = _rate(r["dispatches"] - r["returns"], r["dispatches"])
    r["checkin_ontime_rate"] = _rate(r["checkins_ontime"], r["checkins_due"])
    r["avg_handle_hours"] = round(r["handle_minutes"] / 60 / r["handled_cases"], 2) if r["handled_cases"] else None
    r["satisfaction"] = round(r["satisfaction_sum"] / r["satisfaction_n"], 2) if r["satisfaction_n"] else None
    r["satisfied_rate"] = _rate(r["satisfied"], r["satisfaction_n"])
    r["score"] = r["grade"] = None
    if r["due"]:                        # most of a day's grids: nothing due, no score (and no work here)
        parts = {"file_rate": r["file_rate"], "close_rate": r["close_rate"],
                 "ontime_close_rate": r["ontime_close_rate"],
                 "rework_inverse": None if r["rework_rate"] is None else 100 - r["rework_rate"]}
        weights = weights if weights is not None else settings.assessment_weights()
        used = {k: v for k, v in parts.items() if v is not None and weights.get(k)}
        total = sum(weights[k] for k in used)
        r["score"] = round(sum(weights[k] * v for k, v in used.items()) / total, 2) if total else None
        r["grade"] = grade(r["score"], bounds)
    return r


def _configure(conn: Connection, values: dict) -> None:
    conn.execute(text("SELECT " + ", ".join(f"set_config('{k}', :v{i}, true)" for i, k in enumerate(values))),
                 {f"v{i}": v for i, v in enumerate(values.values())})


def _planned(conn: Connection, planner: dict, run):
    """run() under these planner settings; a caller's transaction gets its own settings back afterwards."""
    saved = conn.execute(text("SELECT " + ", ".join(f"current_setting('{k}')" for k in planner))).one()
    _configure(conn, planner)
    result = run()
    _configure(conn, dict(zip(planner, saved)))
    return result


def _window(start: datetime, end: datetime) -> dict:
    start, end = as_utc(start), as_utc(end)
    return {"start": start, "end": end, "snap": min(end, datetime.now(timezone.utc))}


# Cases only: dept_late is kept on the case by the workflow engine (a department step ended past its deadline),
# so the steps are read only for the rare cases that were ever parked (parked at the window's end: not due). Two
# arms per window (deadline, close time), each on its own index: an OR join condition reads every case.
# Exactly the columns of the covering indexes ix_cases_due_cover and ix_cases_closed_cover: index-only scans.
_DUE_COLS = "id, handle_deadline_at, closed_at, state, merged_into_id, dept_late, parked_ever"
_ONTIME = f"""
WITH w AS (
  SELECT * FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]), CAST(:snaps AS timestamptz[]))
    WITH ORDINALITY AS w(ws, we, snap, i)
),
due AS (
  SELECT w.i, c.id, c.closed_at, c.dept_late, w.we,
    c.parked_ever AND EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = c.id AND s.to_state = 'parked'
      AND s.started_at < w.we AND (s.ended_at IS NULL OR s.ended_at > w.snap)) AS parked
  FROM w CROSS JOIN LATERAL (
    SELECT {_DUE_COLS} FROM cases WHERE handle_deadline_at >= w.ws AND handle_deadline_at < w.we
    UNION ALL
    SELECT {_DUE_COLS} FROM cases WHERE closed_at >= w.ws AND closed_at < w.we
      AND NOT (handle_deadline_at >= w.ws AND handle_deadline_at < w.we)
  ) c
  WHERE c.merged_into_id IS NULL AND c.handle_deadline_at IS NOT NULL AND c.state NOT IN ('rejected', 'cancelled')
)
SELECT w.i, count(d.id) FILTER (WHERE NOT d.parked) AS due,
       count(d.id) FILTER (WHERE NOT d.parked AND d.closed_at < d.we AND NOT d.dept_late) AS closed_ontime
FROM w LEFT JOIN due d ON d.i = w.i GROUP BY w.i ORDER BY w.i"""


def ontime_close_rates(db: Engine | Connection, windows: list[tuple[datetime, datetime]]) \
        -> list[tuple[int, int, float | None]]:
    """(应结案, 按期结案, 按期结案率) per [start, end) window, exactly as assess() counts them, in one statement that
    reads only the cases due in the windows: the wall's tiles ask every few seconds and the 30-day trend asks for
    30 windows."""
    params = {"starts": [], "ends": [], "snaps": []}
    for start, end in windows:
        w = _window(start, end)
        params["starts"].append(w["start"]), params["ends"].append(w["end"]), params["snaps"].append(w["snap"])
    with transaction(db) as conn:
        rows = _planned(conn, PLANNER, lambda: conn.execute(text(_ONTIME), params).all())
    return [(r.due, r.closed_ontime, _rate(r.closed_ontime, r.due)) for r in rows]


def ontime_close_rate(db: Engine | Connection, start: datetime, end: datetime) -> tuple[int, int, float | None]:
    return ontime_close_rates(db, [(start, end)])[0]


def _mostly_candidates(conn: Connection, window: dict) -> bool:
    """Whether the candidates are likely more than SCAN_SHARE of all cases: cases are touched about evenly over
    time, so the window's share of the cases' whole span tells it without counting them."""
    first = conn.execute(text("SELECT min(created_at) FROM cases")).scalar()
    if first is None:
        return True
    span = (window["snap"] - first).total_seconds()
    return span <= 0 or (window["snap"] - window["start"]).total_seconds() > SCAN_SHARE * span


def assess_many(db: Engine | Connection, start: datetime, end: datetime, bys=("dept", "grid", "street", "staff"))\
        -> dict[str, list[dict]]:
    """Assessment for [start, end) by several dimensions in one SQL statement: {by: [row, ...]}."""
    bys = list(bys)
    for by in bys:
        if by not in DIMENSIONS:
            raise ValidationError(err("bad_dimension"))
    window = _window(start, end)
    with transaction(db) as conn:
        scan = _mostly_candidates(conn, window)
        raw = _planned(conn, SCAN_PLANNER if scan else PLANNER,
                       lambda: dicts(conn.execute(text(assessment_sql(bys, scan)), window)))
    out: dict[str, list[dict]] = {by: [] for by in bys}
    weights, bounds = settings.assessment_weights(), settings.grade_bounds()
    for row in raw:
        out[row["dim"]].append(finish_row(row, weights, bounds))
    for rows in out.values():
        rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), str(r["key"])))
    return out


def assess(db: Engine | Connection, start: datetime, end: datetime, by: str = "dept") -> list[dict]:
    """Assessment for [start, end) per dept / grid / street / staff (or "all"), best score first. Each row:
    dim, key (the id or code as text; None = cases without one), the counts 受理 accepted, 立案 filed, 应结案 due
    (dispatched cases whose handling deadline falls in the period or that were closed in it; parked, rejected and
    cancelled ones left out), 结案 closed, 按期 closed_ontime (no department step ended past its deadline, which
    postponements move), ..., the rates in percent (close_rate = closed / due, ontime_close_rate =
    closed_ontime / due, rework_rate = reworks / feedbacks, dispatch_ontime_rate, checkin_ontime_rate, ...;
    None when the denominator is 0), avg_handle_hours, satisfaction, score and grade (A-E; None when nothing
    was due)."""
    return assess_many(db, start, end, [by])[by]
