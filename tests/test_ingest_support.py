"""Helpers for the ingest tests (no tests here): a small reference world, running workers, publishing, and
waiting on the database through LISTEN/NOTIFY instead of sleeping."""
from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

import psycopg2
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from db.schema import (
    alert_type_aliases,
    alert_types,
    areas,
    calendars,
    categories,
    category_versions,
    departments,
    device_aliases,
    devices,
    grids,
    staff,
    staff_grids,
)
from db.workflow import invalidate_caches
from ingest.config import IngestSettings
from ingest.simulate.publisher import Publisher
from ingest.worker import Worker

DISTRICT, STREET, COMMUNITY = "350102000000", "350102001000", "350102001001"
# Two adjacent 0.01° squares; every test position is inside the first unless it says otherwise.
LON0, LAT0 = 119.30, 26.08
CAMERAS = ("35010200001320000001", "35010200001320000002", "62000000001320000011")
THIRD_PARTY = "../shared/fixtures/third_party"


def square(x0: float, y0: float, size: float = 0.01) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class World:
    url: str
    grids: dict = field(default_factory=dict)       # code -> id
    staff: dict = field(default_factory=dict)       # code -> id
    cameras: dict = field(default_factory=dict)     # code -> id
    depts: dict = field(default_factory=dict)       # code -> id


def _places(c, w: World) -> None:
    c.execute(insert(areas), [
        {"code": DISTRICT, "name": "测试区", "level": "district", "parent_code": None},
        {"code": STREET, "name": "测试街道", "level": "street", "parent_code": DISTRICT},
        {"code": COMMUNITY, "name": "测试社区", "level": "community", "parent_code": STREET}])
    for i in range(2):
        x0 = LON0 + 0.01 * i
        code = f"{COMMUNITY}{i + 1:03d}"
        w.grids[code] = c.execute(insert(grids).values(
            code=code, name=f"第{i + 1}网格", area_code=COMMUNITY, district_code=DISTRICT[:6],
            boundary=square(x0, LAT0), min_lon=x0, min_lat=LAT0, max_lon=x0 + 0.01, max_lat=LAT0 + 0.01,
            center_lon=x0 + 0.005, center_lat=LAT0 + 0.005).returning(grids.c.id)).scalar_one()


def _catalog(c, w: World) -> None:
    for code, name, tier in (("sanit", "环卫所", 2), ("enforce", "城管执法大队", 1)):
        w.depts[code] = c.execute(insert(departments).values(code=code, name=name, tier=tier)
                                  .returning(departments.c.id)).scalar_one()
    vid = c.execute(insert(category_versions).values(name="测试版", effective_from=date(2025, 1, 1), active=True)
                    .returning(category_versions.c.id)).scalar_one()
    major = c.execute(insert(categories).values(version_id=vid, code="01", level="major", domain="urban",
                                                name="市容环境").returning(categories.c.id)).scalar_one()
    for code, name in (("0101", "暴露垃圾"), ("0501", "占道经营"), ("1405", "人员聚集")):
        c.execute(insert(categories).values(
            version_id=vid, code=code, parent_id=major, level="minor", domain="urban", name=name,
            limit_filing_min=30, limit_dispatch_min=30, limit_sign_min=60, limit_handle_min=480,
            limit_check_min=60, default_dept_id=w.depts["sanit"]))
    c.execute(insert(calendars).values(code="CN", name="测试日历", is_default=True))
    c.execute(insert(alert_types), [
        {"code": "occupy_road_business", "name": "占道经营", "category_code": "0501", "min_score": 0.6},
        {"code": "crowd", "name": "人员聚集", "category_code": "1405", "min_score": 0.5}])
    c.execute(insert(alert_type_aliases), [
        {"vendor": "zh", "vendor_code": "店外经营", "alert_type_code": "occupy_road_business"},
        {"vendor": "hik", "vendor_code": "131", "alert_type_code": "occupy_road_business"},
        {"vendor": "frigate", "vendor_code": "person", "alert_type_code": "crowd"},
        {"vendor": "gb28181", "vendor_code": "5-2", "alert_type_code": "occupy_road_business"},
        {"vendor": "gb28181", "vendor_code": "2", "alert_type_code": "crowd"}])


def _people_and_devices(c, w: World) -> None:
    for code in ("S001", "S002"):
        w.staff[code] = c.execute(insert(staff).values(code=code, name=f"网格员{code}", role="patroller",
                                                       area_code=COMMUNITY).returning(staff.c.id)).scalar_one()
        c.execute(insert(staff_grids).values(staff_id=w.staff[code], grid_id=w.grids[f"{COMMUNITY}001"]))
        c.execute(insert(devices).values(kind="terminal", code=f"ZD-{code}", staff_id=w.staff[code]))
    for i, code in enumerate(CAMERAS):
        w.cameras[code] = c.execute(insert(devices).values(
            kind="camera", code=code, name=f"测试摄像头{i + 1}", lon=LON0 + 0.002 + 0.001 * i, lat=LAT0 + 0.005,
            grid_id=w.grids[f"{COMMUNITY}001"]).returning(devices.c.id)).scalar_one()
    c.execute(insert(device_aliases), [
        {"source": "frigate", "external_id": "front_door", "device_id": w.cameras[CAMERAS[0]], "staff_id": None},
        {"source": "owntracks", "external_id": "alice/phone", "device_id": None, "staff_id": w.staff["S001"]}])


def seed_world(url: str) -> World:
    w = World(url)
    eng = create_engine(url)
    with eng.begin() as c:
        _places(c, w)
        _catalog(c, w)
        _people_and_devices(c, w)
    eng.dispose()
    invalidate_caches()
    return w


# --- workers and publishing ---------------------------------------------------------------------------
def settings_for(db_url: str, mqtt_url: str, **overrides) -> IngestSettings:
    """Unique topic prefixes and client ids: tests share the run's broker."""
    tag = uuid.uuid4().hex[:8]
    base = dict(mqtt_url=mqtt_url, database_url=db_url, topic_prefix=f"t{tag}/grid",
                frigate_topic=f"t{tag}/frigate/events", owntracks_prefix=f"t{tag}/owntracks",
                gb28181_prefix=f"t{tag}/gb28181", worker_id=f"test-{tag}", shared_group="", batch_ms=50,
                counters_interval_s=0.5, writer_process=False, retry_initial_s=0.1, retry_max_s=1.0)
    return IngestSettings(**{**base, **overrides})


@contextlib.contextmanager
def running(settings: IngestSettings, observer=None):
    """A worker in a background thread, subscribed before the block starts; stopped after it."""
    worker = Worker(settings, observer=observer).start()
    try:
        assert worker.transport.subscribed.wait(30), "the worker did not subscribe"
        yield worker
    finally:
        worker.stop()


def publish(mqtt_url: str, items: list[tuple[str, bytes | str]], qos: int = 1) -> None:
    pub = Publisher(mqtt_url, f"test-pub-{uuid.uuid4().hex[:8]}")
    pub.connect()
    try:
        for topic, payload in items:
            pub.publish(topic, payload.encode() if isinstance(payload, str) else payload, qos=qos)
        assert pub.flush(30), "the broker did not acknowledge every publish"
    finally:
        pub.close()


def wait_handled(worker: Worker, n: int, timeout: float = 30.0) -> None:
    """Until n messages were stored, found duplicate or refused (counted after each commit)."""
    done = worker.counters.wait(lambda t: t.stored + t.duplicates + t.rejected >= n, timeout)
    t = worker.counters.totals
    assert done, f"handled {t.stored}+{t.duplicates}+{t.rejected} of {n}"


# --- reading the database -----------------------------------------------------------------------------
def rows(url: str, sql: str, **params) -> list:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return c.execute(text(sql), params).all()
    finally:
        eng.dispose()


def scalar(url: str, sql: str, **params):
    found = rows(url, sql, **params)
    return found[0][0] if found else None


def dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class DbWaiter:
    """Wait for a condition on the database, woken by the ingest's NOTIFY after each commit."""

    def __init__(self, url: str):
        self.conn = psycopg2.connect(dsn(url))
        self.conn.autocommit = True
        self.conn.cursor().execute("LISTEN ingest")

    def value(self, sql: str):
        cur = self.conn.cursor()
        cur.execute(sql)
        return cur.fetchone()[0]

    def until(self, sql: str, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate(self.value(sql)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if select.select([self.conn], [], [], min(remaining, 1.0)) != ([], [], []):
                self.conn.poll()
                self.conn.notifies.clear()
        return True

    def close(self) -> None:
        self.conn.close()


# --- a database connection we can cut -----------------------------------------------------------------
class PgProxy:
    """A TCP proxy in front of the test PostgreSQL (TCP or Unix socket) that can drop every connection and
    refuse new ones: a database outage without touching the shared server."""

    def __init__(self, url: str):
        u = make_url(url)
        sock_dir = u.query.get("host")
        if sock_dir and sock_dir.startswith("/"):
            self.target = (socket.AF_UNIX, f"{sock_dir}/.s.PGSQL.{u.port or 5432}")
        else:
            self.target = (socket.AF_INET, (u.host or "127.0.0.1", u.port or 5432))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = u.set(host="127.0.0.1", port=self.port, query={}).render_as_string(hide_password=False)
        self.blocked = threading.Event()
        self._open: set = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.blocked.is_set():
                client.close()
                continue
            upstream = socket.socket(self.target[0], socket.SOCK_STREAM)
            upstream.connect(self.target[1])
            with self._lock:
                self._open.update({client, upstream})
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def block(self) -> None:
        """Drop every open connection and refuse new ones until unblock()."""
        self.blocked.set()
        with self._lock:
            for s in self._open:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def unblock(self) -> None:
        self.blocked.clear()

    def close(self) -> None:
        self.block()
        self.listener.close()
