"""Monthly partitions (issue 7) against a real PostgreSQL and broker: created ahead by the ingest worker's
maintenance, retention drops only whole partitions past the cutoff, rows of a month nobody created are kept
(DEFAULT partition, then moved into their month), and a redelivery is still refused across partitions."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from db import partitions as parts
from ingest.maintenance import Maintenance, partition_task
from tests.test_ingest_support import LAT0, LON0, publish, rows, running, scalar, seed_world, settings_for, wait_handled

UTC = timezone.utc
NOW = datetime.now(UTC)


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def js(**fields) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


def names(url: str, table: str) -> set[str]:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return {p.name for p in parts.partitions(c, table)}
    finally:
        eng.dispose()


def where(url: str, table: str) -> dict:
    """{partition name: rows} of a table."""
    return dict(rows(url, f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1"))


def month(days_ago: float) -> datetime:
    return parts.month_start(NOW - timedelta(days=days_ago))


def test_the_worker_creates_partitions_ahead_at_start(world, mqtt_url):
    s = settings_for(world.url, mqtt_url, partitions_ahead_months=5)
    with running(s) as worker:
        assert worker.maintenance.wait_runs(1, 30), "the maintenance did not run"
        assert not any(isinstance(r, Exception) for r in worker.maintenance.results.values())
    for table in parts.TABLES:
        expected = {parts.partition_name(table, parts.add_months(month(0), i)) for i in range(6)}
        assert expected <= names(world.url, table), table
        assert parts.default_name(table) in names(world.url, table)
    created = worker.maintenance.results["partitions"].created
    # The migration made this month and the next two; the worker added the three after those.
    assert sorted(created["positions"]) == [parts.partition_name("positions", parts.add_months(month(0), i))
                                            for i in (3, 4, 5)]


def _fill(url: str, staff_id: int) -> None:
    """Rows spread over two years: partitions exist for their months, as on a system running that long."""
    eng = create_engine(url)
    with eng.begin() as c:
        for table, days in (("positions", (400, 250, 180, 1)), ("raw_events", (800, 700, 1)),
                            ("ingest_counters", (400, 300, 0))):
            for d in days:
                parts.create_month(c, table, month(d))
        # The third one lies in the month the 180-day cutoff falls in, before the cutoff.
        for ts in (NOW - timedelta(days=400), NOW - timedelta(days=250), month(180) + timedelta(minutes=1), NOW):
            c.execute(text("INSERT INTO positions (staff_id, ts, lon, lat) VALUES (:s, :ts, :lon, :lat)"),
                      {"s": staff_id, "ts": ts, "lon": LON0, "lat": LAT0})
        for i, d in enumerate((800, 700, None, 1)):
            c.execute(text("INSERT INTO raw_events (source, kind, source_key, payload, event_at) "
                           "VALUES ('mqtt', 'other', :k, '\\x00', :at)"),
                      {"k": f"old:{i}", "at": None if d is None else NOW - timedelta(days=d)})
        for d in (400, 300, 0):
            c.execute(text("INSERT INTO ingest_counters (worker, at) VALUES ('w', :at)"),
                      {"at": NOW - timedelta(days=d)})
    eng.dispose()


def test_retention_drops_only_whole_partitions_older_than_the_cutoff(world, mqtt_url):
    _fill(world.url, world.staff["S001"])
    before = {t: where(world.url, t) for t in parts.TABLES}
    s = settings_for(world.url, mqtt_url)          # defaults: positions 180 days, raw events 730, counters 365
    assert (s.retention_positions_days, s.retention_raw_events_days, s.retention_counters_days) == (180, 730, 365)
    eng = create_engine(world.url)
    try:
        report = partition_task(eng, s, NOW)
    finally:
        eng.dispose()
    gone = {"positions": [month(400), month(250)], "raw_events": [month(800)], "ingest_counters": [month(400)]}
    for table, months in gone.items():
        dropped = sorted(parts.partition_name(table, m) for m in months)
        assert sorted(report.dropped[table]) == dropped, table
        after = where(world.url, table)
        # What was in a dropped partition is gone; every other partition holds exactly what it held before.
        assert after == {k: v for k, v in before[table].items() if k.split(".")[-1] not in dropped}, table
        assert not set(dropped) & names(world.url, table)
    # The month that straddles the cutoff stays whole; the NULL-time row stays in the DEFAULT partition.
    assert scalar(world.url, "SELECT count(*) FROM positions WHERE ts < :c", c=NOW - timedelta(days=180)) == 1
    assert scalar(world.url, "SELECT count(*) FROM raw_events WHERE event_at IS NULL") == 1
    assert report.default_rows["raw_events"] == 1


def test_zero_days_keeps_everything(world, mqtt_url):
    _fill(world.url, world.staff["S001"])
    s = settings_for(world.url, mqtt_url, retention_positions_days=0, retention_raw_events_days=0,
                     retention_counters_days=0)
    counts = [scalar(world.url, f"SELECT count(*) FROM {t}") for t in parts.TABLES]
    results = Maintenance(s, threading.Event()).run_once()
    assert results["partitions"].dropped == {}
    assert [scalar(world.url, f"SELECT count(*) FROM {t}") for t in parts.TABLES] == counts


def test_messages_of_a_month_without_partition_are_stored_then_moved_and_redelivery_is_refused(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    v1 = f"{s.topic_prefix}/v1/terminal/S001"
    old = (NOW - timedelta(days=100)).isoformat()          # a terminal that kept positions offline for months
    batch = [(f"{v1}/position", js(ts=old, lon=LON0, lat=LAT0)),
             (f"{v1}/report", js(id="r-old", ts=old, category="0101", description="积存垃圾", lon=LON0, lat=LAT0)),
             (f"{v1}/position", js(ts=NOW.isoformat(), lon=LON0, lat=LAT0)),
             (f"{s.owntracks_prefix}/alice/phone/info", js(_type="card", name="Alice"))]   # no device time
    with running(s) as worker:
        assert worker.maintenance.wait_runs(1, 30)
        publish(mqtt_url, batch)
        wait_handled(worker, 4)
        assert worker.counters.totals.stored == 4
        default = f"{parts.SCHEMA}.{parts.default_name('raw_events')}"
        assert where(world.url, "raw_events")[default] == 3     # two old ones and the timeless one
        assert where(world.url, "positions")[f"{parts.SCHEMA}.{parts.default_name('positions')}"] == 1

        worker.maintenance.run_once()                      # as its next hourly run would
        created = worker.maintenance.results["partitions"].created
        assert created["raw_events"] == [parts.partition_name("raw_events", month(100))]
        assert where(world.url, "raw_events")[default] == 1
        assert parts.default_name("positions") not in "".join(where(world.url, "positions"))

        publish(mqtt_url, batch)                           # everything again, as after a crash
        wait_handled(worker, 8)
        assert worker.counters.totals.stored == 4 and worker.counters.totals.duplicates == 4
    assert scalar(world.url, "SELECT count(*) FROM raw_events") == 4
    assert scalar(world.url, "SELECT count(*) FROM positions") == 2
    assert scalar(world.url, "SELECT count(*) FROM cases WHERE source_ref = 'report:S001:r-old'") == 1


def test_same_key_and_time_are_refused_in_every_partition(db_url):
    eng = create_engine(db_url)
    insert = text("INSERT INTO raw_events (source, kind, source_key, payload, event_at) VALUES "
                  "('mqtt', 'other', :k, '\\x00', :at) ON CONFLICT (source_key, event_at) DO NOTHING")
    times = [None, NOW, NOW - timedelta(days=3000), NOW + timedelta(days=40)]
    try:
        for _ in range(2):
            with eng.begin() as c:
                for i, at in enumerate(times):
                    c.execute(insert, {"k": f"k{i}", "at": at})
    finally:
        eng.dispose()
    assert scalar(db_url, "SELECT count(*) FROM raw_events") == len(times)


def test_a_reused_report_id_with_another_time_opens_no_second_case(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    topic = f"{s.topic_prefix}/v1/terminal/S001/report"
    report = dict(id="r-same", category="0101", description="积存垃圾", lon=LON0, lat=LAT0)
    with running(s) as worker:
        publish(mqtt_url, [(topic, js(ts=(NOW - timedelta(days=40)).isoformat(), **report))])
        wait_handled(worker, 1)
        # The same message id, its time changed: another partition, but the same report.
        publish(mqtt_url, [(topic, js(ts=NOW.isoformat(), **report))])
        wait_handled(worker, 2)
        assert (worker.counters.totals.stored, worker.counters.totals.duplicates) == (1, 1)
    assert scalar(world.url, "SELECT count(*) FROM raw_events") == 1
    assert scalar(world.url, "SELECT count(*) FROM cases WHERE source_ref = 'report:S001:r-same'") == 1


FK = "SELECT count(*) FROM pg_constraint WHERE conname = 'fk_alerts_raw_event_id_raw_events'"


def test_the_migration_moves_existing_rows_and_the_downgrade_puts_them_back(empty_db_url):
    from db import migrate
    migrate.upgrade(empty_db_url, "0008")
    eng = create_engine(empty_db_url)
    old, null = NOW - timedelta(days=400), None
    with eng.begin() as c:
        staff_id = c.execute(text("INSERT INTO staff (code, name, role) VALUES ('S1', '网格员', 'patroller') "
                                  "RETURNING id")).scalar_one()
        for i, at in enumerate((old, null, NOW)):
            c.execute(text("INSERT INTO raw_events (source, kind, source_key, payload, event_at) "
                           "VALUES ('mqtt', 'other', :k, '\\x00', :at)"), {"k": f"k{i}", "at": at})
        for at in (old, NOW):
            c.execute(text("INSERT INTO positions (staff_id, ts, lon, lat) VALUES (:s, :ts, 119.3, 26.08)"),
                      {"s": staff_id, "ts": at})
            c.execute(text("INSERT INTO ingest_counters (worker, at) VALUES ('w', :at)"), {"at": at})
        c.execute(text("INSERT INTO alerts (alert_key, raw_event_id, camera_ref, alert_type, event_at) "
                       "VALUES ('a1', 1, 'cam', 'crowd', now())"))
    before = {t: rows(empty_db_url, f"SELECT * FROM {t} ORDER BY id") for t in parts.TABLES}
    try:
        migrate.upgrade(empty_db_url, "0009")
        assert {t: rows(empty_db_url, f"SELECT * FROM {t} ORDER BY id") for t in parts.TABLES} == before
        assert where(empty_db_url, "raw_events") == {
            f"{parts.SCHEMA}.{parts.partition_name('raw_events', month(400))}": 1,
            f"{parts.SCHEMA}.{parts.default_name('raw_events')}": 1,
            f"{parts.SCHEMA}.{parts.partition_name('raw_events', month(0))}": 1}
        with eng.begin() as c:                              # ids go on from the same sequence
            new_id = c.execute(text("INSERT INTO raw_events (source, kind, source_key, payload, event_at) "
                                    "VALUES ('mqtt', 'other', 'k9', '\\x00', now()) RETURNING id")).scalar_one()
        assert new_id == 4
        assert scalar(empty_db_url, FK) == 0
        migrate.downgrade(empty_db_url, "0008")
        assert rows(empty_db_url, "SELECT * FROM raw_events WHERE id < 4 ORDER BY id") == before["raw_events"]
        assert scalar(empty_db_url, "SELECT raw_event_id FROM alerts") == 1
        assert scalar(empty_db_url, FK) == 1                                          # the foreign key is back
    finally:
        eng.dispose()


def test_the_worker_rolls_up_time_in_own_grid_from_new_positions(world, mqtt_url):
    """Positions arrive over MQTT; the worker's maintenance (grid_time task, on its short interval) turns them
    into quarter hours inside the worker's own grid: ten fixes a minute apart in grid 001 = ten minutes."""
    start = (NOW - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    s = settings_for(world.url, mqtt_url, rollup_interval_s=0.2, maintenance_interval_s=3600)
    with running(s) as worker:
        publish(mqtt_url, [(f"{s.topic_prefix}/v1/terminal/S001/position",
                            js(ts=(start + timedelta(minutes=i)).isoformat(), lon=LON0 + 0.001, lat=LAT0 + 0.001))
                           for i in range(10)])
        wait_handled(worker, 10)
        runs = worker.maintenance.runs
        assert worker.maintenance.wait_runs(runs + 2, 30), "the rollup did not run again"
        assert not isinstance(worker.maintenance.results["grid_time"], Exception)
    assert scalar(world.url, "SELECT count(*) FROM staff_grid_time_dirty") == 0
    seconds = scalar(world.url, "SELECT sum(seconds) FROM staff_grid_time WHERE staff_id = :s",
                     s=world.staff["S001"])
    # Nine gaps of a minute, and the last fix's ten-minute cap.
    assert seconds == pytest.approx(9 * 60 + 600)
