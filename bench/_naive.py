"""The naive way to feed each page: read the tables into pandas with pd.read_sql, then filter and group there.

Tables are read whole (only the columns the page uses), except the append-only history, which a page load
could not read whole (case_steps 10 M rows, positions 19 M, raw_events 10 M): those are read for the window
the page needs — steps started in the last 62 days (this month's and the 30-day trend's assessments; the case
page reads its one case's steps), the working day's positions, the last hour of raw events. Each function
returns a few headline figures that the benchmark compares with ours.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import text

from bench._pages import Context, DESK_FIGURE_DAYS, HEALTH_WINDOW_MIN
from dashboard import clock, queries_staff as qs

CLOSED = ("closed", "rejected", "cancelled")
ACTIVE = ("reported", "accepted", "filed", "dispatched", "signed", "handling", "feedback", "checking")
DEPT_STAGES = ("dispatched", "signed", "handling")
STEP_DAYS = 62
CASE_COLS = ("id, code, state, source, urgency, title, description, address, lon, lat, grid_id, dept_id, "
             "category_id, reported_at, step_deadline_at, step_warning_at, handle_deadline_at, supervised, "
             "work_kind, level, closed_at, close_type, satisfaction, street_code, community_code, merged_into_id, "
             "created_at, dispatched_at")


def _read(ctx: Context, sql: str, **params) -> pd.DataFrame:
    with ctx.engine.connect() as conn:
        return pd.read_sql(text(sql), conn, params=params)


def _ts(ctx: Context, value) -> pd.Timestamp:
    return pd.Timestamp(value).tz_convert("UTC")


def _steps(ctx: Context) -> pd.DataFrame:
    return _read(ctx, "SELECT case_id, action, to_state, started_at, ended_at, deadline_at, dept_id FROM case_steps "
                      "WHERE started_at >= :since", since=ctx.now - timedelta(days=STEP_DAYS))


def _ontime(cases: pd.DataFrame, steps: pd.DataFrame, start, end) -> float | None:
    """按期结案率 as the engine defines it: closed without a late department step / due in the period."""
    start, end = pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")
    c = cases[cases.merged_into_id.isna() & cases.handle_deadline_at.notna()
              & ~cases.state.isin(("rejected", "cancelled", "parked"))]
    due = c[((c.handle_deadline_at >= start) & (c.handle_deadline_at < end))
            | ((c.closed_at >= start) & (c.closed_at < end))]
    late = steps[steps.to_state.isin(DEPT_STAGES) & (steps.ended_at > steps.deadline_at)].case_id
    ontime = due[(due.closed_at < end) & ~due.id.isin(late)]
    return round(100.0 * len(ontime) / len(due), 2) if len(due) else None


def wall(ctx: Context, run: int) -> dict:
    now = _ts(ctx, ctx.now)
    cases = _read(ctx, f"SELECT {CASE_COLS} FROM cases")
    steps = _steps(ctx)
    whistles = _read(ctx, "SELECT id, case_id, state, reason, raised_at FROM whistles")
    wd = _read(ctx, "SELECT whistle_id, dept_id, role, deadline_at, checked_in_at, checkin_late FROM "
                    "whistle_departments")
    depts = _read(ctx, "SELECT id, name FROM departments")
    alerts = _read(ctx, "SELECT camera_id, camera_ref, alert_type, grid_id, event_at, received_at, below_threshold "
                        "FROM alerts")
    devices = _read(ctx, "SELECT id, name, code, lon, lat FROM devices")
    latest = _read(ctx, "SELECT * FROM positions_latest").merge(
        _read(ctx, "SELECT id, code, name, phone, role, active FROM staff"), left_on="staff_id", right_on="id")
    grids = _read(ctx, "SELECT id, code, name, boundary, center_lon, center_lat, area_code FROM grids")
    _read(ctx, "SELECT code, name, parent_code, level FROM areas")
    raw = _read(ctx, "SELECT received_at FROM raw_events WHERE received_at >= :since", since=ctx.now - timedelta(hours=1))
    start, end = clock.day_bounds(ctx.today)
    live = cases[cases.state.isin(ACTIVE) & cases.merged_into_id.isna()]
    today = cases[(cases.reported_at >= _ts(ctx, start)) & (cases.reported_at < _ts(ctx, end))]
    by_grid = live.groupby("grid_id").agg(open=("id", "size"),
                                          overdue=("step_deadline_at", lambda s: int((s < now).sum())))
    points = live[live.lon.notna()].sort_values(["urgency", "reported_at"]).head(5000)
    open_w = whistles[whistles.state == "open"].merge(wd, left_on="id", right_on="whistle_id").merge(
        depts, left_on="dept_id", right_on="id", suffixes=("", "_d")).merge(cases[["id", "code", "title"]],
                                                                          left_on="case_id", right_on="id")
    recent = alerts[alerts.event_at >= now - pd.Timedelta(minutes=30)]
    cams = recent.groupby("camera_id").agg(n=("event_at", "size"), last_at=("event_at", "max")).join(
        devices.set_index("id"))
    feed = alerts[~alerts.below_threshold].nlargest(30, "event_at").merge(grids[["id", "name"]], how="left",
                                                                          left_on="grid_id", right_on="id")
    newest = max(raw.received_at.max(), alerts.received_at.max(), latest.ts.max(), cases.created_at.max())
    return {"open": len(live), "intake": len(today), "grids_with_cases": len(by_grid), "points": len(points),
            "open_whistles": open_w.id_x.nunique() if len(open_w) else 0, "cameras": len(cams), "feed": len(feed),
            "newest": newest, "ontime_today": _ontime(cases, steps, start, end),
            "ontime_month": _ontime(cases, steps, *clock.day_bounds(clock.month_start(ctx.today), ctx.today))}


def _options(ctx: Context) -> None:
    _read(ctx, "SELECT code, name, level, parent_code FROM areas")
    _read(ctx, "SELECT id, code, name, area_code FROM grids")
    _read(ctx, "SELECT id, name, tier, checkin_minutes, active FROM departments")
    _read(ctx, "SELECT c.id, c.name, c.level, c.code, c.default_dept_id FROM categories c "
               "JOIN category_versions v ON v.id = c.version_id AND v.active")


def _queue(cases: pd.DataFrame, now) -> tuple[pd.DataFrame, dict]:
    mine = cases[~cases.state.isin(CLOSED) & cases.merged_into_id.isna()]
    overdue = mine.step_deadline_at < now
    warning = ~overdue & (mine.step_warning_at <= now)
    rows = mine.sort_values(["step_deadline_at", "urgency", "reported_at"], na_position="last").head(500)
    return rows, {"total": len(mine), "overdue": int(overdue.sum()), "warning": int(warning.sum())}


def queue(ctx: Context, run: int) -> dict:
    _options(ctx)
    cases = _read(ctx, f"SELECT {CASE_COLS}, photos, reporter_name, reporter_phone, reporter_id_no, postpone_count, "
                       "rework_count, return_count, version, clock_mode, supervise_note FROM cases")
    rows, counts = _queue(cases, _ts(ctx, ctx.now))
    names = _read(ctx, "SELECT id, name FROM categories")
    rows.merge(names, how="left", left_on="category_id", right_on="id")
    return counts


def case(ctx: Context, run: int) -> dict:
    code = ctx.case_codes[run % len(ctx.case_codes)]
    cases = _read(ctx, f"SELECT {CASE_COLS}, photos, reporter_name, reporter_phone, reporter_id_no, postpone_count, "
                       "rework_count, return_count, version, clock_mode, supervise_note FROM cases")
    row = cases[cases.code == code].iloc[0]
    steps = _read(ctx, "SELECT * FROM case_steps WHERE case_id = :id", id=int(row.id))
    alerts = _read(ctx, "SELECT id, case_id, alert_type, score, event_at, snapshot_url, camera_ref, camera_id "
                        "FROM alerts")
    whistles = _read(ctx, "SELECT * FROM whistles")
    wd = _read(ctx, "SELECT * FROM whistle_departments")
    requests = _read(ctx, "SELECT * FROM case_requests")
    latest = _read(ctx, "SELECT * FROM positions_latest")
    _read(ctx, "SELECT id, code, name, phone, role, active FROM staff")
    _read(ctx, "SELECT * FROM staff_grids")
    _options(ctx)
    mine = whistles[whistles.case_id == row.id].merge(wd, left_on="id", right_on="whistle_id")
    fresh = latest[latest.online & (latest.ts >= _ts(ctx, ctx.now) - pd.Timedelta(minutes=30))]
    return {"steps": len(steps), "alerts": int((alerts.case_id == row.id).sum()),
            "merged": int((cases.merged_into_id == row.id).sum()), "whistle_rows": len(mine),
            "requests": int((requests.case_id == row.id).sum()), "fresh_workers": len(fresh)}


def desk(ctx: Context, run: int) -> dict:
    dept = ctx.dept_ids[run % len(ctx.dept_ids)]
    now = _ts(ctx, ctx.now)
    since = now - pd.Timedelta(days=DESK_FIGURE_DAYS)
    _options(ctx)
    cases = _read(ctx, f"SELECT {CASE_COLS} FROM cases")
    whistles = _read(ctx, "SELECT id, case_id, state, raised_at FROM whistles")
    wd = _read(ctx, "SELECT * FROM whistle_departments")
    steps = _steps(ctx)
    whistled = whistles.merge(wd[wd.dept_id == dept], left_on="id", right_on="whistle_id").case_id
    rows, counts = _queue(cases[(cases.dept_id == dept) | cases.id.isin(whistled)], now)
    mine = cases[(cases.dept_id == dept) & cases.merged_into_id.isna()]
    s = steps[(steps.dept_id == dept) & (steps.started_at >= since) & steps.deadline_at.notna()
              & steps.ended_at.notna()]
    return {"queue_total": counts["total"], "dispatched": int((mine.dispatched_at >= since).sum()),
            "closed": int(((mine.closed_at >= since) & (mine.state == "closed")).sum()), "steps_due": len(s),
            "open_whistles": int((whistles.merge(wd[wd.dept_id == dept], left_on="id", right_on="whistle_id")
                                  .state == "open").sum())}


def positions(ctx: Context, run: int) -> dict:
    start, end = clock.day_bounds(ctx.work_day)
    until = _ts(ctx, min(end, ctx.now))
    periods = qs.work_periods(ctx.engine, ctx.work_day)
    pos = _read(ctx, "SELECT staff_id, ts, lon, lat, grid_id FROM positions WHERE ts >= :start AND ts < :end",
                start=start, end=end)
    patrols = _read(ctx, "SELECT grid_id, ts FROM patrols")
    own = _read(ctx, "SELECT staff_id, grid_id FROM staff_grids")
    _read(ctx, "SELECT * FROM positions_latest")
    _read(ctx, "SELECT id, code, name, role, phone, active FROM staff")
    _read(ctx, "SELECT id, code, name, boundary, center_lon, center_lat, area_code FROM grids")
    _read(ctx, "SELECT code, name, parent_code FROM areas")
    patrolled = patrols[(patrols.ts >= _ts(ctx, start)) & (patrols.ts < _ts(ctx, end))].grid_id.dropna().unique()
    pos = pos[pos.ts < until].sort_values(["staff_id", "ts"])
    nxt = pos.groupby("staff_id").ts.shift(-1).fillna(until)
    seg_end = pd.concat([nxt, pos.ts + pd.Timedelta(seconds=qs.GAP_CAP_S)], axis=1).min(axis=1).clip(upper=until)
    segs = pos.assign(e=seg_end).merge(own, on=["staff_id", "grid_id"])
    minutes = pd.Series(0.0, index=segs.index)
    for a, b in periods:
        a, b = _ts(ctx, a), min(_ts(ctx, b), until)
        lo, hi = segs.ts.clip(lower=a), segs.e.clip(upper=b)
        minutes += ((hi - lo).dt.total_seconds().clip(lower=0)) / 60
    per_staff = minutes.groupby(segs.staff_id).sum()
    trail = pos[pos.staff_id == ctx.staff_ids[run % len(ctx.staff_ids)]]
    return {"patrolled": len(patrolled), "staff_in_grid": int((per_staff > 0).sum()), "trail": len(trail)}


def daily(ctx: Context, run: int) -> dict:
    cases = _read(ctx, f"SELECT {CASE_COLS} FROM cases")
    steps = _steps(ctx)
    cats = _read(ctx, "SELECT id, name, parent_id FROM categories")
    _read(ctx, "SELECT id, name FROM departments")
    _read(ctx, "SELECT id, code, name, boundary, center_lon, center_lat FROM grids")
    _read(ctx, "SELECT code, name, level FROM areas")
    start, end = clock.day_bounds(ctx.today)
    live = cases[cases.merged_into_id.isna()]
    today = live[(live.reported_at >= _ts(ctx, start)) & (live.reported_at < _ts(ctx, end))]
    by_category = today.merge(cats, how="left", left_on="category_id", right_on="id").groupby("parent_id").size()
    backlog = live[~live.state.isin(CLOSED)].groupby("state").size()
    ranks = {by: live[live.handle_deadline_at.notna()].groupby(by).size() for by in ("dept_id", "street_code",
                                                                                      "grid_id")}
    trend = [_ontime(cases, steps, *clock.day_bounds(ctx.today - timedelta(days=i))) for i in range(30)]
    return {"intake": len(today), "categories": len(by_category), "backlog": int(backlog.sum()),
            "ranked_depts": len(ranks["dept_id"]), "trend_days": len(trend),
            "heat_grids": today.grid_id.nunique(), "ontime_today": trend[0]}


def admin(ctx: Context, run: int) -> dict:
    grids = _read(ctx, "SELECT id, code, name, level, kind, area_code, households, population FROM grids")
    areas = _read(ctx, "SELECT code, name FROM areas")
    links = _read(ctx, "SELECT staff_id, grid_id FROM staff_grids")
    staff = _read(ctx, "SELECT * FROM staff")
    depts = _read(ctx, "SELECT * FROM departments")
    devices = _read(ctx, "SELECT * FROM devices")
    _read(ctx, "SELECT * FROM categories")
    _read(ctx, "SELECT * FROM category_versions")
    _read(ctx, "SELECT * FROM calendars")
    _read(ctx, "SELECT * FROM calendar_days")
    unreg = _read(ctx, "SELECT * FROM unregistered_devices")
    _read(ctx, "SELECT * FROM device_aliases")
    counters = _read(ctx, "SELECT * FROM ingest_counters")
    letters = _read(ctx, "SELECT * FROM dead_letters")
    grids.merge(areas, left_on="area_code", right_on="code").merge(
        links.groupby("grid_id").size().rename("staff_count"), how="left", left_on="id", right_index=True)
    staff.assign(dept_id=pd.to_numeric(staff.dept_id)).merge(depts[["id", "name"]], how="left", left_on="dept_id",
                                                             right_on="id")
    recent = counters[counters["at"] >= _ts(ctx, ctx.now) - pd.Timedelta(minutes=HEALTH_WINDOW_MIN)]
    open_letters = letters[letters.replayed_at.isna()].nlargest(200, "received_at")
    return {"grids": len(grids), "cameras": int((devices.kind == "camera").sum()), "unregistered": len(unreg),
            "workers": recent.worker.nunique(), "dead_letters": len(letters), "shown_letters": len(open_letters)}


PAGES = {"wall": wall, "queue": queue, "case": case, "desk": desk, "positions": positions, "daily": daily,
         "admin": admin}
