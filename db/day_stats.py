"""Per local day: cases reported, cases closed, and 按期结案率 (due, closed on time) as the workflow engine
assesses that day. Past days are kept in case_day_stats by `refresh` (the ingest service's maintenance runs it),
so the leaders' 30-day trend reads rows instead of re-assessing a month of cases; a day not kept yet, and
today, are computed on the spot."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert

from db.config import settings
from db.schema import case_day_stats, cases
from db.workflow import ontime_close_rates

KEEP_DAYS = 35               # refreshed every run: a late merge, cancellation or postponement moves past figures
FIELDS = ("reported", "closed", "due", "closed_ontime")


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, end of `last`) in the district's time zone."""
    zone = ZoneInfo(settings().timezone)
    return (datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone))


def compute(engine: Engine, days: list[date]) -> dict[date, dict]:
    """The figures of these days from the cases, up to now for a day not over yet."""
    if not days:
        return {}
    now = datetime.now(timezone.utc)
    start, end = bounds(min(days), max(days))
    zone = settings().timezone
    rep_day = func.date(func.timezone(zone, cases.c.reported_at))
    close_day = func.date(func.timezone(zone, cases.c.closed_at))
    with engine.connect() as c:
        reported = dict(c.execute(
            select(rep_day, func.count())
            .where(cases.c.reported_at >= start, cases.c.reported_at < end, cases.c.merged_into_id.is_(None))
            .group_by(rep_day)).all())
        closed = dict(c.execute(
            select(close_day, func.count())
            .where(cases.c.closed_at >= start, cases.c.closed_at < end).group_by(close_day)).all())
    rates = ontime_close_rates(engine, [(a, min(b, now)) for a, b in (bounds(d, d) for d in days)])
    return {d: {"reported": reported.get(d, 0), "closed": closed.get(d, 0), "due": r[0], "closed_ontime": r[1]}
            for d, r in zip(days, rates)}


def refresh(engine: Engine, today: date | None = None, keep_days: int = KEEP_DAYS) -> int:
    """Recompute the `keep_days` days before `today` (local) and store them; returns the days written."""
    today = today or datetime.now(ZoneInfo(settings().timezone)).date()
    days = [today - timedelta(days=i) for i in range(keep_days, 0, -1)]
    figures = compute(engine, days)
    now = datetime.now(timezone.utc)
    rows = [{"day": d, **f, "computed_at": now} for d, f in figures.items()]
    stmt = insert(case_day_stats).values(rows)
    stmt = stmt.on_conflict_do_update(index_elements=["day"],
                                      set_={k: stmt.excluded[k] for k in FIELDS + ("computed_at",)})
    with engine.begin() as c:
        c.execute(stmt)
    return len(rows)


def figures(engine: Engine, days: list[date], today: date) -> dict[date, dict]:
    """Kept rows for past days computed after the day ended; the rest (today included) computed now."""
    with engine.connect() as c:
        rows = c.execute(select(case_day_stats).where(case_day_stats.c.day.in_([d for d in days if d < today])))
        kept = {r.day: {k: getattr(r, k) for k in FIELDS} for r in rows if r.computed_at >= bounds(r.day, r.day)[1]}
    return {**kept, **compute(engine, [d for d in days if d not in kept])}
