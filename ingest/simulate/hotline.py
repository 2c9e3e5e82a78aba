"""The demo district's 12345 platform: a local SQLite database that the simulator writes work orders (and their
status changes: 催办, 撤单) into, polled by the ingest as the SQL source in config/sources.demo.toml."""
from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from shapely.geometry import Point
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from db import labels
from ingest.simulate.district import District

log = logging.getLogger("ingest.simulate")
D = labels.SOURCES_DEMO
ORDER_EVERY_S = 240.0         # demo seconds between calls (about 360 work orders a day)
URGE_SHARE, WITHDRAW_SHARE = 0.25, 0.05
LOCAL = ZoneInfo("Asia/Shanghai")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS work_orders (order_no TEXT PRIMARY KEY, title TEXT, content TEXT NOT NULL, "
    "category TEXT, address TEXT, lon REAL, lat REAL, caller_name TEXT, caller_phone TEXT, "
    "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, status TEXT NOT NULL, remark TEXT)",
    "CREATE INDEX IF NOT EXISTS ix_work_orders_updated ON work_orders (updated_at, order_no)",
    "CREATE TABLE IF NOT EXISTS case_results (order_no TEXT PRIMARY KEY, case_code TEXT, case_state TEXT, "
    "state_name TEXT, result TEXT, closed_at TEXT, updated_at TEXT)",
)


def default_path() -> Path | None:
    import os
    data = os.environ.get("GRID_DATA_DIR")
    return Path(data) / "hotline12345.db" if data else None


def _local(now: datetime) -> str:
    """Local wall time without zone, as the hotline platform stores it (microseconds keep rows apart)."""
    return now.astimezone(LOCAL).replace(tzinfo=None).isoformat(sep=" ")


class HotlineSim:
    def __init__(self, path: Path, district: District, seed: int, run_id: str):
        self.path, self.d, self.run = path, district, run_id
        self.rng = random.Random(seed * 7919 + 12345)
        self.engine = create_engine(f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": 10})
        self.n = 0
        self.open: list[str] = []
        self.updated: list[str] = []         # orders whose status changed (催办 / 撤单), in order

    def prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            for statement in SCHEMA:
                conn.exec_driver_sql(statement)
        log.info(D["started"].format(path=self.path))

    def _spot(self) -> tuple[str, float, float]:
        walker = self.rng.choice(self.d.walkers)
        minx, miny, maxx, maxy = walker.polygon.bounds
        for _ in range(20):
            lon, lat = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if walker.polygon.contains(Point(lon, lat)):
                break
        return self.d.grid_names.get(walker.grid_code, ""), round(lon, 6), round(lat, 6)

    def new_order(self, now: datetime) -> dict:
        self.n += 1
        code = self.rng.choice(sorted(D["what"]))
        grid, lon, lat = self._spot()
        spot = self.rng.choice(labels.INGEST_SIM["spot"])
        at = _local(now)
        return {"order_no": f"12345-{self.run}-{self.n:05d}", "title": None,
                "content": self.rng.choice(D["content"]).format(grid=grid, spot=spot, what=D["what"][code]),
                "category": code, "address": f"{grid}{spot}", "lon": lon, "lat": lat,
                "caller_name": D["caller"].format(surname=self.rng.choice(D["surnames"])),
                "caller_phone": f"1{self.rng.randint(3, 9)}{self.rng.randint(0, 999999999):09d}",
                "created_at": at, "updated_at": at, "status": "01", "remark": None}

    def step(self, now: datetime) -> None:
        """One call to the hotline; sometimes a caller chases or withdraws an earlier order."""
        order = self.new_order(now)
        with self.engine.begin() as conn:
            conn.execute(text("INSERT INTO work_orders VALUES (:order_no, :title, :content, :category, :address, "
                              ":lon, :lat, :caller_name, :caller_phone, :created_at, :updated_at, :status, :remark)"),
                         order)
            if self.open and self.rng.random() < URGE_SHARE + WITHDRAW_SHARE:
                withdraw = self.rng.random() < WITHDRAW_SHARE / (URGE_SHARE + WITHDRAW_SHARE)
                target = self.open.pop(self.rng.randrange(len(self.open)))
                self.updated.append(target)
                later = _local(now + timedelta(microseconds=1))
                conn.execute(text("UPDATE work_orders SET status = :s, remark = :r, updated_at = :u "
                                  "WHERE order_no = :o"), {"s": "09" if withdraw else "05",
                                                          "r": D["withdraw" if withdraw else "urge"],
                                                          "u": later, "o": target})
        self.open = (self.open + [order["order_no"]])[-50:]

    def run_until(self, stop: threading.Event, rate: float) -> None:
        """A first call at once, then calls at random intervals (demo time / rate) until stop."""
        wait = 0.0
        while not stop.wait(wait):
            wait = self.rng.expovariate(1 / ORDER_EVERY_S) / rate
            try:
                self.step(datetime.now(LOCAL))
            except Exception as exc:  # noqa: BLE001 - the demo hotline must never stop the simulator
                log.warning(labels.SOURCES_CLI["source_down"].format(source="demo-12345",
                                                                     error=type(exc).__name__, delay=0))

    def start(self, stop: threading.Event, rate: float) -> threading.Thread:
        self.prepare()
        thread = threading.Thread(target=self.run_until, args=(stop, rate), name="demo-12345", daemon=True)
        thread.start()
        return thread
