"""Audit: append-only audit_log, the 审计日志 viewer (roles, filters, masking, paging), audited daily exports,
demo accounts refused under GRID_PRODUCTION, and no single sign-on button without configuration."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard import audit_view, auth, clock, queries_audit
from db import accounts, config, labels
from db.engine import get_engine
from db.schema import audit_log, users
from tests.test_dashboard_auth import PASSWORD, _set_password, _sign_in
from tests.test_dashboard_wall import APP, demo_url, no_exception, refused, run_page, run_script  # noqa: F401

AU = labels.AUDIT
PHONE, ID_NO, NAME = "13912345678", "35010219900101123X", "王小明"


# --- append-only --------------------------------------------------------------------------------------

@pytest.fixture
def audited(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        accounts.create_users(conn, [accounts.NewUser("duty1", "值班员甲", "operator", PASSWORD)])
        accounts.authenticate(conn, "duty1", PASSWORD, client="10.0.0.1")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET username = 'someone_else'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "TRUNCATE audit_log, users CASCADE",
])
def test_audit_log_refuses_update_delete_and_truncate(audited, statement):
    with pytest.raises(DBAPIError, match="审计日志只允许追加"):
        with audited.begin() as conn:
            conn.execute(text(statement))
    with audited.connect() as conn:
        assert conn.execute(select(audit_log.c.username, audit_log.c.action)).all() == [("duty1", "login")]


def test_audit_log_still_takes_inserts_and_public_holds_no_change_rights(audited):
    with audited.begin() as conn:
        accounts.record(conn, "logout", 1, "duty1")
        privileges = conn.execute(text(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'audit_log' AND grantee = 'PUBLIC'")).scalars().all()
    assert not {"UPDATE", "DELETE", "TRUNCATE"} & set(privileges)
    with audited.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 2


# --- demo accounts in production -------------------------------------------------------------------------

def test_production_refuses_demo_accounts_and_audits_it(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        accounts.create_users(conn, [accounts.NewUser("admin", "演示管理员", "admin", PASSWORD, is_demo=True),
                                     accounts.NewUser("chief", "正式管理员", "admin", PASSWORD)])
    with engine.begin() as conn:
        assert accounts.authenticate(conn, "admin", PASSWORD, production=False).ok
        refusal = accounts.authenticate(conn, "admin", PASSWORD, production=True)
        assert (refusal.ok, refusal.reason) == (False, "demo_refused")
        assert accounts.authenticate(conn, "chief", PASSWORD, production=True).ok
        assert accounts.sso_sign_in(conn, ["admin"], production=True).reason == "demo_refused"
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
                            .order_by(audit_log.c.id)).all()
        failures = conn.execute(select(users.c.failed_attempts).where(users.c.username == "admin")).scalar()
    assert [(r.username, r.action) for r in rows] == [("admin", "login"), ("admin", "login_failed"),
                                                      ("chief", "login"), ("admin", "login_failed")]
    assert rows[1].detail == {"reason": "demo_refused"} and rows[3].detail["reason"] == "demo_refused"
    assert failures == 0                        # a refusal is not a wrong password: no lockout count
    engine.dispose()


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("GRID_PRODUCTION", "1")
    config.settings.cache_clear()
    auth._account.clear()
    yield
    monkeypatch.delenv("GRID_PRODUCTION")
    config.settings.cache_clear()
    auth._account.clear()


def test_sign_in_form_refuses_demo_account_in_production(demo_url, production):
    assert config.settings().production
    _set_password(demo_url, "dispatcher")
    at = no_exception(_sign_in(AppTest.from_file(APP, default_timeout=60).run(), "dispatcher", PASSWORD))
    assert at.error[0].value == labels.AUTH["demo_refused"]
    assert "auth_user" not in at.session_state and not at.metric
    with get_engine(demo_url).connect() as conn:
        last = conn.execute(select(audit_log.c.action, audit_log.c.detail).where(audit_log.c.username == "dispatcher")
                            .order_by(audit_log.c.id.desc()).limit(1)).one()
    assert (last.action, last.detail) == ("login_failed", {"reason": "demo_refused"})


def test_open_demo_session_ends_when_production_is_set(demo_url, production):
    at = no_exception(run_page(demo_url, "leader"))
    assert "auth_user" not in at.session_state and not at.metric
    assert at.info[0].value == labels.AUTH["demo_refused"]


def test_no_single_sign_on_button_without_configuration(demo_url):
    at = no_exception(AppTest.from_file(APP, default_timeout=60).run())
    assert [t.label for t in at.text_input] == [labels.AUTH["username"], labels.AUTH["password"]]
    assert labels.AUTH["sso"] not in [b.label for b in at.button]


def test_single_sign_on_button_when_an_oidc_provider_is_configured(demo_url):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "keycloak": {"client_id": "grid", "client_secret": "s",
                                       "server_metadata_url": "http://kc.local/realms/grid/.well-known/"
                                                              "openid-configuration"}}
    at = no_exception(at.run())
    assert labels.AUTH["sso"] in [b.label for b in at.button]


def test_single_sign_on_maps_to_a_built_in_account_of_the_same_name(db_url):
    engine = create_engine(db_url)
    with engine.begin() as conn:
        accounts.create_users(conn, [accounts.NewUser("zhang.san", "张三", "leader", PASSWORD)])
    with engine.begin() as conn:
        found = accounts.sso_sign_in(conn, ["", "zhang.san"], client="10.0.0.2")     # by email when no username
        assert found.ok and found.user["role"] == "leader" and "password_hash" not in found.user
        assert accounts.sso_sign_in(conn, ["stranger", "stranger@example.org"]).reason == "unknown_user"
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.username, audit_log.c.action, audit_log.c.detail)
                            .order_by(audit_log.c.id)).all()
    assert [tuple(r) for r in rows] == [("zhang.san", "login", {"via": "sso"}),
                                        ("stranger", "login_failed", {"via": "sso", "reason": "unknown_user"})]
    engine.dispose()


# --- the viewer -------------------------------------------------------------------------------------------

def _insert(url: str, **row) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(insert(audit_log).values(**row))


@pytest.fixture(scope="module")
def marked(demo_url):
    """Audit rows the viewer must show masked: a phone and an ID number in a reason, a reporter's name."""
    _insert(demo_url, username="operator", action="case.reject", target_kind="case", target_id="20991231-0001",
            detail={"reason": f"来电人 {PHONE} 身份证 {ID_NO} 重复来电", "reporter_name": NAME})
    _insert(demo_url, username="admin", action="admin.department.update", target_kind="department",
            target_id="D%_1", detail={"name": "<script>alert(1)</script>"})
    return demo_url


def _table(at: AppTest):
    return next(df.value for df in at.dataframe if AU["col_detail"] in df.value)


@pytest.mark.parametrize("role", ["admin", "leader"])
def test_viewer_shows_newest_first_in_local_time_with_personal_data_masked(marked, role):
    at = no_exception(run_page(marked, role, "pages/audit.py"))
    assert at.title[0].value == AU["title"]
    df = _table(at)
    with get_engine(marked).connect() as conn:
        newest = conn.execute(select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
                              .limit(1)).mappings().one()
    assert len(df) == queries_audit.PAGE_SIZES[0]
    assert df[AU["col_at"]].iloc[0] == newest["at"].astimezone(clock.tz()).strftime("%Y-%m-%d %H:%M:%S")
    assert list(df[AU["col_at"]]) == sorted(df[AU["col_at"]], reverse=True)
    shown = df.to_csv()
    assert PHONE not in shown and ID_NO not in shown and NAME not in shown
    assert "139****5678" in shown and "350***********123X" in shown and "王**" in shown


def test_viewer_filters_by_actor_kind_and_text(marked):
    at = no_exception(run_page(marked, "admin", "pages/audit.py"))
    next(t for t in at.text_input if t.label == AU["text"]).set_value("20991231-0001")
    df = _table(no_exception(at.run()))
    assert list(df[AU["col_target"]]) == ["20991231-0001"]
    assert df[AU["col_action"]].iloc[0] == f"{labels.AUDIT_KIND['case.']}·{labels.WF_ACTION['reject']}"
    next(t for t in at.text_input if t.label == AU["text"]).set_value("%_")     # LIKE wildcards match themselves
    df = _table(no_exception(at.run()))
    assert list(df[AU["col_target"]]) == ["D%_1"]
    next(t for t in at.text_input if t.label == AU["text"]).set_value("")
    next(t for t in at.text_input if t.label == AU["actor"]).set_value("operat")
    at.multiselect[0].set_value(["case."])
    df = _table(no_exception(at.run()))
    assert set(df[AU["col_user"]]) == {"operator"} and len(df) >= 1
    at.multiselect[0].set_value(["login_failed"])
    at = no_exception(at.run())
    assert at.info[0].value == AU["none"] and not at.dataframe


def test_viewer_pages_through_the_range(marked):
    today = clock.today()
    start, end = clock.day_bounds(today - timedelta(days=6), today)
    rows, total = queries_audit.search(get_engine(marked), queries_audit.AuditFilter(start, end), 50)
    second, _ = queries_audit.search(get_engine(marked), queries_audit.AuditFilter(start, end), 50, 50)
    assert total > 50 and len(rows) == 50
    assert not {r["id"] for r in rows} & {r["id"] for r in second}
    assert rows[-1]["at"] >= (second[0]["at"] if second else datetime.min.replace(tzinfo=timezone.utc))
    earlier, _ = queries_audit.search(get_engine(marked), queries_audit.AuditFilter(start - timedelta(days=3650),
                                                                                     start), 5)
    assert all(r["at"] < start for r in earlier)


@pytest.mark.parametrize("role", ["operator", "dispatcher", "wall", "department", "grid_worker"])
def test_viewer_refused_for_other_roles(marked, role):
    at = no_exception(run_script(marked, role, "pages/audit.py"))
    assert refused(at) and not at.dataframe


# --- audited exports ----------------------------------------------------------------------------------------

def test_daily_report_downloads_are_audited(demo_url, monkeypatch):
    """The page's two download buttons, generated the way a click makes Streamlit generate them."""
    registered = []
    original = MediaFileManager.add_deferred

    def keep(self, *args, **kwargs):             # records which manager holds each deferred file, then registers it
        file_id = original(self, *args, **kwargs)
        registered.append((self, file_id))
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = no_exception(run_page(demo_url, "leader", "pages/daily.py"))
    assert len(at.get("download_button")) == 2
    with get_engine(demo_url).connect() as conn:
        before = conn.execute(select(func.max(audit_log.c.id))).scalar() or 0
    by_id = dict((fid, mgr) for mgr, fid in registered)
    for button in at.get("download_button"):
        file_id = button.proto.deferred_file_id
        assert by_id[file_id].execute_deferred(file_id)
    with get_engine(demo_url).connect() as conn:
        rows = conn.execute(select(audit_log.c.username, audit_log.c.action, audit_log.c.target_kind)
                            .where(audit_log.c.id > before).order_by(audit_log.c.id)).all()
    assert [tuple(r) for r in rows] == [("leader", "export", "daily.xlsx"), ("leader", "export", "daily.html")]


def test_audited_download_writes_the_row_when_the_file_is_made(demo_url):
    user = {"id": None, "username": "tester"}
    make = audit_view.audited_download(demo_url, user, "daily.xlsx", 7, lambda: b"bytes")
    with get_engine(demo_url).connect() as conn:
        assert not conn.execute(select(audit_log.c.id).where(audit_log.c.username == "tester")).all()
    assert make() == b"bytes"
    with get_engine(demo_url).connect() as conn:
        row = conn.execute(select(audit_log.c.action, audit_log.c.detail)
                           .where(audit_log.c.username == "tester")).one()
    assert (row.action, row.detail) == ("export", {"rows": 7})
