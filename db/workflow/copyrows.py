"""COPY many rows into a table through the connection's psycopg2 cursor (text format)."""
from __future__ import annotations

import io
import json
from datetime import date, datetime

from sqlalchemy import Connection

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    return value.translate(_ESCAPES)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str).translate(_ESCAPES)


_FORMAT = {str: _text, int: str, float: repr, bool: lambda v: "t" if v else "f", datetime: str, date: str,
           dict: _json, list: _json}


def _cell(value) -> str:
    if value is None:
        return "\\N"
    fmt = _FORMAT.get(type(value))
    return fmt(value) if fmt else _text(str(value))


def copy_rows(conn: Connection, table: str, columns: list[str], rows) -> int:
    """COPY rows (dicts) into table; returns how many were sent."""
    buf = io.StringIO()
    n = 0
    for row in rows:
        buf.write("\t".join(_cell(row.get(c)) for c in columns))
        buf.write("\n")
        n += 1
    if n:
        buf.seek(0)
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
    return n
