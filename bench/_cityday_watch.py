"""What city_day.py measures beside publishing: commit lag, wall screens and pages under load, peak memory."""
from __future__ import annotations

import random
import select
import threading
import time
from array import array

from sqlalchemy import create_engine, text

from bench import _pages, _wall
from bench.soak import groups, process_table, pss_mb, rss_mb
from ingest.counters import percentile

PROCESSES = ("streamlit", "ingest_worker", "ingest_writer", "simulator", "postgres", "broker")


def pct(values, q: float) -> float | None:
    return percentile(sorted(values), q) if len(values) else None


class LagWatcher(threading.Thread):
    """Publish-to-commit lag of every stored message of this run. The ingest NOTIFYs `ingest` after each commit;
    on each notification this reads the raw events that became visible (ids above the last seen: one writer
    commits them in id order) and takes the moment just before that read as their commit time, an upper bound
    (a row visible to the read committed before it began). published_at is the sent_at user property."""

    def __init__(self, url: str, after_id: int, stop: threading.Event):
        super().__init__(name="lag", daemon=True)
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.last_id, self.stop = after_id, stop
        self.lags_ms = array("f")
        self.rows = 0
        self.error: Exception | None = None

    def run(self) -> None:
        raw = self.engine.raw_connection()
        try:
            conn = raw.driver_connection
            cur = conn.cursor()
            cur.execute("LISTEN ingest")
            while not self.stop.is_set():
                if select.select([conn], [], [], 0.5)[0]:
                    conn.poll()
                    conn.notifies.clear()
                self.read(cur)       # also on the timeout: a notification could come before LISTEN took effect
            self.read(cur)
        except Exception as exc:     # reported by the caller: a silent watcher would look like zero lag
            self.error = exc
        finally:
            raw.close()
            self.engine.dispose()

    def read(self, cur) -> None:
        seen_ms = time.time() * 1000.0
        cur.execute("SELECT id, extract(epoch FROM published_at) * 1000 FROM raw_events WHERE id > %s ORDER BY id",
                    (self.last_id,))
        rows = cur.fetchall()
        if not rows:
            return
        self.last_id = rows[-1][0]
        self.rows += len(rows)
        self.lags_ms.extend(seen_ms - float(p) for _, p in rows if p is not None)


class MemorySampler(threading.Thread):
    """Peak resident memory of each process group (the launcher's children, from runtime.json), every second;
    groups (PostgreSQL's backends) sum RSS, which counts shared buffers once per backend, so PSS is kept too."""

    def __init__(self, pids_fn, stop: threading.Event, every_s: float = 1.0):
        super().__init__(name="memory", daemon=True)
        self.pids_fn, self.stop, self.every_s = pids_fn, stop, every_s
        self.peak_rss: dict[str, float] = {}
        self.peak_pss: dict[str, float] = {}
        self.samples = 0

    def sample(self) -> None:
        found = groups(self.pids_fn(), process_table())
        for name in PROCESSES:
            pids = found.get(name)
            if not pids:
                continue
            rss = sum(rss_mb(p) for p in pids)
            self.peak_rss[name] = max(self.peak_rss.get(name, 0.0), rss)
            if self.samples % 5 == 0:                 # smaps_rollup is slower to read: every fifth sample
                self.peak_pss[name] = max(self.peak_pss.get(name, 0.0), sum(pss_mb(p) for p in pids))
        self.samples += 1

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            self.sample()


class Walls:
    """`count` wall screens, one thread each as Streamlit runs one script thread per session, refreshing both wall
    fragments every `period` s through the real st.cache_data wrappers (bench/_wall.refresh) from random phases;
    each refresh is timed (a cache hit is microseconds; a refresh that misses waits for PostgreSQL)."""

    def __init__(self, url: str, user_id: int, count: int, period: float, seed: int, stop: threading.Event):
        self.url, self.user_id, self.period, self.stop = url, user_id, period, stop
        rng = random.Random(seed)
        self.phases = [rng.uniform(0, period) for _ in range(count)]
        self.latencies_ms: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.screen, args=(p,), name=f"wall{i}", daemon=True)
                        for i, p in enumerate(self.phases)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def screen(self, phase: float) -> None:
        due = time.monotonic() + phase
        while not self.stop.wait(max(0.0, due - time.monotonic())):
            started = time.perf_counter()
            try:
                _wall.refresh(self.url, self.user_id)
            except Exception as exc:          # counted and shown: a failing screen must not look fast
                with self.lock:
                    self.errors.append(f"{exc.__class__.__name__}: {exc}"[:200])
            else:
                with self.lock:
                    self.latencies_ms.append((time.perf_counter() - started) * 1000.0)
            due += self.period
            if due < time.monotonic():        # fell behind: skip, as the browser's timer would not queue up
                due = time.monotonic() + self.period

    def join(self, timeout: float) -> None:
        for t in self.threads:
            t.join(timeout)


class PageProbe(threading.Thread):
    """A desk user going through every page (bench/_pages.PAGES: the plain queries behind each page, no cache)
    one after another with a pause, for each page's own latency under load."""

    def __init__(self, url: str, stop: threading.Event, pause_s: float = 1.0, runs: int = 20):
        super().__init__(name="pages", daemon=True)
        self.engine = create_engine(url, pool_size=2)
        self.stop, self.pause_s, self.runs = stop, pause_s, runs
        self.latencies_ms: dict[str, list[float]] = {name: [] for name in _pages.PAGES}
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            ctx = _pages.context(self.engine, self.runs)
            run = 0
            while not self.stop.is_set():
                for name, page in _pages.PAGES.items():
                    if self.stop.wait(self.pause_s):
                        return
                    started = time.perf_counter()
                    try:
                        page(ctx, run)
                    except Exception as exc:   # shown; the other pages go on
                        self.errors.append(f"{name}: {exc.__class__.__name__}: {exc}"[:200])
                        continue
                    self.latencies_ms[name].append((time.perf_counter() - started) * 1000.0)
                run += 1
        except Exception as exc:
            self.errors.append(f"context: {exc.__class__.__name__}: {exc}"[:200])
        finally:
            self.engine.dispose()


def run_counts(conn, base: dict[str, int]) -> dict[str, int]:
    """This run's rows: everything above the ids recorded before the first message (nothing else publishes)."""
    out = {}
    for table in ("raw_events", "dead_letters", "positions", "cases", "alerts"):
        out[table] = int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE id > :b"),
                                      {"b": base[table]}).scalar())
    out["dead_letters_seen"] = int(conn.execute(text(
        "SELECT COALESCE(sum(seen_count), 0) FROM dead_letters WHERE id > :b"), {"b": base["dead_letters"]}).scalar())
    out["events"] = dict(conn.execute(text("SELECT kind, count(*) FROM raw_events WHERE id > :b GROUP BY 1 "
                                           "ORDER BY 1"), {"b": base["raw_events"]}).all())
    out["cases_by_source"] = dict(conn.execute(text("SELECT source, count(*) FROM cases WHERE id > :b GROUP BY 1 "
                                                    "ORDER BY 1"), {"b": base["cases"]}).all())
    flagged = conn.execute(text(
        "SELECT r.kind || ':' || f.key AS k, count(*) AS n, left(min(r.flags ->> f.key), 120) AS example "
        "FROM raw_events r, jsonb_object_keys(r.flags) AS f(key) WHERE r.id > :b AND r.flags IS NOT NULL "
        "GROUP BY 1 ORDER BY 1"), {"b": base["raw_events"]}).all()
    out["flagged"] = {r.k: r.n for r in flagged}
    out["flag_examples"] = {r.k: r.example for r in flagged}
    return out


def max_ids(conn) -> dict[str, int]:
    return {t: int(conn.execute(text(f"SELECT COALESCE(max(id), 0) FROM {t}")).scalar())
            for t in ("raw_events", "dead_letters", "positions", "cases", "alerts")}


def worker_lag(conn, since) -> dict:
    """The ingest worker's own view (ingest_counters windows since the start): it has p50/p95/max per window."""
    row = conn.execute(text(
        "SELECT count(*) AS windows, max(lag_p95_ms) AS p95_max, max(lag_max_ms) AS max_ms, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_p50_ms) AS p50_median, sum(stored) AS stored "
        "FROM ingest_counters WHERE at >= :since AND lag_p50_ms IS NOT NULL"), {"since": since}).mappings().one()
    return {k: (round(float(v), 1) if v is not None else None) for k, v in row.items()}
