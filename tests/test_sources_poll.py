"""SQL sources against real second databases (a SQLite file, a separate PostgreSQL database): initial load,
incremental polls, updates becoming workflow actions once, equal timestamps across a page boundary, unmappable
rows dead-lettered while the poll goes on."""
from __future__ import annotations

import random
from datetime import timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from tests.test_ingest_support import rows, scalar, seed_world
from tests.test_sources_support import (  # noqa: F401  (fixtures)
    actions, base_time, case_of, counts, drain, insert_orders, make_tables, order, source_url, sources_file,
    update_order,
)


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def test_initial_load_then_incremental_polls(world, source_url, tmp_path):
    rng = random.Random(8)
    make_tables(source_url)
    t0 = base_time()
    insert_orders(source_url, [order(i, t0 + timedelta(seconds=i), rng=rng) for i in range(1, 26)])
    path = sources_file(tmp_path, source_url, page=10)
    assert drain(world.url, path) == {"hotline": 25}
    assert counts(world.url) == {"raw": 25, "cases": 25, "dead": 0, "steps": 25}
    # Nothing new: nothing read, nothing written.
    assert drain(world.url, path) == {"hotline": 0}
    insert_orders(source_url, [order(i, t0 + timedelta(minutes=5, seconds=i), rng=rng) for i in range(26, 31)])
    assert drain(world.url, path) == {"hotline": 5}
    c = counts(world.url)
    assert (c["raw"], c["cases"], c["steps"]) == (30, 30, 30)
    case = case_of(world.url, "HL000001")
    # Naive source time read in the source's zone (Asia/Shanghai), stored in UTC.
    local = (t0 + timedelta(seconds=1)).replace(tzinfo=timezone(timedelta(hours=8)))
    assert case.reported_at == local.astimezone(timezone.utc)
    assert case.source == "hotline" and case.state == "reported" and case.grid_id is not None
    assert case.category_id is not None and case.reporter_phone == "13800000000"
    wm = rows(world.url, "SELECT rows, wm, tb FROM source_watermarks WHERE source = 'hotline'")[0]
    assert wm.rows == 30 and wm.tb == "s:HL000030"
    health = rows(world.url, "SELECT rows_total, dead_total, failures, last_success_at FROM source_health")[0]
    assert health.rows_total == 30 and health.dead_total == 0 and health.failures == 0
    assert health.last_success_at is not None


def test_updates_become_workflow_actions_once(world, source_url, tmp_path):
    make_tables(source_url)
    t0 = base_time()
    insert_orders(source_url, [order(1, t0), order(2, t0)])
    path = sources_file(tmp_path, source_url)
    drain(world.url, path)
    update_order(source_url, "HL000001", status="02", updated_at=t0 + timedelta(minutes=1))
    drain(world.url, path)
    assert case_of(world.url, "HL000001").state == "accepted"
    # Another column changes, the status does not: no second action.
    update_order(source_url, "HL000001", remark="市民补充说明", updated_at=t0 + timedelta(minutes=2))
    drain(world.url, path)
    assert actions(world.url, "HL000001") == ["report", "accept"]
    update_order(source_url, "HL000001", status="05", remark="市民来电催办", updated_at=t0 + timedelta(minutes=3))
    update_order(source_url, "HL000002", status="09", remark="市民撤单", updated_at=t0 + timedelta(minutes=3))
    drain(world.url, path)
    drain(world.url, path)      # re-polling changes nothing
    assert actions(world.url, "HL000001") == ["report", "accept", "supervise"]
    assert case_of(world.url, "HL000001").supervised is True
    assert actions(world.url, "HL000002") == ["report", "request_cancel", "approve_cancel"]
    assert case_of(world.url, "HL000002").state == "cancelled"
    note = scalar(world.url, "SELECT s.note FROM case_steps s JOIN cases c ON c.id = s.case_id "
                             "WHERE c.source_ref = 'hotline:HL000001' AND s.action = 'supervise'")
    assert note == "市民来电催办"
    c = counts(world.url)
    # 2 new + accept + supervise + cancel; the remark-only change was a duplicate.
    assert (c["raw"], c["cases"]) == (5, 2)


def test_equal_timestamps_across_page_boundaries(world, source_url, tmp_path):
    make_tables(source_url)
    t0 = base_time()
    rng = random.Random(3)
    # 23 orders at one instant with a page of 10: the tie-breaker carries the page boundary.
    same = [order(i, t0, rng=rng) for i in rng.sample(range(100, 200), 23)]
    insert_orders(source_url, same)
    path = sources_file(tmp_path, source_url, page=10)
    assert drain(world.url, path) == {"hotline": 23}
    # More at the same instant with later keys, and one exactly on the page boundary later.
    insert_orders(source_url, [order(i, t0, rng=rng) for i in range(200, 207)])
    assert drain(world.url, path) == {"hotline": 7}
    got = {r[0] for r in rows(world.url, "SELECT source_ref FROM cases")}
    assert got == {f"hotline:HL{i:06d}" for i in [int(o["order_no"][2:]) for o in same] + list(range(200, 207))}
    assert counts(world.url)["raw"] == 30


def test_unmappable_rows_are_dead_lettered_and_the_poll_goes_on(world, source_url, tmp_path):
    make_tables(source_url)
    t0 = base_time()
    bad = [order(2, t0 + timedelta(seconds=2), status="77"),                       # unknown status code
           order(3, t0 + timedelta(seconds=3), category="Z99"),                    # unknown category code
           order(4, t0 + timedelta(seconds=4), lon=999.0),                          # out of range
           order(5, t0 + timedelta(seconds=5), content=None),                       # missing description
           order(6, t0 + timedelta(seconds=6), created_at=t0 + timedelta(days=30))]  # far in the future
    good = [order(1, t0 + timedelta(seconds=1)), order(7, t0 + timedelta(seconds=7))]
    insert_orders(source_url, good + bad)
    path = sources_file(tmp_path, source_url, page=3)
    assert drain(world.url, path) == {"hotline": 7}
    assert counts(world.url)["cases"] == 2
    letters = rows(world.url, "SELECT topic, reason, payload FROM dead_letters WHERE source = 'sql' ORDER BY id")
    assert len(letters) == 5 and {t for t, _, _ in letters} == {"sql/hotline"}
    reasons = " | ".join(r for _, r, _ in letters)
    for part in ("「77」", "「Z99」", "lon", "description", "超前"):
        assert part in reasons, reasons
    payloads = [bytes(p) for _, _, p in letters]
    assert sum(b"HL000003" in p for p in payloads) == 1
    # The reporter's name and phone are masked in what the admin page shows.
    assert not any(b"13800000000" in p or "张三".encode() in p for p in payloads)
    assert all("138****0000".encode() in p for p in payloads)
    assert scalar(world.url, "SELECT dead_total FROM source_health WHERE source = 'hotline'") == 5
    # A fixed row (a new version) goes through on the next poll.
    update_order(source_url, "HL000002", status="02", updated_at=t0 + timedelta(minutes=1))
    drain(world.url, path)
    assert actions(world.url, "HL000002") == ["report", "accept"]


def test_dead_letters_replayed_on_request_read_the_row_again(world, source_url, tmp_path):
    make_tables(source_url)
    t0 = base_time()
    insert_orders(source_url, [order(1, t0, status="77"), order(2, t0 + timedelta(seconds=1), category="Z99")])
    path = sources_file(tmp_path, source_url)
    drain(world.url, path)
    assert counts(world.url)["dead"] == 2 and counts(world.url)["cases"] == 0
    # The mapping is fixed for status 77 (not for category Z99); the admin asks to replay both.
    fixed = path.read_text(encoding="utf-8").replace('"05" = "supervise"', '"05" = "supervise"\n"77" = "accept"')
    path.write_text(fixed, encoding="utf-8")
    eng = create_engine(world.url)
    with eng.begin() as c:
        c.execute(text("UPDATE dead_letters SET replay_requested_at = now(), replay_requested_by = 'admin'"))
    eng.dispose()
    drain(world.url, path)
    case = case_of(world.url, "HL000001")
    assert case.state == "accepted" and case.reporter_phone == "13800000000"   # the source's row, not the mask
    letters = rows(world.url, "SELECT replayed_at, replay_requested_at, replay_result FROM dead_letters "
                              "ORDER BY replayed_at IS NULL")
    assert letters[0].replayed_at is not None and letters[0].replay_result == "重放成功，已入库"
    assert letters[1].replayed_at is None and letters[1].replay_requested_at is None
    assert "Z99" in letters[1].replay_result
    assert scalar(world.url, "SELECT rows FROM source_watermarks WHERE source = 'hotline'") == 2


def test_settle_holds_back_the_newest_rows(world, source_url, tmp_path):
    make_tables(source_url)
    now = base_time() + timedelta(days=2)      # local wall time now, as the source writes it
    insert_orders(source_url, [order(1, now - timedelta(hours=1)), order(2, now - timedelta(seconds=5))])
    held = sources_file(tmp_path, source_url, extra="").read_text(encoding="utf-8").replace(
        "poll_s = 0.2", "poll_s = 0.2\nsettle_s = 600")
    path = tmp_path / "settle.toml"
    path.write_text(held, encoding="utf-8")
    assert drain(world.url, path) == {"hotline": 1}      # the 5-second-old order may still see a late commit
    assert drain(world.url, sources_file(tmp_path, source_url)) == {"hotline": 1}
    assert counts(world.url)["cases"] == 2
