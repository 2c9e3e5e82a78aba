"""Importer of cameras (物: 20-digit GB/T 28181 IDs, position, grid found by point-in-grid) from CSV or .xlsx."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, model_validator
from sqlalchemy import Connection, case, select

from db import labels
from db.geo import GridIndex
from db.importers import fields
from db.importers.common import Applied, Parsed, RowError, RowModel, by_code, keep, parse_sheet, upsert
from db.importers.vocab import DEVICE_STATUS_WORDS
from db.labels import IMPORT_REASON as R
from db.schema import devices, grids

REQUIRED = {"code"}
OPTIONAL = {"name": "name", "status": "status", "vendor": "vendor"}
_STATUS_OPTIONS = "、".join(labels.DEVICE_STATUS.values())


class CameraRow(RowModel):
    code: Annotated[Any, BeforeValidator(fields.digits(20))] = None
    name: Annotated[Any, BeforeValidator(fields.text(max_len=100))] = None
    lon: Annotated[Any, BeforeValidator(fields.number(-180, 180))] = None
    lat: Annotated[Any, BeforeValidator(fields.number(-90, 90))] = None
    grid_code: Annotated[Any, BeforeValidator(fields.code(required=False))] = None
    status: Annotated[Any, BeforeValidator(fields.choice(DEVICE_STATUS_WORDS, _STATUS_OPTIONS, default="unknown"))] \
        = None
    vendor: Annotated[Any, BeforeValidator(fields.text(max_len=50))] = None

    @model_validator(mode="after")
    def _located(self) -> "CameraRow":
        if (self.lon is None) != (self.lat is None):
            raise ValueError(R["lonlat_pair"])
        if self.lon is None and not self.grid_code:
            raise ValueError(R["no_location"])
        return self


def parse(data: bytes) -> Parsed:
    return parse_sheet(data, "cameras", CameraRow, REQUIRED)


def check(conn: Connection, parsed: Parsed) -> list[RowError]:
    """Grids named must exist; a code already held by a terminal cannot become a camera."""
    known_grids = by_code(conn, grids)
    known_devices = by_code(conn, devices, "kind")
    errors = []
    for number, rec in parsed.records:
        if rec.grid_code and rec.grid_code not in known_grids:
            errors.append(RowError(number, R["unknown_grid"].format(code=rec.grid_code)))
        held = known_devices.get(rec.code)
        if held is not None and held.kind != "camera":
            errors.append(RowError(number, R["code_is_terminal"].format(code=rec.code)))
    return errors


def _locate(conn: Connection, points: list[tuple[float, float]]) -> list[int | None]:
    """Governance grids first, finest level first: where layers overlap, a camera lands in the grid cases use."""
    order = (case((grids.c.kind == "governance", 0), else_=1), grids.c.level.desc(), grids.c.id)
    rows = conn.execute(select(grids.c.id, grids.c.boundary).order_by(*order)).all()
    if not rows:
        return [None] * len(points)
    return GridIndex.from_rows(rows).locate_many([p[0] for p in points], [p[1] for p in points])


def _grid_ids(conn: Connection, records: list[CameraRow]) -> tuple[list[int | None], dict[str, int]]:
    """Grid per camera: the one named, else the one its position falls in (None when outside every grid)."""
    named = {code: row.id for code, row in by_code(conn, grids, "id").items()}
    ids = [named[r.grid_code] if r.grid_code else None for r in records]
    todo = [i for i, r in enumerate(records) if not r.grid_code]
    counts = {"located": 0, "unlocated": 0}
    if todo:
        for i, grid_id in zip(todo, _locate(conn, [(records[i].lon, records[i].lat) for i in todo])):
            ids[i] = grid_id
            counts["located" if grid_id is not None else "unlocated"] += 1
    return ids, counts


def apply(conn: Connection, parsed: Parsed) -> Applied:
    records = [rec for _, rec in parsed.records]
    grid_ids, counts = _grid_ids(conn, records)
    values = [keep({"code": r.code, "kind": "camera", "name": r.name, "lon": r.lon, "lat": r.lat, "grid_id": g,
                    "status": r.status, "vendor": r.vendor}, parsed.present, OPTIONAL)
              for r, g in zip(records, grid_ids)]
    applied = upsert(conn, devices, values, by_code(conn, devices))
    applied.extra.update(counts)
    return applied
