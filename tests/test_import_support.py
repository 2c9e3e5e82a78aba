"""Helpers for the importer tests: fixture files, database snapshots, a district loaded from the good files."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from db.importers import import_file
from db.schema import metadata

DATA = Path(__file__).parent / "data" / "import"
TOUCHED = ("areas", "grids", "departments", "staff", "staff_grids", "devices", "audit_log")


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def gbk(name: str) -> bytes:
    """The UTF-8 fixture re-encoded as GB18030, as Excel on a Chinese Windows saves CSV."""
    return raw(name).decode("utf-8").encode("gb18030")


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table an import may touch, to prove a rejected file changed nothing."""
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(
            select(metadata.tables[name]).order_by(*metadata.tables[name].primary_key.columns))]
            for name in TOUCHED}


def imported(engine, kind: str, source, **kw):
    """Import that must succeed; a failure shows the reasons."""
    result = import_file(engine, kind, DATA / source if isinstance(source, str) else source, **kw)
    assert result.ok, result.errors
    return result


def rejected(engine, kind: str, source, **kw):
    """Import that must be refused while leaving the database exactly as it was."""
    before = snapshot(engine)
    result = import_file(engine, kind, DATA / source if isinstance(source, str) else source, **kw)
    assert not result.ok
    assert result.inserted == result.updated == 0
    assert snapshot(engine) == before
    return result


@pytest.fixture
def district(engine):
    """Areas, grids and departments from the good fixture files."""
    imported(engine, "areas", "areas.csv")
    imported(engine, "grids", "grids.geojson")
    imported(engine, "departments", "departments.csv")
    return engine
