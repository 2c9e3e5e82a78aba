"""Built-in accounts: argon2 password hashing, account creation, sign-in with lockout."""
from __future__ import annotations

import hashlib
import secrets
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from db.config import settings
from db.schema import audit_log, users

_hasher = PasswordHasher()
# Demo accounts are refused in production; a lighter argon2id profile keeps the first start quick
# (hundreds of worker accounts). The parameters travel inside each hash, so verify() reads both.
_demo_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def hash_demo_password(password: str) -> str:
    return _demo_hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password(length: int = 12) -> str:
    """A random password (not from the demo seed: demo passwords must not be guessable from the repository)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    role: str
    password: str
    dept_id: int | None = None
    staff_id: int | None = None
    is_demo: bool = False


def create_users(conn: Connection, new_users: list[NewUser]) -> None:
    """Insert accounts; argon2 is deliberately slow (~125 ms each here), so big batches hash on all cores."""
    passwords = [u.password for u in new_users]
    hasher = hash_demo_password if all(u.is_demo for u in new_users) else hash_password
    if len(passwords) > 20:
        with ProcessPoolExecutor() as pool:
            hashes = list(pool.map(hasher, passwords, chunksize=16))
    else:
        hashes = [hasher(p) for p in passwords]
    conn.execute(insert(users), [
        {"username": u.username, "display_name": u.display_name, "role": u.role, "password_hash": h,
         "dept_id": u.dept_id, "staff_id": u.staff_id, "is_demo": u.is_demo}
        for u, h in zip(new_users, hashes)
    ])


MAX_FAILURES = 5          # failed sign-ins in a row before the account locks
LOCK_MINUTES = 15


@cache
def _dummy_hash() -> str:
    """Verified when the username is unknown, so a wrong name costs the same time as a wrong password."""
    return _hasher.hash(new_password())


_SESSION_FIELDS = ("id", "username", "display_name", "role", "dept_id", "staff_id", "active", "is_demo")


def _session_view(row) -> dict:
    """What a session keeps: never the hash itself, only a tag that changes when the password changes."""
    view = {k: row[k] for k in _SESSION_FIELDS}
    view["credential_tag"] = hashlib.sha256((row["password_hash"] or "").encode()).hexdigest()[:16]
    return view


@dataclass(frozen=True)
class SignInResult:
    """Outcome of authenticate(): ok with the user's row, or the reason ('bad_credentials', 'locked',
    'demo_refused', or for single sign-on 'unknown_user')."""
    ok: bool
    user: dict | None = None
    reason: str | None = None
    locked_until: datetime | None = None


def _audit(conn: Connection, action: str, username: str, user_id: int | None, client: str | None,
           detail: dict | None = None) -> None:
    conn.execute(insert(audit_log).values(user_id=user_id, username=username, action=action, target_kind="user",
                                          target_id=str(user_id) if user_id else None, detail=detail,
                                          client=client))


def demo_refused(account: dict | None, production: bool | None = None) -> bool:
    """True for a demo account while GRID_PRODUCTION is set: their passwords were printed by ./start.sh."""
    production = settings().production if production is None else production
    return bool(production and account is not None and account.get("is_demo"))


def authenticate(conn: Connection, username: str, password: str, client: str | None = None,
                 max_failures: int = MAX_FAILURES, lock_minutes: int = LOCK_MINUTES,
                 production: bool | None = None) -> SignInResult:
    """Check a password with lockout; writes audit_log 'login' / 'login_failed'. Run inside a transaction.

    production (default: GRID_PRODUCTION) refuses demo accounts before their password is even looked at.
    """
    username = (username or "").strip()
    row = conn.execute(select(users).where(users.c.username == username).with_for_update()).mappings().first()
    now = conn.execute(select(func.now())).scalar_one()
    if row is None or not row["active"]:
        verify_password(_dummy_hash(), password)
        _audit(conn, "login_failed", username, row["id"] if row else None, client,
               {"reason": "unknown_user" if row is None else "inactive"})
        return SignInResult(False, reason="bad_credentials")
    if demo_refused(row, production):
        # Demo account names are public (the README lists them), so saying why leaks nothing.
        verify_password(_dummy_hash(), password)
        _audit(conn, "login_failed", username, row["id"], client, {"reason": "demo_refused"})
        return SignInResult(False, reason="demo_refused")
    if row["locked_until"] is not None and row["locked_until"] > now:
        _audit(conn, "login_failed", username, row["id"], client, {"reason": "locked"})
        return SignInResult(False, reason="locked", locked_until=row["locked_until"])
    if verify_password(row["password_hash"], password):
        conn.execute(update(users).where(users.c.id == row["id"]).values(failed_attempts=0, locked_until=None))
        _audit(conn, "login", username, row["id"], client)
        return SignInResult(True, user=_session_view(row))
    # An expired lock starts a fresh count.
    attempts = (0 if row["locked_until"] is not None else row["failed_attempts"]) + 1
    locked_until = now + timedelta(minutes=lock_minutes) if attempts >= max_failures else None
    conn.execute(update(users).where(users.c.id == row["id"]).values(failed_attempts=attempts,
                                                                     locked_until=locked_until))
    _audit(conn, "login_failed", username, row["id"], client,
           {"reason": "bad_password", "attempts": attempts, "locked": locked_until is not None})
    if locked_until is not None:
        return SignInResult(False, reason="locked", locked_until=locked_until)
    return SignInResult(False, reason="bad_credentials")


def load_user(conn: Connection, user_id: int) -> dict | None:
    """The account as a session sees it (to notice deactivation, a role change or a new password)."""
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return _session_view(row) if row else None


def record(conn: Connection, action: str, user_id: int, username: str, client: str | None = None,
           detail: dict | None = None) -> None:
    """An audit_log row about an account (e.g. 'logout', or 'login' through the wall's long-lived link)."""
    _audit(conn, action, username, user_id, client, detail)


def sso_sign_in(conn: Connection, names: list[str], client: str | None = None,
                production: bool | None = None) -> SignInResult:
    """Single sign-on: the identity provider vouched for these names (preferred_username, email); the first
    that is a built-in account's login name is the one signed in, and only if active. Roles live here, not at
    the provider, so an unknown name is refused. Writes 'login' / 'login_failed' with via=sso."""
    names = [n.strip() for n in names if n and n.strip()]
    rows = conn.execute(select(users).where(users.c.username.in_(names))).mappings().all() if names else []
    row = min(rows, key=lambda r: names.index(r["username"]), default=None)
    name = row["username"] if row else (names[0] if names else "")
    if row is None or not row["active"]:
        _audit(conn, "login_failed", name, row["id"] if row else None, client,
               {"via": "sso", "reason": "unknown_user" if row is None else "inactive"})
        return SignInResult(False, reason="unknown_user")
    if demo_refused(row, production):
        _audit(conn, "login_failed", name, row["id"], client, {"via": "sso", "reason": "demo_refused"})
        return SignInResult(False, reason="demo_refused")
    _audit(conn, "login", name, row["id"], client, {"via": "sso"})
    return SignInResult(True, user=_session_view(row))
