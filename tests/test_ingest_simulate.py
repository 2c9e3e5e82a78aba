"""python -m ingest simulate: the same seed gives the same traffic, and the demo district's traffic is all valid."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from ingest.simulate.district import load_district
from ingest.simulate.traffic import Traffic
from tests.test_ingest_support import rows, running, seed_world, settings_for, wait_handled

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def _district(url: str):
    eng = create_engine(url)
    with eng.connect() as c:
        district = load_district(c)
    eng.dispose()
    return district


def _plan(district, seed: int, n: int) -> list[tuple]:
    return [(round(t, 6), out.stable()) for t, out in itertools.islice(Traffic(district, seed, "r1").events(), n)]


def test_same_seed_same_traffic_other_seed_other_traffic(world):
    district = _district(world.url)
    assert len(district.walkers) == 2 and len(district.cameras) == 3
    first = _plan(district, 5, 400)
    assert first == _plan(_district(world.url), 5, 400)
    assert first != _plan(district, 6, 400)
    topics = {out[0].split("/")[-1] for _, out in first}
    assert {"position", "patrol", "status", "alert", "report"} <= topics


def test_demo_district_traffic_is_stored_without_a_single_dead_letter(demo_db_url, mqtt_url):
    s = settings_for(demo_db_url, mqtt_url, batch_size=2000)
    env = {**os.environ, "DATABASE_URL": demo_db_url, "MQTT_URL": mqtt_url, "GRID_TOPIC_PREFIX": s.topic_prefix,
           "INGEST_GB28181_PREFIX": s.gb28181_prefix}
    total = 5000
    with running(s) as worker:
        out = subprocess.run([sys.executable, "-m", "ingest", "simulate", "--rate", "400", "--seed", "3",
                              "--max", str(total), "--run-id", f"t{uuid.uuid4().hex[:6]}"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        wait_handled(worker, total, timeout=120)
    assert rows(demo_db_url, "SELECT reason, count(*) FROM dead_letters GROUP BY reason") == []
    kinds = dict(rows(demo_db_url, "SELECT kind, count(*) FROM raw_events WHERE received_at > now() - "
                                   "interval '1 hour' GROUP BY kind"))
    assert sum(kinds.values()) == total
    assert {"position", "patrol", "status", "report", "video_alert", "feedback"} <= set(kinds)
    assert kinds["position"] > total / 2
    gcj = rows(demo_db_url, "SELECT count(*) FROM positions WHERE crs = 'gcj02' AND ts > now() - interval '1 hour'")
    assert gcj[0][0] > 0
    unknown = rows(demo_db_url, "SELECT flags FROM raw_events WHERE flags IS NOT NULL AND NOT flags ? 'case_error' "
                                "AND received_at > now() - interval '1 hour'")
    assert unknown == [], "simulated traffic refers only to registered staff, cameras, types and categories"
    new_cases = rows(demo_db_url, "SELECT source, count(*) FROM cases WHERE created_at > now() - interval '1 hour' "
                                  "GROUP BY source")
    assert {"grid_worker", "video"} <= {r.source for r in new_cases}
