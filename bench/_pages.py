"""What each dashboard page reads, as the plain query functions the cached wrappers call (no Streamlit).

PAGES maps a page to a function (ctx, run) -> {call: seconds}; the page's time is the sum (the page makes the
calls one after another). `run` picks which case, department or worker a run looks at, so the median is not one
lucky row. The calls follow pages/*.py and the dashboard view modules: keep them in step when a page changes.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, text

from dashboard import clock, daily_report, queries_admin as qa, queries_cases as qc, queries_daily as qd, \
    queries_staff as qs, queries_wall as qw, wall_panels
from db.workflow import timeline

DESK_FIGURE_DAYS = 30          # dashboard/desk_view.FIGURE_DAYS
HEALTH_WINDOW_MIN = 15         # dashboard/admin_view.HEALTH_WINDOW_MIN


@dataclass(frozen=True)
class Context:
    engine: Engine
    now: datetime                 # rounded to the minute, as cached_cases.now_minute()
    today: date
    work_day: date                # the latest working day whose hours are over: a full day of positions
    case_codes: tuple[str, ...]   # one per run: open and closed cases, drawn at random
    dept_ids: tuple[int, ...]     # the busiest departments
    staff_ids: tuple[int, ...]    # patrollers with a trail on work_day


def context(engine: Engine, runs: int, seed: int = 5) -> Context:
    now = clock.now().replace(second=0, microsecond=0)
    today = clock.today()
    rng = random.Random(seed)
    with engine.connect() as c:
        max_id = c.execute(text("SELECT max(id) FROM cases")).scalar_one()
        open_codes = c.execute(text("SELECT code FROM cases WHERE state NOT IN ('closed', 'rejected', 'cancelled') "
                                    "ORDER BY id")).scalars().all()
        ids = [rng.randint(1, max_id) for _ in range(runs)]
        closed_codes = c.execute(text("SELECT code FROM cases WHERE id = ANY(:ids)"), {"ids": ids}).scalars().all()
        depts = c.execute(text("SELECT dept_id FROM cases WHERE dept_id IS NOT NULL GROUP BY 1 "
                               "ORDER BY count(*) DESC LIMIT :n"), {"n": runs}).scalars().all()
        staff = c.execute(text("SELECT id FROM staff WHERE role = 'patroller' ORDER BY id")).scalars().all()
    codes = [rng.choice(open_codes) if i % 2 == 0 and open_codes else closed_codes[i % len(closed_codes)]
             for i in range(runs)]
    return Context(engine, now, today, _work_day(engine, today, now), tuple(codes), tuple(depts),
                   tuple(rng.sample(staff, min(runs, len(staff)))))


def _work_day(engine: Engine, today: date, now: datetime) -> date:
    """Today when its working hours are over, else the working day before (positions cover a whole day)."""
    day = today
    for _ in range(15):
        periods = qs.work_periods(engine, day)
        if periods and periods[-1][1] <= now:
            return day
        day -= timedelta(days=1)
    return today


def _timed(out: dict, name: str, fn, *args, **kw):
    started = time.perf_counter()
    result = fn(*args, **kw)
    out[name] = out.get(name, 0.0) + time.perf_counter() - started
    return result


def wall(ctx: Context, run: int) -> dict:
    """pages/wall.py map view: header, KPI tiles, grid assets, the deck's layers, whistles and feed."""
    e, t, out = ctx.engine, ctx.today, {}
    start, end = clock.day_bounds(t)
    _timed(out, "district", qw.district, e)
    _timed(out, "data_age", qw.data_age, e)
    _timed(out, "kpis", qw.kpis, e, start, end)
    _timed(out, "ontime_rate today", qd.ontime_rate, e, t, t)
    _timed(out, "ontime_rate month", qd.ontime_rate, e, clock.month_start(t), t)
    _timed(out, "grid_shapes", qw.grid_shapes, e)
    _timed(out, "grid_counts", qw.grid_counts, e)
    _timed(out, "open_case_points", qw.open_case_points, e)
    _timed(out, "open_whistles", qw.open_whistles, e)
    _timed(out, "camera_alerts", qw.camera_alerts, e, wall_panels.CAMERA_WINDOW_MIN)
    _timed(out, "latest_positions", qs.latest_positions, e, qs.STALE_MINUTES)
    _timed(out, "feed", qw.feed, e, wall_panels.FEED_ROWS)
    return out


def queue(ctx: Context, run: int) -> dict:
    """pages/queue.py with the default filter (every open case, least time left first)."""
    out = {}
    _timed(out, "filter_options", qc.filter_options, ctx.engine)
    _timed(out, "queue", qc.queue, ctx.engine, qc.CaseFilter(), dept_id=None, now=ctx.now)
    return out


def case(ctx: Context, run: int) -> dict:
    """pages/case.py for a dispatcher: the case, its timeline, alerts, merges, requests, whistles, nearby workers."""
    e, now, out = ctx.engine, ctx.now, {}
    row = _timed(out, "case_by_code", qc.case_by_code, e, ctx.case_codes[run % len(ctx.case_codes)], now)
    _timed(out, "timeline", timeline, e, row["id"], now)
    _timed(out, "merged_alerts", qc.merged_alerts, e, row["id"])
    _timed(out, "merged_cases", qc.merged_cases, e, row["id"])
    _timed(out, "requests", qc.requests, e, row["id"])
    _timed(out, "case_whistles", qc.case_whistles, e, row["id"])
    if row["lon"] is not None:
        _timed(out, "nearest_workers", qc.nearest_workers, e, row["lon"], row["lat"], row["grid_id"], now=now)
    _timed(out, "filter_options", qc.filter_options, e)
    return out


def desk(ctx: Context, run: int) -> dict:
    """pages/desk.py: a department's figures, its open cases (led or whistled into) and its whistles."""
    e, now, out = ctx.engine, ctx.now, {}
    dept = ctx.dept_ids[run % len(ctx.dept_ids)]
    _timed(out, "filter_options", qc.filter_options, e)
    _timed(out, "dept_figures", qc.dept_figures, e, dept, now - timedelta(days=DESK_FIGURE_DAYS), now)
    _timed(out, "queue (department)", qc.queue, e, qc.CaseFilter(), dept_id=dept, now=now)
    _timed(out, "dept_whistles", qc.dept_whistles, e, dept)
    return out


def positions(ctx: Context, run: int) -> dict:
    """pages/positions.py on a full working day: coverage, time in own grid, live positions, one trail."""
    e, day, out = ctx.engine, ctx.work_day, {}
    start, end = clock.day_bounds(day)
    until = min(end, ctx.now)
    periods = _timed(out, "work_periods", qs.work_periods, e, day)
    _timed(out, "patrolled_grid_ids", qs.patrolled_grid_ids, e, start, end)
    _timed(out, "minutes_in_own_grid", qs.minutes_in_own_grid, e, list(periods), until)
    _timed(out, "latest_positions", qs.latest_positions, e, qs.STALE_MINUTES)
    _timed(out, "own_grids", qs.own_grids, e)
    _timed(out, "workers", qs.workers, e)
    _timed(out, "grid_list", qs.grid_list, e)
    _timed(out, "grid_shapes", qw.grid_shapes, e)
    _timed(out, "trail", qs.trail, e, ctx.staff_ids[run % len(ctx.staff_ids)], start, end)
    return out


def daily(ctx: Context, run: int) -> dict:
    """pages/daily.py for today: summary, rankings, 30-day trend, heat map."""
    e, t, out = ctx.engine, ctx.today, {}
    _timed(out, "district", qw.district, e)
    _timed(out, "status (summary, rankings)", qd.status, e, t, t, daily_report.RANK_BYS)
    _timed(out, "trend (30 days)", qd.trend, e, t, 30)
    _timed(out, "grid_shapes", qw.grid_shapes, e)
    _timed(out, "cases_by_grid", qd.cases_by_grid, e, t, t)
    return out


def admin(ctx: Context, run: int) -> dict:
    """pages/admin.py: every tab is drawn on load (st.tabs), so every table is read."""
    e, out = ctx.engine, {}
    for name in ("grids", "staff", "departments", "cameras", "categories"):
        _timed(out, f"{name}_table", getattr(qa, f"{name}_table"), e)
    _timed(out, "calendars_table", qa.calendars_table, e)
    _timed(out, "unregistered", qa.unregistered, e)
    _timed(out, "ingest_health", qa.ingest_health, e, HEALTH_WINDOW_MIN, ctx.now)
    _timed(out, "dead_letter_rows", qa.dead_letter_rows, e, unreplayed_only=True)
    _timed(out, "dead_letter_counts", qa.dead_letter_counts, e)
    return out


PAGES = {"wall": wall, "queue": queue, "case": case, "desk": desk, "positions": positions, "daily": daily,
         "admin": admin}
