"""python -m db users: account changes on the server, each one audited; refusals explained without a traceback."""
from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from db import accounts
from db.labels import USERS as L
from launcher.paths import ROOT

PASSWORD = "Changeme-2026"


def run(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "db", "users", "--database-url", db_url, *args], cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=120)


def audit_actions(engine) -> list[tuple[str, str]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(
            "SELECT action, detail ->> 'account' FROM audit_log WHERE action LIKE 'user.%' ORDER BY id"))]


def test_add_password_role_deactivate_each_audited(db_url, engine):
    with engine.begin() as c:
        dept = c.execute(text("INSERT INTO departments (code, name, tier) VALUES ('cg', '城管局', 1) "
                              "RETURNING code")).scalar_one()
    done = run(db_url, "add", "li.si", "李四", "operator", "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    with engine.begin() as c:
        assert accounts.authenticate(c, "li.si", PASSWORD).ok
    assert run(db_url, "passwd", "li.si", "--password-stdin", stdin="Another-pass-1\n").returncode == 0
    assert run(db_url, "role", "li.si", "department", "--dept", dept).returncode == 0
    assert run(db_url, "deactivate", "li.si").returncode == 0
    with engine.begin() as c:
        row = c.execute(text("SELECT role, active FROM users WHERE username = 'li.si'")).one()
        assert tuple(row) == ("department", False)
        assert not accounts.authenticate(c, "li.si", "Another-pass-1").ok
    assert audit_actions(engine) == [("user.create", "li.si"), ("user.password", "li.si"),
                                     ("user.role", "li.si"), ("user.deactivate", "li.si")]
    listed = run(db_url, "list")
    assert listed.returncode == 0 and "li.si" in listed.stdout and "password" not in listed.stdout


def test_refusals_are_one_sentence(db_url, engine):
    short = run(db_url, "add", "w1", "王五", "operator", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and L["short"] in short.stderr and "Traceback" not in short.stderr
    bad_role = run(db_url, "add", "w1", "王五", "boss", "--password-stdin", stdin=PASSWORD + "\n")
    assert bad_role.returncode == 1 and "boss" in bad_role.stderr
    no_dept = run(db_url, "add", "w2", "赵六", "department", "--password-stdin", stdin=PASSWORD + "\n")
    assert no_dept.returncode == 1 and "--dept" in no_dept.stderr
    assert run(db_url, "add", "w3", "钱七", "leader", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    twice = run(db_url, "add", "w3", "钱七", "leader", "--password-stdin", stdin=PASSWORD + "\n")
    assert twice.returncode == 1 and L["exists"].format(name="w3") in twice.stderr
    missing = run(db_url, "passwd", "nobody", "--password-stdin", stdin=PASSWORD + "\n")
    assert missing.returncode == 1 and L["no_user"].format(name="nobody") in missing.stderr
    assert [a for a, _ in audit_actions(engine)] == ["user.create"]
