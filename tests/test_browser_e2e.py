"""Real-browser end-to-end test (issue 5): Debian chromium and playwright against the system as ./start.sh runs it.

Sign in, see the wall's map canvas and KPI tiles; whistle a filed case to a lead and a co-handler department; sign
in as that co-handler and check in on its desk; see the check-in on the wall. Screenshots: docs/screenshots/e2e-*.png.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

import db.workflow as wf
from dashboard import nav
from db import labels
from tests.browser_support import (
    CHROMIUM_ARGS, choose, click_grid_row, hold_in_view, require_chromium, settled, sign_in, sign_out, start_app,
    stop_app, wait_drawn, wait_ready,
)
from tests.conftest import _db_url, create_database, drop_database

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SHANGHAI = ZoneInfo("Asia/Shanghai")
VIEWPORT = {"width": 1600, "height": 1000}
TALL = {"width": 1600, "height": 1500}          # the case page's form and tabs in one picture
W, P = labels.WALL, labels.ACTION_PAGES
WALL_WAIT_MS = 30_000                            # the wall refreshes every 5 s over 4 s caches
KPI_KEYS = ("kpi_intake", "kpi_open", "kpi_overdue", "kpi_whistles", "kpi_ontime_today", "kpi_ontime_month")
COUNT_RE, RATE_RE = re.compile(r"\d+"), re.compile(r"\d+(\.\d)?%|" + re.escape(labels.COMMON["na"]))


@pytest.fixture(scope="session")
def running_app(tmp_path_factory, mqtt_url):
    """The launcher on a fresh database of the test server and the run's broker; stopped with Ctrl-C (SIGINT)."""
    require_chromium()
    name = create_database()
    app = start_app(tmp_path_factory.mktemp("e2e-data"), _db_url(name), mqtt_url)
    try:
        wait_ready(app)
        app.db = create_engine(_db_url(name))
        yield app
    finally:
        code, alive = stop_app(app)
        if app.db is not None:
            app.db.dispose()
        drop_database(name)
    assert code == 0, f"launcher exit code {code} after SIGINT\n{app.tail()}"
    assert not alive, f"still running after the launcher stopped: {alive}"
    assert labels.LAUNCHER["stopped"] in app.output.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=require_chromium(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, running_app) -> Page:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(30_000)
    # The root URL first: the server's very first visitor of a page URL gets Streamlit's "Page not found" dialog.
    page.goto(running_app.url)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def scalar(engine: Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def filed_case(engine: Engine) -> dict:
    """The newest case waiting in 已立案; the demo usually has one, else a hotline call is filed the engine's way."""
    sql = ("SELECT id, code, title FROM cases WHERE state = 'filed' AND merged_into_id IS NULL "
           "AND NOT EXISTS (SELECT 1 FROM whistles w WHERE w.case_id = cases.id AND w.state = 'open') "
           "ORDER BY reported_at DESC LIMIT 1")
    found = rows(engine, sql)
    if not found:
        user = rows(engine, "SELECT id, username, role, display_name FROM users WHERE username = 'operator'")[0]
        actor = wf.Actor(user["id"], user["username"], user["role"], display_name=user["display_name"])
        ref = wf.open_case(engine, actor, source="hotline", title="路灯不亮")
        wf.perform(engine, ref.code, "accept", actor)
        category = rows(engine, "SELECT code FROM categories WHERE level = 'minor' ORDER BY code LIMIT 1")
        wf.perform(engine, ref.code, "file", actor, category_code=category[0]["code"])   # 立案 needs a category
        found = rows(engine, sql)
    return found[0]


def quiet_departments(engine: Engine, logins: dict[str, str]) -> list[dict]:
    """Active departments with a demo login and no open whistle: the new whistle is alone on their desk."""
    depts = rows(engine, "SELECT d.id, d.code, d.name, d.tier FROM departments d WHERE d.active AND NOT EXISTS ("
                         " SELECT 1 FROM whistle_departments wd JOIN whistles w ON w.id = wd.whistle_id"
                         " WHERE wd.dept_id = d.id AND w.state = 'open') ORDER BY d.tier, d.code")
    return [d for d in depts if f"dept-{d['code']}" in logins]


def deadline_label(dept: dict) -> str:
    return P["whistle_deadline"].format(dept=dept["name"], tier=labels.DEPT_TIER[dept["tier"]])


def done_message(code: str, action: str, state: str) -> str:
    return P["act_done"].format(code=code, action=labels.WF_ACTION[action], state=labels.CASE_STATE[state])


def test_wall_shows_map_canvas_and_kpi_tiles(running_app, page):
    sign_in(page, "dispatcher", running_app.logins["dispatcher"])      # lands on 指挥大屏, its first page
    district = scalar(running_app.db, "SELECT name FROM areas WHERE level = 'district' ORDER BY code LIMIT 1")
    expect(page.get_by_text(W["title"].format(district=district), exact=True)).to_be_visible()
    canvas = page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first
    expect(canvas).to_be_visible(timeout=60_000)
    wait_drawn(page, canvas)
    for key in KPI_KEYS:
        tile = page.get_by_test_id("stMetric").filter(has_text=W[key])
        expect(tile).to_have_count(1)
        value = tile.get_by_test_id("stMetricValue").inner_text().strip()
        assert (RATE_RE if "ontime" in key else COUNT_RE).fullmatch(value), (W[key], value)
    expect(page.get_by_text(f'{W["whistles"]}（')).to_be_visible()
    shot(page, "e2e-1-wall.png")


def test_whistle_checkin_reaches_the_wall(running_app, page):
    db, logins = running_app.db, running_app.logins
    case = filed_case(db)
    quiet = quiet_departments(db, logins)
    assert len(quiet) >= 2, "the demo district should have departments without an open whistle"
    lead, co = quiet[:2]
    whistle_id = dispatch_whistle(page, running_app, case, lead, co)
    checkin_at = check_in_on_desk(page, running_app, case, co, whistle_id)
    wall_shows_checkin(page, running_app, case, lead, co, checkin_at)


def dispatch_whistle(page: Page, app, case: dict, lead: dict, co: dict) -> int:
    """As the dispatcher: 案件详情 by ?code=, 吹哨 with a lead and a co-handler; the whistle is stored for both."""
    # Sign-in lives in the Streamlit session, which a page load replaces: open the link, then sign in on it.
    page.goto(f"{app.url}/{nav.entry('case').url}?code={case['code']}")
    sign_in(page, "dispatcher", app.logins["dispatcher"])
    expect(page.get_by_role("heading", name=case["code"])).to_be_visible()
    settled(page)
    choose(page, P["choose_action"], labels.WF_ACTION["whistle"])
    choose(page, P["whistle_lead"], lead["name"])
    expect(page.get_by_label(deadline_label(lead), exact=True)).to_be_visible()
    choose(page, P["whistle_co"], co["name"], many=True)
    expect(page.get_by_label(deadline_label(co), exact=True)).to_be_visible()
    page.get_by_role("button", name=labels.WF_ACTION["whistle"], exact=True).click()
    expect(page.get_by_text(done_message(case["code"], "whistle", "dispatched"))).to_be_visible()
    settled(page)

    named = rows(app.db, "SELECT w.id, w.state, wd.dept_id, wd.role, u.username FROM whistles w "
                         "JOIN whistle_departments wd ON wd.whistle_id = w.id JOIN users u ON u.id = w.raised_by "
                         "WHERE w.case_id = :c ORDER BY wd.role DESC", c=case["id"])
    assert [(r["dept_id"], r["role"]) for r in named] == [(lead["id"], "lead"), (co["id"], "co")]
    assert {(r["state"], r["username"]) for r in named} == {("open", "dispatcher")}
    assert scalar(app.db, "SELECT state FROM cases WHERE id = :c", c=case["id"]) == "dispatched"

    page.get_by_role("tab", name=P["tab_whistles"]).click()
    table = page.get_by_role("tabpanel", name=P["tab_whistles"]).get_by_test_id("stDataFrame")
    for dept in (lead, co):
        expect(table.get_by_role("gridcell", name=dept["name"], exact=True, include_hidden=True)).to_have_count(1)
    page.set_viewport_size(TALL)
    shot(page, "e2e-2-whistle.png")
    page.set_viewport_size(VIEWPORT)
    return named[0]["id"]


def check_in_on_desk(page: Page, app, case: dict, co: dict, whistle_id: int) -> datetime:
    """As the co-handler department: 部门工作台, its whistle row, 部门报到; stored with its own account."""
    sign_out(page)
    username = f"dept-{co['code']}"
    sign_in(page, username, app.logins[username])        # stays on the case page: departments may open it
    page.get_by_role("link", name=labels.PAGE_TITLE["desk"], exact=True).click()
    expect(page.get_by_role("heading", name=P["desk_title"].format(dept=co["name"]))).to_be_visible()
    settled(page)
    page.get_by_role("tab", name=P["desk_tab_whistles"]).click()
    panel = page.get_by_role("tabpanel", name=P["desk_tab_whistles"])
    click_grid_row(panel.get_by_test_id("stDataFrame"), case["code"])
    expect(page.get_by_role("radio", name=labels.WF_ACTION["whistle_checkin"])).to_be_checked()
    page.get_by_role("button", name=labels.WF_ACTION["whistle_checkin"], exact=True).click()
    expect(page.get_by_text(done_message(case["code"], "whistle_checkin", "dispatched"))).to_be_visible()
    settled(page)

    row = rows(app.db, "SELECT wd.checked_in_at, wd.checkin_late, u.username FROM whistle_departments wd "
                       "JOIN case_steps s ON s.case_id = :c AND s.action = 'whistle_checkin' "
                       " AND s.dept_id = wd.dept_id JOIN users u ON u.id = s.actor_user_id "
                       "WHERE wd.whistle_id = :w AND wd.dept_id = :d", c=case["id"], w=whistle_id, d=co["id"])
    assert len(row) == 1 and row[0]["checked_in_at"] is not None, row
    assert row[0]["username"] == username and row[0]["checkin_late"] is False
    # The rerun shows the desk's first tab again; its whistle list now reads checked in (the only row).
    page.get_by_role("tab", name=P["desk_tab_whistles"]).click()
    grid = panel.get_by_test_id("stDataFrame")
    expect(grid.get_by_role("gridcell", name=case["code"], exact=True, include_hidden=True)).to_have_count(1)
    expect(grid.get_by_role("gridcell", name=P["not_yet"], exact=True, include_hidden=True)).to_have_count(0)
    shot(page, "e2e-3-checkin.png")
    return row[0]["checked_in_at"]


def wall_shows_checkin(page: Page, app, case: dict, lead: dict, co: dict, checkin_at: datetime) -> None:
    """As the wall account: the whistle board shows the co-handler 已报到 at its time, the lead still counting down."""
    sign_out(page)
    sign_in(page, "wall", app.logins["wall"])
    block = page.locator("div.whistle").filter(has_text=case["code"]).first
    # Role and name together: one department's name may begin with another's (榕城公安分局, …交通警察大队).
    co_line = block.locator("div.dept").filter(has_text=f'{labels.WHISTLE_ROLE["co"]} · {co["name"]}')
    lead_line = block.locator("div.dept").filter(has_text=f'{labels.WHISTLE_ROLE["lead"]} · {lead["name"]}')
    checked = W["checked_in"].format(t=checkin_at.astimezone(SHANGHAI).strftime("%H:%M"))
    expect(co_line).to_contain_text(checked, timeout=WALL_WAIT_MS)
    expect(lead_line).to_contain_text(W["countdown"].split("{")[0].strip())
    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_visible()
    hold_in_view(page, case["code"], timeout_s=120)
    shot(page, "e2e-4-wall-after.png")
