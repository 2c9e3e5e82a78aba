"""案件详情 page: lookup by ?code=, permissions, masking, and each action button performing its transition."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from sqlalchemy import text

import db.workflow as wf
from db import labels
from db.engine import get_engine
from tests.test_dashboard_queue import (  # noqa: F401  (dash is a fixture)
    L, account, click, dash, last_step, new_case, ok, open_page, page_text, push, scalar, state_of, widget,
)

PHONE, NAME, ID_NO = "13812341234", "张三丰", "110101199001011234"


def labels_action(action: str) -> str:
    return labels.WF_ACTION[action]


def dept_of_tier(url: str, tier: int, skip: tuple = ()) -> int:
    return scalar(url, "SELECT id FROM departments WHERE tier = :t AND active AND NOT (id = ANY(:s)) ORDER BY id "
                       "LIMIT 1", t=tier, s=list(skip))


def dept_actor(dept_id: int) -> wf.Actor:
    return wf.Actor(None, "test-dept", "department", dept_id=dept_id, display_name="测试部门")


def filed_case(url: str, **fields) -> str:
    code = new_case(url, **fields)
    cat = scalar(url, "SELECT c.id FROM categories c JOIN category_versions v ON v.id = c.version_id "
                      "WHERE v.active AND c.level <> 'major' ORDER BY c.code LIMIT 1")
    push(url, code, ("operator", "accept", {}), ("operator", "file", {"category_id": cat}))
    return code


def choose(at, action: str):
    widget(at.selectbox, L["choose_action"]).set_value(action)
    return ok(at.run())


def test_page_renders_for_each_role_with_the_full_timeline(dash):
    code, dept = scalar(dash, "SELECT code || '|' || dept_id FROM cases WHERE state = 'handling' ORDER BY id "
                              "LIMIT 1").split("|")
    steps = scalar(dash, "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id WHERE c.code = :c",
                   c=code)
    for user in [account(dash, r) for r in ("operator", "dispatcher", "leader", "admin")] + \
            [account(dash, "department", int(dept))]:
        at = ok(open_page("pages/case.py", user, code=code))
        assert at.title[0].value.startswith(code), user["role"]
        timeline = next(df.value for df in at.dataframe if L["col_seq"] in df.value)
        assert len(timeline) == steps
        assert at.get("deck_gl_json_chart"), "map snippet"


def test_map_has_no_base_map(dash):
    code = scalar(dash, "SELECT code FROM cases WHERE state = 'handling' AND lon IS NOT NULL ORDER BY id LIMIT 1")
    at = ok(open_page("pages/case.py", account(dash, "dispatcher"), code=code))
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "mapProvider" not in spec                     # pdk.Deck(map_provider=None): no base map
    assert not str(spec.get("mapStyle", "")).startswith("http") and "carto" not in json.dumps(spec).lower()
    assert spec["initialViewState"]["zoom"] == 15 and len(spec["layers"]) >= 2
    assert L["nearest"] in page_text(at)


@pytest.mark.parametrize("raw, message", [
    ("abc", "格式不正确"), ("'; DROP TABLE cases; --", "格式不正确"), ("<script>alert(1)</script>", "格式不正确"),
    ("20991231-9999", "未找到案件"), ("9" * 300, "格式不正确"),
])
def test_bad_or_unknown_code_gets_a_clear_message(dash, raw, message):
    at = ok(open_page("pages/case.py", account(dash, "operator"), code=raw))
    assert any(message in e.value for e in at.error)
    assert scalar(dash, "SELECT count(*) FROM cases") > 100


def test_department_gets_no_permission_for_another_departments_case(dash):
    code, dept = scalar(dash, "SELECT code || '|' || dept_id FROM cases WHERE dept_id IS NOT NULL ORDER BY id "
                              "LIMIT 1").split("|")
    other = scalar(dash, "SELECT min(id) FROM departments WHERE id <> :d AND id NOT IN (SELECT wd.dept_id FROM "
                         "whistle_departments wd JOIN whistles w ON w.id = wd.whistle_id JOIN cases c ON "
                         "c.id = w.case_id WHERE c.code = :c)", d=int(dept), c=code)
    at = ok(open_page("pages/case.py", account(dash, "department", other), code=code))
    assert [e.value for e in at.error] == [L["no_permission"]]
    assert not at.dataframe and code not in page_text(at).replace(code, "", 1)


def test_personal_data_masked_for_roles_without_the_right(dash):
    dept = dept_of_tier(dash, 2)
    code = filed_case(dash, reporter_name=NAME, reporter_phone=PHONE, reporter_id_no=ID_NO)
    push(dash, code, ("dispatcher", "dispatch", {"dept_id": dept}))
    for user in (account(dash, "leader"), account(dash, "admin"), account(dash, "department", dept)):
        text = page_text(ok(open_page("pages/case.py", user, code=code)))
        assert "138****1234" in text and "张**" in text, user["role"]
        assert PHONE not in text and NAME not in text and ID_NO not in text, user["role"]
    for role in ("operator", "dispatcher"):
        text = page_text(ok(open_page("pages/case.py", account(dash, role), code=code)))
        assert PHONE in text and NAME in text and ID_NO in text


def test_accept_file_dispatch_buttons(dash):
    code = new_case(dash, title="井盖缺失")
    operator = account(dash, "operator")
    at = ok(open_page("pages/case.py", operator, code=code))
    ok(click(choose(at, "accept"), labels_action("accept")))
    assert state_of(dash, code) == "accepted" and last_step(dash, code) == ("accept", "accepted")
    assert any("已受理" in s.value for s in at.success)

    at = ok(click(choose(at, "file"), labels_action("file")))
    assert any(L["field_category_id"] in e.value for e in at.error)                 # a category is required
    cat = widget(at.selectbox, L["category"]).options[0]
    widget(at.selectbox, L["category"]).select(cat)
    ok(click(at, labels_action("file")))
    assert state_of(dash, code) == "filed" and last_step(dash, code) == ("file", "filed")

    dept = dept_of_tier(dash, 2)
    at = choose(ok(open_page("pages/case.py", account(dash, "dispatcher"), code=code)), "dispatch")
    widget(at.selectbox, L["dept"]).set_value(dept)
    ok(click(at, labels_action("dispatch")))
    assert state_of(dash, code) == "dispatched"
    assert scalar(dash, "SELECT dept_id FROM cases WHERE code = :c", c=code) == dept


def test_whistle_with_tier_deadlines(dash):
    code = filed_case(dash, title="非法采砂")
    lead, co = dept_of_tier(dash, 1), dept_of_tier(dash, 2)
    at = choose(ok(open_page("pages/case.py", account(dash, "dispatcher"), code=code)), "whistle")
    widget(at.selectbox, L["whistle_lead"]).set_value(lead)
    ok(at.run())
    widget(at.multiselect, L["whistle_co"]).set_value([co])
    widget(at.selectbox, L["whistle_reason"]).set_value("enforcement")
    ok(at.run())
    deadlines = [n for n in at.number_input if "报到时限" in n.label]
    assert [n.value for n in deadlines] == [30, 120]
    ok(click(at, labels_action("whistle")))
    assert state_of(dash, code) == "dispatched" and last_step(dash, code) == ("whistle", "dispatched")
    with get_engine(dash).connect() as conn:
        rows = conn.execute(text(
            "SELECT wd.dept_id, wd.role, wd.deadline_at - w.raised_at FROM whistle_departments wd JOIN whistles w "
            "ON w.id = wd.whistle_id JOIN cases c ON c.id = w.case_id WHERE c.code = :c ORDER BY wd.role DESC"),
            {"c": code}).all()
    assert [tuple(r) for r in rows] == [(lead, "lead", timedelta(minutes=30)), (co, "co", timedelta(minutes=120))]


def test_supervise_approve_postponement_and_close(dash):
    dept = dept_of_tier(dash, 2)
    code = filed_case(dash)
    push(dash, code, ("dispatcher", "dispatch", {"dept_id": dept}), (dept_actor(dept), "sign", {}),
         (dept_actor(dept), "request_postpone", {"reason": "需协调产权单位", "extra_minutes": 240}))
    at = choose(ok(open_page("pages/case.py", account(dash, "dispatcher"), code=code)), "supervise")
    ok(click(at, labels_action("supervise")))
    assert any(L["field_note"] in e.value for e in at.error)                   # a note is required
    widget(at.text_area, L["note"]).set_value("请加快办理")
    ok(click(at, labels_action("supervise")))
    assert scalar(dash, "SELECT supervised FROM cases WHERE code = :c", c=code) is True

    at = choose(at, "approve_postpone")
    assert any("需协调产权单位" in i.value for i in at.info)
    ok(click(at, labels_action("approve_postpone")))
    assert scalar(dash, "SELECT postpone_count FROM cases WHERE code = :c", c=code) == 1
    assert last_step(dash, code) == ("approve_postpone", "signed")

    push(dash, code, (dept_actor(dept), "feedback", {"note": "已处理"}), ("operator", "check", {}))
    at = choose(ok(open_page("pages/case.py", account(dash, "dispatcher"), code=code)), "close")
    widget(at.select_slider, L["satisfaction"]).set_value(4)
    ok(click(at, labels_action("close")))
    assert state_of(dash, code) == "closed"
    assert scalar(dash, "SELECT satisfaction FROM cases WHERE code = :c", c=code) == 4


def test_stale_view_and_refusals_show_the_engines_message(dash):
    code = new_case(dash)
    at = choose(ok(open_page("pages/case.py", account(dash, "operator"), code=code)), "accept")
    push(dash, code, ("dispatcher", "accept", {}))                 # someone else was quicker
    ok(click(at, labels_action("accept")))
    assert any("已被" in e.value for e in at.error)
    assert scalar(dash, "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id "
                        "WHERE c.code = :c AND s.action = 'accept'", c=code) == 1


def test_split_alert_out_of_its_case(dash):
    code, alert = scalar(dash, "SELECT c.code || '|' || max(a.id) FROM cases c JOIN alerts a ON a.case_id = c.id "
                               "WHERE c.state NOT IN ('closed', 'rejected', 'cancelled') GROUP BY c.code "
                               "HAVING count(*) > 1 ORDER BY c.code LIMIT 1").split("|")
    at = ok(open_page("pages/case.py", account(dash, "operator"), code=code))
    widget(at.selectbox, L["split_which"]).set_value(int(alert))
    widget(at.text_input, L["reason"]).set_value("不同摊位")
    ok(click(at, L["split_go"]))
    assert any("已拆分为新案件" in s.value for s in at.success)
    assert scalar(dash, "SELECT c.code <> :c FROM alerts a JOIN cases c ON c.id = a.case_id WHERE a.id = :a",
                  c=code, a=int(alert))


def test_user_text_stays_plain_on_the_case_page(dash):
    code = new_case(dash, title="**粗体** [链接](javascript:alert(1)) <img src=x onerror=alert(1)>")
    title = ok(open_page("pages/case.py", account(dash, "operator"), code=code)).title[0].value
    # Markdown specials are escaped: no emphasis, no link, no HTML reaches the browser as markup
    assert r"\*\*粗体\*\*" in title and r"\[链接\]\(javascript\:alert\(1\)\)" in title and r"\<img" in title
