"""The city day's messages in city-time order: positions, reports, video incidents with repeats, invalid ones."""
from __future__ import annotations

import heapq
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

import shapely

from ingest.simulate.district import District

DAY_S = 86_400
POSITION_EVERY_S = 20.0              # city seconds between two positions of one terminal
TERMINALS = 1_500
REPORTS = 3_500
ALERTS_PER_REPORT = 100
FALSE_POSITIVE = 0.25                # incidents scored below their type's threshold (no case)
REPEATS = (10, 120)                  # a real incident fires again every 5-30 city seconds for minutes
REPEAT_GAP_S = (5.0, 30.0)
INVALID_SHARE = 0.0002               # deliberately invalid messages, beside the valid ones
INVALID_MIN = 5
STEP_DEG = 0.00015                   # a terminal moves up to ~15 m between two positions
BEIJING = timezone(timedelta(hours=8))
# Relative activity by Beijing hour: reports and camera incidents follow the city's day, quiet at night.
HOURLY = (2, 1, 1, 1, 1, 2, 4, 7, 10, 10, 10, 9, 7, 8, 10, 10, 10, 9, 8, 7, 6, 5, 4, 3)
VENDORS = ("hikvision", "dahua", "uniview")
DESCRIPTIONS = ("道路占道经营，影响通行", "垃圾堆放未及时清运", "井盖缺失存在安全隐患", "违规张贴小广告",
                "共享单车乱停放", "楼道堆放杂物", "路灯不亮", "噪音扰民")


@dataclass(frozen=True)
class Counts:
    terminals: int
    positions_each: int
    reports: int
    alerts: int
    invalid: int

    @property
    def planned(self) -> int:
        """Messages of the plan except department feedback (its count depends on the cases open at the time)."""
        return self.terminals * self.positions_each + self.reports + self.alerts + self.invalid


def counts(scale: float) -> Counts:
    terminals = max(1, round(TERMINALS * scale))
    reports = max(1, round(REPORTS * scale))
    each = int(DAY_S / POSITION_EVERY_S)
    valid = terminals * each + reports * (1 + ALERTS_PER_REPORT)
    return Counts(terminals, each, reports, reports * ALERTS_PER_REPORT, max(INVALID_MIN, round(valid * INVALID_SHARE)))


@dataclass
class Incident:
    start: float
    repeats: int
    gap: float
    false_positive: bool
    camera: int
    alert_type: int
    sent: int = 0


@dataclass
class Terminal:
    staff: str
    lon: float
    lat: float
    bounds: tuple[float, float, float, float]
    batt: int
    last_ms: int = 0


class CityDay:
    """Yields (city second, kind, topic below {prefix}/v1/, payload bytes) in time order. ts_of(city second) gives the
    message's own timestamp: the city day ends when the run ends, so every stamp is in the past, never refused as
    future, and the wall at the end shows the city as of now."""

    def __init__(self, district: District, staff_codes: list[str], c: Counts, seed: int, run_id: str,
                 day_end: float):
        self.d, self.c, self.run = district, c, run_id
        self.rng = random.Random(seed)
        self.day_start = day_end - DAY_S
        self.n = 0
        # 1,500 terminals on the demo's ~630 registered staff codes, cycled (2-3 terminals each: phone, tablet,
        # vehicle), so every position is stored in full (positions, latest position) and every report opens a
        # case; grid workers move inside their own grid, the others (police, managers…) inside a grid drawn.
        own = {w.staff_code: w for w in district.walkers}
        self.terminals = [self._terminal(code, (own.get(code) or self.rng.choice(district.walkers)).polygon)
                          for code in (staff_codes[i % len(staff_codes)] for i in range(c.terminals))]

    def ts_of(self, city_s: float) -> float:
        return self.day_start + city_s

    def _terminal(self, staff: str, poly) -> Terminal:
        minx, miny, maxx, maxy = poly.bounds
        lon, lat = poly.representative_point().x, poly.representative_point().y
        for _ in range(50):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, x, y):
                lon, lat = x, y
                break
        return Terminal(staff, lon, lat, (minx, miny, maxx, maxy), self.rng.randint(40, 100))

    # --- timing ------------------------------------------------------------------------------------------
    def _busy_time(self) -> float:
        """A city second drawn by the hour-of-day profile (rejection sampling, bounded)."""
        peak = max(HOURLY)
        for _ in range(100):
            t = self.rng.uniform(0, DAY_S)
            hour = datetime.fromtimestamp(self.ts_of(t), BEIJING).hour
            if self.rng.random() * peak <= HOURLY[hour]:
                return t
        return self.rng.uniform(0, DAY_S)

    def _incidents(self) -> list[Incident]:
        """Incidents until their alerts add up to exactly c.alerts; each keeps one camera and one type."""
        out, left = [], self.c.alerts
        while left > 0:
            fp = self.rng.random() < FALSE_POSITIVE
            n = min(left, self.rng.randint(1, 3) if fp else self.rng.randint(*REPEATS))
            gap = self.rng.uniform(*REPEAT_GAP_S)
            start = max(0.0, min(self._busy_time(), DAY_S - 1 - 1.3 * n * gap))
            out.append(Incident(start, n, gap, fp, self.rng.randrange(len(self.d.cameras)),
                                self.rng.randrange(len(self.d.alert_types))))
            left -= n
        return out

    # --- the stream ----------------------------------------------------------------------------------------
    def events(self) -> Iterator[tuple[float, str, str, bytes]]:
        """Every planned message once, in city-time order. The heap holds one pending event per source."""
        heap: list[tuple[float, int, str, int]] = []
        for i in range(len(self.terminals)):
            heap.append((self.rng.uniform(0, POSITION_EVERY_S), len(heap), "pos", i))
        reports = sorted(self._busy_time() for _ in range(self.c.reports))
        invalid = sorted(self.rng.uniform(0, DAY_S) for _ in range(self.c.invalid))
        incidents = self._incidents()
        for k, inc in enumerate(incidents):
            heap.append((inc.start, len(heap), "alert", k))
        heap += [(t, len(heap) + j, "report", j) for j, t in enumerate(reports)]
        base = len(heap)
        heap += [(t, base + j, "invalid", j) for j, t in enumerate(invalid)]
        heapq.heapify(heap)
        seq = len(heap)
        sent_pos = [0] * len(self.terminals)
        while heap:
            t, _, kind, i = heapq.heappop(heap)
            if kind == "pos":
                yield t, "position", *self._position(self.terminals[i], t)
                sent_pos[i] += 1
                if sent_pos[i] < self.c.positions_each:
                    seq += 1
                    heapq.heappush(heap, (t + POSITION_EVERY_S, seq, "pos", i))
            elif kind == "alert":
                inc = incidents[i]
                yield t, "alert", *self._alert(inc, t)
                inc.sent += 1
                if inc.sent < inc.repeats:
                    seq += 1
                    heapq.heappush(heap, (t + inc.gap * self.rng.uniform(0.7, 1.3), seq, "alert", i))
            elif kind == "report":
                yield t, "report", *self._report(t)
            else:
                yield t, "invalid", *self._invalid(t, i)

    # --- messages ----------------------------------------------------------------------------------------------
    def _id(self, kind: str) -> str:
        self.n += 1
        return f"{self.run}-{kind}{self.n}"

    def _position(self, term: Terminal, t: float) -> tuple[str, bytes]:
        minx, miny, maxx, maxy = term.bounds
        term.lon = min(maxx, max(minx, term.lon + self.rng.uniform(-STEP_DEG, STEP_DEG)))
        term.lat = min(maxy, max(miny, term.lat + self.rng.uniform(-STEP_DEG, STEP_DEG)))
        if self.rng.random() < 0.002:
            term.batt = max(5, term.batt - 1)
        # Unique (staff, ts) per message: the terminals of one worker must not share a millisecond, else the
        # second would be a duplicate of the first and not stored.
        ms = max(int(self.ts_of(t) * 1000), term.last_ms + 1)
        term.last_ms = ms
        body = (f'{{"ts":{ms},"lon":{term.lon:.7f},"lat":{term.lat:.7f},"acc":{self.rng.uniform(3, 25):.1f},'
                f'"batt":{term.batt},"crs":"wgs84"}}')
        return f"terminal/{term.staff}/position", body.encode()

    def _iso(self, t: float) -> str:
        return datetime.fromtimestamp(self.ts_of(t), BEIJING).isoformat(timespec="milliseconds")

    def _report(self, t: float) -> tuple[str, bytes]:
        term = self.rng.choice(self.terminals)
        code, name = self.rng.choice(self.d.categories)
        body = {"id": self._id("r"), "ts": self._iso(t), "category": code,
                "description": f"{name}：{self.rng.choice(DESCRIPTIONS)}", "lon": round(term.lon, 7),
                "lat": round(term.lat, 7), "self_handled": self.rng.random() < 0.3,
                "urgency": self.rng.choices((3, 2, 1), (88, 10, 2))[0]}
        return f"terminal/{term.staff}/report", json.dumps(body, ensure_ascii=False).encode()

    def _alert(self, inc: Incident, t: float) -> tuple[str, bytes]:
        camera = self.d.cameras[inc.camera]
        code, _, min_score = self.d.alert_types[inc.alert_type]
        if inc.false_positive:
            score = self.rng.uniform(0.15, max(0.16, min_score - 0.02))
        else:
            score = self.rng.uniform(max(min_score, 0.6), 0.98)
        body = {"id": self._id("a"), "ts": self._iso(t), "type": code, "score": round(score, 3),
                "priority": self.rng.choice((2, 3, 4)), "vendor": self.rng.choice(VENDORS)}
        return f"video/{camera.code}/alert", json.dumps(body).encode()

    def _invalid(self, t: float, j: int) -> tuple[str, bytes]:
        """Refused by the contract, each one different (dead letters count repeats of the same bytes once)."""
        term = self.terminals[j % len(self.terminals)]
        camera = self.d.cameras[j % len(self.d.cameras)]
        ms = int(self.ts_of(t) * 1000)
        variant = j % 5
        if variant == 0:        # latitude out of range
            return f"terminal/{term.staff}/position", f'{{"ts":{ms},"lon":119.3,"lat":95.0,"n":{j}}}'.encode()
        if variant == 1:        # a number sent as a string
            return f"terminal/{term.staff}/report", json.dumps({
                "id": self._id("x"), "ts": ms, "category": "0101", "description": "坏数据", "lon": "119.3",
                "lat": 26.08}, ensure_ascii=False).encode()
        if variant == 2:        # score above 1
            return f"video/{camera.code}/alert", json.dumps({
                "id": self._id("x"), "ts": ms, "type": self.d.alert_types[0][0], "score": 1.5}).encode()
        if variant == 3:        # not JSON at all
            return f"terminal/{term.staff}/position", f'{{"ts":{ms},"lon":119.3,"lat":26.0 broken {j}'.encode()
        naive = datetime.fromtimestamp(self.ts_of(t), BEIJING).replace(tzinfo=None).isoformat()
        return f"terminal/{term.staff}/position", f'{{"ts":"{naive}","lon":119.3,"lat":26.08,"n":{j}}}'.encode()
