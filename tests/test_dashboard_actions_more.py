"""The case page's and desk's remaining action buttons, each checked in the database (one demo copy per module)."""
from __future__ import annotations

import db.workflow as wf
from dashboard import actions
from db.engine import get_engine
from tests.test_dashboard_case import choose, dept_actor, dept_of_tier, filed_case, labels_action
from tests.test_dashboard_queue import (
    L, SETUP, account, click, last_step, new_case, ok, open_page, push, scalar, select_rows, state_of, widget,
)
from tests.test_dashboard_wall import demo_url  # noqa: F401  (a module-scoped fixture)


def signed_case(url: str, dept: int, title: str = "测试案件") -> str:
    code = filed_case(url, title=title)
    push(url, code, ("dispatcher", "dispatch", {"dept_id": dept}), (dept_actor(dept), "sign", {}))
    return code


def case_page(url: str, role: str, code: str, action: str):
    return choose(ok(open_page("pages/case.py", account(url, role), code=code)), action)


def press(at, action: str, **texts):
    """Fill the named text areas (label keys of L) and press the action's button."""
    for key, value in texts.items():
        widget(at.text_area, L[key]).set_value(value)
    return ok(click(at, labels_action(action)))


def request_status(url: str, code: str, kind: str) -> str:
    return scalar(url, "SELECT r.status FROM case_requests r JOIN cases c ON c.id = r.case_id WHERE c.code = :c "
                       "AND r.kind = :k ORDER BY r.id DESC LIMIT 1", c=code, k=kind)


def step_detail(url: str, code: str, key: str):
    return scalar(url, "SELECT s.detail ->> :k FROM case_steps s JOIN cases c ON c.id = s.case_id "
                       "WHERE c.code = :c ORDER BY s.seq DESC LIMIT 1", c=code, k=key)


# --- case page ---------------------------------------------------------------------------------------------

def test_reject_needs_a_reason(demo_url):
    code = new_case(demo_url, title="重复上报")
    at = press(case_page(demo_url, "operator", code, "reject"), "reject")
    assert any(L["field_reason"] in e.value for e in at.error) and state_of(demo_url, code) == "reported"
    press(at, "reject", reason="非本辖区事项")
    assert state_of(demo_url, code) == "rejected" and last_step(demo_url, code) == ("reject", "rejected")
    assert step_detail(demo_url, code, "reason") == "非本辖区事项"


def test_verify_then_rework(demo_url):
    dept = dept_of_tier(demo_url, 2)
    code = signed_case(demo_url, dept)
    push(demo_url, code, (dept_actor(dept), "feedback", {"note": "已处理"}))
    at = case_page(demo_url, "operator", code, "verify")
    widget(at.radio, L["verify_result"]).set_value(False)
    press(at, "verify", note="现场仍有垃圾")
    assert last_step(demo_url, code) == ("verify", "feedback") and step_detail(demo_url, code, "passed") == "false"

    at = press(case_page(demo_url, "dispatcher", code, "rework"), "rework", reason="核查未通过")
    assert state_of(demo_url, code) == "handling" and last_step(demo_url, code) == ("rework", "handling")
    assert scalar(demo_url, "SELECT rework_count FROM cases WHERE code = :c", c=code) == 1


def test_escalate_moves_up_a_level(demo_url):
    code = filed_case(demo_url, title="跨社区纠纷")
    press(case_page(demo_url, "dispatcher", code, "escalate"), "escalate", reason="需街道协调")
    assert state_of(demo_url, code) == "filed" and last_step(demo_url, code) == ("escalate", "filed")
    assert scalar(demo_url, "SELECT level FROM cases WHERE code = :c", c=code) == "community"


def test_approve_park_then_unpark(demo_url):
    dept = dept_of_tier(demo_url, 2)
    code = signed_case(demo_url, dept, "历史遗留问题")
    push(demo_url, code, (dept_actor(dept), "request_park", {"reason": "需上级政策"}))
    at = case_page(demo_url, "dispatcher", code, "approve_park")
    assert any("需上级政策" in i.value for i in at.info)
    press(at, "approve_park")
    assert state_of(demo_url, code) == "parked" and request_status(demo_url, code, "park") == "approved"

    press(case_page(demo_url, "dispatcher", code, "unpark"), "unpark")
    assert state_of(demo_url, code) == "filed" and last_step(demo_url, code) == ("unpark", "filed")


def test_approve_return(demo_url):
    dept = dept_of_tier(demo_url, 2)
    code = signed_case(demo_url, dept, "派错部门")
    push(demo_url, code, (dept_actor(dept), "request_return", {"reason": "不属于本部门职责"}))
    press(case_page(demo_url, "dispatcher", code, "approve_return"), "approve_return")
    assert state_of(demo_url, code) == "filed" and request_status(demo_url, code, "return") == "approved"
    assert scalar(demo_url, "SELECT dept_id IS NULL AND return_count = 1 FROM cases WHERE code = :c", c=code)


def test_approve_cancel(demo_url):
    code = filed_case(demo_url, title="误报")
    push(demo_url, code, ("operator", "request_cancel", {"reason": "上报人撤回"}))
    press(case_page(demo_url, "dispatcher", code, "approve_cancel"), "approve_cancel")
    assert state_of(demo_url, code) == "cancelled" and request_status(demo_url, code, "cancel") == "approved"


def test_refuse_request_needs_a_note(demo_url):
    dept = dept_of_tier(demo_url, 2)
    code = signed_case(demo_url, dept)
    push(demo_url, code, (dept_actor(dept), "request_postpone", {"reason": "等待配件", "extra_minutes": 600}))
    at = press(case_page(demo_url, "dispatcher", code, "refuse_request"), "refuse_request")
    assert any(L["field_note"] in e.value for e in at.error) and request_status(demo_url, code, "postpone") == "pending"
    press(at, "refuse_request", note="配件可就近采购")
    assert request_status(demo_url, code, "postpone") == "refused" and state_of(demo_url, code) == "signed"
    assert scalar(demo_url, "SELECT postpone_count FROM cases WHERE code = :c", c=code) == 0


# --- department desk ---------------------------------------------------------------------------------------

def desk(url: str, dept: int, table: str, code: str):
    return ok(select_rows(ok(open_page("pages/desk.py", account(url, "department", dept))), table, [code]))


def desk_action(at, action: str):
    widget(at.selectbox, L["choose_action"]).set_value(action)
    return ok(at.run())


def test_desk_progress_then_feedback(demo_url):
    dept = dept_of_tier(demo_url, 2)
    code = signed_case(demo_url, dept, "占道经营")
    at = press(desk_action(desk(demo_url, dept, "desk_cases", code), "progress"), "progress", note="已约谈摊主")
    assert last_step(demo_url, code) == ("progress", "signed")
    assert scalar(demo_url, "SELECT s.note FROM case_steps s JOIN cases c ON c.id = s.case_id WHERE c.code = :c "
                            "AND s.action = 'progress'", c=code) == "已约谈摊主"

    at = ok(select_rows(at, "desk_cases", [code]))
    press(desk_action(at, "feedback"), "feedback", note="摊位已清理")
    assert state_of(demo_url, code) == "feedback" and last_step(demo_url, code) == ("feedback", "feedback")


def test_desk_request_return(demo_url):
    dept = dept_of_tier(demo_url, 2)
    code = signed_case(demo_url, dept, "管辖不清")
    press(desk_action(desk(demo_url, dept, "desk_cases", code), "request_return"), "request_return",
          reason="属于水务部门职责")
    assert request_status(demo_url, code, "return") == "pending" and state_of(demo_url, code) == "signed"
    assert scalar(demo_url, "SELECT r.dept_id FROM case_requests r JOIN cases c ON c.id = r.case_id "
                            "WHERE c.code = :c", c=code) == dept


def whistled_case(url: str, lead: int, co: int, title: str) -> tuple[str, int]:
    code = filed_case(url, title=title)
    step = wf.blow_whistle(get_engine(url), code, SETUP["dispatcher"], lead_dept_id=lead, co_dept_ids=[co],
                           reason="enforcement")
    actions.clear_case_caches()
    return code, step.whistle_id


def whistle_row(url: str, whistle_id: int, dept: int, columns: str):
    return scalar(url, f"SELECT {columns} FROM whistle_departments WHERE whistle_id = :w AND dept_id = :d",
                  w=whistle_id, d=dept)


def whistle_action(at, action: str, **texts):
    widget(at.radio, L["choose_action"]).set_value(action)
    return press(ok(at.run()), action, **texts)


def test_desk_whistle_result_and_return(demo_url):
    lead, co = dept_of_tier(demo_url, 1), dept_of_tier(demo_url, 2)
    code, whistle_id = whistled_case(demo_url, lead, co, "违法建设")
    wf.check_in(get_engine(demo_url), whistle_id, lead, dept_actor(lead), note="已到场")
    actions.clear_case_caches()
    whistle_action(desk(demo_url, lead, "desk_whistles", code), "whistle_result", note="已拆除")
    assert whistle_row(demo_url, whistle_id, lead, "result_note || '|' || (result_at IS NOT NULL)") == "已拆除|true"
    assert last_step(demo_url, code)[0] == "whistle_result"

    at = whistle_action(desk(demo_url, co, "desk_whistles", code), "whistle_return")
    assert any(L["field_reason"] in e.value for e in at.error)
    assert whistle_row(demo_url, whistle_id, co, "returned_at") is None
    whistle_action(at, "whistle_return", reason="非本部门职责")
    assert whistle_row(demo_url, whistle_id, co, "return_reason || '|' || (returned_at IS NOT NULL)") == \
        "非本部门职责|true"
    assert last_step(demo_url, code)[0] == "whistle_return"
