"""每日态势: roles, tiles against SQL and the workflow engine's assessment, period choice, Excel and HTML reports."""
from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
import streamlit as st
from sqlalchemy import delete, update
from streamlit.testing.v1 import AppTest

import db.workflow as wf
from dashboard import clock, daily_report, nav, queries_daily
from db import day_stats, labels
from db.schema import case_day_stats
from db.engine import get_engine
from tests.test_dashboard_wall import (  # noqa: F401
    demo_url, deck_specs, metrics, no_exception, refused, run_page, run_script, scalar,
)

D = labels.DAILY


def _pct(v) -> str:
    return labels.COMMON["na"] if v is None else labels.COMMON["percent"].format(v=v)


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "admin"])
def test_daily_renders_for_allowed_roles(demo_url, role):
    at = no_exception(run_page(demo_url, role, "pages/daily.py"))
    assert D["ontime_rate"] in metrics(at)
    assert len(at.get("download_button")) == 2


@pytest.mark.parametrize("role", ["wall", "department", "grid_worker"])
def test_daily_refused_for_other_roles(demo_url, role):
    at = no_exception(run_script(demo_url, role, "pages/daily.py"))
    assert refused(at) and not at.metric
    assert "pages/daily.py" not in [e.script for e in nav.pages_for(role)]


def test_tiles_equal_sql_and_the_assessment(demo_url):
    start, end = clock.day_bounds(clock.today())

    def assessed() -> dict:
        overall = wf.assess(get_engine(demo_url), start, min(end, clock.now()), "all")[0]
        return {D[k]: _pct(overall[f]) for k, f in (("ontime_rate", "ontime_close_rate"),
                                                      ("close_rate", "close_rate"),
                                                      ("checkin_rate", "checkin_ontime_rate"))}
    st.cache_data.clear()
    before = assessed()                      # deadlines keep passing: the page's moment lies between these
    tiles = metrics(no_exception(run_page(demo_url, "leader", "pages/daily.py")))
    after = assessed()
    for label in before:
        assert tiles[label] in (before[label], after[label])
    assert int(tiles[D["intake"]]) == scalar(
        demo_url, "SELECT count(*) FROM cases WHERE reported_at >= :s AND reported_at < :e "
                  "AND merged_into_id IS NULL", s=start, e=end)
    assert int(tiles[labels.CASE_STATE["parked"]]) == scalar(
        demo_url, "SELECT count(*) FROM cases WHERE state = 'parked' AND merged_into_id IS NULL")
    assert int(tiles[D["overdue"]]) > 0


def test_choosing_a_period(demo_url):
    today = clock.today()
    first = today - timedelta(days=6)
    at = run_page(demo_url, "dispatcher", "pages/daily.py")
    at.date_input(key="daily_period").set_value((first, today))
    at = no_exception(at.run())
    start, end = clock.day_bounds(first, today)
    assert int(metrics(at)[D["intake"]]) == scalar(
        demo_url, "SELECT count(*) FROM cases WHERE reported_at >= :s AND reported_at < :e "
                  "AND merged_into_id IS NULL", s=start, e=end)
    assert D["period_label"].format(start=first.isoformat(), end=today.isoformat()) in [c.value for c in at.caption]
    heat = next(layer for layer in deck_specs(at)[0]["layers"] if layer["id"] == "heat")
    assert len(heat["getFillColor"]["domain"]) == scalar(
        demo_url, "SELECT count(DISTINCT grid_id) FROM cases WHERE reported_at >= :s AND reported_at < :e "
                  "AND merged_into_id IS NULL", s=start, e=end)


def test_rankings_follow_the_workflow_assessment(demo_url):
    today = clock.today()
    first = today - timedelta(days=29)
    ranked = queries_daily.rankings(get_engine(demo_url), first, today, ("dept", "street", "grid"))
    start, end = clock.day_bounds(first, today)
    expected = wf.assess(get_engine(demo_url), start, min(end, clock.now()), "street")
    assert [r["grade"] for r in ranked["street"]] == [r["grade"] for r in expected if r["key"] is not None]
    names = {r["name"] for r in ranked["street"]}
    assert names <= set(scalar(demo_url, "SELECT array_agg(name) FROM areas WHERE level = 'street'"))
    assert all(r["grade"] in ("A", "B", "C", "D", "E", None) for r in ranked["dept"] + ranked["grid"])


def test_units_with_nothing_due_today_are_not_ranked(demo_url):
    today = clock.today()
    ranked = queries_daily.rankings(get_engine(demo_url), today, today, daily_report.RANK_BYS)
    for by, rows in ranked.items():
        graded = [r for r in rows if r["score"] is not None]
        assert rows[:len(graded)] == graded, by                         # never ahead of a graded unit
        assert [r["rank"] for r in graded] == list(range(1, len(graded) + 1))
        assert all(r["cases"] > 0 for r in graded), by
        for r in rows[len(graded):]:
            assert (r["rank"], r["grade"], r["cases"], r["ontime_rate"], r["close_rate"]) == (None, None, 0, None, None)
    assert any(r["score"] is None for r in ranked["grid"])           # most grids have nothing due on one day


UNITS = [{"rank": 1, "name": "环卫所", "score": 93.5, "grade": "A", "ontime_rate": 91.0, "close_rate": 100.0,
          "rework_rate": None, "cases": 12},
         {"rank": None, "name": "水务局", "score": None, "grade": None, "ontime_rate": None, "close_rate": None,
          "rework_rate": 0.0, "cases": 0}]


def test_no_data_reads_dash_in_the_ranking_table_and_exports():
    na = labels.COMMON["na"]
    assert daily_report.ranking_rows(UNITS) == [[1, "环卫所", 93.5, "A", 91.0, 100.0, na, 12],
                                                [na, "水务局", na, D["no_data"], na, na, 0.0, 0]]
    assert daily_report.trend_rows([{"day": clock.today(), "reported": 3, "closed": 0, "ontime_rate": None}])[0][3] \
        == na

    def page(rows):
        from dashboard import charts
        charts.ranking_table(rows)
    at = no_exception(AppTest.from_function(page, args=(UNITS,), default_timeout=30).run())
    shown = at.dataframe[0].value
    assert list(shown[D["col_name"]]) == ["环卫所"] and list(shown[D["rework_rate"]]) == [na]
    assert D["ungraded"].format(names="水务局") in [c.value for c in at.caption]


def test_reports_export(demo_url):
    engine = get_engine(demo_url)
    today = clock.today()
    status = queries_daily.status(engine, today, today, daily_report.RANK_BYS)
    summary, ranked = status["summary"], status["rankings"]
    trend = queries_daily.trend(engine, today, 30)
    args = ("榕城区", today, today, summary, ranked, trend, clock.now())
    book = openpyxl.load_workbook(io.BytesIO(daily_report.to_xlsx(*args)))
    assert book.sheetnames == [D["sheet_summary"]] + [f'{D["sheet_rankings"]}-{D["by"][b]}'
                                                      for b in daily_report.RANK_BYS] + [D["sheet_trend"]]
    rows = {r[0]: r[1] for r in book[D["sheet_summary"]].iter_rows(min_row=6, values_only=True)}
    assert rows[D["intake"]] == str(summary["intake"]["total"])
    assert rows[D["ontime_rate"]] == _pct(summary["assessment"]["ontime_close_rate"])
    assert book[D["sheet_trend"]].max_row == 31
    dept_sheet = book[f'{D["sheet_rankings"]}-{D["by"]["dept"]}']
    assert dept_sheet.max_row == len(ranked["dept"]) + 1
    html = daily_report.to_html(*args)
    assert html.startswith("<!DOCTYPE html>") and D["report_title"].format(district="榕城区") in html
    assert "@media print" in html and html.count("<table>") == 5


def test_trend_reads_kept_days_and_recomputes_the_rest(demo_url):
    """Kept past days are read (a planted value shows), a row kept before its day ended is recomputed, and the
    kept figures equal the live ones."""
    engine = get_engine(demo_url)
    today = clock.today()
    days = [today - timedelta(days=i) for i in range(10, -1, -1)]
    live = day_stats.compute(engine, days)
    assert any(f["due"] for f in live.values())
    try:
        assert day_stats.refresh(engine, today, keep_days=10) == 10
        assert day_stats.figures(engine, days, today) == live
        planted, early = days[0], days[1]
        with engine.begin() as c:
            c.execute(update(case_day_stats).where(case_day_stats.c.day == planted).values(reported=999_999))
            c.execute(update(case_day_stats).where(case_day_stats.c.day == early)
                      .values(reported=888_888, computed_at=day_stats.bounds(early, early)[0]))
        got = day_stats.figures(engine, days, today)
        assert got[planted]["reported"] == 999_999 and got[early] == live[early]
        by_day = {r["day"]: r for r in queries_daily.trend(engine, today, 11)}
        assert by_day[planted]["reported"] == 999_999 and by_day[today]["reported"] == live[today]["reported"]
    finally:
        with engine.begin() as c:
            c.execute(delete(case_day_stats))
