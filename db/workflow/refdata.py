"""Reference data the engine reads (categories, departments, grids, calendars, alert types), cached per database."""
from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from shapely import STRtree
from shapely.geometry import Point, shape
from sqlalchemy import Connection, text

from db.workflow import settings
from db.workflow.clock import DEFAULT_PERIODS, Calendar, WorkClock, parse_periods

TTL_S = 60.0   # admin edits (limits, holidays) reach every process within a minute
_cache: dict[str, tuple[float, "RefData"]] = {}
_lock = threading.Lock()


@dataclass
class RefData:
    categories: dict = field(default_factory=dict)      # id -> row dict
    category_codes: dict = field(default_factory=dict)  # code -> id (active version wins)
    departments: dict = field(default_factory=dict)     # id -> row dict
    grids: dict = field(default_factory=dict)           # id -> {area_code, district_code, street_code, kind}
    districts: tuple = ()
    calendars: dict = field(default_factory=dict)       # code -> Calendar
    default_calendar: str | None = None
    alert_types: dict = field(default_factory=dict)     # code -> row dict
    _tree: object = None
    _tree_ids: list = field(default_factory=list)
    _shapes: list = field(default_factory=list)

    def clock(self, mode: str, calendar_code: str | None) -> WorkClock:
        cal = self.calendars.get(calendar_code) or self.calendars.get(self.default_calendar) or Calendar()
        return WorkClock(mode, cal)

    def case_clock(self, case: dict) -> WorkClock:
        return self.clock(case["clock_mode"], case.get("calendar_code"))

    def limit(self, case: dict, step: str) -> int:
        cat = self.categories.get(case.get("category_id")) or {}
        value = cat.get(f"limit_{step}_min")
        return int(value) if value else settings.default_limit(step, case.get("urgency", 3) <= 2)

    def category(self, code: str | None = None, cat_id: int | None = None) -> dict | None:
        if cat_id is None and code is not None:
            cat_id = self.category_codes.get(code)
        return self.categories.get(cat_id)

    def locate(self, lon: float, lat: float) -> int | None:
        """The grid containing the point (governance grids before unit grids), or None."""
        if self._tree is None:
            return None
        pt = Point(lon, lat)
        hits = [self._tree_ids[i] for i in self._tree.query(pt) if self._shapes[i].covers(pt)]
        if not hits:
            return None
        return sorted(hits, key=lambda g: self.grids[g]["kind"] != "governance")[0]


def _db_key(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def get_ref(conn: Connection) -> RefData:
    """Reference data of this connection's database, reloaded after TTL_S seconds."""
    key = _db_key(conn)
    with _lock:
        hit = _cache.get(key)
    if hit and _time.monotonic() - hit[0] < TTL_S:
        return hit[1]
    ref = load_ref(conn)
    with _lock:
        _cache[key] = (_time.monotonic(), ref)
    return ref


def invalidate(conn: Connection | None = None) -> None:
    """Drop cached reference data (all databases, or the connection's)."""
    with _lock:
        if conn is None:
            _cache.clear()
        else:
            _cache.pop(_db_key(conn), None)


def load_ref(conn: Connection) -> RefData:
    ref = RefData()
    rows = conn.execute(text(
        "SELECT c.*, v.active AS version_active FROM categories c JOIN category_versions v ON v.id = c.version_id "
        "ORDER BY v.active, v.effective_from, c.id")).mappings()
    for r in rows:
        ref.categories[r["id"]] = dict(r)
        ref.category_codes[r["code"]] = r["id"]       # ordered so the active version is written last
    for r in conn.execute(text("SELECT id, code, name, tier, checkin_minutes, active FROM departments")).mappings():
        ref.departments[r["id"]] = dict(r)
    _load_grids(conn, ref)
    _load_calendars(conn, ref)
    for r in conn.execute(text("SELECT * FROM alert_types")).mappings():
        ref.alert_types[r["code"]] = dict(r)
    return ref


def _load_grids(conn: Connection, ref: RefData) -> None:
    rows = conn.execute(text(
        "SELECT g.id, g.kind, g.area_code, g.district_code, a.parent_code AS street_code, g.boundary "
        "FROM grids g JOIN areas a ON a.code = g.area_code")).mappings().all()
    shapes = []
    for r in rows:
        ref.grids[r["id"]] = {"kind": r["kind"], "community_code": r["area_code"],
                              "district_code": r["district_code"], "street_code": r["street_code"]}
        try:
            shapes.append((r["id"], shape(r["boundary"])))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue    # a broken boundary only stops point lookup for that grid
    if shapes:
        ref._tree_ids = [g for g, _ in shapes]
        ref._shapes = [s for _, s in shapes]
        ref._tree = STRtree(ref._shapes)
    ref.districts = tuple(r[0] for r in conn.execute(text(
        "SELECT substr(code, 1, 6) FROM areas WHERE level = 'district' ORDER BY code")))


def _load_calendars(conn: Connection, ref: RefData) -> None:
    days: dict[str, tuple[set, set]] = {}
    for r in conn.execute(text("SELECT calendar_code, day, kind FROM calendar_days")):
        hol, work = days.setdefault(r[0], (set(), set()))
        (hol if r[2] == "holiday" else work).add(r[1])
    for r in conn.execute(text("SELECT * FROM calendars")).mappings():
        hol, work = days.get(r["code"], (set(), set()))
        ref.calendars[r["code"]] = Calendar(
            code=r["code"], tz=ZoneInfo(r["timezone"]),
            periods=parse_periods(r["work_periods"]) if r["work_periods"] else DEFAULT_PERIODS,
            weekend=frozenset(int(d) for d in r["weekend_days"] or ()),
            holidays=frozenset(hol), workdays=frozenset(work))
        if r["is_default"]:
            ref.default_calendar = r["code"]
