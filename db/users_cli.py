"""`python -m db users …`: account administration on the server (add, password, role, deactivate, list), each change audited."""
from __future__ import annotations

import argparse
import getpass
import json
import sys

from sqlalchemy import Connection, create_engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from db import accounts, config, enums
from db.labels import USERS as L
from db.schema import audit_log, departments, staff, users

ACTOR = "cli"          # audit rows name the operating-system side, not a signed-in account


class UserError(RuntimeError):
    """A refused change; the message (Chinese) is for the administrator."""


def _audit(conn: Connection, action: str, row_id: int, username: str, detail: dict) -> None:
    conn.execute(insert(audit_log).values(username=ACTOR, action=action, target_kind="user", target_id=str(row_id),
                                          detail={"account": username, **detail}))


def _user_id(conn: Connection, username: str) -> int:
    found = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if found is None:
        raise UserError(L["no_user"].format(name=username))
    return found


def _ref(conn: Connection, table, code: str | None, what: str) -> int | None:
    if not code:
        return None
    found = conn.execute(select(table.c.id).where(table.c.code == code)).scalar()
    if found is None:
        raise UserError(L["no_ref"].format(what=what, code=code))
    return found


def add(conn: Connection, username: str, display_name: str, role: str, password: str,
        dept_code: str | None = None, staff_code: str | None = None) -> int:
    if role not in enums.USER_ROLES:
        raise UserError(L["bad_role"].format(role=role, roles="、".join(enums.USER_ROLES)))
    dept_id, staff_id = _ref(conn, departments, dept_code, L["dept"]), _ref(conn, staff, staff_code, L["staff"])
    if role == "department" and dept_id is None or role == "grid_worker" and staff_id is None:
        raise UserError(L["needs_ref"].format(role=role))
    try:
        with conn.begin_nested():
            accounts.create_users(conn, [accounts.NewUser(username, display_name, role, password, dept_id, staff_id)])
    except IntegrityError:
        raise UserError(L["exists"].format(name=username)) from None
    row_id = _user_id(conn, username)
    _audit(conn, "user.create", row_id, username, {"role": role, "dept_id": dept_id, "staff_id": staff_id})
    return row_id


def set_password(conn: Connection, username: str, password: str) -> None:
    row_id = _user_id(conn, username)
    # A new password also lifts a lockout; open sessions end (their credential tag no longer matches).
    conn.execute(update(users).where(users.c.id == row_id).values(
        password_hash=accounts.hash_password(password), failed_attempts=0, locked_until=None))
    _audit(conn, "user.password", row_id, username, {})


def set_role(conn: Connection, username: str, role: str, dept_code: str | None = None) -> None:
    if role not in enums.USER_ROLES:
        raise UserError(L["bad_role"].format(role=role, roles="、".join(enums.USER_ROLES)))
    row_id = _user_id(conn, username)
    dept_id = _ref(conn, departments, dept_code, L["dept"])
    try:
        with conn.begin_nested():
            conn.execute(update(users).where(users.c.id == row_id).values(role=role, dept_id=dept_id))
    except IntegrityError:
        raise UserError(L["needs_ref"].format(role=role)) from None
    _audit(conn, "user.role", row_id, username, {"role": role, "dept_id": dept_id})


def set_active(conn: Connection, username: str, active: bool) -> None:
    row_id = _user_id(conn, username)
    conn.execute(update(users).where(users.c.id == row_id).values(active=active))
    _audit(conn, "user.activate" if active else "user.deactivate", row_id, username, {})


def listing(conn: Connection) -> list[dict]:
    cols = (users.c.username, users.c.display_name, users.c.role, users.c.active, users.c.is_demo)
    return [dict(r) for r in conn.execute(select(*cols).order_by(users.c.username)).mappings()]


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(L["prompt"])


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m db users", description=L["help"])
    ap.add_argument("--database-url")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("add", help=L["help_add"])
    p.add_argument("username"), p.add_argument("display_name"), p.add_argument("role")
    p.add_argument("--dept"), p.add_argument("--staff"), p.add_argument("--password-stdin", action="store_true")
    p = sub.add_parser("passwd", help=L["help_passwd"])
    p.add_argument("username"), p.add_argument("--password-stdin", action="store_true")
    p = sub.add_parser("role", help=L["help_role"])
    p.add_argument("username"), p.add_argument("role"), p.add_argument("--dept")
    for name in ("deactivate", "activate"):
        sub.add_parser(name, help=L[f"help_{name}"]).add_argument("username")
    sub.add_parser("list", help=L["help_list"])
    return ap


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv[1:])
    try:
        engine = create_engine(args.database_url or config.database_url())
        password = _password(args) if args.cmd in ("add", "passwd") else None
        if password is not None and len(password) < 8:
            raise UserError(L["short"])
        with engine.begin() as conn:
            if args.cmd == "add":
                add(conn, args.username, args.display_name, args.role, password, args.dept, args.staff)
            elif args.cmd == "passwd":
                set_password(conn, args.username, password)
            elif args.cmd == "role":
                set_role(conn, args.username, args.role, args.dept)
            elif args.cmd in ("activate", "deactivate"):
                set_active(conn, args.username, args.cmd == "activate")
            else:
                print(json.dumps(listing(conn), ensure_ascii=False, indent=1))
                return 0
        print(L["done"].format(cmd=args.cmd, name=args.username))
    except (UserError, RuntimeError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0
