"""`python -m db import {areas,grids,departments,staff,cameras} FILE [--actor NAME]`: import and print a report."""
from __future__ import annotations

import sys

from sqlalchemy.exc import OperationalError

from db.config import database_url
from db.engine import get_engine
from db.importers.core import KINDS, ImportResult, import_file, resolve_kind
from db.labels import IMPORT_CLI as T, IMPORT_KIND, IMPORT_REASON as R

MAX_LINES = 50


def _where(result: ImportResult, row: int | None) -> str:
    if row is None:
        return T["file_problem"]
    return R["at_feature" if result.kind == "grids" else "at_row"].format(row=row)


def report(result: ImportResult) -> list[str]:
    """The lines a person reads: the counts, or the first MAX_LINES problems and how many more there are."""
    kind, file = IMPORT_KIND.get(result.kind, result.kind), result.filename or "-"
    if not result.ok:
        lines = [T["rejected"].format(kind=kind, file=file, n=len(result.errors))]
        lines += [f"  {_where(result, e.row)}：{e.reason}" for e in result.errors[:MAX_LINES]]
        if len(result.errors) > MAX_LINES:
            lines.append("  " + T["more"].format(n=len(result.errors) - MAX_LINES))
        return lines
    lines = [T["done"].format(kind=kind, file=file, encoding=result.encoding, rows=result.rows,
                              inserted=result.inserted, updated=result.updated)]
    lines += [T[key].format(n=n) for key, n in result.extra.items() if n and key in T]
    if result.ignored_columns:
        lines.append(T["ignored"].format(columns="、".join(result.ignored_columns)))
    return lines


def _args(argv: list[str]) -> tuple[str, str, str] | None:
    rest = argv[1:]
    actor = "cli"
    if "--actor" in rest:
        at = rest.index("--actor")
        if at + 1 >= len(rest):
            return None
        actor = rest[at + 1]
        rest = rest[:at] + rest[at + 2:]
    if len(rest) != 2 or resolve_kind(rest[0]) is None:
        return None
    return rest[0], rest[1], actor


def main(argv: list[str]) -> int:
    """argv[0] is 'import'. Exit 0 when imported, 1 when rejected or the database is unreachable, 2 on usage."""
    args = _args(argv)
    if args is None:
        print(T["usage"].format(kinds=",".join(KINDS)), file=sys.stderr)
        return 2
    kind, path, actor = args
    try:
        result = import_file(get_engine(database_url()), kind, path, actor=actor)
    except (OperationalError, RuntimeError) as exc:
        print(T["db_error"].format(detail=str(exc).splitlines()[0]), file=sys.stderr)
        return 1
    print("\n".join(report(result)))
    return 0 if result.ok else 1
