"""部门工作台 page: own cases and whistles only, sign/postpone/check-in/progress through the engine, photo uploads."""
from __future__ import annotations

import io

from PIL import Image

import db.workflow as wf
from dashboard import actions
from db.config import ROOT
from db.engine import get_engine
from tests.test_dashboard_case import dept_of_tier, filed_case, labels_action
from tests.test_dashboard_queue import (  # noqa: F401  (dash is a fixture)
    L, SETUP, account, click, dash, last_step, ok, open_page, page_text, push, scalar, select_rows, state_of,
    widget,
)

OPEN = "state NOT IN ('closed', 'rejected', 'cancelled') AND merged_into_id IS NULL"


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_desk_shows_own_cases_and_figures(dash):
    dept = scalar(dash, f"SELECT dept_id FROM cases WHERE {OPEN} AND dept_id IS NOT NULL GROUP BY dept_id "
                        "ORDER BY count(*) DESC LIMIT 1")
    at = ok(open_page("pages/desk.py", account(dash, "department", dept)))
    own = scalar(dash, f"SELECT count(*) FROM cases WHERE {OPEN} AND dept_id = :d", d=dept)
    assert int(next(m.value for m in at.metric if m.label == L["m_open"])) == own
    whistled = ("EXISTS (SELECT 1 FROM whistles w JOIN whistle_departments wd ON wd.whistle_id = w.id "
                "WHERE w.case_id = c.id AND wd.dept_id = :d)")
    visible = scalar(dash, f"SELECT count(*) FROM cases c WHERE {OPEN} AND (dept_id = :d OR {whistled})", d=dept)
    shown = at.dataframe[0].value
    assert len(shown) == visible > 0
    others = scalar(dash, f"SELECT array_agg(code) FROM cases c WHERE {OPEN} AND dept_id <> :d AND NOT {whistled}",
                    d=dept)
    assert others and not set(shown[L["col_code"]]) & set(others)


def test_sign_and_ask_for_postponement(dash):
    dept = dept_of_tier(dash, 2)
    code = filed_case(dash, title="路灯不亮")
    push(dash, code, ("dispatcher", "dispatch", {"dept_id": dept}))
    at = ok(open_page("pages/desk.py", account(dash, "department", dept)))
    at = ok(select_rows(at, "desk_cases", [code]))
    widget(at.selectbox, L["choose_action"]).set_value("sign")
    ok(click(ok(at.run()), labels_action("sign")))
    assert state_of(dash, code) == "signed" and last_step(dash, code) == ("sign", "signed")

    at = ok(select_rows(at, "desk_cases", [code]))
    widget(at.selectbox, L["choose_action"]).set_value("request_postpone")
    ok(at.run())
    widget(at.text_area, L["reason"]).set_value("需等待配件")
    widget(at.number_input, L["extra_minutes"]).set_value(960)
    ok(click(at, labels_action("request_postpone")))
    assert scalar(dash, "SELECT kind || '/' || status || '/' || extra_minutes FROM case_requests r JOIN cases c "
                        "ON c.id = r.case_id WHERE c.code = :c", c=code) == "postpone/pending/960"


def test_whistle_check_in_with_photo_and_progress(dash):
    lead = dept_of_tier(dash, 1)
    code = filed_case(dash, title="河道非法采砂")
    wf.blow_whistle(get_engine(dash), code, SETUP["dispatcher"], lead_dept_id=lead, reason="enforcement")
    actions.clear_case_caches()
    at = ok(open_page("pages/desk.py", account(dash, "department", lead)))
    at = ok(select_rows(at, "desk_whistles", [code]))
    assert widget(at.radio, L["choose_action"]).value == "whistle_checkin"
    widget(at.text_area, L["note"]).set_value("已到达现场")
    at.file_uploader[0].set_value(("现场.png", png(), "image/png"))
    ok(click(ok(at.run()), labels_action("whistle_checkin")))
    photo = scalar(dash, "SELECT wd.checkin_photo FROM whistle_departments wd JOIN whistles w ON w.id = wd.whistle_id "
                         "JOIN cases c ON c.id = w.case_id WHERE c.code = :c AND wd.checked_in_at IS NOT NULL",
                   c=code)
    try:
        assert photo and photo.startswith(".data/uploads/") and (ROOT / photo).read_bytes() == png()
        assert last_step(dash, code) == ("whistle_checkin", "dispatched")

        at = ok(select_rows(at, "desk_whistles", [code]))
        widget(at.radio, L["choose_action"]).set_value("whistle_progress")
        ok(at.run())
        widget(at.text_area, L["note"]).set_value("正在清理")
        at.file_uploader[0].set_value(("fake.png", b"<?php system($_GET['c']); ?>", "image/png"))
        ok(click(ok(at.run()), labels_action("whistle_progress")))
        assert any("不是可识别的" in e.value for e in at.error)
        assert last_step(dash, code)[0] == "whistle_checkin"              # nothing stored

        at = ok(select_rows(at, "desk_whistles", [code]))
        widget(at.radio, L["choose_action"]).set_value("whistle_progress")
        ok(at.run())
        widget(at.text_area, L["note"]).set_value("正在清理")
        at.file_uploader[0].set_value(None)
        ok(click(ok(at.run()), labels_action("whistle_progress")))
        assert last_step(dash, code)[0] == "whistle_progress"
    finally:
        if photo:
            (ROOT / photo).unlink(missing_ok=True)


def test_center_roles_see_a_desk_read_only(dash):
    dept = dept_of_tier(dash, 2)
    at = ok(open_page("pages/desk.py", account(dash, "dispatcher")))
    assert any(i.value == L["desk_choose_dept"] for i in at.info)
    widget(at.selectbox, L["desk_dept"]).set_value(dept)
    ok(at.run())
    assert L["desk_read_only"] in page_text(at)
    if at.dataframe:
        code = at.dataframe[0].value[L["col_code"]].iloc[0]
        at = ok(select_rows(at, "desk_cases", [code]))
    assert not [b for b in at.button if b.label != "退出登录"]
    grid_worker = ok(open_page("pages/desk.py", account(dash, "grid_worker")))
    assert any("无权访问" in e.value for e in grid_worker.error)
