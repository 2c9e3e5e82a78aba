"""Built-in accounts: argon2 password hashing, account creation, sign-in with lockout."""
from __future__ import annotations

import secrets
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert

from db.schema import users

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
