"""`python -m db status --json`: stable keys, real counts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from db import enums

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"events", "dead_letters", "cases", "whistles_open", "positions_fresh", "grids", "staff", "devices",
            "unregistered_devices"}


def _status(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "db", "status", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_status_json_on_empty_database_has_every_key(db_url):
    out = _status(db_url, "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert REQUIRED <= set(report)
    assert set(report["events"]) == set(enums.EVENT_KINDS)
    assert set(report["cases"]) == set(enums.CASE_STATES)
    assert report["grids"] == 0 and sum(report["events"].values()) == 0


def test_status_counts_what_is_stored(engine, db_url):
    with engine.begin() as c:
        c.execute(text("INSERT INTO raw_events (source, kind, source_key, payload) VALUES "
                       "('mqtt', 'position', 'k1', 'x'), ('mqtt', 'position', 'k2', 'y'), ('mqtt', 'report', 'k3', 'z')"))
        c.execute(text("INSERT INTO dead_letters (source, payload_size, reason, seen_count) "
                       "VALUES ('mqtt', 3, 'bad json', 2)"))
        c.execute(text("INSERT INTO unregistered_devices (kind, source, external_id) VALUES ('camera', 'video', 'cam-x')"))
    report = json.loads(_status(db_url, "--json").stdout)
    assert report["events"]["position"] == 2 and report["events"]["report"] == 1
    # The same bad bytes seen twice are one row counted twice: status counts messages, not rows.
    assert report["dead_letters"] == 2 and report["unregistered_devices"] == 1
    human = _status(db_url)
    assert human.returncode == 0 and "死信" in human.stdout


def test_status_demo_district(demo_db_url):
    report = json.loads(_status(demo_db_url, "--json").stdout)
    assert 300 <= report["grids"] <= 500
    assert 500 <= report["staff"] <= 800
    assert report["devices"] >= 1500
