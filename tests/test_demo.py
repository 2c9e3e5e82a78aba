"""The seeded demo district in a real PostgreSQL: exact tiling, staffing, cameras, accounts, determinism, CLI."""
from __future__ import annotations

import hashlib
import json
import re
import stat
from collections import defaultdict

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import create_engine, text

from db.config import settings
from db.demo import cli, seed_demo


@pytest.fixture
def conn(demo_db_url):
    eng = create_engine(demo_db_url)
    with eng.connect() as c:
        yield c
    eng.dispose()


def rows(conn, sql: str) -> list:
    return conn.execute(text(sql)).all()


def test_grids_tile_the_district_and_nest_exactly_after_the_round_trip(conn):
    areas = {r.code: r for r in rows(conn, "SELECT code, level, parent_code, boundary FROM areas")}
    grids = rows(conn, "SELECT code, area_code, boundary FROM grids ORDER BY code")
    [district] = [a for a in areas.values() if a.level == "district"]
    district_geom = shape(district.boundary)
    grid_geoms = [shape(g.boundary) for g in grids]
    assert shapely.coverage_is_valid(shapely.GeometryCollection(grid_geoms))   # no overlaps, edges match
    assert abs(sum(g.area for g in grid_geoms) - district_geom.area) < 1e-9     # no gaps
    assert shapely.union_all(grid_geoms).symmetric_difference(district_geom).area < 1e-9
    grids_of = defaultdict(list)
    for g, geom in zip(grids, grid_geoms):
        grids_of[g.area_code].append(geom)
    for a in areas.values():
        parts = grids_of[a.code] if a.level == "community" else \
            [shape(child.boundary) for child in areas.values() if child.parent_code == a.code]
        assert shapely.coverage_union_all(parts).symmetric_difference(shape(a.boundary)).area < 1e-12, a.code


def test_codes_and_counts(conn):
    levels = dict(rows(conn, "SELECT level, count(*) FROM areas GROUP BY level"))
    assert levels == {"district": 1, "street": 6, "community": 40}
    assert all(re.fullmatch(r"\d{12}", c) for (c,) in rows(conn, "SELECT code FROM areas"))
    assert rows(conn, "SELECT count(*) FROM grids WHERE code !~ '^[0-9]{15}$' OR left(code, 12) <> area_code") \
        == [(0,)]
    [(n_grids, n_staff, n_depts, n_cams)] = rows(conn, """
        SELECT (SELECT count(*) FROM grids), (SELECT count(*) FROM staff), (SELECT count(*) FROM departments),
               (SELECT count(*) FROM devices WHERE kind = 'camera')""")
    assert 360 <= n_grids <= 440 and 550 <= n_staff <= 700 and 35 <= n_depts <= 45 and 1300 <= n_cams <= 1700
    [(active_versions, minors)] = rows(conn, """SELECT count(*) FILTER (WHERE v.active), count(c.id)
        FROM category_versions v LEFT JOIN categories c ON c.version_id = v.id AND c.level = 'minor'""")
    assert active_versions and minors >= 35
    assert rows(conn, "SELECT count(*) FROM alert_types WHERE category_code NOT IN (SELECT code FROM categories)") \
        == [(0,)]
    assert rows(conn, "SELECT code, is_default FROM calendars") == [("CN", True)]


def test_every_grid_has_an_a_patroller_and_the_six_roles(conn):
    missing = rows(conn, """
        SELECT g.code FROM grids g WHERE NOT EXISTS (
            SELECT 1 FROM staff_grids sg JOIN staff s ON s.id = sg.staff_id
            WHERE sg.grid_id = g.id AND sg.duty = 'A' AND s.role = 'patroller')""")
    assert missing == []
    roles = rows(conn, """SELECT min(n) FROM (SELECT g.id, count(DISTINCT s.role) AS n FROM grids g
        JOIN staff_grids sg ON sg.grid_id = g.id JOIN staff s ON s.id = sg.staff_id
        WHERE s.role IN ('supervisor', 'manager', 'patroller', 'assistant', 'specialist', 'police') GROUP BY g.id) x""")
    assert roles == [(6,)]


def test_every_camera_lies_in_its_recorded_grid(conn):
    grids = {r.id: shape(r.boundary) for r in rows(conn, "SELECT id, boundary FROM grids")}
    cams = rows(conn, "SELECT code, lon, lat, grid_id FROM devices WHERE kind = 'camera'")
    for cam in cams:
        assert re.fullmatch(r"\d{20}", cam.code) and cam.code[10:13] in ("131", "132")
        assert grids[cam.grid_id].covers(shapely.Point(cam.lon, cam.lat)), cam.code
    assert rows(conn, """SELECT count(*) FROM staff s WHERE s.role = 'patroller' AND NOT EXISTS (
        SELECT 1 FROM devices d WHERE d.kind = 'terminal' AND d.staff_id = s.id)""") == [(0,)]


def test_trails_lie_in_their_grids(conn):
    grids = {r.id: shape(r.boundary) for r in rows(conn, "SELECT id, boundary FROM grids")}
    by_grid = defaultdict(list)
    for r in rows(conn, "SELECT grid_id, lon, lat FROM positions WHERE id % 7 = 0"):
        by_grid[r.grid_id].append((r.lon, r.lat))
    assert sum(len(v) for v in by_grid.values()) > 1000
    for grid_id, points in by_grid.items():
        assert shapely.contains_xy(grids[grid_id], *zip(*points)).all()
    [(latest, patrollers, patrols)] = rows(conn, """SELECT (SELECT count(*) FROM positions_latest),
        (SELECT count(*) FROM staff WHERE role = 'patroller'), (SELECT count(DISTINCT staff_id) FROM patrols)""")
    assert latest == patrollers and patrols > patrollers * 0.8


def test_accounts(conn):
    by_role = dict(rows(conn, "SELECT role, count(*) FROM users WHERE is_demo GROUP BY role"))
    [(depts, patrollers)] = rows(conn, "SELECT (SELECT count(*) FROM departments), "
                                       "(SELECT count(*) FROM staff WHERE role = 'patroller')")
    assert by_role == {"admin": 1, "dispatcher": 1, "operator": 1, "leader": 1, "wall": 1,
                       "department": depts, "grid_worker": patrollers}
    assert rows(conn, """SELECT count(*) FROM users u JOIN departments d ON d.id = u.dept_id
        WHERE u.username = 'dept-' || d.code""") == [(depts,)]
    assert rows(conn, """SELECT count(*) FROM users u JOIN staff s ON s.id = u.staff_id
        WHERE u.username = 'worker-' || s.code""") == [(patrollers,)]


def test_seeding_a_seeded_database_changes_nothing(demo_db_url, conn):
    before = digest(conn)
    result = seed_demo(demo_db_url, seed=99)
    assert result["already_seeded"] is True and "logins" not in result
    assert digest(conn) == before


DIGEST_QUERIES = (
    "SELECT code, name, level, parent_code, boundary::text, min_lon, min_lat, max_lon, max_lat FROM areas",
    "SELECT code, name, level, kind, area_code, district_code, boundary::text, min_lon, min_lat, max_lon, max_lat,"
    " center_lon, center_lat, households, population, duties FROM grids",
    "SELECT code, name, tier, duty_phone, area_code, checkin_minutes, active FROM departments",
    "SELECT s.code, s.name, s.phone, s.role, s.area_code, d.code, s.active FROM staff s"
    " LEFT JOIN departments d ON d.id = s.dept_id",
    "SELECT s.code, g.code, sg.duty FROM staff_grids sg JOIN staff s ON s.id = sg.staff_id"
    " JOIN grids g ON g.id = sg.grid_id",
    # Terminal status follows the (time-dependent) trails: compare cameras' status only.
    "SELECT d.code, d.kind, d.name, d.lon, d.lat, g.code, s.code, d.vendor, CASE WHEN d.kind = 'camera'"
    " THEN d.status END FROM devices d LEFT JOIN grids g ON g.id = d.grid_id LEFT JOIN staff s ON s.id = d.staff_id",
    "SELECT v.name, v.active, c.code, p.code, c.level, c.domain, c.name, c.filing_conditions, c.closing_conditions,"
    " c.clock_mode, c.work_kind, c.urgent, c.limit_filing_min, c.limit_dispatch_min, c.limit_sign_min,"
    " c.limit_handle_min, c.limit_check_min, d.code FROM categories c JOIN category_versions v ON v.id = c.version_id"
    " LEFT JOIN categories p ON p.id = c.parent_id LEFT JOIN departments d ON d.id = c.default_dept_id",
    "SELECT code, name, category_code, min_score, merge_window_s FROM alert_types",
    "SELECT vendor, vendor_code, alert_type_code FROM alert_type_aliases",
    "SELECT code, name, timezone, work_periods::text, weekend_days::text, is_default FROM calendars",
    "SELECT calendar_code, day, kind, name FROM calendar_days",
    # Passwords are random on purpose; everything else about the accounts is reproducible.
    "SELECT u.username, u.display_name, u.role, d.code, s.code, u.is_demo FROM users u"
    " LEFT JOIN departments d ON d.id = u.dept_id LEFT JOIN staff s ON s.id = u.staff_id WHERE u.is_demo",
)


def digest(conn) -> str:
    h = hashlib.sha256()
    for sql in DIGEST_QUERIES:
        found = sorted(json.dumps(list(r), default=str, ensure_ascii=False) for r in conn.execute(text(sql)))
        h.update("\n".join(found).encode())
    return h.hexdigest()


def test_cli_seeds_the_same_data_again_and_keeps_logins_private(db_url, conn, tmp_path, monkeypatch, capsys):
    url = db_url
    try:
        monkeypatch.setenv("DATABASE_URL", url)
        settings.cache_clear()
        logins = tmp_path / "private" / "logins.json"
        code = cli.main(["seed-demo", "--seed", "7", "--history-days", "0", "--position-days", "1",
                         "--logins-file", str(logins)])
        out = capsys.readouterr().out
        assert code == 0 and "演示辖区" in out and "admin" in out
        assert stat.S_IMODE(logins.stat().st_mode) == 0o600
        saved = json.loads(logins.read_text(encoding="utf-8"))
        assert saved["admin"] in out and len(saved) > 300
        eng = create_engine(url)
        with eng.connect() as other:
            assert digest(other) == digest(conn)
        eng.dispose()
        assert cli.main(["seed-demo"]) == 0 and "未做任何修改" in capsys.readouterr().out
    finally:
        settings.cache_clear()
