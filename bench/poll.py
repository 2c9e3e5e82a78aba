"""SQL-source poll benchmark (issue 8): a 12345 work-order table of 1,000,000 rows in a second PostgreSQL database,
new orders arriving in rounds, each round polled into our cases pipeline (map, raw events, a hotline case per
order through the workflow engine, watermark in the same transaction) by

  ours:  the keyset poller (ingest.sources): WHERE (updated_at, order_no) > (:wm, :key) ORDER BY … LIMIT page,
  naive: a poller that selects every row of the table and keeps the new ones in Python,

both from the same position (the 1,000,000 rows already taken), into two fresh databases, in the same run, results
checked identical. Also: ours reading and mapping the whole 1,000,000-row table page by page (no writes).
The last line is one JSON object: rows, ours_rows_per_s, naive_rows_per_s, speedup.

Run: .venv/bin/python bench/poll.py --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
(or BENCH_DATABASE_URL). Databases bench_poll_<random> are created there and dropped at the end.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from db import migrate  # noqa: E402
from db.schema import areas, calendars, categories, category_versions, departments, grids  # noqa: E402
from db.workflow import invalidate_caches  # noqa: E402
from ingest.config import IngestSettings  # noqa: E402
from ingest.dbconn import Database  # noqa: E402
from ingest.registry import Registry  # noqa: E402
from ingest.routes import context  # noqa: E402
from ingest.sources import pipeline  # noqa: E402
from ingest.sources.config import Source  # noqa: E402
from ingest.sources.poller import SourcePoller  # noqa: E402
from ingest.sources.reader import read_page, source_engine  # noqa: E402

LON0, LAT0, SIZE = 119.30, 26.08, 0.05
CODES = {"A01": "0101", "B02": "0501"}
DDL = ("CREATE TABLE work_orders (order_no text PRIMARY KEY, content text NOT NULL, category text, address text, "
       "lon double precision, lat double precision, caller_name text, caller_phone text, "
       "created_at timestamp NOT NULL, updated_at timestamp NOT NULL, status text NOT NULL)",
       "CREATE INDEX ix_work_orders_keyset ON work_orders (updated_at, order_no)")
COLUMNS = ("order_no", "content", "category", "address", "lon", "lat", "caller_name", "caller_phone", "created_at",
           "updated_at", "status")


def _source(url: str, page: int) -> Source:
    return Source(name="bench12345", kind="hotline", url=url, table="work_orders", key="order_no",
                  watermark="updated_at", page=page, columns={
                      "description": "content", "category": "category", "address": "address", "lon": "lon",
                      "lat": "lat", "reporter_name": "caller_name", "reporter_phone": "caller_phone",
                      "reported_at": "created_at", "status": "status"},
                  values={"category": CODES, "status": {"01": ""}})


# --- databases ------------------------------------------------------------------------------------------
def _create(admin, server: str, tag: str) -> tuple[str, str]:
    name = f"bench_poll_{tag}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    return name, make_url(server).set(database=name).render_as_string(hide_password=False)


def _world(url: str) -> None:
    """A district with one grid over the orders' square, two categories and a calendar."""
    migrate.upgrade(url)
    ring = [[LON0, LAT0], [LON0 + SIZE, LAT0], [LON0 + SIZE, LAT0 + SIZE], [LON0, LAT0 + SIZE], [LON0, LAT0]]
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(insert(areas), [
            {"code": "350102000000", "name": "基准区", "level": "district", "parent_code": None},
            {"code": "350102001000", "name": "基准街道", "level": "street", "parent_code": "350102000000"},
            {"code": "350102001001", "name": "基准社区", "level": "community", "parent_code": "350102001000"}])
        c.execute(insert(grids).values(code="350102001001001", name="基准网格", area_code="350102001001",
                                       district_code="350102", boundary={"type": "Polygon", "coordinates": [ring]},
                                       min_lon=LON0, min_lat=LAT0, max_lon=LON0 + SIZE, max_lat=LAT0 + SIZE,
                                       center_lon=LON0 + SIZE / 2, center_lat=LAT0 + SIZE / 2))
        dept = c.execute(insert(departments).values(code="hw", name="环卫所", tier=2).returning(departments.c.id)) \
            .scalar_one()
        vid = c.execute(insert(category_versions).values(name="基准", effective_from=date(2025, 1, 1), active=True)
                        .returning(category_versions.c.id)).scalar_one()
        major = c.execute(insert(categories).values(version_id=vid, code="01", level="major", domain="urban",
                                                    name="市容环境").returning(categories.c.id)).scalar_one()
        for code, name in (("0101", "暴露垃圾"), ("0501", "占道经营")):
            c.execute(insert(categories).values(version_id=vid, code=code, parent_id=major, level="minor",
                                                domain="urban", name=name, limit_handle_min=480, default_dept_id=dept))
        c.execute(insert(calendars).values(code="CN", name="基准日历", is_default=True))
    eng.dispose()


def _rows(rng: random.Random, first: int, n: int, start: datetime) -> str:
    """COPY text of n orders numbered from `first`, one second apart from `start` (naive local time)."""
    out = io.StringIO()
    for i in range(first, first + n):
        at = (start + timedelta(seconds=i - first)).isoformat(sep=" ")
        out.write(f"WO{i:08d}\t市民反映第{i}号：门口垃圾无人清理\t{rng.choice(('A01', 'B02'))}\t基准路{i % 997}号\t"
                  f"{LON0 + rng.random() * SIZE:.6f}\t{LAT0 + rng.random() * SIZE:.6f}\t市民\t"
                  f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}\t{at}\t{at}\t01\n")
    out.seek(0)
    return out


def _copy(url: str, rng: random.Random, first: int, n: int, start: datetime, chunk: int = 100_000) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        cur = c.connection.driver_connection.cursor()
        for base in range(first, first + n, chunk):
            size = min(chunk, first + n - base)
            cur.copy_expert(f"COPY work_orders ({', '.join(COLUMNS)}) FROM STDIN",
                            _rows(rng, base, size, start + timedelta(seconds=base - first)))
    eng.dispose()


def _last_position(url: str) -> tuple:
    eng = create_engine(url)
    with eng.connect() as c:
        row = c.execute(text("SELECT updated_at, order_no FROM work_orders ORDER BY updated_at DESC, order_no DESC "
                             "LIMIT 1")).first()
    eng.dispose()
    return row[0], row[1]


# --- the two pollers ----------------------------------------------------------------------------------------
def _settings(url: str) -> IngestSettings:
    return IngestSettings(database_url=url, worker_id="bench-poll", mqtt_url="mqtt://127.0.0.1:1")


def _start_at(target: str, position: tuple) -> None:
    eng = create_engine(target)
    with eng.begin() as c:
        pipeline.save_position(c, "bench12345", position, 0)
    eng.dispose()


class Naive:
    """Selects the whole table each poll, keeps rows after its position in Python, writes them with the same
    pipeline (one transaction, watermark included)."""

    def __init__(self, src: Source, target: str, position: tuple):
        self.src, self.position = src, position
        self.settings = _settings(target)
        self.engine = create_engine(src.url)
        self.db = Database(target, 0.5, 5)
        self.registry = Registry()
        self.stop = threading.Event()
        self.db.run(self.registry.load, self.stop)

    def poll(self) -> int:
        with self.engine.connect() as c:
            every = [dict(r) for r in c.execute(text("SELECT * FROM work_orders")).mappings()]
        new = sorted((r for r in every if (r["updated_at"], r["order_no"]) > self.position),
                     key=lambda r: (r["updated_at"], r["order_no"]))
        if not new:
            return 0
        page = pipeline.parse_rows(self.src, new, context(self.registry, self.settings, datetime.now(timezone.utc)))
        self.db.run(lambda conn: pipeline.write_page(conn, page, self.registry, 65536, "naive"), self.stop)
        self.position = page.position
        return len(new)

    def close(self) -> None:
        self.engine.dispose()
        self.db.close()


def _rounds(src_url: str, targets: dict, rounds: int, per_round: int, rng: random.Random, first: int,
            start: datetime, page: int) -> dict:
    """Each round: new orders into the source, then each poller polls until caught up (timed)."""
    src = _source(src_url, page)
    ours = SourcePoller(src, _settings(targets["ours"]), threading.Event())
    naive = Naive(src, targets["naive"], _last_position(src_url))
    spent = {"ours": 0.0, "naive": 0.0}
    got = {"ours": 0, "naive": 0}
    try:
        ours.drain()    # warm-up: loads the registry and the stored position (nothing new yet)
        for r in range(rounds):
            _copy(src_url, rng, first + r * per_round, per_round, start + timedelta(seconds=r * per_round))
            for name, poll in (("ours", ours.drain), ("naive", naive.poll)):
                t = time.perf_counter()
                got[name] += poll()
                spent[name] += time.perf_counter() - t
            print(f"  round {r + 1}/{rounds}: ours {spent['ours']:.2f} s, naive {spent['naive']:.2f} s", flush=True)
    finally:
        ours.close()
        naive.close()
    return {"spent": spent, "got": got}


def _scan(src_url: str, page: int) -> tuple[int, float]:
    """Ours reading and mapping the whole table in keyset pages (no writes): rows and seconds."""
    src = _source(src_url, page)
    engine, reg = source_engine(src), Registry()
    ctx = context(reg, _settings(src_url), datetime.now(timezone.utc))
    position, n, t = None, 0, time.perf_counter()
    while True:
        rows = read_page(engine, src, position, page)
        if not rows:
            break
        parsed = pipeline.parse_rows(src, rows, ctx)
        position, n = parsed.position, n + len(rows)
    engine.dispose()
    return n, time.perf_counter() - t


def _cases(url: str) -> set:
    eng = create_engine(url)
    with eng.connect() as c:
        refs = {r[0] for r in c.execute(text("SELECT source_ref FROM cases"))}
    eng.dispose()
    return refs


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"), required=False)
    p.add_argument("--rows", type=int, default=1_000_000, help="rows already in the source table")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--per-round", type=int, default=100, help="new orders per round (per poll)")
    p.add_argument("--page", type=int, default=500)
    p.add_argument("--seed", type=int, default=8)
    args = p.parse_args()
    if not args.database_url:
        p.error("--database-url (or BENCH_DATABASE_URL) is required")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))    # runs the finally below: databases dropped
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    rng = random.Random(args.seed)
    made: list[str] = []
    try:
        src_name, src_url = _create(admin, args.database_url, "src")
        made.append(src_name)
        targets = {}
        for name in ("ours", "naive"):
            db_name, targets[name] = _create(admin, args.database_url, name)
            made.append(db_name)
            _world(targets[name])
        invalidate_caches()
        eng = create_engine(src_url)
        with eng.begin() as c:
            for statement in DDL:
                c.execute(text(statement))
        eng.dispose()
        start = (datetime.now(timezone(timedelta(hours=8))) - timedelta(days=30)).replace(tzinfo=None, microsecond=0)
        t = time.perf_counter()
        _copy(src_url, rng, 0, args.rows, start)
        print(f"source table: {args.rows:,} rows in {time.perf_counter() - t:.1f} s", flush=True)
        position = _last_position(src_url)
        for target in targets.values():
            _start_at(target, position)
        scan_rows, scan_s = _scan(src_url, 5000)
        print(f"ours, read + map the whole table in keyset pages of 5,000: {scan_rows:,} rows in {scan_s:.1f} s "
              f"({scan_rows / scan_s:,.0f} rows/s)", flush=True)
        fresh = start + timedelta(seconds=args.rows + 60)
        result = _rounds(src_url, targets, args.rounds, args.per_round, rng, args.rows, fresh, args.page)
        spent, got = result["spent"], result["got"]
        identical = _cases(targets["ours"]) == _cases(targets["naive"]) and got["ours"] == got["naive"]
        n = got["ours"]
        ours_rate, naive_rate = n / spent["ours"], got["naive"] / spent["naive"]
        print(f"\n{n:,} new orders in {args.rounds} rounds over a {args.rows:,}-row table, into cases:")
        print(f"  ours  (keyset pages of {args.page}): {spent['ours']:.2f} s  {ours_rate:,.0f} rows/s")
        print(f"  naive (select all, filter in Python): {spent['naive']:.2f} s  {naive_rate:,.0f} rows/s")
        print(f"  speedup {ours_rate / naive_rate:.1f}x; same cases in both: {identical}")
        print(json.dumps({"rows": n, "table_rows": args.rows, "ours_rows_per_s": round(ours_rate),
                          "naive_rows_per_s": round(naive_rate), "speedup": round(ours_rate / naive_rate, 1),
                          "scan_rows_per_s": round(scan_rows / scan_s), "identical": identical}))
        return 0 if identical else 1
    finally:
        for name in made:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
