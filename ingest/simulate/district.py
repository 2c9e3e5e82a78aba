"""What the simulator reads from the database: grid workers and their grids, cameras, alert types, categories,
departments; and, while running, the open cases that departments and grid workers answer."""
from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import shape
from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Walker:
    staff_code: str
    grid_code: str
    polygon: object          # shapely Polygon/MultiPolygon, WGS-84


@dataclass(frozen=True)
class CameraSpot:
    code: str
    lon: float
    lat: float


@dataclass
class District:
    walkers: list[Walker] = field(default_factory=list)
    cameras: list[CameraSpot] = field(default_factory=list)
    alert_types: list[tuple[str, str, float]] = field(default_factory=list)  # (code, Chinese name, min score)
    gb_codes: dict[str, str] = field(default_factory=dict)               # alert type -> "method-type"
    categories: list[tuple[str, str]] = field(default_factory=list)      # (小类 code, name)
    grid_names: dict[str, str] = field(default_factory=dict)

    def empty(self) -> bool:
        return not self.walkers or not self.categories


def load_district(conn: Connection) -> District:
    """Everything in a stable order, so the same seed gives the same traffic on the same district."""
    d = District()
    rows = conn.execute(text(
        "SELECT s.code AS staff_code, g.code AS grid_code, g.name, g.boundary FROM staff s "
        "JOIN staff_grids sg ON sg.staff_id = s.id AND sg.duty = 'A' JOIN grids g ON g.id = sg.grid_id "
        "WHERE s.active AND s.role = 'patroller' ORDER BY s.code, g.code")).all()
    first_grid: dict[str, Walker] = {}
    for r in rows:
        d.grid_names[r.grid_code] = r.name
        first_grid.setdefault(r.staff_code, Walker(r.staff_code, r.grid_code, shape(r.boundary)))
    d.walkers = list(first_grid.values())
    d.cameras = [CameraSpot(r.code, r.lon, r.lat) for r in conn.execute(text(
        "SELECT code, lon, lat FROM devices WHERE kind = 'camera' AND lon IS NOT NULL AND status <> 'fault' "
        "ORDER BY code"))]
    d.alert_types = [(r.code, r.name, r.min_score) for r in conn.execute(text(
        "SELECT code, name, min_score FROM alert_types ORDER BY code"))]
    d.gb_codes = dict(conn.execute(text(
        "SELECT DISTINCT ON (alert_type_code) alert_type_code, vendor_code FROM alert_type_aliases "
        "WHERE vendor = 'gb28181' ORDER BY alert_type_code, vendor_code")).all())
    d.categories = [(r.code, r.name) for r in conn.execute(text(
        "SELECT c.code, c.name FROM categories c JOIN category_versions v ON v.id = c.version_id "
        "WHERE v.active AND c.level = 'minor' ORDER BY c.code"))]
    return d


@dataclass(frozen=True)
class OpenCase:
    code: str
    state: str
    dept_code: str | None
    grid_code: str | None
    whistle_dept_codes: tuple[str, ...]       # departments of an open whistle that have not checked in


def open_cases(conn: Connection, limit: int = 200) -> list[OpenCase]:
    """Cases a department or grid worker would answer now (dispatched … checking), oldest first."""
    rows = conn.execute(text(
        "SELECT c.code, c.state, d.code AS dept_code, g.code AS grid_code, "
        "ARRAY(SELECT dd.code FROM whistles w JOIN whistle_departments wd ON wd.whistle_id = w.id "
        "      JOIN departments dd ON dd.id = wd.dept_id WHERE w.case_id = c.id AND w.state = 'open' "
        "      AND wd.checked_in_at IS NULL ORDER BY dd.code) AS whistle_depts "
        "FROM cases c LEFT JOIN departments d ON d.id = c.dept_id LEFT JOIN grids g ON g.id = c.grid_id "
        "WHERE c.state IN ('dispatched', 'signed', 'handling', 'feedback', 'checking') "
        "ORDER BY c.updated_at, c.id LIMIT :n"), {"n": limit}).all()
    return [OpenCase(r.code, r.state, r.dept_code, r.grid_code, tuple(r.whistle_depts or ())) for r in rows]


def worker_of_grid(district: District) -> dict[str, str]:
    return {w.grid_code: w.staff_code for w in district.walkers}
