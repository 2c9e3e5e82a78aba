"""A city's day in ten minutes over MQTT against the system as ./start.sh runs it: books, lag, pages, memory.

    .venv/bin/python bench/city_day.py [--minutes 10] [--scale 1.0] [--walls 10] [--seed 1]

Starts `python -m launcher start` on a fresh data directory (embedded PostgreSQL, Mosquitto, the demo district: ~400
grids, ~630 staff, ~1,500 cameras, ingest worker, Streamlit), like bench/soak.py. The launcher has no switch for the
demo traffic (--no-demo only skips seeding, which we need), so the demo simulator it started is stopped (SIGTERM to
its pid from runtime.json; the launcher treats its clean exit as finished) and its last messages are let drain:
after that nothing but this run publishes on the private broker, and this run's rows are exactly those above the ids
recorded before its first message.

One city day (×--scale) is then published in --minutes: 1,500 terminals sending a position every 20 s of city time
(the demo's ~630 registered staff codes cycled, 2-3 terminals each, so every position is stored in full and every
report opens a case; their (staff, ts) never collide), 3,500 reports, 350,000 video alerts from the demo's cameras
(incidents repeating on one camera and type every 5-30 city s for minutes; a quarter are false positives below the
type's threshold), department check-ins / progress / results and grid workers' verifications on the open cases
(about three per reported case, read from the database every 5 city minutes, stamped now), and 0.02 % deliberately
invalid messages (at least 5) so dead letters are not empty. Message timestamps are city time: the city day ends
when the run ends, so every stamp is in the past and the wall at the end shows the city as of now. Each message
carries the MQTT v5 user property sent_at (epoch ms), which the ingest stores as raw_events.published_at.

Meanwhile ten wall screens (threads in this process, bench/_wall.refresh through the real st.cache_data wrappers, so
the Streamlit server's memory is that of a server without browsers) refresh every 5 s, a desk user loads every
page's queries (bench/_pages.PAGES, uncached) in turn, and every process's memory is sampled each second. Lag: on
each NOTIFY the ingest sends after a commit, the raw events that became visible are read, and the moment before that
read minus published_at is their publish-to-commit lag (an upper bound; the ingest_counters windows, which hold only
p50/p95/max, are printed beside it). After the last publish it waits (bounded) for stored + dead-lettered to reach
published. It prints the books (published = stored + dead-lettered, lost = the difference), lag p50/p95/p99, wall
and page latencies, peak RSS per process; the last line is JSON. Everything started is stopped on exit, Ctrl-C and
SIGTERM included.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import streamlit.logger  # noqa: E402
from streamlit import config as st_config  # noqa: E402

# Bare mode warns about the missing runtime for every cache it makes; reading the config first, because parsing it
# resets the log level.
st_config.get_option("logger.level")
streamlit.logger.set_log_level("error")

from sqlalchemy import create_engine, text  # noqa: E402

from bench._cityday_plan import DAY_S, CityDay, counts  # noqa: E402
from bench._cityday_watch import (PROCESSES, LagWatcher, MemorySampler, PageProbe, Walls, max_ids, pct,  # noqa: E402
                                  run_counts, worker_lag)
from bench.soak import READY_TIMEOUT_S, Launcher  # noqa: E402
from ingest.simulate.district import load_district, open_cases, worker_of_grid  # noqa: E402
from ingest.simulate.publisher import Publisher  # noqa: E402
from ingest.simulate.responses import Responder  # noqa: E402
from launcher import runtime  # noqa: E402
from launcher.paths import DATA_DIR  # noqa: E402

FEEDBACK_EVERY_S = 300.0        # city seconds between two looks at the open cases
FEEDBACK_PER_CASE = 3           # check-in, progress, result: feedback messages per reported case and day
PAGE_TARGET_MS = 200            # bench/dashboard.py's target per page (there on an idle database)
SIM_STOP_S = 30
SETTLE_S, SETTLE_MAX_S = 3.0, 120.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0, help="real minutes the city day is compressed into")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies every count (terminals, reports, alerts)")
    p.add_argument("--walls", type=int, default=10, help="wall screens polling the cached queries (default 10)")
    p.add_argument("--wall-period-s", type=float, default=5.0)
    p.add_argument("--page-pause-s", type=float, default=1.0, help="the desk user's pause between two pages")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--drain-timeout-s", type=float, default=600.0,
                   help="longest wait after the last publish for the ingest to store or refuse everything")
    p.add_argument("--late-factor", type=float, default=3.0,
                   help="stop publishing when the publisher is still at it after this many times --minutes")
    p.add_argument("--data-dir", type=Path, help="the launcher's data directory; default a fresh one, removed after")
    p.add_argument("--keep-data", action="store_true", help="keep the fresh data directory")
    args = p.parse_args(argv)
    if not 0 < args.minutes < DAY_S / 60 or args.scale <= 0 or args.walls < 0 or args.wall_period_s <= 0:
        p.error("--minutes must be in (0, 1440), --scale and --wall-period-s positive, --walls not negative")
    return args


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def stop_simulator(launcher: Launcher, engine) -> bool:
    """SIGTERM to the demo simulator (a child of our launcher, by its pid), then wait until the ingest stored what
    it sent: the newest raw event id unchanged for SETTLE_S (bounded)."""
    pid = launcher.pids().get("simulate")
    ident = runtime.read(launcher.data_dir / "runtime.json").get("processes", {}).get("simulate")
    stopped = False
    if pid and ident and runtime.alive(ident):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + SIM_STOP_S
        while runtime.alive(ident) and time.monotonic() < deadline:
            time.sleep(0.2)
        stopped = not runtime.alive(ident)
        if not stopped:
            raise RuntimeError(f"the demo simulator (pid {pid}) did not stop within {SIM_STOP_S} s")
    last, since, deadline = None, time.monotonic(), time.monotonic() + SETTLE_MAX_S
    while time.monotonic() < deadline:
        with engine.connect() as c:
            now = c.execute(text("SELECT COALESCE(max(id), 0) FROM raw_events")).scalar()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= SETTLE_S:
            break
        time.sleep(0.5)
    return stopped


def reference(engine) -> tuple:
    with engine.connect() as c:
        district = load_district(c)
        staff = list(c.execute(text("SELECT code FROM staff WHERE active ORDER BY code")).scalars())
        wall_id = c.execute(text("SELECT id FROM users WHERE username = 'wall'")).scalar_one()
    if district.empty() or not district.cameras or not district.alert_types:
        raise RuntimeError("the demo district is empty: no grid workers, cameras, alert types or categories")
    return district, staff, wall_id


class Feedback:
    """Departments' and grid workers' answers to the open cases (ingest/simulate/responses.Responder), about
    FEEDBACK_PER_CASE messages per reported case over the day, spread over the rounds."""

    def __init__(self, engine, district, seed: int, run_id: str, per_round: float):
        self.engine, self.per_round, self.owed = engine, per_round, 0.0
        self.rng = random.Random(seed * 31 + 7)
        self.responder = Responder(seed, run_id, worker_of_grid(district), [w.staff_code for w in district.walkers])

    def round(self) -> list:
        self.owed += self.per_round
        n = int(self.owed)
        self.owed -= n
        if n == 0:
            return []
        with self.engine.connect() as c:
            cases = open_cases(c)
        out = []
        while n > 0 and cases:
            k = min(3, n, len(cases))                       # answer() moves every case it is given, up to 3
            out += self.responder.answer(self.rng.sample(cases, k))
            n -= k
        return out


def publish(args, plan: CityDay, feedback: Feedback, mqtt_url: str, prefix: str, t_start: float) -> dict:
    """The plan at its city-time pace (city second s is due at t_start + s × minutes×60 / 86,400)."""
    pub = Publisher(mqtt_url, f"city-day-{plan.run}", max_outstanding=1000)
    pub.connect()
    compress = args.minutes * 60 / DAY_S
    start_mono = time.monotonic() + (t_start - time.time())
    hard_stop = start_mono + args.minutes * 60 * args.late_factor
    kinds: Counter = Counter()
    next_feedback, late, cut = FEEDBACK_EVERY_S, 0.0, False
    progress = start_mono + 60
    try:
        for city_t, kind, topic, payload in plan.events():
            due = start_mono + city_t * compress
            now = time.monotonic()
            if due - now > 0.002:
                time.sleep(due - now)
            elif now > hard_stop:
                cut = True
                break
            late = max(late, now - due)
            while next_feedback <= city_t:
                next_feedback += FEEDBACK_EVERY_S
                for out in feedback.round():
                    now_utc = datetime.now(timezone.utc)       # answers to live cases: stamped now
                    pub.publish(f"{prefix}/v1/{out.topic}", out.render(now_utc), round(now_utc.timestamp() * 1000))
                    kinds[out.topic.rsplit("/", 1)[1]] += 1
            pub.publish(f"{prefix}/v1/{topic}", payload, round(time.time() * 1000))
            kinds[kind] += 1
            if now >= progress:
                progress += 60
                print(f"  {(now - start_mono) / 60:5.1f} min: {sum(kinds.values()):,} published, "
                      f"city time {city_t / 3600:4.1f} h, behind schedule {max(0.0, now - due):.1f} s", flush=True)
        acked = pub.flush(120)
    finally:
        pub.close()
    return {"kinds": dict(kinds), "published": sum(kinds.values()), "publish_s": time.monotonic() - start_mono,
            "max_behind_s": late, "cut": cut, "all_acked": acked}


def drain(engine, base: dict, published: int, lag: LagWatcher, timeout_s: float) -> float:
    """Wait until stored + dead-lettered reaches published, no longer than timeout_s, nor 120 s without progress."""
    started = time.monotonic()
    deadline, last, last_change = started + timeout_s, -1, started
    while time.monotonic() < deadline and time.monotonic() - last_change < 120:
        with engine.connect() as c:
            dead = c.execute(text("SELECT count(*) FROM dead_letters WHERE id > :b"),
                             {"b": base["dead_letters"]}).scalar()
        done = lag.rows + dead
        if done >= published:
            break
        if done != last:
            last, last_change = done, time.monotonic()
        time.sleep(1.0)
    return time.monotonic() - started


def _ms(v) -> str:
    return "      -" if v is None else f"{v:7.0f}"


def _round(v, n=1):
    return None if v is None else round(v, n)


def report(args, pubres: dict, c: dict, lag: LagWatcher, wlag: dict, walls: Walls, probe: PageProbe,
           mem: MemorySampler, planned: int, drain_s: float) -> dict:
    published, stored, dead = pubres["published"], c["raw_events"], c["dead_letters"]
    lost = published - stored - dead
    kinds = pubres["kinds"]
    print(f"\npublished      {published:>10,}  ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})")
    print(f"stored         {stored:>10,}  (raw events: {', '.join(f'{k} {v:,}' for k, v in c['events'].items())};"
          f" positions rows {c['positions']:,})")
    print(f"  flagged (stored, with a note for the admin): {c['flagged'] or 'none'}")
    for key, example in c["flag_examples"].items():
        print(f"    e.g. {key}: {example}")
    print(f"dead-lettered  {dead:>10,}  (deliberately invalid: {kinds.get('invalid', 0):,})")
    print(f"lost           {lost:>10,}  = published - stored - dead-lettered")
    print(f"cases opened: {', '.join(f'{k} {v:,}' for k, v in c['cases_by_source'].items()) or 0}; "
          f"alerts stored {c['alerts']:,}")
    lags = lag.lags_ms
    p50, p95, p99 = (pct(lags, q) for q in (0.5, 0.95, 0.99))
    print(f"\npublish -> commit lag over {len(lags):,} stored messages: p50 {_ms(p50)} ms, p95 {_ms(p95)} ms, "
          f"p99 {_ms(p99)} ms, max {_ms(max(lags) if lags else None)} ms")
    print(f"  the worker's own windows ({wlag['windows']:.0f}): median p50 {_ms(wlag['p50_median'])} ms, "
          f"highest p95 {_ms(wlag['p95_max'])} ms, max {_ms(wlag['max_ms'])} ms")
    print(f"\nquery latency under load, ms          runs     p50     p95     max")
    w = walls.latencies_ms
    print(f"  wall refresh, {len(walls.phases)} screens (cached) {len(w):6}  {_ms(pct(w, 0.5))} {_ms(pct(w, 0.95))} "
          f"{_ms(max(w) if w else None)}")
    per_page = {}
    everything: list[float] = []
    for name, values in probe.latencies_ms.items():
        everything += values
        per_page[name] = {"runs": len(values), "p50_ms": _round(pct(values, 0.5)), "p95_ms": _round(pct(values, 0.95))}
        print(f"  {name + ' page (uncached)':<32} {len(values):6}  {_ms(pct(values, 0.5))} {_ms(pct(values, 0.95))} "
              f"{_ms(max(values) if values else None)}")
    page_p95 = pct(everything, 0.95)
    print(f"  {'all pages':<32} {len(everything):6}  {_ms(pct(everything, 0.5))} {_ms(page_p95)}")
    for e in (walls.errors[:3] + probe.errors[:3]):
        print(f"  error: {e}")
    print(f"\npeak memory, MB ({mem.samples} samples; groups sum their processes)      RSS      PSS")
    for name in PROCESSES:
        if name in mem.peak_rss:
            print(f"  {name:<58} {mem.peak_rss[name]:7.1f}  {mem.peak_pss.get(name, 0):7.1f}")
    rate = published / pubres["publish_s"] if pubres["publish_s"] > 0 else 0.0
    print(f"\ncomparison: published {published:,} = stored {stored:,} + dead-lettered {dead:,}: "
          f"{'yes' if lost == 0 else 'NO'}, lost {lost:,} (target 0)")
    cut = f"; CUT SHORT at --late-factor, {planned:,} planned" if pubres["cut"] else ""
    print(f"  publisher: {pubres['publish_s'] / 60:.1f} min for the {args.minutes:g} planned ({rate:,.0f} msg/s), "
          f"at most {pubres['max_behind_s']:.1f} s behind schedule{cut}; drained {drain_s:.1f} s after the last "
          f"publish")
    print(f"  pages under load: p95 {_ms(page_p95).strip()} ms against the {PAGE_TARGET_MS} ms target of an idle "
          f"database (bench/dashboard.py)")
    return {"published": published, "stored": stored, "dead_lettered": dead, "lost": lost,
            "lag_p50_ms": _round(p50), "lag_p95_ms": _round(p95), "lag_p99_ms": _round(p99),
            "page_p95_ms": _round(page_p95), "pages": per_page,
            "wall_refresh_p50_ms": _round(pct(w, 0.5), 2), "wall_refresh_p95_ms": _round(pct(w, 0.95)),
            "wall_refreshes": len(w), "wall_errors": len(walls.errors), "page_errors": len(probe.errors),
            "peak_rss_mb": {k: round(v, 1) for k, v in mem.peak_rss.items()},
            "peak_pss_mb": {k: round(v, 1) for k, v in mem.peak_pss.items()},
            "minutes": args.minutes, "scale": args.scale, "seed": args.seed, "planned": planned, "kinds": kinds,
            "publish_s": round(pubres["publish_s"], 1), "msgs_per_s": round(rate), "cut_short": pubres["cut"],
            "max_behind_s": round(pubres["max_behind_s"], 1), "drain_s": round(drain_s, 1),
            "positions_rows": c["positions"], "cases_by_source": c["cases_by_source"], "alerts": c["alerts"],
            "flagged": c["flagged"], "worker_lag": wlag}


def run(args, launcher: Launcher) -> dict:
    info = launcher.wait_ready(READY_TIMEOUT_S)
    url, mqtt_url = info["database_url"], info["mqtt_url"]
    prefix = os.environ.get("GRID_TOPIC_PREFIX", "grid")     # the launcher's children read the same environment
    engine = create_engine(url, pool_size=2)
    sim = stop_simulator(launcher, engine)
    print(f"ready: {info['dashboard_url']} (broker {info.get('broker')}, postgres {info.get('postgres')}); "
          f"demo simulator {'stopped' if sim else 'not running'}, its messages drained", flush=True)
    district, staff, wall_id = reference(engine)
    c = counts(args.scale)
    run_id = f"cd{uuid.uuid4().hex[:6]}"
    t_start = time.time() + 2.0
    plan = CityDay(district, staff, c, args.seed, run_id, t_start + args.minutes * 60)
    rounds = DAY_S / FEEDBACK_EVERY_S
    feedback = Feedback(engine, district, args.seed, run_id, FEEDBACK_PER_CASE * c.reports / rounds)
    print(f"city day in {args.minutes:g} min at scale {args.scale:g}: {c.terminals:,} terminals x {c.positions_each:,} "
          f"positions, {c.reports:,} reports, {c.alerts:,} alerts, {c.invalid:,} invalid, feedback on open cases; "
          f"{c.planned:,} messages planned on {len(staff)} staff codes and {len(district.cameras):,} cameras "
          f"({c.planned / (args.minutes * 60):,.0f} msg/s)", flush=True)
    with engine.connect() as conn:
        base = max_ids(conn)
        since = conn.execute(text("SELECT now()")).scalar()
    load_stop, lag_stop, mem_stop = threading.Event(), threading.Event(), threading.Event()
    mem = MemorySampler(launcher.pids, mem_stop)
    lag = LagWatcher(url, base["raw_events"], lag_stop)
    walls = Walls(url, wall_id, args.walls, args.wall_period_s, args.seed, load_stop)
    probe = PageProbe(url, load_stop, args.page_pause_s)
    mem.sample()
    for t in (mem, lag, probe):
        t.start()
    walls.start()
    try:
        pubres = publish(args, plan, feedback, mqtt_url, prefix, t_start)
    finally:
        load_stop.set()
    print(f"published {pubres['published']:,} in {pubres['publish_s']:.0f} s; waiting for the ingest "
          f"(at most {args.drain_timeout_s:.0f} s)", flush=True)
    drain_s = drain(engine, base, pubres["published"], lag, args.drain_timeout_s)
    mem_stop.set()
    lag_stop.set()
    for t in (lag, probe, mem):
        t.join(60)
    walls.join(60)
    if lag.error:
        raise RuntimeError(f"the lag watcher failed: {lag.error}")
    with engine.connect() as conn:
        final = run_counts(conn, base)
        wlag = worker_lag(conn, since)
    engine.dispose()
    if final["raw_events"] != lag.rows:
        print(f"note: the lag watcher saw {lag.rows:,} of {final['raw_events']:,} stored rows", flush=True)
    return report(args, pubres, final, lag, wlag, walls, probe, mem, c.planned, drain_s)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    fresh = args.data_dir is None
    data_dir = (args.data_dir or DATA_DIR / "tmp" / f"cityday-{uuid.uuid4().hex[:8]}").resolve()
    launcher = Launcher(data_dir)
    result = None
    try:
        print(f"starting the system in {data_dir} ...", flush=True)
        launcher.start()
        result = run(args, launcher)
    except KeyboardInterrupt:
        print("interrupted: stopping everything", flush=True)
    finally:
        launcher.stop()
        if fresh and not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
    if result is None:
        return 130
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
