"""The deterministic traffic plan: grid workers walking patrol routes, reports, video incidents with repeats and
false positives, terminals going offline. Times are seconds of demo time (divided by --rate when published)."""
from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from typing import Callable, Iterator

import shapely
from shapely.geometry import LineString

from db import labels
from db.geo import wgs84_to_gcj02
from ingest.simulate.district import District, Walker
from ingest.simulate.messages import Out

S = labels.INGEST_SIM
M_PER_DEG = 111_320.0
REPORT_EVERY_S = 180.0        # district-wide mean: ~480 reports a day (domain.md §9: 100–400 cases/day)
INCIDENT_EVERY_S = 20.0       # camera incidents; each repeats, so alerts outnumber cases 10–100×
FLAP_EVERY_S = 300.0          # a terminal drops offline for a while
FALSE_POSITIVE = 0.25
GB_SHARE = 0.10               # incidents reported by the camera platform as GB/T 28181 alarms
GB_PLATFORM = "35010200002000000001"
VENDORS = ("hikvision", "dahua", "uniview")
URGENT_TYPES = {"smoke_fire": 1, "fight": 2, "person_fall": 2, "high_throw": 2, "crowd": 2}


@dataclass
class WalkerState:
    walker: Walker
    lon: float
    lat: float
    speed: float
    crs: str
    ts_format: str
    batt: int
    route: list[tuple[float, float]] = field(default_factory=list)
    offline: bool = False


class Traffic:
    def __init__(self, district: District, seed: int, run_id: str):
        self.d = district
        self.rng = random.Random(seed)
        self.run = run_id
        self.n = 0
        self._queue: list[tuple[float, int, Callable, tuple]] = []
        self._seq = 0
        self.states = [self._new_state(w) for w in district.walkers]
        for st in self.states:
            self.at(self.rng.uniform(0, 30), self._start_patrol, st)
        self.at(self.rng.expovariate(1 / REPORT_EVERY_S), self._report)
        if district.cameras and district.alert_types:
            self.at(self.rng.expovariate(1 / INCIDENT_EVERY_S), self._incident)
        self.at(self.rng.expovariate(1 / FLAP_EVERY_S), self._flap)

    # --- plumbing --------------------------------------------------------------------------------
    def at(self, t: float, fn: Callable, *args) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (t, self._seq, fn, args))

    def next_id(self, kind: str) -> str:
        self.n += 1
        return f"{self.run}-{kind}{self.n}"

    def events(self) -> Iterator[tuple[float, Out]]:
        """(demo time, message) in time order, forever."""
        while self._queue:
            t, _, fn, args = heapq.heappop(self._queue)
            for out in fn(t, *args):
                yield t, out

    # --- grid workers ----------------------------------------------------------------------------
    def _new_state(self, w: Walker) -> WalkerState:
        lon, lat = self._point_in(w.polygon)
        return WalkerState(w, lon, lat, speed=self.rng.uniform(0.9, 1.4),
                           crs="gcj02" if self.rng.random() < 0.15 else "wgs84",
                           ts_format="ms" if self.rng.random() < 0.2 else "iso", batt=self.rng.randint(40, 100))

    def _point_in(self, poly) -> tuple[float, float]:
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(200):
            lon, lat = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, lon, lat):
                return round(lon, 7), round(lat, 7)
        point = poly.representative_point()
        return point.x, point.y

    def _route(self, st: WalkerState) -> list[tuple[float, float]]:
        """4–7 checkpoints joined by straight legs that stay inside the grid."""
        route, here = [], (st.lon, st.lat)
        for _ in range(self.rng.randint(4, 7)):
            for _ in range(20):
                nxt = self._point_in(st.walker.polygon)
                if st.walker.polygon.contains(LineString([here, nxt])):
                    break
            route.append(nxt)
            here = nxt
        return route

    def _terminal(self, st: WalkerState, what: str, payload: dict) -> Out:
        return Out(f"terminal/{st.walker.staff_code}/{what}", payload, st.ts_format)

    def _start_patrol(self, t: float, st: WalkerState):
        st.route = self._route(st)
        yield self._terminal(st, "status", {"status": "online"})
        yield self._patrol(st, "start")
        self.at(t + self.rng.uniform(10, 30), self._walk, st, t)

    def _patrol(self, st: WalkerState, action: str) -> Out:
        return self._terminal(st, "patrol", {"id": self.next_id("p"), "action": action,
                                             "grid_code": st.walker.grid_code, "lon": st.lon, "lat": st.lat})

    def _walk(self, t: float, st: WalkerState, last: float):
        if st.offline:
            self.at(t + self.rng.uniform(10, 30), self._walk, st, t)
            return
        budget = st.speed * (t - last)
        while st.route and budget > 0:
            tlon, tlat = st.route[0]
            dx = (tlon - st.lon) * M_PER_DEG * math.cos(math.radians(st.lat))
            dy = (tlat - st.lat) * M_PER_DEG
            dist = math.hypot(dx, dy)
            if dist <= budget:
                st.lon, st.lat = tlon, tlat
                st.route.pop(0)
                budget -= dist
                yield self._patrol(st, "checkpoint" if st.route else "end")
            else:
                f = budget / dist
                st.lon, st.lat = round(st.lon + (tlon - st.lon) * f, 7), round(st.lat + (tlat - st.lat) * f, 7)
                budget = 0
        yield self._position(st)
        if st.route:
            self.at(t + self.rng.uniform(10, 30), self._walk, st, t)
        else:
            st.batt = 100 if st.batt < 30 else st.batt
            self.at(t + self.rng.uniform(600, 2400), self._start_patrol, st)

    def _position(self, st: WalkerState) -> Out:
        st.batt = max(5, st.batt - (1 if self.rng.random() < 0.1 else 0))
        lon, lat = (wgs84_to_gcj02(st.lon, st.lat) if st.crs == "gcj02" else (st.lon, st.lat))
        return self._terminal(st, "position", {"lon": round(lon, 7), "lat": round(lat, 7),
                                               "acc": round(self.rng.uniform(3, 25), 1), "batt": st.batt,
                                               "crs": st.crs})

    def _flap(self, t: float):
        st = self.rng.choice(self.states) if self.states else None
        if st is not None and not st.offline:
            st.offline = True
            yield self._terminal(st, "status", {"status": "offline"})
            self.at(t + self.rng.uniform(60, 600), self._back_online, st)
        self.at(t + self.rng.expovariate(1 / FLAP_EVERY_S), self._flap)

    def _back_online(self, t: float, st: WalkerState):
        st.offline = False
        yield self._terminal(st, "status", {"status": "online"})

    # --- reports ---------------------------------------------------------------------------------
    def _report(self, t: float):
        self.at(t + self.rng.expovariate(1 / REPORT_EVERY_S), self._report)
        live = [s for s in self.states if not s.offline]
        if not live or not self.d.categories:
            return
        st = self.rng.choice(live)
        code, name = self.rng.choice(self.d.categories)
        grid = self.d.grid_names.get(st.walker.grid_code, st.walker.grid_code)
        self_handled = self.rng.random() < 0.3
        text = self.rng.choice(S["report"]).format(grid=grid, spot=self.rng.choice(S["spot"]), category=name,
                                                    detail=S["self_handled"] if self_handled
                                                    else self.rng.choice(S["detail"]))
        urgency = self.rng.choices((3, 2, 1), (88, 10, 2))[0]
        yield self._terminal(st, "report", {
            "id": self.next_id("r"), "category": code, "description": text, "lon": st.lon, "lat": st.lat,
            "address": S["address"].format(grid=grid, n=self.rng.randint(1, 200)), "self_handled": self_handled,
            "urgency": urgency})

    # --- video incidents -------------------------------------------------------------------------
    def _incident(self, t: float):
        self.at(t + self.rng.expovariate(1 / INCIDENT_EVERY_S), self._incident)
        camera = self.rng.choice(self.d.cameras)
        code, name, min_score = self.rng.choice(self.d.alert_types)
        if self.rng.random() < FALSE_POSITIVE:
            score = round(self.rng.uniform(0.15, max(0.16, min_score - 0.02)), 3)
            yield self._alert(camera, code, name, score)
            return
        gb = code in self.d.gb_codes and self.rng.random() < GB_SHARE
        repeats = self.rng.randint(2, 10)
        for k in range(repeats):
            self.at(t + k * self.rng.uniform(5, 30), self._repeat, camera, code, name, min_score, gb)

    def _repeat(self, t: float, camera, code: str, name: str, min_score: float, gb: bool):
        score = round(self.rng.uniform(max(min_score, 0.6), 0.98), 3)
        if gb:
            # "5-903" is method 5 type 903 (2016 layout); a bare "2" is a 2011 alarm without <Info>.
            method, _, alarm_type = self.d.gb_codes[code].partition("-")
            self.n += 1
            yield Out(f"{GB_PLATFORM}/alarm", ts_format=None, gb={
                "sn": self.n, "device": camera.code, "priority": URGENT_TYPES.get(code, 3), "method": method,
                "alarm_type": alarm_type or None})
            return
        yield self._alert(camera, code, name, score)

    def _alert(self, camera, code: str, name: str, score: float) -> Out:
        return Out(f"video/{camera.code}/alert", {
            "id": self.next_id("a"), "type": name if self.rng.random() < 0.3 else code, "score": score,
            "priority": URGENT_TYPES.get(code, self.rng.choice((3, 4))), "vendor": self.rng.choice(VENDORS)})
