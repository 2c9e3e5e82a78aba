"""Assessment from step rows: a published month rebuilt through the engine gives exactly its rates."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from db.workflow import ValidationError, assess, blow_whistle, check_in, perform
from db.workflow.assessment import assess_many, finish_row, grade
from db.workflow.bulk import Batch
from tests.test_whistle import filed_case
from tests.test_workflow_flow import m
from tests.test_workflow_support import wf  # noqa: F401  (fixture)

SH = ZoneInfo("Asia/Shanghai")
START, END = datetime(2026, 3, 1, tzinfo=SH), datetime(2026, 4, 1, tzinfo=SH)
# Published month (domain.md §8): 受理 1,054, 立案 996, 应结案 972, 结案 911, 按期 737.
WORKDAYS = [datetime(2026, 3, d, 9, 0, tzinfo=SH) for d in range(2, 26) if datetime(2026, 3, d).weekday() < 5]


class Month:
    """Drives 1,054 cases through the engine (bulk writer) with injected times."""

    def __init__(self, batch: Batch, w):
        self.b, self.w, self.A, self.i = batch, w, w.actors, 0

    def start(self, at: datetime, dept: str, file_delay: int = 10, dispatch_delay: int = 5) -> int:
        self.i += 1
        ref = self.b.open_case(self.A["worker"], source="grid_worker", title="暴露垃圾",
                               grid_id=self.w.grids[self.i % 2], at=at)
        self.b.perform(ref.id, "accept", self.A["operator"], at=at + timedelta(minutes=5))
        self.b.perform(ref.id, "file", self.A["operator"], at=at + timedelta(minutes=file_delay),
                       category_code="0101")
        t = at + timedelta(minutes=file_delay + dispatch_delay)
        self.b.perform(ref.id, "dispatch", self.A["dispatcher"], at=t, dept_id=self.w.depts[dept])
        self.b.perform(ref.id, "sign", self.A[f"dept-{dept}"], at=t + timedelta(minutes=10))
        self.b.perform(ref.id, "start", self.A[f"dept-{dept}"], at=t + timedelta(minutes=20))
        return ref.id

    def finish(self, case_id: int, at: datetime, dept: str, satisfaction: int, rework: bool = False) -> None:
        who = self.A[f"dept-{dept}"]
        self.b.perform(case_id, "feedback", who, at=at)
        self.b.perform(case_id, "check", self.A["operator"], at=at + timedelta(minutes=5))
        if rework:
            self.b.perform(case_id, "rework", self.A["dispatcher"], at=at + timedelta(minutes=6), reason="未清理干净")
            self.b.perform(case_id, "feedback", who, at=at + timedelta(minutes=30))
            self.b.perform(case_id, "check", self.A["operator"], at=at + timedelta(minutes=35))
        self.b.perform(case_id, "close", self.A["dispatcher"], at=at + timedelta(minutes=40),
                       satisfaction=satisfaction)

    def rejected(self, at: datetime) -> None:
        ref = self.b.open_case(self.A["operator"], source="hotline", title="咨询", grid_id=self.w.grids[0], at=at)
        self.b.perform(ref.id, "accept", self.A["operator"], at=at + timedelta(minutes=5))
        self.b.perform(ref.id, "reject", self.A["operator"], at=at + timedelta(minutes=9), reason="非受理范围")


def build_month(engine, w) -> dict:
    plan = {"ontime": 737, "late": 174, "open_overdue": 61, "april": 19, "parked": 5, "rejected": 58}
    with engine.begin() as conn:
        b = Batch(conn)
        mo = Month(b, w)
        n = 0
        for kind in ("ontime", "late", "open_overdue"):
            for k in range(plan[kind]):
                day = WORKDAYS[n % len(WORKDAYS)] + timedelta(minutes=(n // len(WORKDAYS)) % 90)
                dept = "sanit" if n % 3 else "enforce"
                late_dispatch = n % 20 == 0                                   # 49 of them: dispatched late
                cid = mo.start(day, dept, dispatch_delay=40 if late_dispatch else 5)
                n += 1
                if kind == "ontime":
                    if k < 10:
                        b.perform(cid, "request_postpone", w.actors[f"dept-{dept}"], at=day + timedelta(minutes=70),
                                  reason="等设备", extra_minutes=480)
                        b.perform(cid, "approve_postpone", w.actors["dispatcher"], at=day + timedelta(minutes=75))
                    mo.finish(cid, day + timedelta(hours=2), dept, 5 if k % 5 else 4, rework=k < 20)
                elif kind == "late":              # 11 working hours after a 1-working-day limit started
                    mo.finish(cid, b.ref.clock("working", "CN").add(day, 660), dept, 3)
        for k in range(plan["april"]):
            mo.start(datetime(2026, 3, 31, 14, k, tzinfo=SH), "sanit")
        for k in range(plan["parked"]):
            cid = mo.start(WORKDAYS[k] + timedelta(hours=3), "sanit")
            at = WORKDAYS[k] + timedelta(hours=4)
            b.perform(cid, "request_park", w.actors["dept-sanit"], at=at, reason="纳入改造计划")
            b.perform(cid, "approve_park", w.actors["dispatcher"], at=at + timedelta(minutes=5))
        for k in range(plan["rejected"]):
            mo.rejected(WORKDAYS[k % len(WORKDAYS)] + timedelta(hours=5, minutes=k))
        b.flush()
    return plan


def test_published_month_rates_are_rebuilt_exactly(wf):  # noqa: F811
    engine, w = wf
    build_month(engine, w)
    [row] = assess(engine, START, END, by="all")
    assert (row["accepted"], row["filed"], row["due"], row["closed"], row["closed_ontime"]) == \
        (1054, 996, 972, 911, 737)
    assert row["close_rate"] == 93.72 and row["ontime_close_rate"] == 75.82
    assert row["reworks"] == 20 and row["feedbacks"] == 931 and row["rework_rate"] == 2.15
    assert row["dispatches"] == 996 and row["dispatches_ontime"] == 996 - len(range(0, 972, 20))
    assert row["postponed"] == 10 and row["parked"] == 5 and row["overdue_open"] == 61
    assert row["file_rate"] == 94.5
    expected_sat = (147 * 4 + 590 * 5 + 174 * 3) / 911
    assert row["satisfaction"] == round(expected_sat, 2)
    weights = 0.1 * 94.5 + 0.3 * 93.72 + 0.3 * 75.82 + 0.3 * (100 - 2.15)
    assert row["score"] == round(weights, 2) and row["grade"] == "B"

    dims = assess_many(engine, START, END)
    for by, rows in dims.items():
        for key in ("accepted", "due", "closed", "closed_ontime", "reworks"):
            assert sum(r[key] for r in rows) == row[key], (by, key)
    by_dept = {r["key"]: r for r in dims["dept"]}
    assert by_dept[str(w.depts["enforce"])]["due"] + by_dept[str(w.depts["sanit"])]["due"] == 972
    assert {r["key"] for r in dims["street"]} == {"110101001000"}
    assert {r["key"] for r in dims["staff"]} == {str(w.staff_id), None}


def test_whistle_checkin_rate_per_department(wf):  # noqa: F811
    engine, w = wf
    A, D = w.actors, w.depts
    for i, late in enumerate((False, True)):
        ref = filed_case(engine, w)
        wid = blow_whistle(engine, ref.id, A["dispatcher"], lead_dept_id=D["police"], co_dept_ids=[D["sanit"]],
                           reason="emergency", at=m(10 * i + 5)).whistle_id
        check_in(engine, wid, D["police"], A["dept-police"], at=m(10 * i + 6 + (60 if late else 0)))
    rows = {r["key"]: r for r in assess(engine, m(0), m(600), by="dept")}
    police, sanit = rows[str(D["police"])], rows[str(D["sanit"])]
    assert (police["checkins_due"], police["checkins_ontime"], police["checkin_ontime_rate"]) == (2, 1, 50.0)
    assert sanit["checkins_due"] == 2 and sanit["checkin_ontime_rate"] == 0.0      # never checked in, now past due
    perform(engine, filed_case(engine, w).id, "dispatch", A["dispatcher"], at=m(700), dept_id=D["police"])


def test_grades_weights_and_bad_dimension(wf):  # noqa: F811
    engine, _ = wf
    assert [grade(s) for s in (95, 90, 80, 60, 45, 10, None)] == ["A", "A", "B", "C", "D", "E", None]
    empty = finish_row({"dim": "all", "key": None})
    assert empty["score"] is None and empty["close_rate"] is None
    only_close = finish_row({"dim": "all", "key": None, "due": 10, "closed": 9, "closed_ontime": 9})
    assert only_close["score"] == 90.0                # missing components are left out, weights renormalised
    with pytest.raises(ValidationError):
        assess(engine, START, END, by="planet")


def test_due_means_deadline_in_the_period_or_closed_in_it(wf):  # noqa: F811
    """应结案 in March: deadlines falling in March, plus cases closed in March before their April deadline;
    a unit with nothing due gets no score or grade (its rework rate alone would read 100 / A) and comes last."""
    engine, w = wf
    last_day = datetime(2026, 3, 31, 9, 0, tzinfo=SH)
    with engine.begin() as conn:
        b = Batch(conn)
        mo = Month(b, w)
        early = mo.start(last_day, "sanit")                       # deadline 1 April 09:35; closed 31 March
        mo.finish(early, last_day + timedelta(hours=2), "sanit", 5)
        waiting = mo.start(last_day + timedelta(hours=5), "enforce")      # fed back, not yet checked or closed
        b.perform(waiting, "feedback", w.actors["dept-enforce"], at=last_day + timedelta(hours=6))
        mo.start(datetime(2026, 3, 30, 9, 0, tzinfo=SH), "sanit")          # due 31 March, still open: late
        b.open_case(w.actors["worker"], source="grid_worker", title="暴露垃圾", grid_id=w.grids[0],
                    self_handled=True, at=last_day)                     # fixed on the spot: never dispatched
        b.flush()
    [row] = assess(engine, START, END, by="all")
    assert (row["due"], row["closed"], row["closed_ontime"], row["self_handled"]) == (2, 1, 1, 1)
    assert row["ontime_close_rate"] == 50.0 and row["overdue_open"] == 1
    sanit, enforce, nobody = assess(engine, START, END, by="dept")          # nobody: the self-handled case
    assert nobody["key"] is None and nobody["due"] == 0 and nobody["grade"] is None
    assert sanit["key"] == str(w.depts["sanit"]) and sanit["grade"] is not None
    assert enforce["key"] == str(w.depts["enforce"]) and enforce["feedbacks"] == 1 and enforce["rework_rate"] == 0.0
    assert (enforce["due"], enforce["close_rate"], enforce["score"], enforce["grade"]) == (0, None, None, None)


def test_ontime_shortcut_and_both_plans_agree_with_the_full_assessment(demo_db_url):
    """The wall's 按期结案率 (ontime_close_rates) and the index and scan plans count exactly what assess() counts,
    over the demo district's 30 days of history: each day, a week, the month."""
    from sqlalchemy import create_engine, text as sql
    from db.workflow import assessment as a
    from db.workflow.engine import transaction
    engine = create_engine(demo_db_url)
    zone = ZoneInfo("Asia/Shanghai")
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    windows = [(today - timedelta(days=d), today - timedelta(days=d - 1)) for d in range(1, 29, 3)]
    windows += [(today - timedelta(days=7), today), (today - timedelta(days=30), today)]
    try:
        shortcut = a.ontime_close_rates(engine, windows)
        for (start, end), (due, ontime, rate) in zip(windows, shortcut):
            full = assess(engine, start, end, by="all")[0]
            assert (due, ontime, rate) == (full["due"], full["closed_ontime"], full["ontime_close_rate"])
            assert due > 0
            with transaction(engine) as conn:
                plans = [[dict(r) for r in conn.execute(sql(a.assessment_sql(["dept", "grid"], scan)),
                                                        a._window(start, end)).mappings()] for scan in (True, False)]
            key = lambda r: (r["dim"], str(r["key"]))
            assert sorted(plans[0], key=key) == sorted(plans[1], key=key)
    finally:
        engine.dispose()
