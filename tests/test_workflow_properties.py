"""Random action sequences by random roles (hypothesis, real database): the engine's invariants always hold."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings, strategies as st
from sqlalchemy import text

from db.workflow import TRANSITIONS, Actor, WorkflowError, allowed_actions, open_case, perform
from db.workflow.table import ROLES, TERMINAL
from tests.test_workflow_flow import T0
from tests.test_workflow_support import wf  # noqa: F401  (fixture)

ACTIONS = [a for a in TRANSITIONS if a not in ("report", "merge", "merge_into", "alert_split")]
FORWARD = ("accept", "file", "dispatch", "whistle", "sign", "start", "feedback", "check", "close", "rework",
           "request_postpone", "approve_postpone", "request_return", "approve_return",
           "whistle_checkin", "whistle_result", "approve_reopen", "request_reopen")
IMMUTABLE = ("state", "closed_at", "close_type", "satisfaction", "dept_id", "category_id")


def _case(conn, case_id) -> dict:
    return dict(conn.execute(text("SELECT * FROM cases WHERE id = :i"), {"i": case_id}).mappings().one())


def _first(conn, sql: str, **kw):
    return conn.execute(text(sql), kw).scalar()


def params_for(conn, w, case: dict, action: str, draw) -> dict:
    dept = draw(st.sampled_from(sorted(w.depts.values())))
    p = {"reason": "原因", "note": "说明", "dept_id": dept, "extra_minutes": draw(st.sampled_from([30, 480])),
         "passed": draw(st.booleans()), "satisfaction": draw(st.integers(1, 5)), "category_code":
         draw(st.sampled_from(["0101", "0403", "0301"])), "special": draw(st.booleans())}
    if action == "refuse_request":
        p["request_id"] = _first(conn, "SELECT min(id) FROM case_requests WHERE case_id = :c AND status = 'pending'",
                                 c=case["id"]) or 999999
    if action == "whistle":
        p.update(lead_dept_id=dept, co_dept_ids=[w.depts["sanit"]] if dept != w.depts["sanit"] else [],
                 reason=draw(st.sampled_from(["emergency", "enforcement", "beyond_power"])))
    if action.startswith("whistle_"):
        row = conn.execute(text(
            "SELECT wd.whistle_id, wd.dept_id FROM whistle_departments wd JOIN whistles w ON w.id = wd.whistle_id "
            "WHERE w.case_id = :c AND w.state = 'open' ORDER BY wd.role DESC LIMIT 1"), {"c": case["id"]}).first()
        p.update(whistle_id=row[0] if row else 999999, dept_id=row[1] if row else dept,
                 lead_dept_id=w.depts["build"])
    if draw(st.integers(0, 9)) == 0:
        p["expected_version"] = case["version"] - 1
    return p


def actor_for(w, role: str, case: dict, params: dict, draw) -> Actor:
    if role == "department":
        own = params["dept_id"] if params.get("whistle_id") else case["dept_id"]
        dept_id = own if own and draw(st.integers(0, 4)) else w.depts["market"]
        return next(a for a in w.actors.values() if a.role == "department" and a.dept_id == dept_id)
    return w.actors.get({"grid_worker": "worker"}.get(role, role)) or w.actors["system"]


def draw_action(state: str, draw) -> tuple[str, str]:
    """Mostly a forward move the table allows (so deep states are reached), sometimes anything at all."""
    pairs = [(a, r) for r in ROLES for a in allowed_actions(state, r) if a in ACTIONS]
    forward = [p for p in pairs if p[0] in FORWARD]
    mode = draw(st.integers(0, 5))
    if forward and mode <= 3:
        return draw(st.sampled_from(forward))
    if pairs and mode == 4:
        return draw(st.sampled_from(pairs))
    return draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(ROLES))


def check_invariants(conn, case_ids) -> None:
    for cid in case_ids:
        case = _case(conn, cid)
        steps = conn.execute(text("SELECT * FROM case_steps WHERE case_id = :c ORDER BY seq"), {"c": cid}) \
            .mappings().all()
        open_steps = [s for s in steps if s["ended_at"] is None]
        assert len(open_steps) == (0 if case["state"] in TERMINAL else 1), (case["state"], len(open_steps))
        assert [s["seq"] for s in steps] == list(range(1, case["version"] + 1))
        assert all(s["deadline_at"] is None or s["deadline_at"] >= s["started_at"] for s in steps)
        assert all(s["ended_at"] is None or s["ended_at"] >= s["started_at"] for s in steps)
        assert steps[-1]["to_state"] == case["state"]
        audits = _first(conn, "SELECT count(*) FROM audit_log WHERE target_kind = 'case' AND target_id = :c",
                        c=case["code"])
        assert audits == len(steps)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_random_actions_keep_the_invariants(wf, data):  # noqa: F811
    engine, w = wf
    at = T0
    with engine.connect() as conn:
        start = _first(conn, "SELECT max(created_at) FROM cases")
    at = max(at, start or at) + timedelta(minutes=1)
    cases = [open_case(engine, w.actors["worker"], source="grid_worker", title="随机", grid_id=w.grids[0], at=at).id
             for _ in range(2)]
    for _ in range(data.draw(st.integers(5, 40), label="length")):
        at += timedelta(minutes=data.draw(st.integers(0, 600)))
        cid = data.draw(st.sampled_from(cases))
        with engine.connect() as conn:
            before = _case(conn, cid)
            action, role = draw_action(before["state"], data.draw)
            params = params_for(conn, w, before, action, data.draw)
        actor = actor_for(w, role, before, params, data.draw)
        try:
            res = perform(engine, cid, action, actor, at=at, **params)
            event(f"done: {action}")
        except WorkflowError as exc:
            res = None
            event(f"refused: {type(exc).__name__}")
        with engine.connect() as conn:
            after = _case(conn, cid)
            if res is None:
                assert after["version"] == before["version"]
            else:
                assert after["state"] == TRANSITIONS[action].sources[before["state"]]
            if before["state"] == "closed" and not (res and action == "approve_reopen"):
                assert all(after[k] == before[k] for k in IMMUTABLE)
            check_invariants(conn, cases)
