"""Bulk writes with COPY: straight into the table while nothing conflicts (the normal case), else through a
temporary table and INSERT … SELECT … ON CONFLICT (after a redelivery). Lines are formatted by hand in
PostgreSQL's COPY text format: this is the hot path of the ingest."""
from __future__ import annotations

import io

import psycopg2

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def esc(value: str | None) -> str:
    return NULL if value is None else value.translate(_ESCAPES)


def num(value: float | int | None) -> str:
    return NULL if value is None else repr(value)


def copy_text(cursor, table: str, columns: str, text: str) -> None:
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text), size=1 << 20)


def copy_or_merge(cursor, table: str, columns: str, text: str, conflict: str, returning: str = "") -> list | None:
    """COPY text into table; if a row already exists (unique violation), roll that back and insert through a
    scratch table with ON CONFLICT `conflict` instead, returning `returning` of the rows inserted.
    Returns None when the direct COPY went through (every row is new)."""
    cursor.execute("SAVEPOINT ingest_copy")
    try:
        copy_text(cursor, table, columns, text)
        cursor.execute("RELEASE SAVEPOINT ingest_copy")
        return None
    except psycopg2.errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT ingest_copy")
    scratch = f"tmp_{table}"
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {scratch} ON COMMIT DELETE ROWS AS "
                   f"SELECT {columns} FROM {table} WITH NO DATA")
    copy_text(cursor, scratch, columns, text)
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {scratch} "
                   f"ON CONFLICT {conflict} DO NOTHING" + (f" RETURNING {returning}" if returning else ""))
    return cursor.fetchall() if returning else []
