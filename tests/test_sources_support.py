"""Helpers for the SQL-source tests (no tests here): source databases (a SQLite file, a second PostgreSQL
database on the test server), a 12345 work-order table, a sources file, and draining the pollers."""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from ingest.config import IngestSettings
from ingest.sources.cli import drain_once
from ingest.sources.config import load
from tests.conftest import _db_url, create_database, drop_database
from tests.test_ingest_support import LAT0, LON0, rows, scalar

SHANGHAI = ZoneInfo("Asia/Shanghai")
ORDERS_DDL = """CREATE TABLE work_orders (
    order_no VARCHAR(32) PRIMARY KEY, title VARCHAR(200), content TEXT, category VARCHAR(16),
    address VARCHAR(200), lon DOUBLE PRECISION, lat DOUBLE PRECISION, caller_name VARCHAR(50),
    caller_phone VARCHAR(20), created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
    status VARCHAR(8) NOT NULL, remark TEXT)"""
RESULTS_DDL = """CREATE TABLE case_results (
    order_no VARCHAR(32) PRIMARY KEY, case_code VARCHAR(32), case_state VARCHAR(16), state_name VARCHAR(16),
    result TEXT, closed_at VARCHAR(40))"""
STATUS = {"01": "", "02": "accept", "05": "supervise", "09": ["request_cancel", "approve_cancel"]}


def base_time() -> datetime:
    """Naive local time (as a 12345 platform stores it), two days ago on a whole second."""
    return (datetime.now(SHANGHAI) - timedelta(days=2)).replace(tzinfo=None, microsecond=0)


@pytest.fixture(params=["sqlite", "postgresql"])
def source_url(request, tmp_path):
    """A source database of each kind: a SQLite file, a separate PostgreSQL database on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotline.db'}"
        return
    name = create_database()
    yield _db_url(name)
    drop_database(name)


def make_tables(url: str, *ddl: str) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        for statement in ddl or (ORDERS_DDL, RESULTS_DDL):
            c.execute(text(statement))
    eng.dispose()


def order(n: int, at: datetime, status: str = "01", rng: random.Random | None = None, **over) -> dict:
    rng = rng or random.Random(n)
    row = {"order_no": f"HL{n:06d}", "title": None, "content": f"小区门口垃圾堆积（第{n}单）",
           "category": rng.choice(["A01", "B02"]), "address": f"测试路{n}号",
           "lon": LON0 + 0.001 + rng.random() * 0.008, "lat": LAT0 + 0.001 + rng.random() * 0.008,
           "caller_name": "张三", "caller_phone": "13800000000", "created_at": at, "updated_at": at,
           "status": status, "remark": None}
    return {**row, **over}


def insert_orders(url: str, orders: list[dict]) -> None:
    if not orders:
        return
    eng = create_engine(url)
    cols = list(orders[0])
    with eng.begin() as c:
        c.execute(text(f"INSERT INTO work_orders ({', '.join(cols)}) VALUES ({', '.join(':' + k for k in cols)})"),
                  orders)
    eng.dispose()


def update_order(url: str, order_no: str, **values) -> None:
    eng = create_engine(url)
    sets = ", ".join(f"{k} = :{k}" for k in values)
    with eng.begin() as c:
        c.execute(text(f"UPDATE work_orders SET {sets} WHERE order_no = :o"), {**values, "o": order_no})
    eng.dispose()


HOTLINE = """
[[source]]
name = "{name}"
kind = "hotline"
url = "${{SRC_URL}}"
table = "work_orders"
key = "order_no"
watermark = "updated_at"
page = {page}
poll_s = {poll_s}
backoff_initial_s = 0.1
backoff_max_s = 0.5
timezone = "Asia/Shanghai"

[source.columns]
title = "title"
description = "content"
category = "category"
address = "address"
lon = "lon"
lat = "lat"
reporter_name = "caller_name"
reporter_phone = "caller_phone"
reported_at = "created_at"
status = "status"
note = "remark"

[source.values.category]
A01 = "0101"
B02 = "0501"

[source.values.status]
"01" = ""
"02" = "accept"
"05" = "supervise"
"09" = ["request_cancel", "approve_cancel"]
"""
WRITEBACK = """
[source.writeback]
table = "case_results"
key = "order_no"
interval_s = 0.1

[source.writeback.columns]
case_code = "case_code"
state = "case_state"
state_name = "state_name"
result = "result"
closed_at = "closed_at"
"""


def sources_file(tmp_path: Path, url: str, name: str = "hotline", page: int = 10, poll_s: float = 0.2,
                 writeback: bool = False, extra: str = "") -> Path:
    """A sources file whose URL comes from ${SRC_URL} (as a real deployment keeps its secrets)."""
    path = tmp_path / f"sources-{uuid.uuid4().hex[:6]}.toml"
    body = HOTLINE.format(name=name, page=page, poll_s=poll_s) + (WRITEBACK if writeback else "") + extra
    path.write_text(body.replace("${SRC_URL}", url), encoding="utf-8")
    return path


def settings(db_url: str, **over) -> IngestSettings:
    return IngestSettings(**{"database_url": db_url, "worker_id": f"test-{uuid.uuid4().hex[:6]}",
                             "retry_initial_s": 0.1, "retry_max_s": 1.0, "mqtt_url": "mqtt://127.0.0.1:1", **over})


def drain(db_url: str, path: Path, **over) -> dict:
    return drain_once(settings(db_url, **over), load(path))


def counts(db_url: str) -> dict:
    return {"raw": scalar(db_url, "SELECT count(*) FROM raw_events WHERE source = 'sql'"),
            "cases": scalar(db_url, "SELECT count(*) FROM cases WHERE source = 'hotline'"),
            "dead": scalar(db_url, "SELECT count(*) FROM dead_letters WHERE source = 'sql'"),
            "steps": scalar(db_url, "SELECT count(*) FROM case_steps")}


def case_of(db_url: str, order_no: str, name: str = "hotline"):
    found = rows(db_url, "SELECT * FROM cases WHERE source_ref = :r", r=f"{name}:{order_no}")
    assert len(found) == 1, found
    return found[0]


def actions(db_url: str, order_no: str, name: str = "hotline") -> list[str]:
    return [r[0] for r in rows(db_url, "SELECT s.action FROM case_steps s JOIN cases c ON c.id = s.case_id "
                                       "WHERE c.source_ref = :r ORDER BY s.seq", r=f"{name}:{order_no}")]
