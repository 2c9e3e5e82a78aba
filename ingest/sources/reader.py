"""Reading a source table in keyset pages: (watermark, key) > (last watermark, last key), oldest first."""
from __future__ import annotations

import decimal
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from ingest.sources.config import Source

Position = tuple[Any, Any]     # (watermark value, key value) as the source's driver returned them


def source_engine(src: Source) -> Engine:
    """One engine per source; short timeouts so a vanished server fails the poll instead of hanging it."""
    url = src.url
    args: dict = {}
    if url.startswith("postgresql"):
        args = {"connect_timeout": 5, "options": "-c statement_timeout=60000"}
    elif url.startswith("mysql"):
        args = {"connect_timeout": 5, "read_timeout": 60}
    elif url.startswith("sqlite"):
        args = {"timeout": 5}
    return create_engine(url, poolclass=NullPool, connect_args=args)


def _q(name: str) -> str:
    """Quote a configured identifier (validated to letters, digits, _ and .) for any of our dialects."""
    return ".".join(f'"{part}"' for part in name.split("."))


def page_sql(src: Source, dialect: str, first: bool) -> str:
    """The page query. The expanded OR form (not a row-value comparison) works on every dialect we support;
    the tie-breaker makes rows with an equal watermark safe across a page boundary."""
    q = (lambda n: ".".join(f"`{p}`" for p in n.split("."))) if dialect == "mysql" else _q
    origin = q(src.table) if src.table else f"({src.query}) AS src"
    wm, key = q(src.watermark), q(src.key)
    # A row without a watermark could never be passed by the keyset: it is not read (documented in the README).
    # "wm >= :wm" repeats the OR's lower bound in a form every planner turns into an index range scan (without
    # it PostgreSQL walks the index from the start and filters: quadratic over a large table).
    where = [f"{wm} IS NOT NULL"] + ([] if first else [
        f"{wm} >= :wm", f"({wm} > :wm OR ({wm} = :wm AND {key} > :key))"])
    if src.settle_s:
        where.append(f"{wm} <= :settled")
    return f"SELECT * FROM {origin} WHERE {' AND '.join(where)} ORDER BY {wm}, {key} LIMIT :n"


def read_page(engine: Engine, src: Source, after: Position | None, n: int,
              settled: Any = None) -> list[dict]:
    """Up to n rows after `after` (None: from the start), as dicts of column -> driver value."""
    sql = page_sql(src, engine.dialect.name, after is None)
    params: dict = {"n": n}
    if after is not None:
        params.update(wm=after[0], key=after[1])
    if src.settle_s:
        params["settled"] = settled
    with engine.connect() as conn:
        result = conn.execute(text(sql), params)
        return [dict(r) for r in result.mappings()]


def read_row(engine: Engine, src: Source, key: Any) -> list[dict]:
    """The row with this key (a replayed dead letter), as a one-row page; empty when it is gone."""
    q = (lambda n: ".".join(f"`{p}`" for p in n.split("."))) if engine.dialect.name == "mysql" else _q
    origin = q(src.table) if src.table else f"({src.query}) AS src"
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(f"SELECT * FROM {origin} WHERE {q(src.key)} = :k"),
                                              {"k": key}).mappings()]


# --- the position as text in source_watermarks: the value goes back to the driver with its own type -------
def encode_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return f"i:{int(value)}"
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, datetime):
        return f"t:{value.isoformat()}"
    if isinstance(value, date):
        return f"D:{value.isoformat()}"
    if isinstance(value, decimal.Decimal):
        return f"d:{value}"
    if isinstance(value, float):
        return f"f:{value!r}"
    return f"s:{value}"


def decode_value(stored: str | None) -> Any:
    if stored is None:
        return None
    tag, body = stored[:2], stored[2:]
    return {"i:": int, "t:": datetime.fromisoformat, "D:": date.fromisoformat, "d:": decimal.Decimal,
            "f:": float}.get(tag, str)(body)


def encode_position(pos: Position) -> tuple[str | None, str | None]:
    return encode_value(pos[0]), encode_value(pos[1])


def decode_position(wm: str | None, tb: str | None) -> Position | None:
    return None if wm is None and tb is None else (decode_value(wm), decode_value(tb))
