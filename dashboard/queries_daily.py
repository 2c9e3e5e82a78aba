"""Read-only SQL for the leaders' daily status: intake, backlog, due status, satisfaction, check-ins, trends, heat map, rankings."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from db.config import settings
from db.schema import areas, cases, categories, departments, grids
from db import day_stats
from db.workflow import assess_many, ontime_close_rate
from db.workflow.table import OPEN_STATES

ACTIVE_STATES = tuple(s for s in OPEN_STATES if s != "parked")


def intake(engine: Engine, start: datetime, end: datetime) -> dict:
    """Cases reported in [start, end): by source and by major category (merged duplicates left out)."""
    major = categories.alias("major")
    in_period = (cases.c.reported_at >= start, cases.c.reported_at < end, cases.c.merged_into_id.is_(None))
    with engine.connect() as c:
        by_source = {r.source: r.n for r in c.execute(
            select(cases.c.source, func.count().label("n")).where(*in_period).group_by(cases.c.source))}
        name = func.coalesce(major.c.name, categories.c.name)
        by_category = [dict(r) for r in c.execute(
            select(name.label("name"), func.count().label("n"))
            .select_from(cases.join(categories, categories.c.id == cases.c.category_id, isouter=True)
                         .join(major, major.c.id == categories.c.parent_id, isouter=True))
            .where(*in_period).group_by(name).order_by(func.count().desc())).mappings()]
    return {"by_source": by_source, "by_category": by_category, "total": sum(by_source.values())}


def backlog(engine: Engine, at: datetime) -> dict:
    """Open cases now: count per state, and how many of the active ones are in warning or overdue (the step's
    warning and deadline instants the workflow engine keeps on the case, as the wall counts them)."""
    active = cases.c.state.in_(ACTIVE_STATES)
    with engine.connect() as c:
        rows = c.execute(
            select(cases.c.state, func.count().label("n"),
                   func.count().filter(active, cases.c.step_deadline_at <= at).label("overdue"),
                   func.count().filter(active, cases.c.step_warning_at <= at, cases.c.step_deadline_at > at)
                   .label("warning"))
            .where(cases.c.state.in_(OPEN_STATES), cases.c.merged_into_id.is_(None)).group_by(cases.c.state)).all()
    return {"by_state": {r.state: r.n for r in rows}, "warning": sum(r.warning for r in rows),
            "overdue": sum(r.overdue for r in rows)}


def _until_now(end: datetime) -> datetime:
    """A period reaching into the future is assessed up to now: cases due later today are not yet due."""
    return min(end, datetime.now(timezone.utc))


def ontime_rate(engine: Engine, first: date, last: date) -> float | None:
    """按期结案率 (closed on time / due to close) over local days [first, last], per the workflow engine."""
    start, end = day_stats.bounds(first, last)
    return ontime_close_rate(engine, start, _until_now(end))[2]


def _names(engine: Engine) -> dict[str, dict[str, str]]:
    with engine.connect() as c:
        return {"dept": {str(r.id): r.name for r in c.execute(select(departments.c.id, departments.c.name))},
                "grid": {str(r.id): r.name for r in c.execute(select(grids.c.id, grids.c.name))},
                "street": {r.code: r.name for r in c.execute(select(areas.c.code, areas.c.name)
                                                             .where(areas.c.level == "street"))}}


def _ranked(assessed: dict[str, list[dict]], names: dict, bys: tuple[str, ...]) -> dict[str, list[dict]]:
    out = {}
    for by in bys:
        rows = assessed[by]
        graded = [r for r in rows if r["key"] is not None and r["score"] is not None]
        rest = [r for r in rows if r["key"] is not None and r["score"] is None]
        out[by] = [{"rank": i + 1 if r["score"] is not None else None, "name": names[by].get(r["key"], r["key"]),
                    "score": r["score"], "grade": r["grade"], "ontime_rate": r["ontime_close_rate"],
                    "close_rate": r["close_rate"], "rework_rate": r["rework_rate"], "cases": r["due"]}
                   for i, r in enumerate(graded + rest)]
    return out


def rankings(engine: Engine, first: date, last: date, bys: tuple[str, ...]) -> dict[str, list[dict]]:
    """Departments / streets / grids ranked by the workflow engine's composite score (one SQL pass for all).

    Units with nothing due to close in the period have no score: they follow the graded ones, rank None."""
    start, end = day_stats.bounds(first, last)
    return _ranked(assess_many(engine, start, _until_now(end), bys), _names(engine), bys)


def status(engine: Engine, first: date, last: date, bys: tuple[str, ...]) -> dict:
    """The daily page's summary and rankings together: the district's row and every ranking come from one
    assessment statement (they read the same case facts for the same period)."""
    start, end = day_stats.bounds(first, last)
    assessed = assess_many(engine, start, _until_now(end), ("all",) + tuple(bys))
    return {"summary": {"intake": intake(engine, start, end), "backlog": backlog(engine, datetime.now(timezone.utc)),
                        "assessment": assessed["all"][0]},
            "rankings": _ranked(assessed, _names(engine), bys)}


def cases_by_grid(engine: Engine, first: date, last: date) -> dict[int, int]:
    start, end = day_stats.bounds(first, last)
    with engine.connect() as c:
        return {r.grid_id: r.n for r in c.execute(
            select(cases.c.grid_id, func.count().label("n"))
            .where(cases.c.reported_at >= start, cases.c.reported_at < end, cases.c.grid_id.is_not(None),
                   cases.c.merged_into_id.is_(None)).group_by(cases.c.grid_id))}


def trend(engine: Engine, last: date, days: int = 30) -> list[dict]:
    """Per local day over the `days` ending on `last`: cases reported, cases closed, and 按期结案率 as the
    workflow engine assesses that day (past days from db.day_stats' kept rows)."""
    dates = [last - timedelta(days=days - 1 - i) for i in range(days)]
    got = day_stats.figures(engine, dates, datetime.now(ZoneInfo(settings().timezone)).date())
    return [{"day": d, "reported": got[d]["reported"], "closed": got[d]["closed"],
             "ontime_rate": round(100.0 * got[d]["closed_ontime"] / got[d]["due"], 2) if got[d]["due"] else None}
            for d in dates]
