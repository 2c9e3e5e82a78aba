"""In-memory copy of what messages refer to (cameras, staff, aliases, alert types, categories, grids), refreshed."""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, text

from db.geo import GridIndex

# After an unknown reference, reload sooner (an admin may just have registered it), but not on every batch.
UNKNOWN_RELOAD_S = 5.0


@dataclass(frozen=True, slots=True)
class Camera:
    id: int
    code: str
    lon: float | None
    lat: float | None
    grid_id: int | None


@dataclass(frozen=True, slots=True)
class Grid:
    id: int
    code: str
    district_code: str


class Registry:
    def __init__(self, refresh_s: float = 60.0):
        self.refresh_s = refresh_s
        self.loaded_at = 0.0
        self.unknown_seen = False
        self.cameras: dict[str, Camera] = {}
        self.cameras_by_id: dict[int, Camera] = {}
        self.staff: dict[str, int] = {}
        self.staff_district: dict[int, str] = {}
        self.staff_names: dict[int, tuple[str, str]] = {}    # public names (公示牌), for actors in case steps
        self.dept_names: dict[int, tuple[str, str]] = {}
        self.category_names: dict[str, str] = {}
        self.aliases: dict[tuple[str, str], tuple[int | None, int | None]] = {}
        self.terminal_staff: dict[int, int] = {}
        self.alert_types: dict[str, str] = {}
        self.type_aliases: dict[tuple[str, str], str] = {}
        self.categories: dict[str, int] = {}
        self.departments: dict[str, int] = {}
        self.grids: dict[str, Grid] = {}
        self.grids_by_id: dict[int, Grid] = {}
        self.index: GridIndex | None = None

    # --- loading ---------------------------------------------------------------------------------
    def due(self) -> bool:
        age = time.monotonic() - self.loaded_at
        return age >= self.refresh_s or (self.unknown_seen and age >= UNKNOWN_RELOAD_S)

    def load(self, conn: Connection) -> None:
        rows = conn.execute(text(
            "SELECT id, kind, code, lon, lat, grid_id, staff_id FROM devices")).all()
        self.cameras = {r.code: Camera(r.id, r.code, r.lon, r.lat, r.grid_id) for r in rows if r.kind == "camera"}
        self.cameras_by_id = {c.id: c for c in self.cameras.values()}
        self.terminal_staff = {r.id: r.staff_id for r in rows if r.kind == "terminal" and r.staff_id}
        terminal_codes = {r.code: r.staff_id for r in rows if r.kind == "terminal" and r.staff_id}
        staff = conn.execute(text("SELECT id, code, name, area_code FROM staff WHERE active")).all()
        self.staff = {**terminal_codes, **{r.code: r.id for r in staff}}
        self.staff_names = {r.id: (r.code, r.name) for r in staff}
        self.staff_district = {r.id: r.area_code[:6] for r in staff if r.area_code}
        self.aliases = {(r.source, r.external_id): (r.device_id, r.staff_id) for r in conn.execute(text(
            "SELECT source, external_id, device_id, staff_id FROM device_aliases"))}
        types = conn.execute(text("SELECT code, name FROM alert_types")).all()
        self.alert_types = {**{r.name: r.code for r in types}, **{r.code: r.code for r in types}}
        self.type_aliases = {(r.vendor, r.vendor_code): r.alert_type_code for r in conn.execute(text(
            "SELECT vendor, vendor_code, alert_type_code FROM alert_type_aliases"))}
        categories = conn.execute(text(
            "SELECT c.code, c.id, c.name FROM categories c JOIN category_versions v ON v.id = c.version_id "
            "WHERE v.active AND c.level <> 'major'")).all()
        self.categories = {r.code: r.id for r in categories}
        self.category_names = {r.code: r.name for r in categories}
        departments = conn.execute(text("SELECT id, code, name FROM departments WHERE active")).all()
        self.departments = {r.code: r.id for r in departments}
        self.dept_names = {r.id: (r.code, r.name) for r in departments}
        self._load_grids(conn)
        self.loaded_at = time.monotonic()
        self.unknown_seen = False

    def _load_grids(self, conn: Connection) -> None:
        # Finest level first: on overlapping layers the grid listed first wins in GridIndex.locate.
        rows = conn.execute(text(
            "SELECT id, code, district_code, boundary FROM grids WHERE kind <> 'unit' ORDER BY level DESC, id")).all()
        self.grids = {r.code: Grid(r.id, r.code, r.district_code) for r in rows}
        self.grids_by_id = {g.id: g for g in self.grids.values()}
        self.index = GridIndex.from_rows((r.id, r.boundary) for r in rows) if rows else None

    # --- lookups ---------------------------------------------------------------------------------
    def _miss(self) -> None:
        self.unknown_seen = True

    def camera(self, ref: str, source: str) -> Camera | None:
        found = self.cameras.get(ref)
        if found is None:
            device_id, _ = self.aliases.get((source, ref), (None, None))
            found = self.cameras_by_id.get(device_id) if device_id else None
        if found is None:
            self._miss()
        return found

    def staff_id(self, ref: str, source: str) -> int | None:
        """Our staff code or terminal code; else an alias of that source (OwnTracks user/device...)."""
        found = self.staff.get(ref)
        if found is None:
            device_id, staff_id = self.aliases.get((source, ref), (None, None))
            found = staff_id or (self.terminal_staff.get(device_id) if device_id else None)
        if found is None:
            self._miss()
        return found

    def alert_type(self, vendor: str | None, code: str) -> str | None:
        """Our code or Chinese name; else through alert_type_aliases: the vendor's own code, then the Chinese
        variants (vendor 'zh'), then codes valid for any vendor ('*')."""
        found = self.alert_types.get(code)
        for alias_vendor in (vendor, "zh", "*"):
            if found is None and alias_vendor:
                found = self.type_aliases.get((alias_vendor, code))
        if found is None:
            self._miss()
        return found

    def category_id(self, code: str) -> int | None:
        found = self.categories.get(code)
        if found is None:
            self._miss()
        return found

    def department_id(self, code: str) -> int | None:
        found = self.departments.get(code)
        if found is None:
            self._miss()
        return found

    def grid(self, code: str) -> Grid | None:
        found = self.grids.get(code)
        if found is None:
            self._miss()
        return found

    def locate_many(self, points: list[tuple[float, float]]) -> list[int | None]:
        if not points or self.index is None:
            return [None] * len(points)
        return self.index.locate_many([p[0] for p in points], [p[1] for p in points])

    def district_of(self, grid_id: int | None, staff_id: int | None = None) -> str | None:
        grid = self.grids_by_id.get(grid_id) if grid_id else None
        if grid:
            return grid.district_code
        return self.staff_district.get(staff_id) if staff_id else None
