"""Demo sign-in accounts: the five desk roles, one per department, one per full-time grid worker."""
from __future__ import annotations

from sqlalchemy import Connection

from db import labels
from db.accounts import NewUser, create_users, new_password

DESK_ACCOUNTS = ("admin", "dispatcher", "operator", "leader", "wall")


def create_demo_accounts(conn: Connection, departments: list[dict], patrollers: list[dict],
                         ids: dict[str, dict[str, int]]) -> dict[str, str]:
    """Creates the accounts with fresh random passwords (never derived from the seed); {username: password}."""
    users = [NewUser(name, labels.DEMO_ACCOUNT_NAMES[name], name, new_password(), is_demo=True)
             for name in DESK_ACCOUNTS]
    users += [NewUser(f"dept-{d['code']}", d["name"], "department", new_password(),
                      dept_id=ids["departments"][d["code"]], is_demo=True) for d in departments]
    users += [NewUser(f"worker-{p['code']}", p["name"], "grid_worker", new_password(),
                      staff_id=ids["staff"][p["code"]], is_demo=True) for p in patrollers]
    create_users(conn, users)
    return {u.username: u.password for u in users}
