"""Dashboard benchmark (issue 5) on a city-sized database: 2,500 grids, 1,500 staff with a week of positions every
20 s, 1,000,000 cases, 10,000,000 raw events (bench/_citydata.py).

(a) The data behind each page — wall, queue, case detail, department desk, staff positions, daily status, admin —
loaded by the plain query functions the pages' cached wrappers call (median of several runs, a different case,
department or worker each run), beside the naive way: read the tables into pandas and filter there
(bench/_naive.py says what it reads). Target: ours under 200 ms per page.
(b) Ten wall screens refreshing every 5 s through the real st.cache_data wrappers (one thread per screen, random
phases): statements reaching PostgreSQL per interval, beside one screen, and beside screens that each query
for themselves.
(c) Bytes one wall refresh sends to the browser (AppTest element protos), at 400 and at 2,500 grids, beside plain
pydeck (polygons inline, indented JSON); the static grid GeoJSON is fetched once per screen.
The last line is one JSON object.

Run: .venv/bin/python bench/dashboard.py --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
(or BENCH_DATABASE_URL). Databases bench_dash_<random> are created on that server and dropped at the end unless
--keep; --reuse NAME measures an existing city database (made with --keep) without regenerating it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pydeck as pdk
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import streamlit.logger  # noqa: E402
from streamlit import config as st_config  # noqa: E402

# Bare mode warns about the missing runtime for every cache it makes; reading the config first, because parsing it
# resets the log level.
st_config.get_option("logger.level")
streamlit.logger.set_log_level("error")

from bench import _naive, _pages, _wall  # noqa: E402
from bench._citydata import CitySpec, build  # noqa: E402
from dashboard import clock, queries_wall, static_geo, wall_panels  # noqa: E402
from db import migrate  # noqa: E402
from db.engine import get_engine  # noqa: E402

import dashboard  # noqa: E402

dashboard.freeze_heap()             # as app.py does in the Streamlit server once its imports are done

TARGET_MS = 200
COUNTED = ("grids", "staff", "positions", "cases", "case_steps", "alerts", "whistles", "raw_events", "devices")


def _create(admin, server: str) -> tuple[str, str]:
    name = f"bench_dash_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    return name, make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop(admin, name: str) -> None:
    get_engine(admin.url.set(database=name).render_as_string(hide_password=False)).dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _generate(url: str, spec: CitySpec) -> dict:
    migrate.upgrade(url)
    return build(url, spec, clock.now())


def _counts(url: str) -> dict:
    with create_engine(url).connect() as c:
        return {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}


def _ours(ctx, pages: list[str], runs: int, budget_s: float) -> dict:
    """page -> (median ms, {call: median ms}, runs). A warm-up run first (buffer cache, reference data), then up
    to `runs` runs while the page's time stays within `budget_s`; a page slower than the budget in its warm-up
    reports that one (cold) run."""
    out = {}
    for page in pages:
        fn = _pages.PAGES[page]
        started = time.perf_counter()
        warm = fn(ctx, runs)
        samples = []
        while len(samples) < runs and time.perf_counter() - started < budget_s:
            samples.append(fn(ctx, len(samples)))
        samples = samples or [warm]
        calls = {name: 1000 * statistics.median(s.get(name, 0.0) for s in samples) for name in samples[0]}
        out[page] = (1000 * statistics.median(sum(s.values()) for s in samples), calls, len(samples))
        print(f"  {page}: {out[page][0]:.0f} ms ({len(samples)} runs)", flush=True)
    return out


def _naive_times(ctx, pages: list[str], runs: int) -> dict:
    out = {}
    for page in pages:
        times = []
        for run in range(runs):
            started = time.perf_counter()
            figures = _naive.PAGES[page](ctx, run)
            times.append(time.perf_counter() - started)
        out[page] = (1000 * statistics.median(times), figures)
        print(f"  naive {page}: {out[page][0]:.0f} ms", flush=True)
    return out


def _payload(url: str) -> dict:
    """AppTest bytes per refresh, plus plain pydeck's (inline polygons, pydeck's indented JSON) for comparison."""
    got = _wall.page_payload(url)
    rows = queries_wall.grid_shapes(get_engine(url))
    plain = wall_panels.wall_deck(url, static_geo.build_assets(rows, inline=True), "load")
    got["plain_pydeck_deck_bytes"] = len(pdk.Deck.to_json(plain).encode())
    return got


def _print_pages(ours: dict, naive: dict) -> None:
    print(f"\n{'page':<10} {'ours ms':>10} {'runs':>4} {'naive ms':>10} {'naive/ours':>10} {'<200':>4}  "
          "slowest calls (ours, ms)")
    for page, (ms, calls, runs) in ours.items():
        nv = naive.get(page, (None, {}))[0]
        top = sorted(calls.items(), key=lambda kv: -kv[1])[:3]
        ratio = f"{nv / ms:9.1f}x" if nv else f"{'-':>10}"
        print(f"{page:<10} {ms:10.1f} {runs:4d} {nv if nv is not None else float('nan'):10.1f} {ratio} "
              f"{'yes' if ms < TARGET_MS else 'NO':>4}  " + ", ".join(f"{k} {v:.0f}" for k, v in top))


def _measure(url: str, args) -> dict:
    ctx = _pages.context(get_engine(url), args.runs)
    print(f"pages: today {ctx.today}, positions day {ctx.work_day}, {args.runs} runs each (median), "
          f"naive {args.naive_runs} run(s) each", flush=True)
    ours = _ours(ctx, args.pages, args.runs, args.page_budget)
    naive = _naive_times(ctx, args.pages, args.naive_runs) if args.naive_runs else {}
    _print_pages(ours, naive)
    for page, (_, figures) in naive.items():
        print(f"  naive {page}: {figures}")
    per_refresh = _wall.uncached_statements(url)
    one = _wall.simulate(url, 1, args.intervals, args.period)
    many = _wall.simulate(url, args.sessions, args.intervals, args.period)
    return {"ours": ours, "naive": naive, "per_refresh": per_refresh, "one": one, "many": many,
            "payload": _payload(url)}


def _small_payload(admin, server: str, keep: bool) -> tuple[dict, dict]:
    """The wall at 400 grids: the same city density, scaled (live data only needs a day of positions)."""
    name, url = _create(admin, server)
    try:
        spec = replace(CitySpec().scaled(400), raw_events=0, position_days=1)
        gen = _generate(url, spec)
        return _payload(url), {"database": name, "generation_s": gen["total"]}
    finally:
        if not keep:
            _drop(admin, name)


def _report(m: dict, small: dict, gen: dict | None, counts: dict, args, started: float) -> None:
    one, many = statistics.mean(m["one"]), statistics.mean(m["many"])
    p, s = m["payload"], small
    print(f"\nwall statements per {args.period:.0f} s interval (after one refresh, {args.intervals} intervals): "
          f"1 screen {m['one']} (mean {one:.1f}); {args.sessions} screens {m['many']} (mean {many:.1f}); "
          f"{args.sessions} screens each querying for itself: {m['per_refresh'] * args.sessions} per interval")
    for label, x in (("400", s), ("2,500", p)):
        print(f"one wall refresh at {label} grids: {x['refresh_bytes']:,} bytes (deck {x['deck_json_bytes']:,}); "
              f"plain pydeck deck {x['plain_pydeck_deck_bytes']:,} bytes; static grid GeoJSON "
              f"{x['static_geojson_bytes']:,} + labels {x['static_labels_bytes']:,} bytes once per screen")
    total = time.perf_counter() - started
    print(f"total {total:.0f} s")
    print(json.dumps({
        "page_median_ms": {k: round(v[0], 1) for k, v in m["ours"].items()},
        "naive_median_ms": {k: round(v[0], 1) for k, v in m["naive"].items()},
        "queries_1_session": round(one, 1), "queries_10_sessions": round(many, 1),
        "refresh_bytes_400_grids": s["refresh_bytes"], "refresh_bytes_2500_grids": p["refresh_bytes"],
        "queries_per_interval_1": m["one"], "queries_per_interval_10": m["many"],
        "queries_10_sessions_uncached": m["per_refresh"] * args.sessions,
        "deck_bytes_400_grids": s["deck_json_bytes"], "deck_bytes_2500_grids": p["deck_json_bytes"],
        "plain_pydeck_bytes_400_grids": s["plain_pydeck_deck_bytes"],
        "plain_pydeck_bytes_2500_grids": p["plain_pydeck_deck_bytes"],
        "static_geojson_bytes_2500_grids": p["static_geojson_bytes"],
        "call_median_ms": {k: {c: round(ms, 1) for c, ms in v[1].items()} for k, v in m["ours"].items()},
        "page_runs": {k: v[2] for k, v in m["ours"].items()},
        "rows": counts, "generation_s": gen, "runs": args.runs, "naive_runs": args.naive_runs,
        "total_s": round(total, 1)}, ensure_ascii=False))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    ap.add_argument("--keep", action="store_true", help="keep the generated databases")
    ap.add_argument("--reuse", metavar="NAME", help="measure this existing city database (no generation)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--page-budget", type=float, default=60.0, help="seconds of runs per page (after a warm-up)")
    ap.add_argument("--pages", type=lambda v: v.split(","), default=list(_pages.PAGES))
    ap.add_argument("--naive-runs", type=int, default=1)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--intervals", type=int, default=8)
    ap.add_argument("--period", type=float, default=5.0)
    args = ap.parse_args()
    if not args.database_url:
        ap.error("--database-url or BENCH_DATABASE_URL is required")
    started = time.perf_counter()
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    if args.reuse:
        name, url = args.reuse, make_url(args.database_url).set(database=args.reuse).render_as_string(
            hide_password=False)
    else:
        name, url = _create(admin, args.database_url)
    gen = None
    try:
        if not args.reuse:
            gen = _generate(url, CitySpec())
            print("generation (s): " + ", ".join(f"{k} {v}" for k, v in gen.items() if v >= 1), flush=True)
        counts = _counts(url)
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
        measured = _measure(url, args)
        small, small_info = _small_payload(admin, args.database_url, args.keep)
        if gen is not None:
            gen = {"city_s": gen["total"], "wall_400_s": small_info["generation_s"]}
        _report(measured, small, gen, counts, args, started)
    finally:
        if not args.keep and not args.reuse:
            _drop(admin, name)
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
