"""Importer of areas (区/县 → 街道/乡镇 → 社区/村) from CSV or .xlsx: the parents real grids hang under."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, model_validator
from sqlalchemy import Connection, func, select

from db import enums, labels
from db.importers import fields
from db.importers.common import Applied, Parsed, RowError, RowModel, by_code, parse_sheet, upsert
from db.importers.vocab import AREA_LEVEL_WORDS
from db.labels import IMPORT_REASON as R
from db.schema import areas, grids

REQUIRED = {"code", "name", "level"}
PARENT_LEVEL = {"street": "district", "community": "street"}
_LEVEL_OPTIONS = "、".join(labels.AREA_LEVEL.values())


class AreaRow(RowModel):
    code: Annotated[Any, BeforeValidator(fields.digits(12))] = None
    name: Annotated[Any, BeforeValidator(fields.text(required=True, max_len=100))] = None
    level: Annotated[Any, BeforeValidator(fields.choice(AREA_LEVEL_WORDS, _LEVEL_OPTIONS, required=True))] = None
    parent_code: Annotated[Any, BeforeValidator(fields.digits(12, required=False))] = None

    @model_validator(mode="after")
    def _parent_by_level(self) -> "AreaRow":
        if self.level == "district" and self.parent_code:
            raise ValueError(R["district_parent"])
        if self.level != "district" and not self.parent_code:
            raise ValueError(R["parent_required"].format(level=labels.AREA_LEVEL[self.level]))
        if self.parent_code == self.code:
            raise ValueError(R["parent_self"])
        return self


def parse(data: bytes) -> Parsed:
    return parse_sheet(data, "areas", AreaRow, REQUIRED)


def _parent_errors(number: int, rec: AreaRow, levels: dict[str, str]) -> list[RowError]:
    if rec.parent_code is None or rec.level not in PARENT_LEVEL:
        return []
    found = levels.get(rec.parent_code)
    if found is None:
        return [RowError(number, R["unknown_parent"].format(code=rec.parent_code))]
    expected = PARENT_LEVEL[rec.level]
    if found != expected:
        return [RowError(number, R["parent_level"].format(
            code=rec.parent_code, found=labels.AREA_LEVEL[found], level=labels.AREA_LEVEL[rec.level],
            expected=labels.AREA_LEVEL[expected]))]
    return []


def _children(conn: Connection, codes: list[str], in_file: set[str]) -> dict[str, str]:
    """For areas whose level would change: the kind of things hanging under them that the file does not move."""
    found: dict[str, str] = {}
    if not codes:
        return found
    under = select(areas.c.parent_code).where(areas.c.parent_code.in_(codes), areas.c.code.not_in(in_file))
    for (code,) in conn.execute(under.group_by(areas.c.parent_code)):
        found[code] = R["children_areas"]
    held = select(grids.c.area_code, func.count()).where(grids.c.area_code.in_(codes)).group_by(grids.c.area_code)
    for code, _ in conn.execute(held):
        found.setdefault(code, R["children_grids"])
    return found


def check(conn: Connection, parsed: Parsed) -> list[RowError]:
    """Parents must exist (in the database or this file) one level up; a level may not change under children."""
    existing = {code: row.level for code, row in by_code(conn, areas, "level").items()}
    levels = dict(existing)
    levels.update({rec.code: rec.level for _, rec in parsed.records if rec.code and rec.level})
    errors = []
    for number, rec in parsed.records:
        errors += _parent_errors(number, rec, levels)
    changed = {rec.code: (number, rec) for number, rec in parsed.records
               if rec.code in existing and rec.level and existing[rec.code] != rec.level}
    for code, what in _children(conn, list(changed), {rec.code for _, rec in parsed.records}).items():
        number, rec = changed[code]
        errors.append(RowError(number, R["level_change"].format(
            code=code, children=what, old=labels.AREA_LEVEL[existing[code]], new=labels.AREA_LEVEL[rec.level])))
    return errors


def apply(conn: Connection, parsed: Parsed) -> Applied:
    order = {level: i for i, level in enumerate(enums.AREA_LEVELS)}
    ordered = sorted((rec for _, rec in parsed.records), key=lambda rec: order[rec.level])   # parents first
    values = [{"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code} for r in ordered]
    existing = by_code(conn, areas)
    return upsert(conn, areas, values, existing)
