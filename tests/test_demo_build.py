"""The demo district built in memory (no database): geometry, codes, people, devices, catalog, calendar, trails."""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
import shapely

from db import enums
from db.demo.build import build_static
from db.demo.calendar import calendar_day_rows, is_workday
from db.demo.positions import build_trails
from db.geo import validate_polygon

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)    # a Wednesday, 11:00 in 福州


@pytest.fixture(scope="module")
def data():
    return build_static(7)


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def static_digest(d) -> str:
    return digest([d.areas, d.grids, d.departments, d.staffing.staff, d.staffing.links, d.cameras, d.terminals,
                   d.categories, d.alert_types, d.alert_aliases, d.calendar_days])


def test_same_seed_same_data_other_seed_other_data(data):
    assert static_digest(build_static(7)) == static_digest(data)
    assert static_digest(build_static(8)) != static_digest(data)


@pytest.mark.parametrize("seed", [7, 1, 12345])
def test_grids_tile_the_district_and_nest_exactly(seed):
    g = build_static(seed).ground
    for level in (g.grids, g.communities, g.streets):
        assert all(p.geom_type == "Polygon" and p.is_valid and p.area > 0 for p in level)
        assert shapely.coverage_is_valid(shapely.GeometryCollection(level))          # no overlaps, edges match
        assert abs(sum(p.area for p in level) - g.district.area) < 1e-12             # no gaps, no overlaps
        assert shapely.union_all(level).symmetric_difference(g.district).area < 1e-12
    for c, community in enumerate(g.communities):
        members = [p for p, k in zip(g.grids, g.grid_community) if k == c]
        assert shapely.coverage_union_all(members).symmetric_difference(community).area == 0
    for s, street in enumerate(g.streets):
        members = [p for p, k in zip(g.communities, g.community_street) if k == s]
        assert shapely.coverage_union_all(members).symmetric_difference(street).area == 0
    assert 360 <= len(g.grids) <= 440 and len(g.communities) == 40 and len(g.streets) == 6
    minx, miny, maxx, maxy = g.district.bounds
    assert 0.07 < maxx - minx < 0.14 and 0.07 < maxy - miny < 0.14                   # about 10 km across


def test_codes_and_names(data):
    p = data.places
    assert all(re.fullmatch(r"350102\d{6}", a["code"]) for a in data.areas)
    assert len({a["code"] for a in data.areas}) == len(data.areas)
    for code in p.street_codes:
        assert code.endswith("000") and code != "350102000000"
    for a in data.areas:
        if a["level"] == "community":
            assert a["code"][:9] == a["parent_code"][:9] and a["name"].endswith(("社区", "村"))
    assert len(set(p.grid_codes)) == len(p.grid_codes)
    for row in data.grids:
        assert re.fullmatch(r"\d{15}", row["code"]) and row["code"][:12] == row["area_code"]
        assert re.fullmatch(r".+(社区|村)第\d+网格", row["name"])


def test_grid_sizes_follow_seed_001(data):
    for row in data.grids:
        assert 300 <= row["households"] <= 500 and 1000 <= row["population"] <= 1500
        assert 2 <= row["population"] / row["households"] <= 5
        assert row["duties"] and row["name"] in row["duties"]
        assert shapely.Point(row["center_lon"], row["center_lat"]).within(shapely.geometry.shape(row["boundary"]))
        assert validate_polygon(row["boundary"]) == []


def test_every_grid_has_its_six_roles_and_an_a_patroller(data):
    role = {s["code"]: s["role"] for s in data.staffing.staff}
    per_grid = defaultdict(set)
    for staff_code, grid_code, duty in data.staffing.links:
        per_grid[grid_code].add((role[staff_code], duty))
    six = {"supervisor", "manager", "patroller", "assistant", "specialist", "police"}
    for grid_code in data.places.grid_codes:
        assert ("patroller", "A") in per_grid[grid_code]
        assert six <= {r for r, _ in per_grid[grid_code]}
    a_grids = Counter(s for s, _, duty in data.staffing.links if duty == "A" and role[s] == "patroller")
    assert set(a_grids.values()) <= {1, 2}
    assert len(set(data.staffing.links)) == len(data.staffing.links)


def test_staff_counts_roles_and_phones(data):
    staff = data.staffing.staff
    assert 550 <= len(staff) <= 700
    assert set(Counter(s["role"] for s in staff)) == set(enums.STAFF_ROLES)
    assert all(re.fullmatch(r"1(3\d|5[0-35-9]|8\d)\d{8}", s["phone"]) for s in staff)
    assert len({s["phone"] for s in staff}) == len(staff) and len({s["name"] for s in staff}) == len(staff)
    police_depts = {s["dept_code"] for s in staff if s["role"] == "police"}
    assert police_depts <= {d["code"] for d in data.departments}


def test_departments(data):
    depts = data.departments
    assert 35 <= len(depts) <= 45 and len({d["code"] for d in depts}) == len(depts)
    assert Counter(d["tier"] for d in depts).keys() == {1, 2, 3}
    assert all((d["checkin_minutes"] or 0) > 0 for d in depts if d["tier"] == 3)
    assert all(re.fullmatch(r"0591-\d{8}", d["duty_phone"]) for d in depts)


def test_cameras(data):
    cams = data.cameras
    assert 1300 <= len(cams) <= 1700 and len({c["code"] for c in cams}) == len(cams)
    polys = dict(zip(data.places.grid_codes, data.ground.grids))
    for c in cams:
        assert re.fullmatch(r"\d{20}", c["code"]) and c["code"][:6] == "350102"
        assert c["code"][8:10] in ("00", "01", "08") and c["code"][10:13] in ("131", "132")
        assert polys[c["grid_code"]].contains(shapely.Point(c["lon"], c["lat"]))
        assert c["status"] in enums.DEVICE_STATUSES
    assert Counter(c["status"] for c in cams).most_common(1)[0][0] == "online"
    assert {t["staff_code"] for t in data.terminals} == {p["code"] for p in data.patrollers}


def test_categories_limits_and_alert_types(data):
    cats = {c["code"]: c for c in data.categories}
    minors = [c for c in cats.values() if c["level"] == "minor"]
    assert len([c for c in cats.values() if c["level"] == "major"]) == 9 and len(minors) >= 35
    for c in minors:
        assert cats[c["parent_code"]]["level"] == "major" and c["filing_conditions"] and c["closing_conditions"]
        assert (c["clock_mode"] == "natural") == c["urgent"]
        assert c["limit_filing_min"] == c["limit_dispatch_min"] == (10 if c["urgent"] else 30)
        assert c["limit_check_min"] == 60 and c["limit_handle_min"] > 0 and c["default_dept_code"]
    by_name = {c["name"]: c for c in minors}
    assert by_name["道路不洁"]["limit_handle_min"] == 120 and by_name["暴露垃圾"]["limit_handle_min"] == 480
    assert 15 * 480 <= by_name["违章搭建"]["limit_handle_min"] <= 20 * 480
    types = {t["code"] for t in data.alert_types}
    assert len(types) == 17
    assert all(cats[t["category_code"]]["level"] == "minor" for t in data.alert_types)
    assert {a["alert_type_code"] for a in data.alert_aliases} <= types
    assert {a["vendor"] for a in data.alert_aliases} == {"zh", "frigate", "gb28181"}
    dept_codes = {d["code"] for d in data.departments}
    assert {c["default_dept_code"] for c in minors} <= dept_codes


def test_calendar_2025_2026():
    kinds = {r["day"]: r["kind"] for r in calendar_day_rows()}
    assert kinds[date(2026, 2, 14)] == "workday" and kinds[date(2026, 2, 28)] == "workday"
    assert all(kinds[date(2026, 2, d)] == "holiday" for d in range(15, 24))
    assert kinds[date(2025, 10, 8)] == "holiday" and kinds[date(2025, 10, 11)] == "workday"
    assert sum(1 for d, k in kinds.items() if d.year == 2026 and k == "workday") == 6
    assert is_workday(date(2026, 9, 20)) and not is_workday(date(2026, 10, 5)) and not is_workday(date(2026, 11, 22))
    assert is_workday(date(2026, 11, 18))


def test_trails_stay_in_their_grids_and_are_deterministic(data):
    args = (data.ground.grids, data.places.grid_codes, data.staffing.patrol_grids, NOW, 2, 7)
    trails, again = build_trails(*args), build_trails(*args)
    assert digest([trails.positions, trails.latest, trails.patrols]) == \
        digest([again.positions, again.latest, again.patrols])
    polys = dict(zip(data.places.grid_codes, data.ground.grids))
    by_grid = defaultdict(list)
    for _, _, lon, lat, _, _, grid in trails.positions:
        by_grid[grid].append((lon, lat))
    for grid, points in by_grid.items():
        assert shapely.contains_xy(polys[grid], *zip(*points)).all(), grid
    assert all(NOW - timedelta(days=2) < p[1] <= NOW for p in trails.positions)
    assert set(trails.latest) == set(data.staffing.patrol_grids)
    online = [r for r in trails.latest.values() if r["online"]]
    assert 0.6 < len(online) / len(trails.latest) < 0.95          # 11:00 on a working day
    assert all(NOW - r["ts"] < timedelta(minutes=3) for r in online)
    assert Counter(p["action"] for p in trails.patrols)["start"] > 0
    per_staff = defaultdict(list)
    for p in trails.positions:
        per_staff[p[0]].append(p[1])
    assert all(ts == sorted(set(ts)) for ts in per_staff.values())
