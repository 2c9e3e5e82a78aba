"""Concurrency on real PostgreSQL: 20 threads racing on one case; exactly one wins each transition."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from db.workflow import Actor, AlreadyHandled, open_case, perform
from tests.test_workflow_flow import m, new_case
from tests.test_workflow_support import count, wf  # noqa: F401  (fixture)

THREADS = 20


def race(url: str, fn) -> list:
    """Run fn(engine, i) in THREADS threads released together; returns results or exceptions."""
    engine = create_engine(url, pool_size=THREADS, max_overflow=0)
    barrier = threading.Barrier(THREADS)

    def one(i):
        with engine.connect() as c:        # connect first, so the race is on the row lock, not the pool
            c.execute(text("SELECT 1"))
        barrier.wait(timeout=30)
        try:
            return fn(engine, i)
        except AlreadyHandled as exc:
            return exc
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            return list(pool.map(one, range(THREADS)))
    finally:
        engine.dispose()


def dispatcher(w, i: int) -> Actor:
    base = w.actors["dispatcher" if i % 2 else "dispatcher2"]
    return Actor(base.user_id, base.username, base.role, display_name=f"指挥长{i}")


def test_twenty_dispatchers_then_twenty_closers(wf):  # noqa: F811
    engine, w = wf
    url = engine.url.render_as_string(hide_password=False)
    A = w.actors
    ref = new_case(engine, w)
    perform(engine, ref.id, "accept", A["operator"], at=m(1))
    perform(engine, ref.id, "file", A["operator"], at=m(2), category_code="0101")
    out = race(url, lambda eng, i: perform(eng, ref.id, "dispatch", dispatcher(w, i), at=m(3),
                                           dept_id=w.depts["sanit"]))
    wins = [r for r in out if not isinstance(r, Exception)]
    assert len(wins) == 1 and sum(isinstance(r, AlreadyHandled) for r in out) == THREADS - 1
    winner = next(i for i, r in enumerate(out) if not isinstance(r, Exception))
    assert all(f"已被 指挥长{winner} 处理" in r.message for r in out if isinstance(r, AlreadyHandled))

    perform(engine, ref.id, "sign", A["dept-sanit"], at=m(4))
    perform(engine, ref.id, "feedback", A["dept-sanit"], at=m(5))
    version = perform(engine, ref.id, "check", A["operator"], at=m(6)).version
    out = race(url, lambda eng, i: perform(eng, ref.id, "close", dispatcher(w, i), at=m(7), satisfaction=4,
                                           expected_version=version))
    assert sum(not isinstance(r, Exception) for r in out) == 1
    assert sum(isinstance(r, AlreadyHandled) for r in out) == THREADS - 1

    seqs = [s for (s,) in engine.connect().execute(text(
        "SELECT seq FROM case_steps WHERE case_id = :c ORDER BY seq"), {"c": ref.id})]
    assert seqs == list(range(1, 9))
    assert count(engine, "SELECT count(*) FROM case_steps WHERE case_id = :c AND action = 'dispatch'", c=ref.id) == 1
    assert count(engine, "SELECT count(*) FROM case_steps WHERE case_id = :c AND action = 'close'", c=ref.id) == 1
    assert count(engine, "SELECT count(*) FROM audit_log WHERE target_id = :c", c=ref.code) == 8
    assert count(engine, "SELECT version FROM cases WHERE id = :c", c=ref.id) == 8


def test_twenty_reports_at_once_get_twenty_distinct_codes(wf):  # noqa: F811
    engine, w = wf
    url = engine.url.render_as_string(hide_password=False)
    out = race(url, lambda eng, i: open_case(eng, w.actors["operator"], source="hotline", title=f"来电{i}",
                                             grid_id=w.grids[0], at=m(i)))
    codes = sorted(r.code for r in out)
    assert codes == [f"20260915-{n:04d}" for n in range(1, THREADS + 1)]
