"""Sign-in: lockout after 5 failures (db.accounts and the form), audit rows, idle timeout, the wall's long-lived link."""
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update
from streamlit.testing.v1 import AppTest

from dashboard import auth
from db import accounts, config, labels
from db.engine import get_engine
from db.schema import audit_log, users
from tests.test_dashboard_wall import APP, demo_url, no_exception, scalar, session_user  # noqa: F401

A = labels.AUTH
PASSWORD = "Correct-horse-7"


def _set_password(url: str, username: str) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(update(users).where(users.c.username == username).values(
            password_hash=accounts.hash_demo_password(PASSWORD), failed_attempts=0, locked_until=None))
    auth._account.clear()


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def _audit(url: str, username: str) -> list[str]:
    with get_engine(url).connect() as conn:
        return list(conn.execute(select(audit_log.c.action).where(audit_log.c.username == username)
                                 .order_by(audit_log.c.id)).scalars())


# --- db.accounts.authenticate ------------------------------------------------------------------------

@pytest.fixture
def account_db(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        accounts.create_users(conn, [accounts.NewUser("duty1", "值班员甲", "operator", PASSWORD)])
    yield engine
    engine.dispose()


def test_lockout_after_five_failures(account_db):
    for attempt in range(1, 6):
        with account_db.begin() as conn:
            result = accounts.authenticate(conn, "duty1", "wrong", client="10.0.0.9")
        assert not result.ok
        assert result.reason == ("locked" if attempt == 5 else "bad_credentials")
    with account_db.begin() as conn:                    # the right password does not help while locked
        result = accounts.authenticate(conn, "duty1", PASSWORD)
    assert (result.ok, result.reason) == (False, "locked")
    assert result.locked_until is not None
    with account_db.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.detail, audit_log.c.client)
                            .order_by(audit_log.c.id)).all()
    assert [r.action for r in rows] == ["login_failed"] * 6
    assert rows[4].detail == {"reason": "bad_password", "attempts": 5, "locked": True}
    assert rows[5].detail == {"reason": "locked"} and rows[0].client == "10.0.0.9"


def test_expired_lock_starts_a_fresh_count_and_success_resets(account_db):
    with account_db.begin() as conn:
        conn.execute(update(users).values(failed_attempts=5, locked_until=text("now() - interval '1 minute'")))
    with account_db.begin() as conn:
        assert accounts.authenticate(conn, "duty1", "wrong").reason == "bad_credentials"
    with account_db.connect() as conn:
        assert conn.execute(select(users.c.failed_attempts, users.c.locked_until)).one() == (1, None)
    with account_db.begin() as conn:
        result = accounts.authenticate(conn, "duty1", PASSWORD)
    assert result.ok and result.user["role"] == "operator" and "password_hash" not in result.user
    with account_db.connect() as conn:
        assert conn.execute(select(users.c.failed_attempts)).scalar_one() == 0
        assert conn.execute(select(audit_log.c.action).order_by(audit_log.c.id.desc())).first()[0] == "login"


def test_unknown_and_inactive_accounts_look_like_a_wrong_password(account_db):
    with account_db.begin() as conn:
        assert accounts.authenticate(conn, "nobody", PASSWORD).reason == "bad_credentials"
        conn.execute(update(users).values(active=False))
        assert accounts.authenticate(conn, "duty1", PASSWORD).reason == "bad_credentials"
    with account_db.connect() as conn:
        details = [r.detail["reason"] for r in conn.execute(select(audit_log.c.detail).order_by(audit_log.c.id))]
    assert details == ["unknown_user", "inactive"]


# --- the sign-in form and sessions (AppTest) ----------------------------------------------------------

def test_anonymous_gets_only_the_sign_in_form(demo_url):
    at = no_exception(AppTest.from_file(APP, default_timeout=60).run())
    assert [t.label for t in at.text_input] == [A["username"], A["password"]]
    assert not at.metric and not at.get("deck_gl_json_chart") and not at.dataframe


def test_form_locks_after_five_failures(demo_url):
    _set_password(demo_url, "operator")
    at = no_exception(AppTest.from_file(APP, default_timeout=60).run())
    for _ in range(4):
        _sign_in(at, "operator", "wrong")
        assert at.error[0].value == A["bad_credentials"]
    _sign_in(at, "operator", "wrong")
    assert at.error[0].value == A["locked"].format(minutes=15)
    _sign_in(at, "operator", PASSWORD)
    assert "锁定" in at.error[0].value and not at.metric
    assert _audit(demo_url, "operator")[-6:] == ["login_failed"] * 6


def test_sign_in_then_sign_out(demo_url):
    _set_password(demo_url, "leader")
    at = no_exception(_sign_in(AppTest.from_file(APP, default_timeout=90).run(), "leader", PASSWORD))
    assert labels.WALL["kpi_open"] in [m.label for m in at.metric]        # lands on its first page
    assert at.session_state["auth_user"]["role"] == "leader"
    at = no_exception(at.run().sidebar.button[0].click().run())
    assert "auth_user" not in at.session_state and not at.metric
    assert _audit(demo_url, "leader")[-2:] == ["login", "logout"]


def test_desk_session_times_out_but_the_wall_does_not(demo_url):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["auth_user"] = session_user(demo_url, "dispatcher")
    at.session_state["auth_last_active"] = time.time() - auth.IDLE_MINUTES * 60 - 5
    at = no_exception(at.run())
    assert not at.metric and at.info[0].value == A["expired"]
    wall = AppTest.from_file(APP, default_timeout=90)
    wall.session_state["auth_user"] = session_user(demo_url, "wall")
    wall.session_state["auth_last_active"] = time.time() - 7 * 24 * 3600
    assert labels.WALL["kpi_open"] in [m.label for m in no_exception(wall.run()).metric]


def test_deactivated_account_is_signed_out(demo_url):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["auth_user"] = session_user(demo_url, "admin")
    at.session_state["auth_last_active"] = time.time()
    assert no_exception(at.run()).metric
    with get_engine(demo_url).begin() as conn:
        conn.execute(update(users).where(users.c.username == "admin").values(active=False))
    auth._account.clear()
    at = no_exception(at.run())
    assert not at.metric and at.info[0].value == A["account_changed"]
    with get_engine(demo_url).begin() as conn:
        conn.execute(update(users).where(users.c.username == "admin").values(active=True))
    auth._account.clear()


def test_wall_link_survives_a_reload_until_the_password_changes(demo_url):
    _set_password(demo_url, "wall")
    at = no_exception(_sign_in(AppTest.from_file(APP, default_timeout=90).run(), "wall", PASSWORD))
    token = at.query_params["token"]
    token = token[0] if isinstance(token, list) else token
    reload = AppTest.from_file(APP, default_timeout=90)             # a new browser session: no session state
    reload.query_params["token"] = token
    assert labels.WALL["kpi_open"] in [m.label for m in no_exception(reload.run()).metric]
    with get_engine(demo_url).connect() as conn:
        last = conn.execute(select(audit_log.c.action, audit_log.c.detail).where(audit_log.c.username == "wall")
                            .order_by(audit_log.c.id.desc()).limit(1)).one()
    assert (last.action, last.detail) == ("login", {"via": "wall_link"})
    forged = AppTest.from_file(APP, default_timeout=60)
    forged.query_params["token"] = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert not no_exception(forged.run()).metric
    _set_password(demo_url, "wall")                                 # same password, new hash: old links die
    stale = AppTest.from_file(APP, default_timeout=60)
    stale.query_params["token"] = token
    assert not no_exception(stale.run()).metric


def test_wall_tokens_are_only_for_wall_accounts(demo_url):
    leader = session_user(demo_url, "leader")
    token = auth.issue_wall_token(leader)
    assert auth.verify_wall_token(token, lambda uid: auth._account(demo_url, uid)) is None
    wall = session_user(demo_url, "wall")
    old = auth.issue_wall_token(wall, issued=int(time.time() - timedelta(days=31).total_seconds()))
    assert auth.verify_wall_token(old, lambda uid: auth._account(demo_url, uid)) is None
    assert auth.verify_wall_token("garbage", lambda uid: None) is None


def test_page_scripts_guard_themselves(demo_url):
    for script in ("wall.py", "daily.py", "positions.py"):
        at = no_exception(AppTest.from_file(str(Path(APP).parent / "pages" / script), default_timeout=60).run())
        assert any(A["need_sign_in"] in w.value for w in at.warning)
        assert not at.metric and not at.dataframe
    assert scalar(demo_url, "SELECT 1") == 1


def test_database_down_gives_a_message_not_a_traceback(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere")
    config.settings.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["auth_user"] = {"id": 1, "username": "x", "display_name": "x", "role": "leader",
                                         "dept_id": None, "staff_id": None, "credential_tag": "x"}
        at.session_state["auth_last_active"] = time.time()
        at = no_exception(at.run())
        assert at.error and at.error[0].value.startswith(labels.APP["db_error"].split("{")[0])
    finally:
        config.settings.cache_clear()
