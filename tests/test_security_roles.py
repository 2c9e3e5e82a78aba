"""Role × page matrix over the demo accounts: navigation per role equals an explicit table, every other page's own
guard refuses, an anonymous session gets only the sign-in form under every URL; a grid worker's 我的案件."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

from dashboard import auth, nav
from db import accounts, labels
from db.engine import get_engine
from db.schema import users
from tests.test_dashboard_wall import APP, demo_url, no_exception, refused, run_script  # noqa: F401

M = labels.MINE
CENTER = {"wall", "daily", "positions", "queue", "desk", "case"}
# Written out, not derived from dashboard/nav.py: a change to who sees what must change this table too.
EXPECTED = {
    "admin": CENTER | {"admin", "audit"},
    "dispatcher": CENTER,
    "operator": CENTER,
    "leader": CENTER | {"audit"},
    "wall": {"wall"},
    "department": {"desk", "case"},
    "grid_worker": {"mine"},
}
SCRIPTS = {e.key: e.script for e in nav.PAGES}


def _demo_account(url: str, pattern: str) -> dict:
    """The session record for a demo login name (LIKE pattern: 'dept-%', 'worker-%' pick the first)."""
    with get_engine(url).connect() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username.like(pattern), users.c.is_demo)
                           .order_by(users.c.id).limit(1)).scalar_one()
        user = accounts.load_user(conn, uid)
    return {k: user[k] for k in ("id", "username", "display_name", "role", "dept_id", "staff_id", "credential_tag")}


def _signed_in(user: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["auth_user"] = user
    at.session_state["auth_last_active"] = time.time()
    return at


def _navigation(at: AppTest) -> list[str]:
    """Scripts of the pages app.py handed to st.navigation in the last run (AppTest keeps the same registry a
    browser session gets; a page outside it cannot be opened). The default page's URL path reads ''."""
    return sorted(Path(info["script_path"]).name for info in at._registered_pages.values())


@pytest.mark.parametrize("login", ["admin", "dispatcher", "operator", "leader", "wall", "dept-%", "worker-%"])
def test_each_demo_role_navigates_exactly_its_pages_and_the_rest_refuse(demo_url, login):
    user = _demo_account(demo_url, login)
    expected = EXPECTED[user["role"]]
    at = no_exception(_signed_in(user).run())
    registered = _navigation(at)
    assert registered == sorted(Path(SCRIPTS[k]).name for k in expected), user["role"]
    assert not refused(at)                                  # it landed on a page it may open
    for key, script in SCRIPTS.items():
        if key in expected:
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(script)                          # no URL of the app leads there
        guarded = no_exception(_script_as(user, script))
        assert refused(guarded), (user["username"], key)
        assert not guarded.dataframe and not guarded.metric and not guarded.get("deck_gl_json_chart")


def _script_as(user: dict, script: str) -> AppTest:
    at = AppTest.from_file(str(Path(APP).parent / script), default_timeout=60)
    at.session_state["auth_user"] = user
    at.session_state["auth_last_active"] = time.time()
    return at.run()


def test_anonymous_gets_only_the_sign_in_form_under_every_url(demo_url):
    at = no_exception(AppTest.from_file(APP, default_timeout=60).run())
    registered = {info["url_pathname"]: h for h, info in at._registered_pages.items()}
    assert set(registered) == {""} | {e.url for e in nav.PAGES}         # "" is the default page, /signin
    assert set(_navigation(at)) == {"login.py"}
    for url_path, page_hash in registered.items():
        at._page_hash = page_hash                   # what a browser opening /<url_path> asks for
        at = no_exception(at.run())
        assert [t.label for t in at.text_input] == [labels.AUTH["username"], labels.AUTH["password"]], url_path
        assert not at.dataframe and not at.metric and not at.get("deck_gl_json_chart") and not at.tabs
        assert at.session_state[auth.REQUESTED_PAGE] == url_path
    for script in SCRIPTS.values():                 # each page script's own guard, run without app.py
        alone = no_exception(run_script(demo_url, None, script))
        assert any(labels.AUTH["need_sign_in"] in w.value for w in alone.warning), script
        assert not alone.dataframe and not alone.metric and not alone.get("deck_gl_json_chart")


# --- 我的案件 ---------------------------------------------------------------------------------------------

def _worker_with_cases(url: str) -> dict:
    """A demo grid worker whose grids hold open cases (the page lists open ones first), with a case of its own
    reporting elsewhere."""
    with get_engine(url).begin() as conn:
        uid = conn.execute(text(
            "SELECT u.id FROM users u JOIN staff_grids sg ON sg.staff_id = u.staff_id "
            "JOIN cases c ON c.grid_id = sg.grid_id WHERE u.role = 'grid_worker' AND c.merged_into_id IS NULL "
            "AND c.state NOT IN ('closed','rejected','cancelled') "
            "GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1")).scalar_one()
        staff_id = conn.execute(select(users.c.staff_id).where(users.c.id == uid)).scalar_one()
        # One case it reported outside its grids, so both reasons for listing a case are present.
        conn.execute(text(
            "UPDATE cases SET reported_by_staff_id = :s WHERE id = (SELECT id FROM cases WHERE grid_id IS NOT NULL "
            "AND grid_id NOT IN (SELECT grid_id FROM staff_grids WHERE staff_id = :s) "
            "AND merged_into_id IS NULL AND state NOT IN ('closed','rejected','cancelled') ORDER BY id LIMIT 1)"),
            {"s": staff_id})
        username = conn.execute(select(users.c.username).where(users.c.id == uid)).scalar_one()
    return _demo_account(url, username)


def _expected_codes(url: str, staff_id: int, open_only: bool) -> list[str]:
    with get_engine(url).connect() as conn:
        return list(conn.execute(text(
            "SELECT code FROM cases WHERE merged_into_id IS NULL AND (reported_by_staff_id = :s OR grid_id IN "
            "(SELECT grid_id FROM staff_grids WHERE staff_id = :s))"
            + (" AND state NOT IN ('closed','rejected','cancelled')" if open_only else "")
            + " ORDER BY reported_at DESC, id DESC LIMIT 300"), {"s": staff_id}).scalars())


def test_grid_worker_sees_its_own_cases_read_only(demo_url):
    user = _worker_with_cases(demo_url)
    at = no_exception(_signed_in(user).run())           # lands on 我的案件, its only page
    assert at.title[0].value == M["title"]
    df = at.dataframe[0].value
    assert list(df[M["col_code"]]) == _expected_codes(demo_url, user["staff_id"], open_only=True)
    assert M["why_reported"] in set(df[M["col_why"]]) and M["why_grid"] in set(df[M["col_why"]])
    assert set(df[M["col_state"]]) <= set(labels.CASE_STATE.values())
    assert not at.main.button and not at.main.get("page_link")     # nothing to act on, no way into the case page
    at.toggle[0].set_value(False)
    df = no_exception(at.run()).dataframe[0].value
    assert list(df[M["col_code"]]) == _expected_codes(demo_url, user["staff_id"], open_only=False)
    with pytest.raises(ValueError):
        at.switch_page("pages/case.py")


def test_mine_page_refuses_other_roles(demo_url):
    for role in ("operator", "leader", "department", "admin"):
        at = no_exception(run_script(demo_url, role, "pages/mine.py"))
        assert refused(at) and not at.dataframe, role
