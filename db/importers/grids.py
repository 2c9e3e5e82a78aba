"""Importer of grids from a GeoJSON FeatureCollection (WGS-84): checked boundaries, no overlaps, bbox and centre."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

import shapely
from pydantic import BeforeValidator
from shapely.geometry import mapping, shape
from sqlalchemy import Connection

from db import geo, labels
from db.importers import fields
from db.importers.common import (
    Applied, Parsed, RowError, RowModel, by_code, duplicate_codes, keep, upsert, validate_row,
)
from db.importers.source import FileProblem, map_names, read_features
from db.importers.vocab import GRID_KIND_WORDS
from db.labels import IMPORT_FIELD, IMPORT_REASON as R
from db.schema import areas, grids

REQUIRED = {"code", "name", "area_code"}
OPTIONAL = {f: f for f in ("kind", "level", "households", "population", "duties")}
# Shared borders digitised twice leave thin slivers; only an overlap above this share of the smaller grid counts.
OVERLAP_SHARE = 0.005
_M_PER_DEGREE = 111_320.0
_KIND_OPTIONS = "、".join(labels.GRID_KIND.values())


class GridProps(RowModel):
    code: Annotated[Any, BeforeValidator(fields.code())] = None
    name: Annotated[Any, BeforeValidator(fields.text(required=True, max_len=100))] = None
    area_code: Annotated[Any, BeforeValidator(fields.digits(12))] = None
    kind: Annotated[Any, BeforeValidator(fields.choice(GRID_KIND_WORDS, _KIND_OPTIONS, default="governance"))] = None
    level: Annotated[Any, BeforeValidator(fields.integer(1, 4, default=3))] = None
    households: Annotated[Any, BeforeValidator(fields.integer(0, 10_000_000))] = None
    population: Annotated[Any, BeforeValidator(fields.integer(0, 100_000_000))] = None
    duties: Annotated[Any, BeforeValidator(fields.text(max_len=2000))] = None


@dataclass(frozen=True)
class GridRecord:
    props: GridProps
    shape: Any   # shapely Polygon/MultiPolygon, 2-D; None when the boundary was refused

    @property
    def code(self) -> str:
        return self.props.code


def _boundary(geometry: Any) -> tuple[Any, list[str]]:
    if geometry is None:
        return None, [R["field"].format(field=IMPORT_FIELD["geometry"], reason=R["required"])]
    problems = geo.validate_polygon(geometry)
    return (None if problems else shapely.force_2d(shape(geometry))), problems


def _feature(number: int, feature: Any, present: set, ignored: set) -> tuple[GridRecord | None, list[RowError]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, [RowError(number, R["not_feature"])]
    props = feature.get("properties")
    errors = [] if isinstance(props, dict) else [RowError(number, R["no_properties"])]
    props = props if isinstance(props, dict) else {}
    names, unknown, doubled = map_names(props, "grids")
    present.update(f for f in names if f)
    ignored.update(unknown)
    errors += [RowError(number, r) for r in doubled]
    geom, problems = _boundary(feature.get("geometry"))
    errors += [RowError(number, r) for r in problems]
    rec, problems = validate_row(number, {f: props[k] for k, f in zip(props, names) if f}, GridProps)
    return GridRecord(rec, geom), errors + problems


def _square_metres(area_deg2: float, lat: float) -> float:
    return area_deg2 * _M_PER_DEGREE ** 2 * math.cos(math.radians(lat))


def overlaps(records: list[tuple[int, GridRecord]]) -> list[RowError]:
    """Grids of one layer (same kind and level) in the file that overlap; reported on the later feature."""
    errors = []
    layers: dict[tuple, list[tuple[int, GridRecord]]] = {}
    for number, rec in records:
        if rec.shape is None or rec.props.kind is None or rec.props.level is None:
            continue
        layers.setdefault((rec.props.kind, rec.props.level), []).append((number, rec))
    for members in layers.values():
        shapes = [rec.shape for _, rec in members]
        left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist()):
            if i >= j:
                continue
            common = shapes[i].intersection(shapes[j]).area
            if common > OVERLAP_SHARE * min(shapes[i].area, shapes[j].area):
                (first, a), (later, _) = members[i], members[j]
                m2 = _square_metres(common, a.shape.centroid.y)
                where = R["at_feature"].format(row=first)
                errors.append(RowError(later, R["overlap"].format(where=where, code=a.code, m2=f"{m2:,.0f}")))
    return errors


def parse(data: bytes) -> Parsed:
    features, encoding = read_features(data)
    present: set[str] = set()
    ignored: set[str] = set()
    records, errors = [], []
    for number, feature in enumerate(features, start=1):
        rec, problems = _feature(number, feature, present, ignored)
        errors += problems
        if rec is not None:
            records.append((number, rec))   # kept even with problems, so its references are checked too
    missing = REQUIRED - present
    if missing:
        names = "、".join(IMPORT_FIELD[f] for f in IMPORT_FIELD if f in missing)
        raise FileProblem(R["missing_properties"].format(columns=names))
    errors += duplicate_codes(records, "at_feature") + overlaps(records)
    return Parsed(records=records, errors=errors, present=frozenset(present), encoding=encoding,
                  total=len(features), ignored=sorted(ignored))


def check(conn: Connection, parsed: Parsed) -> list[RowError]:
    """Each grid hangs under a community (社区/村) that is already in the database."""
    levels = {code: row.level for code, row in by_code(conn, areas, "level").items()}
    errors = []
    for number, rec in parsed.records:
        if rec.props.area_code is None:
            continue
        found = levels.get(rec.props.area_code)
        if found is None:
            errors.append(RowError(number, R["unknown_area"].format(code=rec.props.area_code)))
        elif found != "community":
            errors.append(RowError(number, R["area_not_community"].format(
                code=rec.props.area_code, found=labels.AREA_LEVEL[found])))
    return errors


def _centre(geom: Any) -> tuple[float, float]:
    """The centroid, or a point surely inside when the centroid falls outside (L shapes, multipolygons)."""
    point = geom.centroid
    if not geom.contains(point):
        point = geom.representative_point()
    return point.x, point.y


def _values(rec: GridRecord, present: frozenset[str]) -> dict[str, Any]:
    p, geom = rec.props, rec.shape
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    lon, lat = _centre(geom)
    values = {
        "code": p.code, "name": p.name, "area_code": p.area_code, "district_code": p.area_code[:6],
        "kind": p.kind, "level": p.level, "households": p.households, "population": p.population,
        "duties": p.duties, "boundary": geo.rounded(mapping(geom)), "min_lon": min_lon, "min_lat": min_lat,
        "max_lon": max_lon, "max_lat": max_lat, "center_lon": lon, "center_lat": lat,
    }
    return keep(values, present, OPTIONAL)


def apply(conn: Connection, parsed: Parsed) -> Applied:
    values = [_values(rec, parsed.present) for _, rec in parsed.records]
    return upsert(conn, grids, values, by_code(conn, grids))
