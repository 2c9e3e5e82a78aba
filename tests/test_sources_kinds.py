"""The other message kinds from SQL sources (a video platform's alarm table, a department's feedback view), the
12345 write-back round trip, and the sources file (${ENV} secrets, refused mistakes)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from db import workflow
from db.workflow import Actor
from ingest.config import ConfigError
from ingest.sources.config import load
from tests.test_ingest_support import CAMERAS, rows, scalar, seed_world
from tests.test_sources_support import (  # noqa: F401  (fixtures)
    base_time, case_of, drain, insert_orders, make_tables, order, source_url, sources_file,
)

DISPATCHER = Actor(None, "dispatcher", "dispatcher", display_name="指挥长")
OPERATOR = Actor(None, "operator", "operator", display_name="值班员")
ALARMS_DDL = """CREATE TABLE vms_alarm (
    alarm_id INTEGER PRIMARY KEY, device_id VARCHAR(20) NOT NULL, alarm_type VARCHAR(8), confidence REAL,
    alarm_time TIMESTAMP NOT NULL, state SMALLINT NOT NULL, seq BIGINT NOT NULL)"""
FEEDBACK_DDL = """CREATE TABLE dept_feedback (
    fid INTEGER PRIMARY KEY, dept_code VARCHAR(16), case_no VARCHAR(32), op VARCHAR(8), memo TEXT,
    op_time TIMESTAMP NOT NULL)"""
VIDEO_AND_FEEDBACK = """
[[source]]
name = "vms"
kind = "video_alert"
url = "{url}"
table = "vms_alarm"
key = "alarm_id"
watermark = "seq"
version = ["state"]

[source.columns]
camera = "device_id"
type = "alarm_type"
score = "confidence"
event_at = "alarm_time"
status = "state"

[source.values.type]
"31" = "occupy_road_business"
"47" = "crowd"

[source.values.status]
"1" = "raise"
"0" = "clear"

[[source]]
name = "dept"
kind = "feedback"
url = "{url}"
query = "SELECT fid, dept_code, case_no, op, memo, op_time FROM dept_feedback"
key = "fid"
watermark = "fid"

[source.columns]
dept = "dept_code"
case_code = "case_no"
action = "op"
note = "memo"
at = "op_time"

[source.values.action]
QS = "checkin"
JZ = "progress"
BJ = "result"
"""


@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def _exec(url: str, sql: str, params=None) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text(sql), params) if params else c.execute(text(sql))
    eng.dispose()


def test_alarm_table_and_department_feedback(world, source_url, tmp_path):
    make_tables(source_url, ALARMS_DDL, FEEDBACK_DDL)
    t0 = base_time()
    _exec(source_url, "INSERT INTO vms_alarm VALUES (:a, :d, :t, :c, :at, 1, :s)", [
        {"a": 1, "d": CAMERAS[0], "t": "31", "c": 0.9, "at": t0, "s": 1},
        {"a": 2, "d": CAMERAS[0], "t": "31", "c": 0.8, "at": t0 + timedelta(seconds=20), "s": 2},  # merges
        {"a": 3, "d": CAMERAS[1], "t": "99", "c": 0.9, "at": t0, "s": 3}])                         # unknown type
    path = tmp_path / "vms.toml"
    path.write_text(VIDEO_AND_FEEDBACK.format(url=source_url), encoding="utf-8")
    assert drain(world.url, path) == {"vms": 3, "dept": 0}
    assert scalar(world.url, "SELECT count(*) FROM alerts") == 2
    assert scalar(world.url, "SELECT count(DISTINCT case_id) FROM alerts") == 1
    assert "「99」" in scalar(world.url, "SELECT reason FROM dead_letters WHERE source = 'sql'")
    # The platform clears alarm 1: the same alert (by its key) gets its end time, no new alert or case.
    _exec(source_url, "UPDATE vms_alarm SET state = 0, seq = 4 WHERE alarm_id = 1")
    assert drain(world.url, path)["vms"] == 1
    ended = rows(world.url, "SELECT ended_at FROM alerts ORDER BY id")
    assert ended[0][0] is not None and ended[1][0] is None
    assert scalar(world.url, "SELECT count(*) FROM cases") == 1
    code = scalar(world.url, "SELECT code FROM cases")
    eng = create_engine(world.url)
    with eng.begin() as c:
        workflow.perform(c, code, "accept", OPERATOR)
        workflow.perform(c, code, "file", DISPATCHER, category_code="0501")
        workflow.perform(c, code, "dispatch", DISPATCHER, dept_id=world.depts["sanit"])
    eng.dispose()
    _exec(source_url, "INSERT INTO dept_feedback VALUES (:f, 'sanit', :c, :o, :m, :t)", [
        {"f": 1, "c": code, "o": "QS", "m": None, "t": t0 + timedelta(hours=1)},
        {"f": 2, "c": code, "o": "BJ", "m": "摊位已清理", "t": t0 + timedelta(hours=2)},
        {"f": 3, "c": code, "o": "XX", "m": None, "t": t0 + timedelta(hours=3)}])
    assert drain(world.url, path)["dept"] == 3
    assert scalar(world.url, "SELECT state FROM cases") == "feedback"
    assert scalar(world.url, "SELECT count(*) FROM dead_letters WHERE source = 'sql'") == 2


def test_write_back_round_trip(world, source_url, tmp_path):
    make_tables(source_url)
    t0 = base_time()
    insert_orders(source_url, [order(1, t0), order(2, t0 + timedelta(seconds=1))])
    path = sources_file(tmp_path, source_url, writeback=True)
    drain(world.url, path)
    back = {r.order_no: r for r in rows(source_url, "SELECT * FROM case_results")}
    assert set(back) == {"HL000001", "HL000002"}
    assert back["HL000001"].case_code == case_of(world.url, "HL000001").code
    assert back["HL000001"].case_state == "reported" and back["HL000001"].state_name == "待受理"
    code = case_of(world.url, "HL000001").code
    dept = Actor(None, "sanit", "department", dept_id=world.depts["sanit"], display_name="环卫所")
    eng = create_engine(world.url)
    with eng.begin() as c:
        workflow.perform(c, code, "accept", OPERATOR)
        workflow.perform(c, code, "file", DISPATCHER, category_code="0101")
        workflow.perform(c, code, "dispatch", DISPATCHER, dept_id=world.depts["sanit"])
        workflow.perform(c, code, "sign", dept)
        workflow.perform(c, code, "feedback", dept, note="垃圾已清运")
        workflow.perform(c, code, "check", OPERATOR)
        workflow.perform(c, code, "close", DISPATCHER, satisfaction=5)
    eng.dispose()
    drain(world.url, path)
    back = {r.order_no: r for r in rows(source_url, "SELECT * FROM case_results")}
    assert back["HL000001"].case_state == "closed" and back["HL000001"].state_name == "已结案"
    assert back["HL000001"].result == "垃圾已清运" and back["HL000001"].closed_at
    assert back["HL000002"].case_state == "reported"
    assert scalar(source_url, "SELECT count(*) FROM case_results") == 2


def test_sources_file_secrets_and_mistakes(tmp_path):
    path = sources_file(tmp_path, "${HOTLINE_DB_URL}")
    assert load(path, env={"HOTLINE_DB_URL": "postgresql+psycopg2://u:s3cret@db/x"})[0].url.endswith("@db/x")
    with pytest.raises(ConfigError, match="HOTLINE_DB_URL"):
        load(path, env={})
    shown = load(path, env={"HOTLINE_DB_URL": "postgresql+psycopg2://u:s3cret@db/x"})[0].shown_url()
    assert "s3cret" not in shown
    bad = path.read_text(encoding="utf-8").replace('"05" = "supervise"', '"05" = "close"')
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError, match="close"):
        load(path, env={"HOTLINE_DB_URL": "sqlite://"})
    (tmp_path / "x.toml").write_text('[[source]]\nname = "a"\nkind = "hotline"\nurl = "sqlite://"\n'
                                     'key = "id"\nwatermark = "id"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="table"):
        load(tmp_path / "x.toml")


def test_the_ingest_worker_runs_the_pollers_beside_mqtt(world, tmp_path, mqtt_url):
    from tests.test_ingest_support import DbWaiter, running, settings_for
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    make_tables(url)
    t0 = base_time()
    insert_orders(url, [order(i, t0 + timedelta(seconds=i)) for i in range(12)])
    path = sources_file(tmp_path, url, page=5, poll_s=0.1)
    waiter = DbWaiter(world.url)
    try:
        with running(settings_for(world.url, mqtt_url, sources_file=str(path))) as worker:
            assert waiter.until("SELECT count(*) FROM cases WHERE source = 'hotline'", lambda v: v == 12, 30)
            assert worker.counters.wait(lambda t: t.stored >= 12, 10)
            insert_orders(url, [order(50, t0 + timedelta(minutes=1))])
            assert waiter.until("SELECT count(*) FROM cases WHERE source = 'hotline'", lambda v: v == 13, 30)
            # The worker's health counters carry each source's state.
            assert waiter.until("SELECT max((detail->'sources'->'hotline'->>'rows')::int) FROM ingest_counters",
                                lambda v: v == 13, 30)
    finally:
        waiter.close()
    assert scalar(world.url, "SELECT rows_total FROM source_health WHERE source = 'hotline'") == 13


def test_page_query_is_keyset_on_every_dialect(tmp_path):
    from ingest.sources.reader import page_sql
    src = load(sources_file(tmp_path, "sqlite://"))[0]
    for dialect, quote in (("sqlite", '"'), ("postgresql", '"'), ("mysql", "`")):
        first, later = page_sql(src, dialect, True), page_sql(src, dialect, False)
        wm, key = f"{quote}updated_at{quote}", f"{quote}order_no{quote}"
        assert f"ORDER BY {wm}, {key} LIMIT :n" in later and ":wm" not in first
        assert f"({wm} > :wm OR ({wm} = :wm AND {key} > :key))" in later
