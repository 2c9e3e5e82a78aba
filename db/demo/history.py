"""The demo district's case history (30 days by default), every change driven through the workflow engine.

Cases arrive at 100–200 a day from grid workers (some fixed on the spot), video alerts (merged per camera and
type), the 12345 hotline and others, then run the closed loop with the side flows (reject, merge, escalate,
return, postpone, park, cancel, supervise, whistle, rework, late work, special close). Actions scheduled after
`end` never happen, so the last days leave cases open in every stage. Deterministic from the seed.
"""
from __future__ import annotations

import heapq
from collections import Counter
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, text

from db.workflow.bulk import Batch
from db.workflow.clock import SHANGHAI, as_utc
from db.workflow.engine import transaction
from db.workflow.errors import WorkflowError
from db.workflow.model import Actor, AlertIn

SOURCES = (("grid_worker", 42), ("video", 30), ("hotline", 16), ("public", 6), ("superior", 3), ("department", 3))
SATISFACTION = ((5, 55), (4, 30), (3, 10), (2, 3), (1, 2))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑"


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


@dataclass
class World:
    """What the demo district holds: actors, grids with their workers, departments, categories, cameras."""
    center: dict = field(default_factory=dict)          # role -> [Actor]
    dept_actor: dict = field(default_factory=dict)      # dept id -> Actor
    dept_ids: list = field(default_factory=list)
    workers: dict = field(default_factory=dict)         # grid id -> [Actor]
    grids: dict = field(default_factory=dict)           # grid id -> (lon, lat, half width)
    categories: list = field(default_factory=list)      # minor categories: dicts
    cameras: list = field(default_factory=list)         # (id, code, lon, lat, grid id)
    alert_types: list = field(default_factory=list)     # (code, min_score)

    @classmethod
    def load(cls, conn: Connection) -> "World":
        w = cls()
        for r in conn.execute(text("SELECT * FROM users WHERE active ORDER BY id")).mappings():
            actor = Actor(r["id"], r["username"], r["role"], r["dept_id"], r["staff_id"], r["display_name"])
            if r["role"] == "department":
                w.dept_actor.setdefault(r["dept_id"], actor)
            elif r["role"] != "grid_worker":
                w.center.setdefault(r["role"], []).append(actor)
        worker_users = {r["staff_id"]: r for r in conn.execute(text(
            "SELECT * FROM users WHERE role = 'grid_worker' AND active")).mappings()}
        for gid, sid in conn.execute(text("SELECT grid_id, staff_id FROM staff_grids ORDER BY grid_id, staff_id")):
            u = worker_users.get(sid)
            if u is not None:
                w.workers.setdefault(gid, []).append(Actor(u["id"], u["username"], "grid_worker", None, sid,
                                                           u["display_name"]))
        for r in conn.execute(text("SELECT id, center_lon, center_lat, min_lon, max_lon FROM grids "
                                   "WHERE kind = 'governance' ORDER BY id")):
            w.grids[r[0]] = (r[1], r[2], (r[4] - r[3]) / 6)
        w.dept_ids = [r[0] for r in conn.execute(text("SELECT id FROM departments WHERE active ORDER BY id"))]
        w.categories = [dict(r) for r in conn.execute(text(
            "SELECT c.* FROM categories c JOIN category_versions v ON v.id = c.version_id "
            "WHERE v.active AND c.level = 'minor' ORDER BY c.code")).mappings()]
        w.cameras = [tuple(r) for r in conn.execute(text(
            "SELECT id, code, lon, lat, grid_id FROM devices WHERE kind = 'camera' AND grid_id IS NOT NULL "
            "AND lon IS NOT NULL ORDER BY id"))]
        w.alert_types = [tuple(r) for r in conn.execute(text("SELECT code, min_score FROM alert_types ORDER BY code"))]
        return w

    def actor(self, role: str, rng: random.Random) -> Actor:
        found = self.center.get(role) or self.center.get("admin")
        return rng.choice(found) if found else Actor(None, f"demo-{role}", role, display_name=role)

    def dept(self, dept_id: int) -> Actor:
        return self.dept_actor.get(dept_id) or Actor(None, f"dept-{dept_id}", "department", dept_id)


class Simulation:
    """A time-ordered queue of scheduled engine calls over one Batch."""

    def __init__(self, batch: Batch, world: World, rng: random.Random, end: datetime):
        self.b, self.w, self.rng, self.end = batch, world, rng, end
        self.queue: list = []
        self.n = 0
        self.refused: Counter = Counter()
        self.alert_seq = 0
        self.open_by_grid: dict[int, list[int]] = {}

    def later(self, at: datetime, fn, *args, **kw) -> None:
        if at <= self.end:
            self.n += 1
            heapq.heappush(self.queue, (at, self.n, fn, args, kw))

    def run(self) -> None:
        while self.queue:
            at, _, fn, args, kw = heapq.heappop(self.queue)
            try:
                fn(at, *args, **kw)
            except WorkflowError as exc:
                # Reported in the summary: the generator is meant to produce none, and a test checks that.
                self.refused[f"{fn.__name__}: {exc.message}"] += 1

    def act(self, at, case_id, action, actor, **params):
        return self.b.perform(case_id, action, actor, at=at, **params)

    def state(self, case_id: int) -> dict:
        return self.b.states[case_id].case

    def dept_time(self, case_id: int, at: datetime, minutes: float) -> datetime:
        """Departments work on the case's clock: their moves land in working hours on working-time cases."""
        return self.b.ref.case_clock(self.state(case_id)).add(at, minutes)

    def mins(self, lo: float, hi: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(lo, hi))

    def backlog(self, lo: float, hi: float) -> timedelta:
        """A center delay with a long tail: busy hours leave cases waiting in every stage."""
        return self.mins(lo, hi) * (self.rng.uniform(8, 30) if self.rng.random() < 0.08 else 1)

    # --- intake -------------------------------------------------------------------------------------
    def arrive(self, at: datetime) -> None:
        source = _pick(self.rng, SOURCES)
        if source == "video" and self.w.cameras and self.w.alert_types:
            self.video(at)
            return
        grid = self.rng.choice(list(self.w.grids))
        lon, lat, half = self.w.grids[grid]
        cat = self.rng.choice(self.w.categories)
        place = dict(grid_id=grid, lon=lon + self.rng.uniform(-half, half), lat=lat + self.rng.uniform(-half, half))
        if source == "grid_worker" and self.w.workers.get(grid):
            worker = self.rng.choice(self.w.workers[grid])
            fixed = cat["work_kind"] == "general" and self.rng.random() < 0.4
            ref = self.b.open_case(worker, source=source, title=cat["name"], category_code=cat["code"],
                                   self_handled=fixed, at=at, description="网格员巡查发现", **place)
            if fixed:
                return
            case_id = ref.id
        else:
            caller = f"{self.rng.choice(SURNAMES)}先生" if self.rng.random() < 0.5 else f"{self.rng.choice(SURNAMES)}女士"
            ref = self.b.open_case(self.w.actor("operator", self.rng), source=source, title=cat["name"], at=at,
                                   reporter_name=caller, reporter_phone=f"1{self.rng.randint(3, 9)}"
                                   f"{self.rng.randrange(10**9):09d}", **place)
            case_id = ref.id
        self.reported(at, case_id, cat)

    def video(self, at: datetime) -> None:
        cam_id, code, lon, lat, grid = self.rng.choice(self.w.cameras)
        atype, min_score = self.rng.choice(self.w.alert_types)
        self.alert_seq += 1
        key = f"{code}:{self.alert_seq}"
        if self.rng.random() < 0.15:
            self.b.intake_alert(AlertIn(key, code, atype, at, camera_id=cam_id, score=min_score * 0.8, lon=lon,
                                        lat=lat, grid_id=grid, vendor="demo"), at)
            return
        out = self.b.intake_alert(AlertIn(key, code, atype, at, camera_id=cam_id, lon=lon, lat=lat, grid_id=grid,
                                          score=round(self.rng.uniform(min_score, 0.99), 2), vendor="demo",
                                          snapshot_url=f"/snapshots/{code}/{self.alert_seq}.jpg"), at)
        for i in range(self.rng.randint(1, 6)):          # the same stall seen again and again
            t = at + self.mins(1, 9) * (i + 1)
            self.later(t, self.repeat_alert, cam_id, code, atype, lon, lat, grid, min_score, f"{key}:{i}")
        if not out.merged:
            self.reported(at, out.case_id, None)

    def repeat_alert(self, at, cam_id, code, atype, lon, lat, grid, min_score, key) -> None:
        out = self.b.intake_alert(AlertIn(key, code, atype, at, camera_id=cam_id, lon=lon, lat=lat, grid_id=grid,
                                          score=round(self.rng.uniform(min_score, 0.99), 2), vendor="demo"), at)
        if not out.merged:
            self.reported(at, out.case_id, None)

    def reported(self, at: datetime, case_id: int, cat: dict | None) -> None:
        self.later(at + self.backlog(1, 15), self.accept, case_id, cat)

    # --- center -------------------------------------------------------------------------------------
    def accept(self, at, case_id, cat) -> None:
        op = self.w.actor("operator", self.rng)
        grid = self.state(case_id)["grid_id"]
        others = [c for c in self.open_by_grid.get(grid, []) if c != case_id
                  and self.state(c)["state"] in ("reported", "accepted", "filed")]
        if others and self.rng.random() < 0.03:
            self.b.merge_cases(others[-1], case_id, op, "重复上报", at)
            return
        self.act(at, case_id, "accept", op)
        self.open_by_grid.setdefault(grid, []).append(case_id)
        if self.rng.random() < 0.04:
            self.later(at + self.mins(1, 20), self.act, case_id, "reject", op, reason="不属于受理范围")
            return
        self.later(at + self.backlog(1, 20), self.file, case_id, cat)

    def file(self, at, case_id, cat) -> None:
        cat = cat or self._category_of(case_id) or self.rng.choice(self.w.categories)
        self.act(at, case_id, "file", self.w.actor("operator", self.rng), category_code=cat["code"])
        roll = self.rng.random()
        if roll < 0.015:
            self.later(at + self.mins(5, 60), self.cancel, case_id)
        elif roll < 0.07 or cat["work_kind"] in ("coordination", "approval") and roll < 0.3:
            self.later(at + self.mins(5, 60), self.escalate, case_id, cat)
        else:
            self.later(at + self.backlog(2, 45), self.dispatch, case_id, cat)

    def _category_of(self, case_id: int) -> dict | None:
        cat_id = self.state(case_id)["category_id"]
        return next((c for c in self.w.categories if c["id"] == cat_id), None)

    def cancel(self, at, case_id) -> None:
        boss = self.w.actor("dispatcher", self.rng)
        self.act(at, case_id, "request_cancel", self.w.actor("operator", self.rng), reason="群众撤诉")
        self.later(at + self.mins(5, 60), self.act, case_id, "approve_cancel", boss)

    def escalate(self, at, case_id, cat) -> None:
        self.act(at, case_id, "escalate", self.w.actor("dispatcher", self.rng), reason="超出本级职权")
        if self.state(case_id)["level"] != "street" and self.rng.random() < 0.4:
            self.later(at + self.mins(30, 240), self.escalate, case_id, cat)
        else:
            self.later(at + self.mins(10, 120), self.dispatch, case_id, cat)

    def dispatch(self, at, case_id, cat, avoid=None) -> None:
        boss = self.w.actor("dispatcher", self.rng)
        dept = cat.get("default_dept_id") if cat else None
        if dept is None or dept == avoid or self.rng.random() < 0.1:
            dept = self.rng.choice([d for d in self.w.dept_ids if d != avoid])
        if (cat and cat["urgent"] and self.rng.random() < 0.3 or self.rng.random() < 0.02) and avoid is None:
            self.whistle(at, case_id, boss, dept)
        else:
            self.act(at, case_id, "dispatch", boss, dept_id=dept)
        if self.rng.random() < 0.08:
            who = self.w.actor("leader" if self.rng.random() < 0.5 else "dispatcher", self.rng)
            self.later(at + self.mins(60, 2000), self.supervise, case_id, who)
        self.later(self.dept_time(case_id, at, self.rng.uniform(3, 90)), self.sign, case_id, cat)

    def supervise(self, at, case_id, who) -> None:
        if self.state(case_id)["state"] not in ("closed", "rejected", "cancelled"):
            self.act(at, case_id, "supervise", who, note="请加快办理，按期办结")

    def whistle(self, at, case_id, boss, lead) -> None:
        co = self.rng.sample([d for d in self.w.dept_ids if d != lead], k=min(self.rng.randint(1, 3),
                                                                                len(self.w.dept_ids) - 1))
        reason = _pick(self.rng, (("emergency", 5), ("enforcement", 3), ("beyond_power", 2)))
        res = self.act(at, case_id, "whistle", boss, lead_dept_id=lead, co_dept_ids=co, reason=reason,
                       deadlines={d: 480 for d in [lead, *co]
                                  if self.b.ref.departments[d]["tier"] == 3
                                  and not self.b.ref.departments[d]["checkin_minutes"]})
        wid = res.whistle_id
        for dept in [lead, *co]:
            limit = self.b.wdepts[(wid, dept)]["deadline_at"] - at
            self.later(at + limit * self.rng.uniform(0.2, 1.5), self.checkin, case_id, wid, dept, dept == lead)

    def _whistle_row(self, case_id, wid, dept) -> dict | None:
        """The department's row while the whistle is still open (it closes with the case)."""
        w = next((w for w in self.b.states[case_id].whistles if w["id"] == wid), None)
        return w and w["depts"].get(dept)

    def checkin(self, at, case_id, wid, dept, lead) -> None:
        row = self._whistle_row(case_id, wid, dept)
        if row is None or row.get("checked_in_at") is not None:
            return
        self.act(at, case_id, "whistle_checkin", self.w.dept(dept), whistle_id=wid, dept_id=dept, note="已到达现场")
        self.later(at + self.mins(30, 180), self.whistle_report, case_id, wid, dept, "whistle_progress")
        if not lead:
            self.later(at + self.mins(200, 600), self.whistle_report, case_id, wid, dept, "whistle_result")

    def whistle_report(self, at, case_id, wid, dept, action) -> None:
        row = self._whistle_row(case_id, wid, dept)
        if row is not None and row.get("result_at") is None:
            note = "现场处置中" if action == "whistle_progress" else "协办完成"
            self.act(at, case_id, action, self.w.dept(dept), whistle_id=wid, dept_id=dept, note=note)

    # --- department ----------------------------------------------------------------------------------
    def sign(self, at, case_id, cat) -> None:
        case = self.state(case_id)
        actor = self.w.dept(case["dept_id"])
        if self.rng.random() < 0.04 and not self.b.states[case_id].whistles:
            self.act(at, case_id, "request_return", actor, reason="不属于本部门职责")
            self.later(at + self.mins(10, 90), self.returned, case_id, cat, case["dept_id"])
            return
        self.act(at, case_id, "sign", actor)
        self.later(self.dept_time(case_id, at, self.rng.uniform(5, 60)), self.start, case_id)

    def returned(self, at, case_id, cat, old_dept) -> None:
        self.act(at, case_id, "approve_return", self.w.actor("dispatcher", self.rng))
        self.later(at + self.mins(5, 60), self.dispatch, case_id, cat, old_dept)

    def start(self, at, case_id) -> None:
        case = self.state(case_id)
        actor = self.w.dept(case["dept_id"])
        self.act(at, case_id, "start", actor)
        limit = self.b.ref.limit(case, "handle")
        roll = self.rng.random()
        if roll < 0.025:
            self.later(self.dept_time(case_id, at, limit * 0.3), self.park, case_id, actor)
            return
        if roll < 0.09:
            self.later(self.dept_time(case_id, at, limit * 0.5), self.postpone, case_id, actor, limit)
        late = self.rng.random() < 0.17
        share = self.rng.uniform(1.05, 2.0) if late else self.rng.uniform(0.1, 0.9)
        due = max(self.dept_time(case_id, case["dispatched_at"], limit * share), at + self.mins(5, 30))
        if self.rng.random() < 0.3:
            self.later(at + (due - at) * 0.5, self.act, case_id, "progress", actor, note="已安排人员处置")
        self.later(due, self.feedback, case_id)

    def park(self, at, case_id, actor) -> None:
        self.act(at, case_id, "request_park", actor, reason="需列入年度改造计划，暂不具备处置条件")
        self.later(at + self.mins(30, 240), self.act, case_id, "approve_park", self.w.actor("dispatcher", self.rng))

    def postpone(self, at, case_id, actor, limit) -> None:
        if self.state(case_id)["state"] != "handling":
            return
        self.act(at, case_id, "request_postpone", actor, reason="需协调物资，申请延期", extra_minutes=int(limit))
        self.later(at + self.mins(10, 120), self.decide_postpone, case_id, self.rng.random() < 0.8)

    def decide_postpone(self, at, case_id, approve: bool) -> None:
        pending = [r for r in self.b.states[case_id].requests if r["kind"] == "postpone"]
        if not pending or self.state(case_id)["state"] not in ("signed", "handling"):
            return
        boss = self.w.actor("dispatcher", self.rng)
        if approve:
            self.act(at, case_id, "approve_postpone", boss)
        else:
            self.act(at, case_id, "refuse_request", boss, request_id=pending[0]["id"], note="理由不充分")

    def feedback(self, at, case_id) -> None:
        case = self.state(case_id)
        if case["state"] not in ("handling", "signed"):
            return
        actor = self.w.dept(case["dept_id"])
        for w in self.b.states[case_id].whistles:
            lead = next(d for d in w["depts"].values() if d["role"] == "lead")
            if lead.get("result_at") is not None:
                continue
            if lead.get("checked_in_at") is None:
                self.act(at, case_id, "whistle_checkin", self.w.dept(lead["dept_id"]), whistle_id=w["id"],
                         dept_id=lead["dept_id"])
            self.act(at, case_id, "whistle_result", self.w.dept(lead["dept_id"]), whistle_id=w["id"],
                     dept_id=lead["dept_id"], note="处置完毕")
        self.act(at, case_id, "feedback", actor, note="已处置完毕", photos=[f"/photos/{case['code']}.jpg"])
        self.later(at + self.backlog(5, 60), self.check, case_id)

    # --- check and close ------------------------------------------------------------------------------
    def check(self, at, case_id) -> None:
        self.act(at, case_id, "check", self.w.actor("operator", self.rng))
        grid = self.state(case_id)["grid_id"]
        workers = self.w.workers.get(grid)
        passed = self.rng.random() > 0.05
        if workers:
            self.later(at + self.mins(10, 90), self.act, case_id, "verify", self.rng.choice(workers),
                       passed=passed, note="现场核查")
        self.later(at + self.mins(95, 150) + self.backlog(0, 30), self.close if passed else self.rework, case_id)

    def rework(self, at, case_id) -> None:
        self.act(at, case_id, "rework", self.w.actor("dispatcher", self.rng), reason="现场核查未通过")
        case = self.state(case_id)
        self.later(self.dept_time(case_id, at, self.b.ref.limit(case, "handle") * self.rng.uniform(0.2, 1.2)),
                   self.feedback, case_id)

    def close(self, at, case_id) -> None:
        self.act(at, case_id, "close", self.w.actor("dispatcher", self.rng),
                 satisfaction=_pick(self.rng, SATISFACTION), special=self.rng.random() < 0.02)


def _arrivals(rng: random.Random, start: datetime, end: datetime) -> list[datetime]:
    """100–200 cases a local day (Asia/Shanghai), mostly in the daytime, inside [start, end)."""
    out = []
    day = start.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        for _ in range(rng.randint(100, 200)):
            hour = rng.uniform(7, 21) if rng.random() < 0.85 else rng.uniform(0, 24)
            at = as_utc(day + timedelta(hours=hour))
            if start <= at < end:
                out.append(at)
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)
    return sorted(out)


def generate_history(db: Engine | Connection, seed: int, days: int = 30, *, end: datetime | None = None) -> dict:
    """Write `days` days of case history ending at `end` (default: the database's now). Returns a summary."""
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction(db) as conn:
        end = as_utc(end) if end is not None else conn.execute(text("SELECT now()")).scalar()
        world = World.load(conn)
        if not world.grids or not world.categories:
            return {"cases": 0, "skipped": "no governance grids or no active categories"}
        sim = Simulation(Batch(conn), world, rng, end)
        for at in _arrivals(rng, end - timedelta(days=days), end):
            sim.later(at, sim.arrive)
        sim.run()
        simulated = time.perf_counter() - started
        written = sim.b.flush()
        states = conn.execute(text(
            "SELECT state, count(*) FROM cases GROUP BY state ORDER BY state")).all()
    return {"cases": written["cases"], "steps": written["case_steps"], "alerts": written["alerts"],
            "whistles": written["whistles"], "requests": written["case_requests"], "refused": dict(sim.refused),
            "states": {s: n for s, n in states}, "seconds": round(time.perf_counter() - started, 2),
            "simulate_seconds": round(simulated, 2)}
