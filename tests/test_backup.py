"""Backup and restore round trip: a seeded demo district dumped, restored into an empty database, found equal."""
from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text

from db import backup
from db.labels import BACKUP as L
from launcher.paths import ROOT
from tests.conftest import _db_url, create_database, drop_database

SAMPLE = 50


def snapshot(url: str) -> dict[str, tuple[int, list]]:
    """Per table: the row count and the first SAMPLE rows in primary-key order (as text, so types compare)."""
    eng = create_engine(url)
    out = {}
    try:
        insp = inspect(eng)
        with eng.connect() as c:
            for table in sorted(insp.get_table_names()):
                pk = insp.get_pk_constraint(table)["constrained_columns"] or ["ctid"]
                order = ", ".join(f'"{col}"' for col in pk) if pk != ["ctid"] else "1"
                count = c.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
                rows = c.execute(text(f'SELECT t::text FROM "{table}" t ORDER BY {order} LIMIT {SAMPLE}')).scalars()
                out[table] = (count, list(rows))
    finally:
        eng.dispose()
    return out


@pytest.fixture
def empty_target():
    name = create_database()
    yield _db_url(name)
    drop_database(name)


def test_backup_then_restore_into_an_empty_database_gives_equal_tables(demo_db_url, empty_target, tmp_path):
    dump = backup.backup(demo_db_url, tmp_path / "grid.dump")
    assert dump.stat().st_size > 100_000
    assert not list(tmp_path.glob("*.partial"))
    backup.restore(empty_target, dump)
    before, after = snapshot(demo_db_url), snapshot(empty_target)
    assert set(after) == set(before)
    assert before["grids"][0] > 300 and before["cases"][0] > 1000 and before["case_steps"][0] > 1000
    for table in before:
        assert after[table] == before[table], table


def test_restore_refuses_a_database_with_tables_unless_replace(demo_db_url, db_url, tmp_path):
    dump = backup.backup(demo_db_url, tmp_path / "grid.dump")
    with pytest.raises(RuntimeError, match=L["not_empty"][:10]):
        backup.restore(db_url, dump)
    backup.restore(db_url, dump, replace=True)
    assert snapshot(db_url)["grids"] == snapshot(demo_db_url)["grids"]


def test_command_line_round_trip_and_clear_errors(demo_db_url, empty_target, tmp_path):
    out = tmp_path / "cli.dump"
    run = lambda *a: subprocess.run([sys.executable, "-m", "db", *a], cwd=ROOT, capture_output=True, text=True,
                                    stdin=subprocess.DEVNULL, timeout=300)
    done = run("backup", "--database-url", demo_db_url, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    done = run("restore", "--database-url", empty_target, str(out))
    assert done.returncode == 0, done.stderr
    missing = run("restore", "--database-url", empty_target, str(tmp_path / "nope.dump"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert L["no_file"].split("：")[0] in missing.stderr
