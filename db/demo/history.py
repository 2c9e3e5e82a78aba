"""The demo district's case history (30 days by default), every change driven through the workflow engine.

Cases arrive at 100–200 a day from grid workers (some fixed on the spot), video alerts (merged per camera and
type), the 12345 hotline and others, then run the closed loop with the side flows (reject, merge, escalate,
return, postpone, park, cancel, supervise, whistle, rework, late work, special close), each step taking a share
of its limit drawn by db.demo.pace (most well within, a tail late). Actions scheduled after `end` never happen,
so cases stay open wherever the last hours left them: departments and on-site checks keep the working clock, so
their stages hold cases at any hour; the center takes reports within minutes, so at night none may be waiting.
Deterministic from the seed and `end`.
"""
from __future__ import annotations

import heapq
import random
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, text

from db.demo.history_world import World
from db.demo.pace import POSTPONE_GRANTED, REWORK, Pace, pick
from db.workflow.bulk import Batch
from db.workflow.clock import SHANGHAI, as_utc
from db.workflow.engine import transaction
from db.workflow.errors import WorkflowError
from db.workflow.model import AlertIn

SOURCES = (("grid_worker", 42), ("video", 30), ("hotline", 16), ("public", 6), ("superior", 3), ("department", 3))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑"


class Simulation:
    """A time-ordered queue of scheduled engine calls over one Batch."""

    def __init__(self, batch: Batch, world: World, rng: random.Random, end: datetime):
        self.b, self.w, self.rng, self.end = batch, world, rng, end
        self.queue: list = []
        self.n = 0
        self.refused: Counter = Counter()
        self.alert_seq = 0
        self.open_by_grid: dict[int, list[int]] = {}
        self.pace = Pace(rng)
        self.plans: dict = {}                           # case id -> the DeptPlan of its current dispatch

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

    # --- intake -------------------------------------------------------------------------------------
    def arrive(self, at: datetime) -> None:
        source = pick(self.rng, SOURCES)
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
        self.later(self.center_time(case_id, at, "filing", 0.05, 0.4), self.accept, case_id, cat)

    # --- center -------------------------------------------------------------------------------------
    def center_time(self, case_id: int, at: datetime, step: str, lo: float = 0.1, hi: float = 0.7) -> datetime:
        """When the center's next move on the case lands: a share of the step's limit, in natural time."""
        limit = self.b.ref.limit(self.state(case_id), step)
        return at + timedelta(minutes=self.pace.center(limit, lo, hi))

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
            self.later(at + self.mins(1, 10), self.act, case_id, "reject", op, reason="不属于受理范围")
            return
        self.later(self.center_time(case_id, at, "filing", 0.05, 0.4), self.file, case_id, cat)

    def file(self, at, case_id, cat) -> None:
        cat = cat or self._category_of(case_id) or self.rng.choice(self.w.categories)
        self.act(at, case_id, "file", self.w.actor("operator", self.rng), category_code=cat["code"])
        roll = self.rng.random()
        if roll < 0.015:
            self.later(at + self.mins(5, 60), self.cancel, case_id)
        elif roll < 0.07 or cat["work_kind"] in ("coordination", "approval") and roll < 0.3:
            self.later(at + self.mins(5, 60), self.escalate, case_id, cat)
        else:
            self.later(self.center_time(case_id, at, "dispatch"), self.dispatch, case_id, cat)

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
        case = self.state(case_id)
        plan = self.pace.dept_plan(self.b.ref.limit(case, "sign"), self.b.ref.limit(case, "handle"))
        self.plans[case_id] = plan
        whistling = cat and cat["urgent"] and self.rng.random() < 0.3 or self.rng.random() < 0.02
        if whistling and avoid is None and not self.b.states[case_id].whistles:
            self.whistle(at, case_id, boss, dept, self.dept_time(case_id, at, plan.feedback))
        else:
            self.act(at, case_id, "dispatch", boss, dept_id=dept)
        if self.rng.random() < 0.02:                     # a leader follows a case of interest from the start
            self.later(at + self.mins(60, 2000), self.supervise, case_id, self.w.actor("leader", self.rng))
        self.later(self.dept_time(case_id, at, plan.sign), self.sign, case_id, cat)

    def supervise(self, at, case_id, who) -> None:
        if self.state(case_id)["state"] not in ("closed", "rejected", "cancelled", "parked"):
            self.act(at, case_id, "supervise", who, note="请加快办理，按期办结")

    def whistle(self, at, case_id, boss, lead, done: datetime) -> None:
        """Whistled departments check in within their tier's limit, and before the planned feedback `done`."""
        co = self.rng.sample([d for d in self.w.dept_ids if d != lead], k=min(self.rng.randint(1, 3),
                                                                                len(self.w.dept_ids) - 1))
        reason = pick(self.rng, (("emergency", 5), ("enforcement", 3), ("beyond_power", 2)))
        res = self.act(at, case_id, "whistle", boss, lead_dept_id=lead, co_dept_ids=co, reason=reason,
                       deadlines={d: 480 for d in [lead, *co]
                                  if self.b.ref.departments[d]["tier"] == 3
                                  and not self.b.ref.departments[d]["checkin_minutes"]})
        wid = res.whistle_id
        for dept in [lead, *co]:
            limit = self.b.wdepts[(wid, dept)]["deadline_at"] - at
            share = self.pace.checkin()
            span = limit if share > 1 else min(limit, max(done - at, timedelta(minutes=5)))
            self.later(at + span * share, self.checkin, case_id, wid, dept, dept == lead)

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
        if self.rng.random() < 0.03 and not self.b.states[case_id].whistles:
            self.act(at, case_id, "request_return", actor, reason="不属于本部门职责")
            self.later(at + self.mins(10, 60), self.returned, case_id, cat, case["dept_id"])
            return
        self.act(at, case_id, "sign", actor)
        start = self.dept_time(case_id, case["dispatched_at"], self.plans[case_id].start)
        self.later(max(start, at + timedelta(minutes=1)), self.start, case_id)

    def returned(self, at, case_id, cat, old_dept) -> None:
        self.act(at, case_id, "approve_return", self.w.actor("dispatcher", self.rng))
        self.later(self.center_time(case_id, at, "dispatch"), self.dispatch, case_id, cat, old_dept)

    def start(self, at, case_id) -> None:
        case, plan = self.state(case_id), self.plans[case_id]
        actor = self.w.dept(case["dept_id"])
        self.act(at, case_id, "start", actor)
        left = max(self.b.ref.limit(case, "handle") - plan.start, 2)      # minutes until the deadline
        if plan.park:
            self.later(self.dept_time(case_id, at, left * 0.3), self.park, case_id, actor)
            return
        if plan.postpone:
            self.later(self.dept_time(case_id, at, left * 0.5), self.postpone, case_id, actor)
        due = self.dept_time(case_id, case["dispatched_at"], plan.feedback)
        if self.rng.random() < 0.3:
            self.later(at + (due - at) * 0.5, self.act, case_id, "progress", actor, note="已安排人员处置")
        if plan.late and self.rng.random() < 0.6:        # 督办 once the deadline has passed
            who = self.w.actor("leader" if self.rng.random() < 0.4 else "dispatcher", self.rng)
            overdue = self.dept_time(case_id, case["handle_deadline_at"], self.rng.uniform(10, 240))
            self.later(overdue, self.supervise, case_id, who)
        self.later(due, self.feedback, case_id)

    def park(self, at, case_id, actor) -> None:
        self.act(at, case_id, "request_park", actor, reason="需列入年度改造计划，暂不具备处置条件")
        approved = at + self.mins(30, 240)
        self.later(approved, self.act, case_id, "approve_park", self.w.actor("dispatcher", self.rng))
        if self.pace.unpark():
            self.later(approved + timedelta(days=self.rng.uniform(1, 8)), self.unpark, case_id)

    def unpark(self, at, case_id) -> None:
        self.act(at, case_id, "unpark", self.w.actor("dispatcher", self.rng), note="具备处置条件，重新派遣")
        self.later(self.center_time(case_id, at, "dispatch"), self.dispatch, case_id, self._category_of(case_id))

    def postpone(self, at, case_id, actor) -> None:
        if self.state(case_id)["state"] != "handling":
            return
        extra = self.b.ref.limit(self.state(case_id), "handle")
        self.act(at, case_id, "request_postpone", actor, reason="需协调物资，申请延期", extra_minutes=int(extra))
        self.later(at + self.mins(5, 45), self.decide_postpone, case_id, self.rng.random() < POSTPONE_GRANTED)

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
        self.later(self.check_time(case_id, at, 0.08, 0.6), self.check, case_id)

    # --- check and close ------------------------------------------------------------------------------
    def check_time(self, case_id: int, at: datetime, lo: float, hi: float) -> datetime:
        """核查 runs on the case's clock too: grid workers check working-time cases in working hours."""
        return self.dept_time(case_id, at, self.pace.center(self.b.ref.limit(self.state(case_id), "check"), lo, hi))

    def check(self, at, case_id) -> None:
        """The grid worker verifies on site within the hour, then the dispatcher closes or sends it back."""
        self.act(at, case_id, "check", self.w.actor("operator", self.rng))
        workers = self.w.workers.get(self.state(case_id)["grid_id"])
        passed = self.rng.random() >= REWORK
        verified = self.check_time(case_id, at, 0.15, 0.6)
        if workers:
            self.later(verified, self.act, case_id, "verify", self.rng.choice(workers), passed=passed,
                       note="现场核查")
        self.later(self.check_time(case_id, verified, 0.05, 0.3), self.close if passed else self.rework, case_id)

    def rework(self, at, case_id) -> None:
        self.act(at, case_id, "rework", self.w.actor("dispatcher", self.rng), reason="现场核查未通过")
        limit = self.b.ref.limit(self.state(case_id), "handle")
        self.later(self.dept_time(case_id, at, self.pace.rework(limit)), self.feedback, case_id)

    def close(self, at, case_id) -> None:
        late = self.b.states[case_id].dept_late
        self.act(at, case_id, "close", self.w.actor("dispatcher", self.rng),
                 satisfaction=self.pace.satisfaction(late), special=self.rng.random() < 0.02)


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
