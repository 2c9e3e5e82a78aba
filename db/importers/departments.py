"""Importer of departments (组织: tier for 报到 deadlines, duty phone, seat) from CSV or .xlsx."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from sqlalchemy import Connection

from db.importers import fields
from db.importers.common import Applied, Parsed, RowError, RowModel, by_code, keep, parse_sheet, upsert
from db.importers.vocab import DEPT_TIER_WORDS
from db.labels import IMPORT_REASON as R
from db.schema import areas, departments

REQUIRED = {"code", "name", "tier"}
OPTIONAL = {"duty_phone": "duty_phone", "area_code": "area_code", "checkin_minutes": "checkin_minutes"}
_TIER_OPTIONS = R["tier_options"]


class DepartmentRow(RowModel):
    code: Annotated[Any, BeforeValidator(fields.code())] = None
    name: Annotated[Any, BeforeValidator(fields.text(required=True, max_len=100))] = None
    tier: Annotated[Any, BeforeValidator(fields.choice(DEPT_TIER_WORDS, _TIER_OPTIONS, required=True))] = None
    duty_phone: Annotated[Any, BeforeValidator(fields.phone())] = None
    area_code: Annotated[Any, BeforeValidator(fields.digits(12, required=False))] = None
    checkin_minutes: Annotated[Any, BeforeValidator(fields.integer(1, 60 * 24 * 30))] = None


def parse(data: bytes) -> Parsed:
    return parse_sheet(data, "departments", DepartmentRow, REQUIRED)


def check(conn: Connection, parsed: Parsed) -> list[RowError]:
    known = by_code(conn, areas)
    return [RowError(number, R["unknown_area"].format(code=rec.area_code))
            for number, rec in parsed.records if rec.area_code and rec.area_code not in known]


def apply(conn: Connection, parsed: Parsed) -> Applied:
    values = [keep({"code": r.code, "name": r.name, "tier": r.tier, "duty_phone": r.duty_phone,
                    "area_code": r.area_code, "checkin_minutes": r.checkin_minutes}, parsed.present, OPTIONAL)
              for _, r in parsed.records]
    return upsert(conn, departments, values, by_code(conn, departments))
