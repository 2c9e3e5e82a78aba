"""Shared pieces of the importers: row errors, per-row model validation, duplicate codes, upsert by code."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from db.importers.source import read_sheet
from db.labels import IMPORT_FIELD, IMPORT_REASON as R


# Multi-row VALUES statements: psycopg2's executemany sends one statement per row (~10x slower), and
# PostgreSQL caps a statement at 65,535 parameters (1,000 rows x <= 16 columns stays under it).
_CHUNK = 1000


class RowError(NamedTuple):
    """One problem: row as Excel shows it (CSV header = row 1), feature number for GeoJSON, None = the whole file."""
    row: int | None
    reason: str


class RowModel(BaseModel):
    """Base of the per-row models: every field runs its parser, also when its column is absent."""
    model_config = ConfigDict(validate_default=True, extra="ignore", frozen=True)


@dataclass
class Parsed:
    """A file after the checks that need no database: every row as far as it could be read, and every problem.

    Rows with a problem are kept (partially filled) only so their references are checked too; a Parsed with
    errors is never applied.
    """
    records: list[tuple[int, Any]]
    errors: list[RowError]
    present: frozenset[str]
    encoding: str
    total: int
    ignored: list[str] = field(default_factory=list)


@dataclass
class Applied:
    inserted: int
    updated: int
    extra: dict[str, int] = field(default_factory=dict)


def reasons(exc: ValidationError) -> list[str]:
    """Chinese reasons of a row model's failure, each naming its column."""
    out = []
    for err in exc.errors():
        cause = err.get("ctx", {}).get("error")
        reason = str(cause) if isinstance(cause, ValueError) else err["msg"]
        if err["loc"]:
            name = str(err["loc"][0])
            reason = R["field"].format(field=IMPORT_FIELD.get(name, name), reason=reason)
        out.append(reason)
    return out


def _partial(model: type[RowModel], cells: dict[str, Any], failed: set) -> RowModel:
    """The row's readable cells (failed ones None), so that its references and code are still checked."""
    values = {}
    for name, info in model.model_fields.items():
        parser = next((m.func for m in info.metadata if isinstance(m, BeforeValidator)), None)
        if name not in failed and parser is not None:
            values[name] = parser(cells.get(name))
    return model.model_construct(**values)


def validate_row(number: int, cells: dict[str, Any], model: type[RowModel]) -> tuple[RowModel, list[RowError]]:
    """The row as a model and its problems; with problems the model is partial and must never be written."""
    try:
        return model.model_validate(cells), []
    except ValidationError as exc:
        failed = {e["loc"][0] for e in exc.errors() if e["loc"]}
        return _partial(model, cells, failed), [RowError(number, r) for r in reasons(exc)]


def validate(rows: Iterable[tuple[int, Any]], model: type[RowModel]) -> tuple[list[tuple[int, Any]], list[RowError]]:
    records, errors = [], []
    for number, cells in rows:
        record, problems = validate_row(number, cells, model)
        records.append((number, record))
        errors += problems
    return records, errors


def duplicate_codes(records: list[tuple[int, Any]], at: str = "at_row") -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for number, rec in records:
        if rec.code is None:
            continue
        if rec.code in first:
            where = R[at].format(row=first[rec.code])
            errors.append(RowError(number, R["duplicate_code"].format(code=rec.code, where=where)))
        else:
            first[rec.code] = number
    return errors


def parse_sheet(data: bytes, kind: str, model: type[RowModel], required: set[str]) -> Parsed:
    """Tabular kinds: read the sheet, validate every row, flag codes repeated in the file."""
    sheet = read_sheet(data, kind, required)
    records, errors = validate(sheet.rows, model)
    errors += [RowError(n, r) for n, r in sheet.problems]
    errors += duplicate_codes(records)
    return Parsed(records=records, errors=errors, present=sheet.present, encoding=sheet.encoding,
                  total=len(sheet.rows), ignored=sheet.ignored)


def by_code(conn: Connection, table: Table, *columns: str) -> dict[str, Any]:
    """Existing rows of a table keyed by code (only the columns asked for)."""
    cols = [table.c.code] + [table.c[c] for c in columns]
    return {row.code: row for row in conn.execute(select(*cols))}


def upsert(conn: Connection, table: Table, values: list[dict], existing: Iterable[str]) -> Applied:
    """Insert new codes, update existing ones (only the columns given: absent file columns stay as they were)."""
    for start in range(0, len(values), _CHUNK):
        stmt = pg_insert(table).values(values[start:start + _CHUNK])
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.code],
                                          set_={k: stmt.excluded[k] for k in values[0] if k != "code"})
        conn.execute(stmt)
    known = set(existing)
    inserted = sum(v["code"] not in known for v in values)
    return Applied(inserted, len(values) - inserted)


def keep(values: dict[str, Any], present: frozenset[str], optional: dict[str, str]) -> dict[str, Any]:
    """Drop the columns of optional fields whose column the file does not have (optional maps field -> column)."""
    dropped = {column for f, column in optional.items() if f not in present}
    return {k: v for k, v in values.items() if k not in dropped}
