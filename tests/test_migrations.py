"""Migrations: upgrade from empty, downgrade to empty, and agree with the db/schema package."""
from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from db import enums, migrate
from db.schema import metadata


def _tables(url: str) -> set[str]:
    eng = create_engine(url)
    try:
        return set(inspect(eng).get_table_names()) - {"alembic_version"}
    finally:
        eng.dispose()


def test_upgrade_from_empty_and_downgrade_to_empty(empty_db_url):
    assert _tables(empty_db_url) == set()
    migrate.upgrade(empty_db_url)
    assert migrate.current(empty_db_url) == migrate.head()
    assert _tables(empty_db_url) == set(metadata.tables)
    migrate.downgrade(empty_db_url)
    assert _tables(empty_db_url) == set()
    assert migrate.current(empty_db_url) is None
    migrate.upgrade(empty_db_url)
    assert migrate.current(empty_db_url) == migrate.head()


def test_migrations_match_schema_module(db_url):
    eng = create_engine(db_url)
    with eng.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    eng.dispose()
    assert diff == []


ENUM_COLUMNS = [
    ("cases", "state", enums.CASE_STATES), ("cases", "source", enums.CASE_SOURCES),
    ("cases", "level", enums.CASE_LEVELS), ("cases", "work_kind", enums.WORK_KINDS),
    ("cases", "urgency", enums.URGENCIES), ("cases", "close_type", enums.CLOSE_TYPES),
    ("case_steps", "to_state", enums.CASE_STATES), ("staff", "role", enums.STAFF_ROLES),
    ("users", "role", enums.USER_ROLES), ("raw_events", "kind", enums.EVENT_KINDS),
    ("whistles", "reason", enums.WHISTLE_REASONS), ("whistle_departments", "role", enums.WHISTLE_ROLES),
    ("departments", "tier", enums.DEPT_TIERS), ("categories", "clock_mode", enums.CLOCK_MODES),
]


def _listed(sqltext: str) -> set[str]:
    quoted = re.findall(r"'([^']*)'", sqltext)
    return set(quoted) if quoted else set(re.findall(r"\b\d+\b", sqltext))


def test_database_check_lists_equal_enums(engine):
    insp = inspect(engine)
    for table, column, values in ENUM_COLUMNS:
        checks = {c["name"]: c["sqltext"] for c in insp.get_check_constraints(table)}
        sql = checks[f"ck_{table}_{column}_enum"]
        assert _listed(sql) == {str(v) for v in values}, (table, column)
