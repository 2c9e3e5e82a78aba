"""Demo trails of full-time grid workers: positions every few minutes of working time, latest fixes, patrols."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import shapely

from db.demo.calendar import is_workday
from db.demo.devices import points_in
from db.demo.geometry import M_PER_DEG_LAT, M_PER_DEG_LON
from db.demo.rand import np_rng, py_rng

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = ((time(8), time(12)), (time(14), time(18)))
STEP_MIN = 5            # one fix every 5 minutes of patrol
TAIL_MIN = 30           # online workers also have fresh fixes over the last 30 minutes
ATTENDANCE = 0.93


@dataclass
class Trails:
    positions: list[tuple] = field(default_factory=list)   # (staff code, ts, lon, lat, acc, batt, grid code)
    latest: dict[str, dict] = field(default_factory=dict)  # staff code -> positions_latest row (codes)
    patrols: list[dict] = field(default_factory=list)      # patrols rows (codes)


class _Walker:
    """A walk between random waypoints inside one grid, about 60-260 m per 5-minute fix."""

    def __init__(self, poly, waypoints: np.ndarray, rng: random.Random):
        self.poly, self.rng = poly, rng
        self.waypoints = [(float(x), float(y)) for x, y in waypoints]
        self.here = self.target = rng.choice(self.waypoints)

    def step(self) -> tuple[float, float]:
        (x, y), (tx, ty) = self.here, self.target
        dist = math.hypot((tx - x) * M_PER_DEG_LON, (ty - y) * M_PER_DEG_LAT)
        stride = self.rng.uniform(60, 260)
        if dist <= stride:
            self.here, self.target = self.target, self.rng.choice(self.waypoints)
        else:
            f = stride / dist
            self.here = (round(x + (tx - x) * f, 7), round(y + (ty - y) * f, 7))
            if not shapely.contains_xy(self.poly, *self.here):   # a concave corner: cut to the waypoint
                self.here = self.target
        return self.here


def _utc(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=TZ).astimezone(timezone.utc)


def _fix(walker: _Walker, ts: datetime, rng: random.Random) -> tuple:
    """(ts, lon, lat, acc, batt): the battery drains through the working day."""
    lon, lat = walker.step()
    local = ts.astimezone(TZ)
    batt = min(100, max(8, 100 - int((local.hour - 7) * 6 + local.minute / 10)))
    return ts, lon, lat, round(rng.uniform(4, 25), 1), batt


def _fixes(walker: _Walker, start: datetime, end: datetime, step_min: float, rng: random.Random) -> list[tuple]:
    """A fix every step_min minutes (with jitter) from start until end (exclusive)."""
    out, ts = [], start + timedelta(seconds=rng.randrange(60))
    while ts < end:
        out.append(_fix(walker, ts, rng))
        ts += timedelta(minutes=step_min, seconds=rng.randrange(-20, 21))
    return out


def _patrol_rows(code: str, grid_code: str, fixes: list, key: str, rng: random.Random) -> list[dict]:
    if len(fixes) < 4:
        return []
    picks = [("start", fixes[0]), *(("checkpoint", f) for f in sorted(rng.sample(fixes[1:-1], 2))), ("end", fixes[-1])]
    return [{"source_key": f"demo:{key}:{i}", "staff_code": code, "grid_code": grid_code, "action": action,
             "ts": fix[0], "lon": fix[1], "lat": fix[2]} for i, (action, fix) in enumerate(picks)]


@dataclass
class _Run:
    rng: random.Random
    grid_codes: list[str]
    now: datetime
    cutoff: datetime            # trails stop here; the fresh tail of online workers starts here
    out: Trails


def _working_days(run: _Run, code: str, own: list[int], walkers: dict, days: int):
    """Half-day walks (one grid per half day for workers with two grids); returns the last fix and grid."""
    last = None
    today = run.now.astimezone(TZ).date()
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        if not is_workday(day) or run.rng.random() > ATTENDANCE:
            continue
        for p, (a, b) in enumerate(PERIODS):
            g = own[p % len(own)]
            fixes = _fixes(walkers[g], _utc(day, a), min(_utc(day, b), run.cutoff), STEP_MIN, run.rng)
            if fixes:
                run.out.positions += [(code, *f, run.grid_codes[g]) for f in fixes]
                run.out.patrols += _patrol_rows(code, run.grid_codes[g], fixes, f"{code}:{day:%Y%m%d}:{p}", run.rng)
                last = (fixes[-1], g)
    return last


def _fresh_tail(run: _Run, code: str, walker: _Walker, g: int):
    """Fixes every ~3 minutes over the last half hour, the newest 10 s to 3 min old."""
    latest_at = run.now - timedelta(seconds=run.rng.randrange(10, 180))
    tail = _fixes(walker, run.cutoff, latest_at - timedelta(minutes=1), 3, run.rng)
    tail.append(_fix(walker, latest_at, run.rng))
    run.out.positions += [(code, *f, run.grid_codes[g]) for f in tail]
    return tail[-1], g


def build_trails(grids: list, grid_codes: list[str], patrol_grids: dict[str, list[int]], now: datetime,
                 days: int, seed: int) -> Trails:
    """Past `days` local days up to `now` (UTC), working days only, plus a fresh tail for online workers."""
    rng, nrng = py_rng(seed, "positions"), np_rng(seed, "positions")
    waypoints = {g: points_in(grids[g], 24, nrng) for g in sorted({g for gs in patrol_grids.values() for g in gs})}
    today = now.astimezone(TZ).date()
    on_duty = is_workday(today) and any(_utc(today, a) <= now < _utc(today, b) for a, b in PERIODS)
    run = _Run(rng, grid_codes, now, now - timedelta(minutes=TAIL_MIN), Trails())
    for code in sorted(patrol_grids):
        own = patrol_grids[code]
        walkers = {g: _Walker(grids[g], waypoints[g], rng) for g in own}
        last = _working_days(run, code, own, walkers, days)
        online = rng.random() < (0.8 if on_duty else 0.2)
        if online:
            last = _fresh_tail(run, code, walkers[own[0]], own[0])
        if last is None:   # absent all along: the terminal last reported before the window
            lon, lat = (round(float(v), 7) for v in waypoints[own[0]][0])
            last = ((now - timedelta(days=days, minutes=rng.randrange(600)), lon, lat, 30.0, rng.randrange(5, 60)),
                    own[0])
        (ts, lon, lat, acc, batt), g = last
        run.out.latest[code] = {"ts": ts, "lon": lon, "lat": lat, "acc": acc, "batt": batt,
                                "grid_code": grid_codes[g], "online": online, "status_at": ts}
    return run.out
