"""Assessment benchmark: one month of a city (100,000 cases, 60 departments, 2,500 grids, about a million step
rows) assessed by department, grid, street and staff member (a) by our single SQL statement (db.workflow.
assess_many, GROUPING SETS over per-case facts) and (b) the naive way: load cases, steps and whistle rows into
pandas and group there. Both run on the same data in the same run and must agree on every count.
The last line is one JSON object: cases, ours_s, naive_s, speedup.

Run: .venv/bin/python bench/assessment.py --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
(or BENCH_DATABASE_URL). A throwaway database is created on that server, filled with generated fixture rows by
SQL (benchmark data, not application writes) and dropped at the end unless --keep.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import migrate  # noqa: E402
from db.workflow.assessment import COUNTS, assess_many  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
START, END = datetime(2026, 3, 1, tzinfo=SH), datetime(2026, 4, 1, tzinfo=SH)
DIMS = ("dept", "grid", "street", "staff")
CASES, DEPTS, GRIDS = 100_000, 60, 2_500

# Reference rows: 1 district, 25 streets, 250 communities, 2,500 grids (ids 1..2500), 60 departments, one grid
# worker per grid (staff id = grid id), one category.
SETUP = [
    "SET max_parallel_workers_per_gather = 0",
    "SELECT setseed(0.42)",
    "INSERT INTO areas (code, name, level) VALUES ('350102000000', '基准区', 'district')",
    "INSERT INTO areas (code, name, level, parent_code) SELECT '350102' || lpad(s::text, 3, '0') || '000', "
    "'街道' || s, 'street', '350102000000' FROM generate_series(1, 25) s",
    "INSERT INTO areas (code, name, level, parent_code) SELECT '350102' || lpad(s::text, 3, '0') || "
    "lpad(c::text, 3, '0'), '社区' || s || '-' || c, 'community', '350102' || lpad(s::text, 3, '0') || '000' "
    "FROM generate_series(1, 25) s, generate_series(1, 10) c",
    "INSERT INTO grids (id, code, name, area_code, district_code, boundary, min_lon, min_lat, max_lon, max_lat, "
    "center_lon, center_lat) SELECT g, 'G' || g, '网格' || g, '350102' || lpad((1 + (g - 1) / 100)::text, 3, '0') "
    "|| lpad((1 + ((g - 1) / 10) % 10)::text, 3, '0'), '350102', '{\"type\": \"Point\", \"coordinates\": [0, 0]}', "
    "119.0, 26.0, 119.01, 26.01, 119.005, 26.005 FROM generate_series(1, 2500) g",
    "INSERT INTO departments (id, code, name, tier) SELECT d, 'D' || d, '部门' || d, 1 + d % 3 "
    "FROM generate_series(1, 60) d",
    "INSERT INTO staff (id, code, name, role) SELECT g, 'S' || g, '网格员' || g, 'patroller' "
    "FROM generate_series(1, 2500) g",
    "INSERT INTO category_versions (id, name, effective_from, active) VALUES (1, '基准', '2025-01-01', true)",
    "INSERT INTO categories (id, version_id, code, level, domain, name) VALUES (1, 1, '01', 'major', 'urban', '市容')",
]

# One plan row per case: its fate and the moment of each step (natural time keeps the fixture simple).
PLAN = """
CREATE TEMP TABLE plan AS
SELECT i AS id, 1 + (i::bigint * 7919) % 2500 AS grid_id, 1 + (i::bigint * 104729) % 60 AS dept_id, t0,
  t0 + a * interval '20 min' AS t1, t0 + a * interval '20 min' + b * interval '30 min' AS t2,
  t0 + a * interval '20 min' + b * interval '30 min' + c * interval '45 min' AS t3, fate, late, rework, postpone,
  d, e
FROM (SELECT i, timestamptz '2026-03-01 00:00+08' + random() * interval '30 days' AS t0, random() AS fate,
        random() < 0.2 AS late, random() < 0.03 AS rework, random() < 0.04 AS postpone, random() AS a,
        random() AS b, random() AS c, random() AS d, random() AS e
      FROM generate_series(1, {cases}) i) x
"""
TIMES = """
CREATE TEMP TABLE tl AS
SELECT p.*, t3 + interval '5 min' + d * interval '85 min' AS t4,
  t3 + interval '1 day' * (CASE WHEN postpone THEN 2 ELSE 1 END) AS hd,
  CASE WHEN fate < 0.05 THEN 'rejected' WHEN fate < 0.07 THEN 'self' WHEN fate < 0.09 THEN 'parked'
       WHEN fate < 0.12 THEN 'open_dispatched' WHEN fate < 0.15 THEN 'open_handling' ELSE 'closed' END AS kind
FROM plan p
"""
TIMES2 = """
CREATE TEMP TABLE t2l AS
SELECT tl.*, t4 + interval '10 min' AS t5,
  t3 + (hd - t3) * (CASE WHEN late THEN 1.05 + e * 1.5 ELSE 0.1 + e * 0.85 END) AS t6
FROM tl
"""
CASES_SQL = """
INSERT INTO cases (id, code, source, state, level, urgency, category_id, title, grid_id, community_code, street_code,
  district_code, reported_by_staff_id, dept_id, reported_at, accepted_at, filed_at, dispatched_at, closed_at,
  close_type, handle_deadline_at, satisfaction, created_at, updated_at, version)
SELECT t.id, 'B' || t.id, 'grid_worker',
  CASE kind WHEN 'rejected' THEN 'rejected' WHEN 'self' THEN 'closed' WHEN 'parked' THEN 'parked'
    WHEN 'open_dispatched' THEN 'dispatched' WHEN 'open_handling' THEN 'handling' ELSE 'closed' END,
  'grid', 3, 1, '基准案件', t.grid_id, ga.area_code, ga.parent_code, '350102', t.grid_id,
  CASE WHEN kind IN ('rejected', 'self') THEN NULL ELSE dept_id END, t0, t1, t2, t3,
  CASE kind WHEN 'self' THEN t0 WHEN 'closed' THEN t6 + interval '30 min' + (CASE WHEN rework THEN interval '3 hours'
    ELSE interval '0' END) END,
  CASE WHEN kind IN ('self', 'closed') THEN (CASE WHEN late THEN 'late' ELSE 'normal' END) END,
  CASE WHEN kind NOT IN ('rejected', 'self') THEN hd END,
  CASE WHEN kind = 'closed' THEN 1 + (t.id % 5) END, t0, t0, 10
FROM t2l t JOIN (SELECT g.id AS gid, g.area_code, a.parent_code FROM grids g JOIN areas a ON a.code = g.area_code)
  ga ON ga.gid = t.grid_id
"""
# (seq, action, from, to, start, end, deadline, which cases); NULL end = still open.
STEPS = [
    (1, "report", None, "reported", "t0", "CASE WHEN kind = 'self' THEN t0 ELSE t1 END", "t0 + interval '30 min'",
     "true"),
    (2, "self_handle", "reported", "closed", "t0", "t0", None, "kind = 'self'"),
    (2, "accept", "reported", "accepted", "t1", "t2", "t0 + interval '30 min'", "kind <> 'self'"),
    (3, "reject", "accepted", "rejected", "t2", "t2", None, "kind = 'rejected'"),
    (3, "file", "accepted", "filed", "t2", "t3", "t2 + interval '30 min'", "kind NOT IN ('self', 'rejected')"),
    (4, "dispatch", "filed", "dispatched", "t3", "CASE WHEN kind = 'open_dispatched' THEN NULL ELSE t4 END",
     "t3 + interval '60 min'", "kind NOT IN ('self', 'rejected')"),
    (5, "sign", "dispatched", "signed", "t4", "t5", "hd", "kind IN ('parked', 'open_handling', 'closed')"),
    (6, "start", "signed", "handling", "t5", "CASE kind WHEN 'parked' THEN t5 + interval '2 hours' WHEN "
     "'open_handling' THEN NULL ELSE t6 END", "hd", "kind IN ('parked', 'open_handling', 'closed')"),
    (7, "request_postpone", "handling", "handling", "t5 + interval '1 min'", "t5 + interval '1 min'", None,
     "postpone AND kind = 'closed'"),
    (8, "approve_postpone", "handling", "handling", "t5 + interval '2 min'", "t5 + interval '2 min'", None,
     "postpone AND kind = 'closed'"),
    (9, "approve_park", "handling", "parked", "t5 + interval '2 hours'", None, None, "kind = 'parked'"),
    (9, "feedback", "handling", "feedback", "t6", "t6 + interval '5 min'", "t6 + interval '60 min'",
     "kind = 'closed'"),
    (10, "check", "feedback", "checking", "t6 + interval '5 min'", "CASE WHEN rework THEN t6 + interval '10 min' "
     "ELSE t6 + interval '30 min' END", "t6 + interval '65 min'", "kind = 'closed'"),
    (11, "rework", "checking", "handling", "t6 + interval '10 min'", "t6 + interval '2 hours'",
     "t6 + interval '1 day'", "rework AND kind = 'closed'"),
    (12, "feedback", "handling", "feedback", "t6 + interval '2 hours'", "t6 + interval '150 min'",
     "t6 + interval '3 hours'", "rework AND kind = 'closed'"),
    (13, "check", "feedback", "checking", "t6 + interval '150 min'", "t6 + interval '210 min'",
     "t6 + interval '210 min'", "rework AND kind = 'closed'"),
    (14, "close", "checking", "closed", "t6 + interval '30 min' + (CASE WHEN rework THEN interval '3 hours' ELSE "
     "interval '0' END)", "t6 + interval '30 min' + (CASE WHEN rework THEN interval '3 hours' ELSE interval '0' END)",
     None, "kind = 'closed'"),
]
WHISTLES = [
    "INSERT INTO whistles (id, case_id, reason, state, raised_at, closed_at) SELECT id, id, 'emergency', 'closed', "
    "t3, t3 + interval '1 day' FROM t2l WHERE kind = 'closed' AND id % 50 = 0",
    "INSERT INTO whistle_departments (whistle_id, dept_id, role, deadline_at, checked_in_at, checkin_late) "
    "SELECT id, dept_id, 'lead', t3 + interval '30 min', t3 + d * interval '45 min', d * 45 > 30 "
    "FROM t2l WHERE kind = 'closed' AND id % 50 = 0",
    "INSERT INTO whistle_departments (whistle_id, dept_id, role, deadline_at, checked_in_at, checkin_late) "
    "SELECT id, 1 + (dept_id % 60), 'co', t3 + interval '2 hours', t3 + e * interval '3 hours', e * 3 > 2 "
    "FROM t2l WHERE kind = 'closed' AND id % 50 = 0",
]


def step_sql(seq, action, src, dst, start, end, deadline, where) -> str:
    prev_late = "jsonb_build_object('prev_late', t3 > t2 + interval '30 min')" if action == "dispatch" else "NULL"
    end = end or "NULL"
    minutes = f"(extract(epoch FROM ({end}) - ({start})) / 60)::int"
    return (f"INSERT INTO case_steps (case_id, seq, action, from_state, to_state, actor_role, dept_id, level, "
            f"started_at, ended_at, deadline_at, working_minutes, detail) SELECT id, {seq}, '{action}', "
            f"{'NULL' if src is None else repr(src)}, '{dst}', 'system', "
            f"CASE WHEN kind IN ('self', 'rejected') THEN NULL ELSE dept_id END, 'grid', {start}, {end}, "
            f"{deadline or 'NULL'}, {minutes}, {prev_late} FROM t2l WHERE {where}")


def load(url: str, cases: int) -> float:
    started = time.perf_counter()
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql in SETUP + [PLAN.format(cases=cases), TIMES, TIMES2, CASES_SQL]:
            conn.execute(text(sql))
        for step in STEPS:
            conn.execute(text(step_sql(*step)))
        for sql in WHISTLES:
            conn.execute(text(sql))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def naive(url: str, start: datetime, end: datetime) -> dict[str, dict]:
    """The way without the engine's SQL: read every row into pandas, then filter and group in Python."""
    engine = create_engine(url)
    with engine.connect() as conn:
        cases = pd.read_sql(text("SELECT id, dept_id, grid_id, street_code, reported_by_staff_id AS staff_id, state, "
                                 "handle_deadline_at, closed_at, satisfaction, created_at, updated_at, merged_into_id "
                                 "FROM cases"), conn)
        steps = pd.read_sql(text("SELECT case_id, action, from_state, to_state, started_at, ended_at, deadline_at, "
                                 "working_minutes, detail ->> 'prev_late' AS prev_late FROM case_steps"), conn)
        chk = pd.read_sql(text("SELECT wd.dept_id, w.case_id, wd.deadline_at, wd.checked_in_at, wd.returned_at "
                               "FROM whistle_departments wd JOIN whistles w ON w.id = wd.whistle_id"), conn)
    engine.dispose()
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    snap = min(end, pd.Timestamp.now(tz="UTC"))
    terminal = cases.state.isin(["closed", "rejected", "cancelled"])
    cand = cases[(cases.created_at < end) & cases.merged_into_id.isna()
                 & ((cases.updated_at >= start) | (cases.handle_deadline_at >= start) | ~terminal)]
    s = steps[steps.case_id.isin(cand.id) & (steps.started_at < end)].copy()
    inr = s.started_at >= start
    dept = s.to_state.isin(["dispatched", "signed", "handling"])
    disp = (s.from_state == "filed") & (s.to_state == "dispatched") & inr
    open_at_snap = s.ended_at.isna() | (s.ended_at > snap)
    s = s.assign(
        accepted=(s.action == "accept") & inr, filed=(s.action == "file") & inr,
        self_handled=(s.action == "self_handle") & inr, feedbacks=(s.action == "feedback") & inr,
        reworks=(s.action == "rework") & inr, dispatches=disp, dispatches_ontime=disp & (s.prev_late != "true"),
        returns=(s.action == "approve_return") & inr, postponed=(s.action == "approve_postpone") & inr,
        dept_late=dept & (s.ended_at > s.deadline_at),
        overdue_open=dept & (s.deadline_at < snap) & open_at_snap,
        parked=(s.to_state == "parked") & open_at_snap, handle_minutes=s.working_minutes.where(dept, 0))
    per = s.groupby("case_id").agg(
        accepted=("accepted", "any"), filed=("filed", "any"), self_handled=("self_handled", "any"),
        feedbacks=("feedbacks", "sum"), reworks=("reworks", "sum"), dispatches=("dispatches", "sum"),
        dispatches_ontime=("dispatches_ontime", "sum"), returns=("returns", "sum"), postponed=("postponed", "sum"),
        dept_late=("dept_late", "any"), overdue_open=("overdue_open", "any"), parked=("parked", "any"),
        handle_minutes=("handle_minutes", "sum"))
    f = cand.merge(per, left_on="id", right_index=True)
    in_range = (f.closed_at >= start) & (f.closed_at < end)
    f["due"] = (f.handle_deadline_at.notna() & (((f.handle_deadline_at >= start) & (f.handle_deadline_at < end))
                                                | in_range)
                & ~f.state.isin(["rejected", "cancelled"]) & ~f.parked)
    f["closed"] = f.due & (f.closed_at < end)
    f["closed_ontime"] = f.closed & ~f.dept_late
    f["handled_cases"] = f.closed
    f["handle_minutes"] = f.handle_minutes.where(f.closed, 0)
    f["satisfaction_sum"] = f.satisfaction.where(in_range, 0).fillna(0)
    f["satisfaction_n"] = in_range & f.satisfaction.notna()
    f["satisfied"] = in_range & (f.satisfaction >= 4)
    keys = cases.set_index("id")[["grid_id", "street_code", "staff_id"]]
    c = chk[(chk.deadline_at >= start) & (chk.deadline_at < end) & chk.returned_at.isna()
            & (chk.checked_in_at.notna() | (chk.deadline_at < snap))].join(keys, on="case_id")
    c = c.assign(checkins_due=1, checkins_ontime=c.checked_in_at.notna() & (c.checked_in_at <= c.deadline_at))
    out = {}
    cols = {"dept": "dept_id", "grid": "grid_id", "street": "street_code", "staff": "staff_id"}
    main_cols = [k for k in COUNTS if k not in ("checkins_due", "checkins_ontime")]
    for dim, col in cols.items():
        g = f.groupby(col, dropna=False)[main_cols].sum()
        w = c.groupby(col, dropna=False)[["checkins_due", "checkins_ontime"]].sum()
        both = g.join(w, how="outer").fillna(0)
        out[dim] = {_key(k): tuple(int(both.at[k, n]) for n in COUNTS) for k in both.index}
    return out


def _key(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(int(value)) if isinstance(value, float) else str(value)


def ours(url: str, start: datetime, end: datetime) -> dict[str, dict]:
    engine = create_engine(url)
    try:
        got = assess_many(engine, start, end, DIMS)
    finally:
        engine.dispose()
    return {dim: {r["key"]: tuple(r[n] for n in COUNTS) for r in rows} for dim, rows in got.items()}


def timed(fn, *args, runs: int) -> tuple[float, dict]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    ap.add_argument("--cases", type=int, default=CASES)
    ap.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = ap.parse_args()
    if not args.database_url:
        ap.error("需要 --database-url 或 BENCH_DATABASE_URL")
    server = make_url(args.database_url)
    name = f"bench_assess_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        load_s = load(url, args.cases)
        with create_engine(url).connect() as conn:
            n_cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
            n_steps = conn.execute(text("SELECT count(*) FROM case_steps")).scalar()
        print(f"fixture: {n_cases:,} cases, {n_steps:,} steps, {DEPTS} departments, {GRIDS:,} grids "
              f"(loaded in {load_s:.1f} s)")
        ours(url, START, END)                       # warm-up: both ways then read from a warm buffer cache
        ours_s, ours_rows = timed(ours, url, START, END, runs=5)
        naive_s, naive_rows = timed(naive, url, START, END, runs=2)
        same = ours_rows == naive_rows
        groups = {d: len(v) for d, v in ours_rows.items()}
        print(f"ours  (one SQL statement, 4 dimensions): {ours_s:8.3f} s (median of 5)  groups {groups}")
        print(f"naive (pandas: load all rows, group):    {naive_s:8.3f} s (median of 2)")
        print(f"speedup {naive_s / ours_s:.1f}x; results identical: {same}")
        if not same:
            for dim in DIMS:
                diff = [k for k in set(ours_rows[dim]) | set(naive_rows[dim])
                        if ours_rows[dim].get(k) != naive_rows[dim].get(k)]
                print(f"  {dim}: {len(diff)} groups differ, e.g. {diff[:3]}")
        print(json.dumps({"cases": n_cases, "steps": n_steps, "ours_s": round(ours_s, 3),
                          "naive_s": round(naive_s, 3), "speedup": round(naive_s / ours_s, 1), "identical": same}))
        return 0 if same else 1
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
