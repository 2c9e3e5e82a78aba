"""Exactly once across failures: the poller killed between pages resumes with exact counts; a failure before the
commit leaves nothing behind; a source that goes down backs off alone while another source keeps flowing, and
its rows arrive once it is back."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from ingest.sources import pipeline
from ingest.sources.config import load
from ingest.sources.poller import Pollers
from tests.test_ingest_support import DbWaiter, PgProxy, rows, scalar, seed_world
from tests.test_sources_support import (  # noqa: F401  (fixtures)
    base_time, counts, drain, insert_orders, make_tables, order, settings, sources_file,
)


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def _poll_process(db_url: str, path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "INGEST_WORKER_ID": "test-crash", "INGEST_RETRY_MAX_S": "1"}
    return subprocess.Popen([sys.executable, "-m", "ingest", "poll", "--config", str(path), "--once"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_killed_between_pages_resumes_exactly(world, tmp_path):
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    make_tables(url)
    t0, rng, n = base_time(), random.Random(11), 400
    # Timestamps repeat in runs of 7: page boundaries fall inside runs of equal watermarks too.
    insert_orders(url, [order(i, t0 + timedelta(seconds=i // 7), rng=rng) for i in range(n)])
    path = sources_file(tmp_path, url, page=20)
    waiter = DbWaiter(world.url)
    try:
        proc = _poll_process(world.url, path)
        reached = waiter.until("SELECT COALESCE((SELECT rows FROM source_watermarks WHERE source = 'hotline'), 0)",
                               lambda v: v >= 100, 60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert reached, proc.stderr.read().decode()[-2000:]
    finally:
        waiter.close()
    partial = counts(world.url)
    assert 100 <= partial["raw"] < n and partial["raw"] % 20 == 0      # whole pages only
    assert partial["raw"] == partial["cases"] == scalar(world.url, "SELECT rows FROM source_watermarks")
    again = subprocess.run([sys.executable, "-m", "ingest", "poll", "--config", str(path), "--once"],
                           env={**os.environ, "DATABASE_URL": world.url}, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert counts(world.url) == {"raw": n, "cases": n, "dead": 0, "steps": n}
    assert scalar(world.url, "SELECT count(DISTINCT source_ref) FROM cases") == n
    assert scalar(world.url, "SELECT rows FROM source_watermarks WHERE source = 'hotline'") == n


def test_failure_before_commit_leaves_nothing(world, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    make_tables(url)
    t0 = base_time()
    insert_orders(url, [order(i, t0 + timedelta(seconds=i)) for i in range(30)])
    path = sources_file(tmp_path, url, page=10)
    real, calls = pipeline.save_position, []

    def crash_on_second(conn, name, position, n):
        calls.append(position)
        if len(calls) == 2:
            raise KeyboardInterrupt("crash between the rows and the watermark")
        real(conn, name, position, n)
    monkeypatch.setattr(pipeline, "save_position", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        drain(world.url, path)
    assert counts(world.url)["raw"] == 10 and counts(world.url)["cases"] == 10   # the second page rolled back
    monkeypatch.setattr(pipeline, "save_position", real)
    drain(world.url, path)
    assert counts(world.url) == {"raw": 30, "cases": 30, "dead": 0, "steps": 30}


def test_source_down_backs_off_alone_and_catches_up(world, empty_db_url, tmp_path):
    pg_source_url = empty_db_url                 # a separate PostgreSQL database on the test server
    lite = f"sqlite:///{tmp_path / 'other.db'}"
    for url in (pg_source_url, lite):
        make_tables(url)
    proxy = PgProxy(pg_source_url)
    path = tmp_path / "both.toml"
    path.write_text(sources_file(tmp_path, proxy.url, name="pg12345", poll_s=0.1).read_text(encoding="utf-8")
                    + sources_file(tmp_path, lite, name="lite12345", poll_s=0.1).read_text(encoding="utf-8"),
                    encoding="utf-8")
    t0 = base_time()
    stop, waiter = threading.Event(), DbWaiter(world.url)
    pollers = Pollers(load(path), settings(world.url), stop).start()
    try:
        insert_orders(pg_source_url, [order(i, t0 + timedelta(seconds=i)) for i in range(5)])
        assert waiter.until("SELECT count(*) FROM cases", lambda v: v == 5, 30)
        proxy.block()
        insert_orders(pg_source_url, [order(i, t0 + timedelta(seconds=i)) for i in range(5, 10)])
        insert_orders(lite, [order(i, t0 + timedelta(seconds=i)) for i in range(100, 108)])
        assert waiter.until("SELECT count(*) FROM cases WHERE source_ref LIKE 'lite12345:%'", lambda v: v == 8, 30)
        assert waiter.until("SELECT COALESCE(max(failures), 0) FROM source_health WHERE source = 'pg12345'",
                            lambda v: v >= 2, 30)
        down = rows(world.url, "SELECT last_error, next_attempt_at, errors_total FROM source_health "
                               "WHERE source = 'pg12345'")[0]
        assert down.last_error and down.next_attempt_at is not None and down.errors_total >= 2
        proxy.unblock()
        assert waiter.until("SELECT count(*) FROM cases WHERE source_ref LIKE 'pg12345:%'", lambda v: v == 10, 30)
        assert waiter.until("SELECT failures FROM source_health WHERE source = 'pg12345'", lambda v: v == 0, 30)
    finally:
        stop.set()
        pollers.join(20)
        waiter.close()
        proxy.close()
    assert counts(world.url)["cases"] == 18 and counts(world.url)["raw"] == 18


def test_rows_our_database_refuses_go_one_by_one(world, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    make_tables(url)
    t0 = base_time()
    insert_orders(url, [order(i, t0 + timedelta(seconds=i)) for i in range(1, 8)])
    path = sources_file(tmp_path, url, page=5)
    real = pipeline.write_page

    def refuse_order_3(conn, page, *args):
        if any(a.parsed.data.get("order") == "HL000003" for a in page.prepared.accepted):
            raise ValueError("refused")
        return real(conn, page, *args)
    monkeypatch.setattr(pipeline, "write_page", refuse_order_3)
    assert drain(world.url, path) == {"hotline": 7}
    assert counts(world.url)["cases"] == 6
    assert "数据库拒绝保存" in scalar(world.url, "SELECT reason FROM dead_letters WHERE source = 'sql'")
    assert b"138****0000" in bytes(scalar(world.url, "SELECT payload FROM dead_letters WHERE source = 'sql'"))
    assert scalar(world.url, "SELECT rows FROM source_watermarks WHERE source = 'hotline'") == 7
    monkeypatch.setattr(pipeline, "write_page", real)
    assert drain(world.url, path) == {"hotline": 0}


def test_a_source_with_a_missing_driver_fails_alone(world, tmp_path):
    path = sources_file(tmp_path, "nosuchdb+nodriver://x/y", name="broken")
    assert drain(world.url, path) == {"broken": None}
    health = rows(world.url, "SELECT failures, last_error FROM source_health WHERE source = 'broken'")[0]
    assert health.failures == 1 and health.last_error


def test_two_workers_polling_one_source_store_each_row_once(world, tmp_path):
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    make_tables(url)
    t0, n = base_time(), 150
    insert_orders(url, [order(i, t0 + timedelta(seconds=i // 4)) for i in range(n)])
    sources = load(sources_file(tmp_path, url, page=10, poll_s=0.1))
    stop, waiter = threading.Event(), DbWaiter(world.url)
    groups = [Pollers(sources, settings(world.url), stop).start() for _ in range(2)]
    try:
        assert waiter.until("SELECT COALESCE((SELECT rows FROM source_watermarks WHERE source = 'hotline'), 0)",
                            lambda v: v >= n, 60)
    finally:
        stop.set()
        for g in groups:
            g.join(20)
        waiter.close()
    assert counts(world.url) == {"raw": n, "cases": n, "dead": 0, "steps": n}
    assert scalar(world.url, "SELECT rows FROM source_watermarks WHERE source = 'hotline'") == n
