"""The demo district's 12345 platform: the simulator writes work orders and status changes into a SQLite file,
the checked-in demo sources file polls it, hotline cases appear beside the others, results are written back."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine

from ingest.simulate.district import load_district
from ingest.simulate.hotline import HotlineSim
from ingest.sources.config import load
from ingest.sources.cli import drain_once
from tests.test_ingest_support import rows, scalar
from tests.test_sources_support import settings

DEMO_FILE = Path(__file__).resolve().parent.parent / "config" / "sources.demo.toml"


def test_demo_hotline_orders_become_cases(demo_db_url, tmp_path):
    eng = create_engine(demo_db_url)
    with eng.connect() as conn:
        district = load_district(conn)
    eng.dispose()
    sim = HotlineSim(tmp_path / "hotline12345.db", district, seed=7, run_id="t")
    sim.prepare()
    start = datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(hours=1)
    for i in range(40):
        sim.step(start + timedelta(minutes=i))
    sources = load(DEMO_FILE, env={"GRID_DATA_DIR": str(tmp_path)})
    before = scalar(demo_db_url, "SELECT count(*) FROM cases WHERE source = 'hotline'")
    # A status change made before the poll is read as the row's latest version: 40 rows.
    assert sim.updated and drain_once(settings(demo_db_url), sources) == {"demo12345": 40}
    new = rows(demo_db_url, "SELECT c.state, c.category_id, c.grid_id, c.supervised FROM cases c "
                            "WHERE c.source = 'hotline' AND c.source_ref LIKE 'demo12345:%'")
    assert len(new) == 40 == scalar(demo_db_url, "SELECT count(*) FROM cases WHERE source = 'hotline'") - before
    assert all(r.category_id is not None and r.grid_id is not None for r in new)
    assert any(r.supervised for r in new) or any(r.state == "cancelled" for r in new)
    assert scalar(demo_db_url, "SELECT count(*) FROM dead_letters WHERE source = 'sql'") == 0
    back = rows(f"sqlite:///{tmp_path / 'hotline12345.db'}", "SELECT case_code, case_state FROM case_results")
    assert len(back) == 40 and all(code for code, _ in back)
