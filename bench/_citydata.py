"""A city-sized benchmark database: grids cut by the demo's geometry, the demo's catalogue, bulk rows by SQL.

build(url, spec) fills a migrated, empty database: 2,500 irregular grids tiling a district of 6 streets and 150
communities, 1,500 staff with a week of positions every 20 s during 08:00–18:00, a year of cases (1,000,000)
with their step rows, alerts, whistles and requests, 10,000,000 raw events, cameras, ingest counters and dead
letters. Benchmark fixture data, not application writes: secondary indexes are dropped during the load and
built after it, foreign-key triggers are off for the session (the rows are consistent by construction), commits
are asynchronous, and two connections load two groups of tables at once. Deterministic for a seed and `now`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import SimpleNamespace

import psycopg2
import shapely
from shapely import STRtree
from shapely.geometry import mapping
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url

from bench import _casesql as cs, _citysql as ps
from db.demo import alert_types as demo_alerts, calendar as demo_calendar, names, org
from db.demo.areas import Places
from db.demo.categories import category_rows
from db.demo.geometry import build_ground
from db import day_stats, partitions as parts
from db.demo.load import load_catalog
from db.schema import areas, departments, grids

COUNTY = "350102"
BIG_TABLES = {"a": ("positions", "raw_events"), "b": ("cases", "case_steps", "alerts")}
# Rows were written with explicit ids: the application's next insert must not collide with them.
SEQUENCES = ";".join(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
                     for t in ("staff", "devices", "cases", "grids"))


@dataclass(frozen=True)
class CitySpec:
    grids: int = 2500
    communities: int = 150
    streets: int = 6
    staff: int = 1500
    cameras_per_grid: int = 4
    cases: int = 1_000_000
    case_days: int = 365
    raw_events: int = 10_000_000
    position_days: int = 7
    seed: int = 11

    def scaled(self, grids: int) -> "CitySpec":
        """The same city density at another size (staff, cameras, cases and events in proportion)."""
        f = grids / self.grids
        return replace(self, grids=grids, communities=max(self.streets, round(self.communities * f)),
                       staff=round(self.staff * f), cases=round(self.cases * f), raw_events=round(self.raw_events * f))


def dsn(url: str) -> dict:
    """psycopg2 keyword arguments for a SQLAlchemy URL (TCP or the embedded server's Unix socket)."""
    u = make_url(url)
    return {**u.translate_connect_args(username="user", database="dbname"), **dict(u.query)}


# --- reference data (Python: small) ------------------------------------------------------------------------

def _merge_extra(ground, target: int):
    """Fold the smallest grids into a neighbour of the same community until `target` remain (still a tiling)."""
    polys, comm = list(ground.grids), list(ground.grid_community)
    while len(polys) > target:
        small = min(range(len(polys)), key=lambda i: polys[i].area)
        tree = STRtree(polys)
        near = [int(j) for j in tree.query(polys[small]) if j != small and comm[j] == comm[small]
                and polys[small].intersection(polys[j]).length > 0]
        if not near:
            break
        into = max(near, key=lambda j: polys[small].intersection(polys[j]).length)
        polys[into] = shapely.coverage_union_all([polys[into], polys[small]])
        del polys[small], comm[small]
    return replace(ground, grids=polys, grid_community=comm)


def _ground(spec: CitySpec):
    n = spec.grids
    for _ in range(8):
        ground = build_ground(spec.seed, n_grids=n, n_communities=spec.communities, n_streets=spec.streets)
        if len(ground.grids) >= spec.grids:
            return _merge_extra(ground, spec.grids)
        n += spec.grids - len(ground.grids) + 2
    raise RuntimeError(f"could not cut {spec.grids} grids")


def _geojson(geom) -> dict:
    def lists(value):
        return [lists(v) for v in value] if isinstance(value, (list, tuple)) else value
    raw = mapping(geom)
    return {"type": raw["type"], "coordinates": lists(raw["coordinates"])}


def _bbox(geom) -> dict:
    x0, y0, x1, y1 = geom.bounds
    return {"min_lon": x0, "min_lat": y0, "max_lon": x1, "max_lat": y1}


def _places(ground, spec: CitySpec) -> Places:
    streets = [f"{COUNTY}{i + 1:03d}000" for i in range(spec.streets)]
    stems = names.COMMUNITY_STEMS + names.VILLAGE_STEMS
    comm_codes, comm_names, per_street = [], [], [0] * spec.streets
    for c, s in enumerate(ground.community_street):
        per_street[s] += 1
        comm_codes.append(streets[s][:9] + f"{per_street[s]:03d}")
        comm_names.append(stems[c % len(stems)] + ("", "东", "西", "南", "北")[c // len(stems) % 5] + "社区")
    grid_codes, grid_names, per_comm = [], [], [0] * len(comm_codes)
    for c in ground.grid_community:
        per_comm[c] += 1
        grid_codes.append(comm_codes[c] + f"{per_comm[c]:03d}")
        grid_names.append(f"{comm_names[c]}第{per_comm[c]}网格")
    street_names = [names.STREET_NAMES[i % len(names.STREET_NAMES)] for i in range(spec.streets)]
    return Places(streets, street_names, comm_codes, comm_names, grid_codes, grid_names)


def _reference(url: str, spec: CitySpec) -> None:
    """Areas, grids, departments, categories, alert types and the working calendar."""
    ground = _ground(spec)
    pl = _places(ground, spec)
    district = f"{COUNTY}000000"
    area_rows = [{"code": district, "name": names.DISTRICT_NAME, "level": "district", "parent_code": None,
                  "boundary": _geojson(ground.district), **_bbox(ground.district)}]
    area_rows += [{"code": c, "name": n, "level": "street", "parent_code": district, "boundary": _geojson(g),
                   **_bbox(g)} for c, n, g in zip(pl.street_codes, pl.street_names, ground.streets)]
    area_rows += [{"code": c, "name": n, "level": "community", "parent_code": pl.street_codes[ground.community_street[i]],
                   "boundary": _geojson(g), **_bbox(g)}
                  for i, (c, n, g) in enumerate(zip(pl.community_codes, pl.community_names, ground.communities))]
    grid_rows = []
    for i, geom in enumerate(ground.grids):
        center = shapely.point_on_surface(geom)
        grid_rows.append({"id": i + 1, "code": pl.grid_codes[i], "name": pl.grid_names[i], "kind": "governance",
                          "area_code": pl.community_codes[ground.grid_community[i]], "district_code": COUNTY,
                          "boundary": _geojson(geom), **_bbox(geom), "center_lon": round(center.x, 7),
                          "center_lat": round(center.y, 7), "households": 300 + i % 200,
                          "population": 1000 + i % 500})
    catalog = SimpleNamespace(categories=category_rows(), alert_types=demo_alerts.alert_type_rows(),
                              alert_aliases=demo_alerts.alias_rows(), calendar=dict(demo_calendar.CALENDAR),
                              calendar_days=demo_calendar.calendar_day_rows())
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(areas), area_rows)
            conn.execute(insert(grids), grid_rows)
            conn.execute(insert(departments), org.department_rows(pl, spec.seed))
            load_catalog(conn, catalog)
    finally:
        engine.dispose()


# --- bulk rows (SQL) ------------------------------------------------------------------------------------------

class Loader:
    """One server connection set up for bulk loading; run() times each statement group."""

    def __init__(self, url: str, params: dict, timings: dict, seed: float):
        self.conn = psycopg2.connect(**dsn(url))
        self.params, self.timings = params, timings
        with self.conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off; SET maintenance_work_mem = '1GB'; SET work_mem = '256MB'; "
                        "SET max_parallel_workers_per_gather = 0; SET jit = off; SELECT setseed(%s)", (seed,))
            try:
                cur.execute("SET session_replication_role = replica")      # no FK triggers: needs a superuser
            except psycopg2.Error:
                self.conn.rollback()
        self.conn.commit()

    def run(self, name: str, sql: str) -> None:
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            cur.execute(sql, self.params)
        self.conn.commit()
        self.timings[name] = round(time.perf_counter() - started, 1)

    def close(self) -> None:
        self.conn.close()


def _secondary_indexes(conn, table: str) -> list[tuple[str, str, str | None]]:
    """(name, CREATE INDEX or constraint definition, constraint name or None) of every non-primary index."""
    with conn.cursor() as cur:
        cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid)
                       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                       LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = t.oid
                       WHERE t.relname = %s AND NOT x.indisprimary ORDER BY 1""", (table,))
        # A partitioned table's index reads "ON ONLY parent": built that way it would cover no partition.
        return [(name, condef or idef.replace(" ON ONLY ", " ON ", 1), con)
                for name, idef, con, condef in cur.fetchall()]


def _drop_indexes(loader: Loader, tables: tuple[str, ...]) -> list[tuple[str, str, str, str | None]]:
    saved = []
    for table in tables:
        for name, definition, con in _secondary_indexes(loader.conn, table):
            saved.append((table, name, definition, con))
            drop = f'ALTER TABLE {table} DROP CONSTRAINT "{con}"' if con else f'DROP INDEX "{name}"'
            loader.run(f"drop {name}", drop)
    return saved


def _create_indexes(loader: Loader, saved: list) -> None:
    for table, name, definition, con in saved:
        sql = f'ALTER TABLE {table} ADD CONSTRAINT "{con}" {definition}' if con else definition
        loader.run(f"index {name}", sql)


def _vacuum(loader: Loader, tables: tuple[str, ...]) -> None:
    loader.conn.autocommit = True
    for table in tables:
        loader.run(f"vacuum {table}", f"VACUUM ANALYZE {table}")
    loader.conn.autocommit = False


def _lane_a(loader: Loader, spec: CitySpec, devices_ready: threading.Event) -> None:
    """People, devices, positions, patrols, raw events, ingest health."""
    saved = _drop_indexes(loader, BIG_TABLES["a"])
    for name, sql in (("staff", ps.STAFF), ("staff_grids", ps.STAFF_GRIDS), ("devices", ps.DEVICES)):
        loader.run(name, sql)
    devices_ready.set()
    for name, sql in (("users", ps.USERS), ("homes", ps.STAFF_HOMES), ("positions", ps.POSITIONS),
                      ("patrols", ps.PATROLS), ("ingest health", ps.INGEST_HEALTH)):
        loader.run(name, sql)
    if spec.raw_events:
        loader.run("raw_events", ps.RAW_EVENTS)
    _create_indexes(loader, saved)
    loader.run("positions_latest", ps.POSITIONS_LATEST)
    loader.run("grid time", ps.GRID_TIME)
    _vacuum(loader, BIG_TABLES["a"] + ("positions_latest", "patrols", "staff", "devices", "ingest_counters",
                                       "staff_grid_time"))


def _lane_b(loader: Loader, devices_ready: threading.Event) -> None:
    """A year of cases: plan, cases, steps, alerts, whistles, requests."""
    saved = _drop_indexes(loader, BIG_TABLES["b"])
    for name, sql in (("arrivals", cs.CATS + cs.ARRIVALS), ("case plan", cs.PLAN), ("cases", cs.CASES),
                      ("case_steps", cs.STEPS), ("case facts", cs.CASE_FACTS)):
        loader.run(name, sql)
    devices_ready.wait()              # alerts name the cameras lane A writes
    for name, sql in (("alerts", cs.ALERTS), ("whistles", cs.WHISTLES), ("requests", cs.REQUESTS)):
        loader.run(name, sql)
    _create_indexes(loader, saved)
    _vacuum(loader, BIG_TABLES["b"] + ("whistles", "whistle_departments", "case_requests"))


def _partitions(url: str, spec: CitySpec, now: datetime) -> None:
    """Monthly partitions for the generated range (positions: position_days; raw events and ingest health: a
    week) and two months ahead, as the ingest's maintenance keeps them; nothing lands in a DEFAULT partition."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            ahead = parts.add_months(parts.month_start(now), 2)
            for table, days in (("positions", spec.position_days), ("raw_events", 7), ("ingest_counters", 7)):
                parts.ensure_range(conn, table, now - timedelta(days=days + 1), ahead, lock_timeout=None)
    finally:
        engine.dispose()


def build(url: str, spec: CitySpec, now: datetime) -> dict:
    """Fill the migrated, empty database at `url`; returns {step: seconds} and the total."""
    timings: dict = {}
    started = time.perf_counter()
    _reference(url, spec)
    _partitions(url, spec, now)
    timings["reference data"] = round(time.perf_counter() - started, 1)
    params = {"now": now, "days": spec.case_days, "cases": spec.cases, "raw_events": spec.raw_events,
              "position_days": spec.position_days, "grids": spec.grids, "staff": spec.staff,
              "patrollers": spec.grids // 2, "communities": spec.communities, "district": COUNTY,
              "cameras": spec.grids * spec.cameras_per_grid, "cams_per_grid": spec.cameras_per_grid}
    a = Loader(url, params, timings, 0.11)
    b = Loader(url, params, timings, 0.22)
    devices_ready, errors = threading.Event(), []

    def lane_a() -> None:
        try:
            _lane_a(a, spec, devices_ready)
        except Exception as exc:          # reported after both lanes stop
            errors.append(exc)
        finally:
            devices_ready.set()

    thread = threading.Thread(target=lane_a)
    thread.start()
    try:
        _lane_b(b, devices_ready)
    finally:
        thread.join()
        a.close()
    try:
        b.run("sequences", SEQUENCES)
        b.conn.autocommit = True
        b.run("analyze", "ANALYZE")
    finally:
        b.close()
    if errors:
        raise errors[0]
    _day_stats(url, timings)
    timings["total"] = round(time.perf_counter() - started, 1)
    return timings


def _day_stats(url: str, timings: dict) -> None:
    """The trend's past days, as the ingest service's maintenance keeps them on a running system."""
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        day_stats.refresh(engine)
    finally:
        engine.dispose()
    timings["day stats"] = round(time.perf_counter() - started, 1)

