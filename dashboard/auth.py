"""Sign-in glue for Streamlit: the session's user, idle timeout, page guards, sign-in form, optional single sign-on, sign-out, the wall's long-lived link."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timezone

import streamlit as st

from dashboard import nav
from db import accounts, labels
from db.config import DATA_DIR, database_url
from db.engine import get_engine

A = labels.AUTH
IDLE_MINUTES_ENV = "GRID_SESSION_IDLE_MINUTES"
IDLE_MINUTES = 30                     # desk roles are signed out after this long without an interaction
LONG_LIVED_ROLES = frozenset({"wall"})
WALL_TOKEN_DAYS = 30
TOKEN_PARAM = "token"
SECRET_ENV = "GRID_SESSION_SECRET"
ACCOUNT_CHECK_TTL_S = 15              # deactivation, role or password changes end sessions within this
# Staff phones: shown to the people who call workers (center desk), masked on the wall and for others.
STAFF_PHONE_ROLES = frozenset({"operator", "dispatcher", "admin"})

_USER, _ACTIVE, _NOTICE = "auth_user", "auth_last_active", "auth_notice"
_SSO_REFUSED = "auth_sso_refused"           # the provider identity already refused in this session (audited once)
TOAST = "auth_toast"                        # one message shown once after signing in
REQUESTED_PAGE = "auth_requested_page"      # URL path an anonymous visitor opened (set by app.py)
LOGIN_SCRIPT = "pages/login.py"
SESSION_KEYS = ("id", "username", "display_name", "role", "dept_id", "staff_id", "credential_tag")


def idle_limit_s() -> float:
    raw = os.environ.get(IDLE_MINUTES_ENV, "")
    minutes = int(raw) if raw.isdigit() and int(raw) > 0 else IDLE_MINUTES
    return minutes * 60.0


def client() -> str | None:
    """The browser's address for the audit log (None when unknown, e.g. under a test harness)."""
    try:
        ip = st.context.ip_address
    except (AttributeError, RuntimeError):
        return None
    return ip if isinstance(ip, str) else None


@st.cache_data(ttl=ACCOUNT_CHECK_TTL_S, show_spinner=False)
def _account(url: str, user_id: int) -> dict | None:
    with get_engine(url).connect() as conn:
        return accounts.load_user(conn, user_id)


def _same_account(session_user: dict, account: dict | None) -> bool:
    return (account is not None and account["active"] and account["role"] == session_user["role"]
            and account["credential_tag"] == session_user["credential_tag"])


def start_session(user: dict) -> None:
    st.session_state[_USER] = {k: user[k] for k in SESSION_KEYS}
    st.session_state[_ACTIVE] = time.time()
    if user["role"] in LONG_LIVED_ROLES:
        st.query_params[TOKEN_PARAM] = issue_wall_token(user)
        st.session_state[TOAST] = A["wall_link"]


def sign_out(reason: str = "user", notice: str | None = None) -> None:
    user = st.session_state.pop(_USER, None)
    st.session_state.pop(_ACTIVE, None)
    if TOKEN_PARAM in st.query_params:
        del st.query_params[TOKEN_PARAM]
    if notice:
        st.session_state[_NOTICE] = notice
    if user:
        with get_engine(database_url()).begin() as conn:
            accounts.record(conn, "logout", user["id"], user["username"], client(), {"reason": reason})
    if _sso_signed_in():
        # Otherwise the provider's cookie would sign the same person in again on the next run.
        st.logout()


def current_user(touch: bool = False) -> dict | None:
    """The signed-in user, or None. Ends sessions that idled out or whose account changed.

    Only app.py passes touch=True: fragments re-running on a timer are not user activity.
    """
    user = st.session_state.get(_USER)
    if user is None:
        user = _restore_from_token() or _restore_from_sso()
        if user is None:
            return None
    if user["role"] not in LONG_LIVED_ROLES and time.time() - st.session_state.get(_ACTIVE, 0) > idle_limit_s():
        sign_out("timeout", A["expired"])
        return None
    account = _account(database_url(), user["id"])
    if not _same_account(user, account):
        sign_out("account_changed", A["account_changed"])
        return None
    if accounts.demo_refused(account):          # GRID_PRODUCTION set while a demo session was open
        sign_out("demo_refused", A["demo_refused"])
        return None
    if touch:
        st.session_state[_ACTIVE] = time.time()
    return user


def require(page_key: str) -> dict:
    """Page guard: the user if signed in and allowed on this page; otherwise a message and st.stop()."""
    user = current_user()
    if user is None:
        # Normally app.py shows the form before any page runs; this is the page's own line of defence.
        st.warning(A["need_sign_in"])
        sign_in_form()
        st.stop()
    if not nav.allowed(page_key, user["role"]):
        st.error(A["forbidden"].format(role=labels.USER_ROLE.get(user["role"], user["role"])))
        st.stop()
    return user


def still_signed_in(page_key: str) -> bool:
    """For timer fragments: False when the session ended meanwhile (the caller reruns the whole app)."""
    user = current_user()
    return user is not None and nav.allowed(page_key, user["role"])


def can_see_staff_phones(role: str | None) -> bool:
    return role in STAFF_PHONE_ROLES


# --- sign-in form -----------------------------------------------------------------------------------

def sign_in_form() -> None:
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.info(notice)
    with st.form("sign_in", enter_to_submit=True):
        username = st.text_input(A["username"], max_chars=64)
        password = st.text_input(A["password"], type="password", max_chars=128)
        submitted = st.form_submit_button(A["submit"], type="primary", width="stretch")
    sso_button()
    if not submitted:
        return
    if not username.strip() or not password:
        st.error(A["empty"])
        return
    with get_engine(database_url()).begin() as conn:
        result = accounts.authenticate(conn, username, password, client())
    if result.ok:
        start_session(result.user)
        _land(result.user["role"])
    elif result.reason == "demo_refused":
        st.error(A["demo_refused"])
    elif result.reason == "locked":
        left = (result.locked_until - datetime.now(timezone.utc)).total_seconds()
        st.error(A["locked"].format(minutes=max(1, math.ceil(left / 60))))
    else:
        st.error(A["bad_credentials"])


def _land(role: str) -> None:
    """After signing in: stay on the page the visitor asked for when the role may open it, else go to the
    role's first page (the sign-in form stood in for every page under the same URL path)."""
    wanted = st.session_state.get(REQUESTED_PAGE)
    pages = nav.pages_for(role)
    if not pages or any(p.url == wanted for p in pages):
        st.rerun()
    # Keep the URL parameters (the wall's ?kiosk=1 and its token) across the switch.
    st.switch_page(st.Page(LOGIN_SCRIPT, url_path=pages[0].url), query_params=st.query_params.to_dict())


def account_box(user: dict) -> None:
    """Who is signed in, and the sign-out button (sidebar)."""
    st.caption(A["signed_in_as"].format(name=user["display_name"],
                                        role=labels.USER_ROLE.get(user["role"], user["role"])))
    if st.button(A["sign_out"], key="sign_out", width="stretch"):
        sign_out()
        st.rerun()


# --- optional single sign-on (Streamlit's OIDC: st.login / st.user) ----------------------------------------

def sso_provider() -> str | None | bool:
    """False without an [auth] section naming an OIDC provider in secrets.toml; else the provider for st.login
    (None for settings directly under [auth], else the name of the first [auth.<name>] table)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return False
        section = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, ValueError):
        return False
    if not isinstance(section, Mapping):
        return False
    if "server_metadata_url" in section:
        return None
    return next((name for name, v in section.items() if isinstance(v, Mapping) and "server_metadata_url" in v),
                False)


def sso_button() -> None:
    """The 单点登录 button under the form, only when single sign-on is configured."""
    provider = sso_provider()
    if provider is False:
        return
    refused = st.session_state.get(_SSO_REFUSED)
    if refused:
        st.error(A[refused[0]].format(name=refused[1]))
    if st.button(A["sso"], key="sso_sign_in", width="stretch"):
        st.session_state.pop(_SSO_REFUSED, None)
        st.login(provider)


def _sso_signed_in() -> bool:
    return sso_provider() is not False and bool(st.user.get("is_logged_in"))


def _restore_from_sso() -> dict | None:
    """The provider vouched for a person: sign in the built-in account of the same login name, if any."""
    if not _sso_signed_in() or _SSO_REFUSED in st.session_state:
        return None
    names = [str(st.user.get(k) or "") for k in ("preferred_username", "email")]
    with get_engine(database_url()).begin() as conn:
        result = accounts.sso_sign_in(conn, names, client())
    if not result.ok:
        reason = "demo_refused" if result.reason == "demo_refused" else "sso_unknown"
        st.session_state[_SSO_REFUSED] = (reason, next((n for n in names if n), ""))
        return None
    start_session(result.user)
    return st.session_state[_USER]


# --- the wall's long-lived link -----------------------------------------------------------------------

def _secret() -> bytes:
    """GRID_SESSION_SECRET, else a random secret kept in .data/ (created once, readable by the owner only)."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode()
    path = DATA_DIR / "session_secret"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".session_secret.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)          # atomic and refuses to overwrite: the first process's secret wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def _sign(message: str) -> str:
    digest = hmac.new(_secret(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def issue_wall_token(user: dict, issued: int | None = None) -> str:
    """user id . issue time . signature over both and the password tag (a new password voids old links)."""
    issued = int(time.time()) if issued is None else issued
    head = f"{user['id']}.{issued}"
    return f"{head}.{_sign(head + '.' + user['credential_tag'])}"


def verify_wall_token(token: str, account_of) -> dict | None:
    """The wall account a token stands for, or None (bad, expired, not a wall account, password changed)."""
    try:
        user_id, issued, signature = token.split(".")
        uid, at = int(user_id), int(issued)
    except (ValueError, AttributeError):
        return None
    if not 0 <= time.time() - at <= WALL_TOKEN_DAYS * 86400:
        return None
    account = account_of(uid)
    if account is None or not account["active"] or account["role"] not in LONG_LIVED_ROLES \
            or accounts.demo_refused(account):
        return None
    expected = _sign(f"{uid}.{at}.{account['credential_tag']}")
    return account if hmac.compare_digest(expected, signature) else None


def _restore_from_token() -> dict | None:
    """A wall screen reloaded (or restarted): its link signs it in again and is renewed for another period."""
    token = st.query_params.get(TOKEN_PARAM)
    if not token:
        return None
    account = verify_wall_token(token, lambda uid: _account(database_url(), uid))
    if account is None:
        del st.query_params[TOKEN_PARAM]
        return None
    st.session_state[_USER] = {k: account[k] for k in SESSION_KEYS}
    st.session_state[_ACTIVE] = time.time()
    st.query_params[TOKEN_PARAM] = issue_wall_token(account)
    with get_engine(database_url()).begin() as conn:
        accounts.record(conn, "login", account["id"], account["username"], client(), {"via": "wall_link"})
    return st.session_state[_USER]
