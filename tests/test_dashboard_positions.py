"""人员定位: roles, masked phones, patrol coverage against SQL, trails, and the in-grid minutes behind the one-third rule."""
from __future__ import annotations

import json
import random
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert

from dashboard import clock, nav, queries_staff
from db import labels, staff_time
from db.engine import get_engine
from db.schema import areas, grids, positions, staff, staff_grids
from tests.test_dashboard_wall import (  # noqa: F401
    deck_specs, demo_url, metrics, no_exception, refused, run_page, run_script, scalar,
)

P = labels.POSITIONS
MASKED = re.compile(r"^\d{3}\*{4}\d{4}$")


def _busy_day(url: str) -> date:
    """The latest local day (before today) with patrol records in the demo data."""
    return scalar(url, "SELECT max(date(timezone('Asia/Shanghai', ts))) FROM patrols "
                       "WHERE ts < date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'")


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "admin"])
def test_positions_renders_for_allowed_roles(demo_url, role):
    at = no_exception(run_page(demo_url, role, "pages/positions.py"))
    assert int(metrics(at)[P["kpi_workers"]]) == scalar(
        demo_url, "SELECT count(*) FROM staff s WHERE active AND (EXISTS (SELECT 1 FROM staff_grids g WHERE "
                  "g.staff_id = s.id) OR EXISTS (SELECT 1 FROM positions_latest p WHERE p.staff_id = s.id))")
    assert len(deck_specs(at)) == 1


@pytest.mark.parametrize("role", ["wall", "department", "grid_worker"])
def test_positions_refused_for_other_roles(demo_url, role):
    at = no_exception(run_script(demo_url, role, "pages/positions.py"))
    assert refused(at) and not at.metric and not at.dataframe
    assert "pages/positions.py" not in [e.script for e in nav.pages_for(role)]


def test_phones_masked_for_leaders_and_shown_to_dispatchers(demo_url):
    leader = no_exception(run_page(demo_url, "leader", "pages/positions.py")).dataframe[0].value
    phones = [p for p in leader[P["col_phone"]] if p]
    assert phones and all(MASKED.match(p) for p in phones)
    desk = no_exception(run_page(demo_url, "dispatcher", "pages/positions.py")).dataframe[0].value
    real = dict(zip(desk[P["col_code"]], desk[P["col_phone"]]))
    code, phone = next((c, p) for c, p in real.items() if p)
    assert phone == scalar(demo_url, "SELECT phone FROM staff WHERE code = :c", c=code)
    assert not MASKED.match(phone)
    spec = deck_specs(run_page(demo_url, "leader", "pages/positions.py"))[0]
    tips = " ".join(p["tip"] for layer in spec["layers"] if layer.get("id") == "staff" for p in layer["data"])
    assert phone not in tips                          # nor in the map's tooltips


def test_coverage_and_trail_for_a_chosen_day(demo_url):
    day = _busy_day(demo_url)
    start, end = clock.day_bounds(day)
    who = scalar(demo_url, "SELECT staff_id FROM positions WHERE ts >= :s AND ts < :e GROUP BY staff_id "
                           "ORDER BY count(*) DESC LIMIT 1", s=start, e=end)
    at = run_page(demo_url, "operator", "pages/positions.py")
    at.date_input(key="positions_day").set_value(day)
    at.selectbox(key="trail_worker").set_value(who)
    at = no_exception(at.run())
    patrolled = scalar(demo_url, "SELECT count(DISTINCT grid_id) FROM patrols WHERE ts >= :s AND ts < :e",
                       s=start, e=end)
    total = scalar(demo_url, "SELECT count(*) FROM grids")
    assert metrics(at)[P["kpi_patrolled"]] == f"{patrolled}/{total}" and patrolled > 0
    assert int(metrics(at)[P["kpi_unpatrolled"]]) == total - patrolled == len(at.dataframe[1].value)
    trail = next(layer for layer in deck_specs(at)[0]["layers"] if layer["@@type"] == "PathLayer")
    fixes = scalar(demo_url, "SELECT count(*) FROM positions WHERE staff_id = :w AND ts >= :s AND ts < :e",
                   w=who, s=start, e=end)
    assert len(trail["data"][0]["path"]) == fixes > 0
    shares = at.dataframe[0].value[P["col_share"]].dropna()
    assert len(shares) > 0 and (shares >= 0).all()


def test_work_periods_follow_the_calendar(demo_url):
    engine = get_engine(demo_url)
    monday = date(2026, 11, 16)
    periods = queries_staff.work_periods(engine, monday)
    assert [(a.astimezone(clock.tz()).hour, b.astimezone(clock.tz()).hour) for a, b in periods] == [(8, 12), (14, 18)]
    assert queries_staff.work_periods(engine, monday + timedelta(days=6)) == ()      # Sunday


# --- minutes inside one's own grid (synthetic data) ---------------------------------------------------

def _square(x0: float, y0: float) -> dict:
    ring = [[x0, y0], [x0 + 0.01, y0], [x0 + 0.01, y0 + 0.01], [x0, y0 + 0.01], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def small_district(db_url):
    engine = create_engine(db_url)
    with engine.begin() as c:
        c.execute(insert(areas), [
            {"code": "350102000000", "name": "测试区", "level": "district", "parent_code": None},
            {"code": "350102001000", "name": "测试街道", "level": "street", "parent_code": "350102000000"},
            {"code": "350102001001", "name": "测试社区", "level": "community", "parent_code": "350102001000"}])
        for gid, x0 in ((1, 119.30), (2, 119.31)):
            c.execute(insert(grids).values(id=gid, code=f"G{gid}", name=f"第{gid}网格", area_code="350102001001",
                                           district_code="350102", boundary=_square(x0, 26.0), min_lon=x0,
                                           min_lat=26.0, max_lon=x0 + 0.01, max_lat=26.01, center_lon=x0 + 0.005,
                                           center_lat=26.005))
        c.execute(insert(staff).values(id=1, code="W1", name="测试员", phone="13800001234", role="patroller"))
        c.execute(insert(staff_grids).values(staff_id=1, grid_id=1))
    yield engine
    engine.dispose()


def test_minutes_in_own_grid(small_district):
    tz = clock.tz()
    at = lambda h, m: datetime(2026, 11, 16, h, m, tzinfo=tz)   # noqa: E731
    fixes = [(at(9, m), 1) for m in range(0, 30)] + [(at(9, 30 + m), 2) for m in range(0, 30)]
    fixes += [(at(10, 30), 1)]                  # then silence: counts ten minutes at most
    fixes += [(at(12, 5), 1), (at(12, 20), 1)]  # lunch break: outside the working periods
    with small_district.begin() as c:
        c.execute(insert(positions), [{"staff_id": 1, "ts": ts, "lon": 119.305 if g == 1 else 119.315,
                                       "lat": 26.005, "grid_id": g} for ts, g in fixes])
    assert staff_time.roll_up_all(small_district) > 0      # what the ingest service's maintenance does
    periods = [(at(8, 0), at(12, 0)), (at(14, 0), at(18, 0))]
    minutes = queries_staff.minutes_in_own_grid(small_district, periods, end=at(18, 0))
    assert minutes == {1: pytest.approx(30 + 10)}
    # Up to 09:15 only the first quarter hour has passed.
    assert queries_staff.minutes_in_own_grid(small_district, periods, end=at(9, 15)) == {1: pytest.approx(15)}
    assert queries_staff.minutes_in_own_grid(small_district, periods, end=at(7, 0)) == {}
    assert json.dumps(queries_staff.grid_list(small_district), ensure_ascii=False).count("测试街道") == 2


def _minutes_by_hand(fixes: list[tuple[datetime, int]], periods, end: datetime) -> float:
    """The definition, walked in Python: each fix counts until the next one, at most the gap cap."""
    fixes, total, cap = sorted(fixes), 0.0, timedelta(seconds=staff_time.GAP_CAP_S)
    for i, (ts, grid) in enumerate(fixes):
        seg_end = min(fixes[i + 1][0], ts + cap) if i + 1 < len(fixes) else ts + cap
        if grid != 1:
            continue
        for a, b in periods:
            b = min(b, end)
            total += max(0.0, (min(seg_end, b) - max(ts, a)).total_seconds())
    return total / 60


def test_grid_time_rollup_matches_the_definition_with_late_fixes(small_district):
    """Seeded random fixes arrive in shuffled batches (late and out of order); after each roll-up the minutes
    equal the definition computed by hand over the fixes stored so far."""
    rng = random.Random(20261203)
    tz = clock.tz()
    day = datetime(2026, 11, 17, 8, 0, tzinfo=tz)
    fixes, t = [], day
    while t < day + timedelta(hours=10):
        fixes.append((t, rng.choice((1, 1, 2))))
        t += timedelta(seconds=rng.choice((20, 20, 40, 300, 900)))
    rng.shuffle(fixes)
    periods = [(day, day + timedelta(hours=4)), (day + timedelta(hours=6), day + timedelta(hours=10))]
    stored = []
    for i in range(0, len(fixes), len(fixes) // 4 + 1):
        batch = fixes[i:i + len(fixes) // 4 + 1]
        with small_district.begin() as c:
            c.execute(insert(positions), [{"staff_id": 1, "ts": ts, "lon": 119.305 if g == 1 else 119.315,
                                           "lat": 26.005, "grid_id": g} for ts, g in batch])
        stored += batch
        staff_time.roll_up_all(small_district)
        end = day + timedelta(hours=10)
        got = queries_staff.minutes_in_own_grid(small_district, periods, end).get(1, 0.0)
        assert got == pytest.approx(_minutes_by_hand(stored, periods, end), abs=1e-6)
