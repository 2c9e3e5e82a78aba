"""Geometry helpers: locating points in grids, polygon checks, bounding boxes and GCJ-02 conversion."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from db import labels

POLYGON_TYPES = ("Polygon", "MultiPolygon")


class GridIndex:
    """Point-in-grid lookup over grid boundaries (GeoJSON, WGS-84) with a shapely STRtree."""

    def __init__(self, grid_ids: Sequence[Any], geometries: Sequence[shapely.Geometry]):
        self.grid_ids = list(grid_ids)
        self.geometries = np.asarray(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self._tree = shapely.STRtree(self.geometries)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, dict]]) -> "GridIndex":
        ids, geoms = [], []
        for grid_id, geometry in rows:
            ids.append(grid_id)
            geoms.append(shape(geometry))
        return cls(ids, geoms)

    def __len__(self) -> int:
        return len(self.grid_ids)

    def locate(self, lon: float, lat: float) -> Any | None:
        """The grid holding the point; on a shared border the grid listed first wins."""
        if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.grid_ids[int(hits.min())] if len(hits) else None

    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[Any | None]:
        """Vectorised locate() for bulk work (imports, demo trails)."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_idx, geom_idx = self._tree.query(points, predicate="intersects")
        found: list[Any | None] = [None] * len(points)
        # Reverse so that, for a point on a border, the lowest grid index is written last and wins.
        for p, g in sorted(zip(point_idx.tolist(), geom_idx.tolist()), reverse=True):
            found[p] = self.grid_ids[g]
        return found


STORED_DECIMALS = 7          # ~1 cm: boundaries are stored with no more digits than a map can show


def rounded(geometry: dict, decimals: int = STORED_DECIMALS) -> dict:
    """A GeoJSON geometry with its coordinates rounded (the wall serves stored boundaries as they are)."""
    def walk(c):
        return round(c, decimals) if isinstance(c, (int, float)) else [walk(x) for x in c]
    return {**geometry, "coordinates": walk(geometry["coordinates"])}


def bbox(geometry: dict) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a GeoJSON geometry."""
    min_lon, min_lat, max_lon, max_lat = shape(geometry).bounds
    return float(min_lon), float(min_lat), float(max_lon), float(max_lat)


def validate_polygon(geometry: Any) -> list[str]:
    """Reasons (Chinese) why a GeoJSON geometry is not a usable grid boundary; empty when it is."""
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        found = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return [labels.GEO_NOT_POLYGON.format(found=found)]
    try:
        with np.errstate(invalid="ignore"):   # NaN coordinates are reported below, not warned about
            geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
        return [labels.GEO_BAD_COORDINATES.format(detail=exc)]
    if geom.is_empty:
        return [labels.GEO_EMPTY]
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return [labels.GEO_NOT_FINITE]
    reasons = []
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        reasons.append(labels.GEO_OUT_OF_RANGE)
    if not geom.is_valid:
        reasons.append(labels.GEO_INVALID.format(detail=explain_validity(geom)))
    elif geom.area <= 0:
        reasons.append(labels.GEO_EMPTY)
    return reasons


# --- GCJ-02 ("Mars coordinates") -------------------------------------------------------------
# The public reverse-engineered forward transform (Krasovsky 1940 ellipsoid); its inverse has no
# closed form, so gcj02_to_wgs84 iterates the forward transform until the residual is negligible.
_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
             + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if _out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float, tolerance: float = 1e-9, max_iter: int = 30) -> tuple[float, float]:
    """WGS-84 of a GCJ-02 position (outside China the two are the same), accurate to ~1e-9 degrees."""
    if _out_of_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(max_iter):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        d_lon, d_lat = lon - g_lon, lat - g_lat
        w_lon, w_lat = w_lon + d_lon, w_lat + d_lat
        if abs(d_lon) < tolerance and abs(d_lat) < tolerance:
            break
    return w_lon, w_lat
