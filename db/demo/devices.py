"""Demo rows for 物: about 1,500 cameras with GB/T 28181 IDs placed in grids, and a terminal per grid worker."""
from __future__ import annotations

import numpy as np
import shapely

from db.demo import names
from db.demo.areas import COUNTY, Places
from db.demo.geometry import Ground
from db.demo.rand import np_rng, py_rng
from db.geo import GridIndex

CAMERAS_PER_GRID = 3.75
VENDORS = (("海康威视", 45), ("大华", 30), ("宇视", 12), ("华为", 8), ("天地伟业", 5))
# GB/T 28181 industry codes (digits 9-10): 00 社会治安路面, 01 社会治安社区, 08 城市管理.
INDUSTRIES = (("00", 50), ("01", 35), ("08", 15))
# Device type (digits 11-13): 132 network camera (IPC), 131 camera behind an encoder.
TYPES = (("132", 85), ("131", 15))
STATUSES = (("online", 92), ("offline", 5), ("fault", 2), ("unknown", 1))
TERMINAL_MODELS = ("华为 nova 12", "荣耀 X50", "中兴 Blade A73", "小米 Redmi Note 13", "OPPO A2")


def _pick(rng, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


def camera_id(center8: str, industry: str, type3: str, serial: int) -> str:
    """20 digits: centre code (1-8), industry (9-10), type (11-13), network 0 (14), serial (15-20)."""
    return f"{center8}{industry}{type3}0{serial:06d}"


def points_in(poly, count: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform points strictly inside a polygon (rounded to 1e-7 degrees, still inside)."""
    minx, miny, maxx, maxy = poly.bounds
    found = np.empty((0, 2))
    while len(found) < count:
        xy = np.round(rng.uniform((minx, miny), (maxx, maxy), (count * 3, 2)), 7)
        found = np.vstack([found, xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]])
    return found[:count]


def camera_rows(ground: Ground, places: Places, seed: int) -> list[dict]:
    rng, nrng = py_rng(seed, "cameras"), np_rng(seed, "cameras")
    index = GridIndex(places.grid_codes, ground.grids)
    rows, serial = [], 0
    counts = nrng.poisson(CAMERAS_PER_GRID, len(ground.grids))
    for g, (poly, count) in enumerate(zip(ground.grids, counts.tolist())):
        community = ground.grid_community[g]
        center8 = f"{COUNTY}{ground.community_street[community] + 1:02d}"
        for lon, lat in points_in(poly, count, nrng).tolist():
            serial += 1
            rows.append({
                "kind": "camera",
                "code": camera_id(center8, _pick(rng, INDUSTRIES), _pick(rng, TYPES), serial),
                "name": f"{places.community_names[community]}·{names.place_name(rng)}",
                "lon": lon, "lat": lat, "grid_code": index.locate(lon, lat), "staff_code": None,
                "status": _pick(rng, STATUSES), "vendor": _pick(rng, VENDORS),
                "status_minutes_ago": rng.randint(1, 600),
            })
    return rows


def terminal_rows(patrollers: list[dict], seed: int) -> list[dict]:
    """One handheld terminal (手持终端) bound to each full-time grid worker; status follows positions."""
    rng = py_rng(seed, "terminals")
    return [{"kind": "terminal", "code": f"ZD-{p['code']}", "name": f"{p['name']}的手持终端",
             "lon": None, "lat": None, "grid_code": None, "staff_code": p["code"], "status": "unknown",
             "vendor": rng.choice(TERMINAL_MODELS), "status_minutes_ago": None}
            for p in patrollers]
