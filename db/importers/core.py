"""import_file(): check a whole file, then upsert it by code in one transaction (with an audit row) or write nothing."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.exc import IntegrityError

from db.importers import areas, cameras, departments, grids, staff
from db.importers.common import RowError
from db.importers.source import FileProblem
from db.labels import IMPORT_KIND, IMPORT_REASON as R
from db.schema import audit_log

KINDS: dict[str, ModuleType] = {
    "areas": areas, "grids": grids, "departments": departments, "staff": staff, "cameras": cameras,
}
# Imports serialise: two uploads validated against the same snapshot could otherwise both pass and then clash.
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('db.importers'))")


@dataclass
class ImportResult:
    """What happened to one file. ok=False means nothing was written; errors are (row, reason), row None = file."""
    ok: bool
    kind: str
    filename: str | None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    extra: dict[str, int] = field(default_factory=dict)


class _Rejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(len(errors))
        self.errors = errors


def resolve_kind(kind: str) -> str | None:
    """'staff' or '人员' -> 'staff'; None when unknown."""
    if kind in KINDS:
        return kind
    return next((k for k, name in IMPORT_KIND.items() if name == kind), None)


def _load(source: Any, filename: str | None) -> tuple[bytes, str | None]:
    """Bytes and a display name from a path, raw bytes, or an uploaded file object (anything with read())."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), filename
    if hasattr(source, "read"):
        return source.read(), filename or getattr(source, "name", None)
    path = Path(os.fspath(source))
    try:
        return path.read_bytes(), filename or path.name
    except OSError:
        raise FileProblem(R["no_file"].format(name=path)) from None


@contextmanager
def _transaction(target: Connection | Engine) -> Iterator[Connection]:
    """One transaction; inside a caller's transaction a savepoint, so a rejected file undoes only itself."""
    if isinstance(target, Engine):
        with target.begin() as conn:
            yield conn
    elif target.in_transaction():
        with target.begin_nested():
            yield target
    else:
        with target.begin():
            yield target


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: -1 if e.row is None else e.row)


def _audit(conn: Connection, result: ImportResult, actor: str, user_id: int | None) -> None:
    detail = {"kind": result.kind, "file": result.filename, "encoding": result.encoding, "rows": result.rows,
              "inserted": result.inserted, "updated": result.updated, **result.extra}
    conn.execute(insert(audit_log).values(user_id=user_id, username=actor, action="import", target_kind=result.kind,
                                          target_id=result.filename, detail=detail))


def import_file(target: Connection | Engine, kind: str, source: Any, *, filename: str | None = None,
                actor: str = "cli", user_id: int | None = None) -> ImportResult:
    """Import one file of `kind` (areas, grids, departments, staff, cameras): all rows or none.

    Rows are matched by code: existing codes are updated (only the columns the file has), new ones inserted.
    """
    name = resolve_kind(kind)
    if name is None:
        reason = R["unknown_kind"].format(kind=kind, kinds="、".join(f"{k}（{v}）" for k, v in IMPORT_KIND.items()))
        return ImportResult(False, str(kind), filename, errors=[RowError(None, reason)])
    result = ImportResult(False, name, filename)
    importer = KINDS[name]
    try:
        data, result.filename = _load(source, filename)
        parsed = importer.parse(data)
    except FileProblem as problem:
        result.errors = [RowError(None, str(problem))]
        return result
    result.rows, result.encoding, result.ignored_columns = parsed.total, parsed.encoding, parsed.ignored
    try:
        with _transaction(target) as conn:
            conn.execute(_LOCK)
            errors = parsed.errors + importer.check(conn, parsed)
            if errors:
                raise _Rejected(errors)
            applied = importer.apply(conn, parsed)
            result.inserted, result.updated, result.extra = applied.inserted, applied.updated, applied.extra
            _audit(conn, result, actor, user_id)
    except _Rejected as rejected:
        result.errors = _sorted(rejected.errors)
        return result
    except IntegrityError as exc:   # a safety net: the checks above should leave nothing for the database to refuse
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        result.errors = [RowError(None, R["db_rejected"].format(detail=constraint or type(exc.orig).__name__))]
        result.inserted = result.updated = 0
        result.extra = {}
        return result
    result.ok = True
    return result
