"""Importer of staff (人: role, area, department) and their grids with A/B duty, from CSV or .xlsx."""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator
from sqlalchemy import Connection, delete, insert, select

from db import enums, labels
from db.importers import fields
from db.importers.common import Applied, Parsed, RowError, RowModel, by_code, keep, parse_sheet, upsert
from db.importers.vocab import STAFF_ROLE_WORDS
from db.labels import IMPORT_REASON as R
from db.schema import areas, departments, grids, staff, staff_grids

REQUIRED = {"code", "name", "role"}
OPTIONAL = {"phone": "phone", "area_code": "area_code", "dept_code": "dept_id"}
_ROLE_OPTIONS = "、".join(labels.STAFF_ROLE.values())
_SEPARATORS = re.compile(r"[;,、|\s]+")
_GRID_CODE = re.compile(r"^[0-9A-Za-z_.\-]{1,64}$")


def grid_duties(value: Any) -> tuple[tuple[str, str], ...]:
    """'3501…0001:A;3501…0002:B' (full-width ：；， too) -> ((code, duty), ...); a missing duty means A."""
    text = fields.clean(value)
    if text is None:
        return ()
    pairs: dict[str, str] = {}
    text = re.sub(r"\s*:\s*", ":", unicodedata.normalize("NFKC", text))
    for item in _SEPARATORS.split(text):
        if not item:
            continue
        code, _, duty = item.partition(":")
        duty = duty.strip().upper() or "A"
        if not _GRID_CODE.match(code) or duty not in enums.GRID_DUTIES:
            raise ValueError(R["grid_item"].format(item=item[:40]))
        if code in pairs:
            raise ValueError(R["grid_repeated"].format(code=code))
        pairs[code] = duty
    return tuple(pairs.items())


class StaffRow(RowModel):
    code: Annotated[Any, BeforeValidator(fields.code())] = None
    name: Annotated[Any, BeforeValidator(fields.text(required=True, max_len=50))] = None
    phone: Annotated[Any, BeforeValidator(fields.phone())] = None
    role: Annotated[Any, BeforeValidator(fields.choice(STAFF_ROLE_WORDS, _ROLE_OPTIONS, required=True))] = None
    area_code: Annotated[Any, BeforeValidator(fields.digits(12, required=False))] = None
    grids: Annotated[Any, BeforeValidator(grid_duties)] = None
    dept_code: Annotated[Any, BeforeValidator(fields.code(required=False))] = None


def parse(data: bytes) -> Parsed:
    return parse_sheet(data, "staff", StaffRow, REQUIRED)


def check(conn: Connection, parsed: Parsed) -> list[RowError]:
    """Area, department and every grid named must already be in the database."""
    known_areas, known_depts, known_grids = by_code(conn, areas), by_code(conn, departments), by_code(conn, grids)
    errors = []
    for number, rec in parsed.records:
        if rec.area_code and rec.area_code not in known_areas:
            errors.append(RowError(number, R["unknown_area"].format(code=rec.area_code)))
        if rec.dept_code and rec.dept_code not in known_depts:
            errors.append(RowError(number, R["unknown_dept"].format(code=rec.dept_code)))
        errors += [RowError(number, R["unknown_grid"].format(code=code))
                   for code, _ in rec.grids or () if code not in known_grids]
    return errors


def _link_grids(conn: Connection, records: list[StaffRow]) -> int:
    """The file is the truth for the grids of each person it lists: their old links are replaced."""
    codes = [r.code for r in records]
    staff_ids = dict(conn.execute(select(staff.c.code, staff.c.id).where(staff.c.code.in_(codes))).all())
    grid_ids = {code: row.id for code, row in by_code(conn, grids, "id").items()}
    conn.execute(delete(staff_grids).where(staff_grids.c.staff_id.in_(staff_ids.values())))
    links = [{"staff_id": staff_ids[r.code], "grid_id": grid_ids[code], "duty": duty}
             for r in records for code, duty in r.grids]
    for start in range(0, len(links), 1000):   # multi-row VALUES: executemany is one round trip per row
        conn.execute(insert(staff_grids).values(links[start:start + 1000]))
    return len(links)


def apply(conn: Connection, parsed: Parsed) -> Applied:
    dept_ids = {code: row.id for code, row in by_code(conn, departments, "id").items()}
    records = [rec for _, rec in parsed.records]
    values = [keep({"code": r.code, "name": r.name, "phone": r.phone, "role": r.role, "area_code": r.area_code,
                    "dept_id": dept_ids.get(r.dept_code)}, parsed.present, OPTIONAL) for r in records]
    applied = upsert(conn, staff, values, by_code(conn, staff))
    if "grids" in parsed.present:
        applied.extra["grid_links"] = _link_grids(conn, records)
    return applied
