"""Shared fixtures: a real PostgreSQL (TEST_DATABASE_URL, set by ./test.sh) with a migrated template database."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytest_plugins = ["tests.broker_fixtures"]


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the suite through ./test.sh")
    return url


def _admin_engine():
    return create_engine(_server_url(), isolation_level="AUTOCOMMIT")


def _db_url(name: str) -> str:
    return make_url(_server_url()).set(database=name).render_as_string(hide_password=False)


def create_database(template: str | None = None) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    eng = _admin_engine()
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    eng.dispose()
    return name


def drop_database(name: str) -> None:
    eng = _admin_engine()
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


@pytest.fixture(scope="session")
def migrated_template():
    """A database migrated to head, used as the template for each test's fresh database."""
    from db import migrate
    name = create_database()
    migrate.upgrade(_db_url(name))
    yield name
    drop_database(name)


@pytest.fixture
def empty_db_url():
    """An empty database (no schema)."""
    name = create_database()
    yield _db_url(name)
    drop_database(name)


@pytest.fixture
def db_url(migrated_template):
    """A fresh database at the head revision, dropped after the test."""
    name = create_database(template=migrated_template)
    yield _db_url(name)
    drop_database(name)


@pytest.fixture
def engine(db_url):
    eng = create_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_template(migrated_template):
    """A database holding the seeded demo district (seed 7), built once per run."""
    from db.demo import seed_demo
    name = create_database(template=migrated_template)
    seed_demo(_db_url(name), seed=7)
    yield name
    drop_database(name)


@pytest.fixture
def demo_db_url(demo_template):
    """A fresh copy of the seeded demo district, dropped after the test."""
    name = create_database(template=demo_template)
    yield _db_url(name)
    drop_database(name)
