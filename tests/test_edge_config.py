"""edge-config against a real PostgreSQL: accounts and ACL from registered devices, passwords kept across runs,
rotation, gateways, refusals; the `$7$` hash checked against mosquitto_passwd's own output."""
from __future__ import annotations

import shutil
import stat
import subprocess
import sys

import pytest
from sqlalchemy import insert, text

from db.schema import device_aliases
from ingest.edge import cli, passwords
from tests.test_edge_support import CAMERA, OTHER_CAMERA, ROOT, add_camera, secrets, seed

EXPECTED_USERS = {"ingest", CAMERA, OTHER_CAMERA, "ZD-S001", "ZD-S002", "dept-D01", "dept-D02", "alice"}


@pytest.fixture
def seeded(engine, db_url, monkeypatch, tmp_path):
    seed(engine)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return tmp_path


def run(capsys, out, *extra) -> tuple[int, str]:
    rc = cli.main(["--out", str(out / "edge"), "--secrets-file", str(out / "secrets.csv"), *extra])
    captured = capsys.readouterr()
    return rc, captured.out + captured.err


def acl_blocks(path) -> dict[str, list[str]]:
    blocks, user = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("user "):
            user = line[5:]
            blocks[user] = []
        elif line.startswith("topic ") and user is not None:
            blocks[user].append(line)
        else:
            assert not line.startswith(("topic", "pattern")), line
    return blocks


def test_accounts_and_acl_follow_the_registered_devices(seeded, capsys):
    rc, output = run(capsys, seeded)
    assert rc == 0, output
    acl = acl_blocks(seeded / "edge" / "acl")
    assert set(acl) == EXPECTED_USERS
    assert acl[CAMERA] == [f"topic write grid/v1/video/{CAMERA}/alert", "topic write grid/v1/video/CAM-ALIAS/alert"]
    assert acl["ZD-S001"] == [f"topic write grid/v1/terminal/S001/{k}"
                              for k in ("position", "report", "patrol", "verify", "status")]
    assert acl["dept-D01"] == ["topic write grid/v1/dept/D01/feedback"]
    assert acl["alice"] == ["topic write owntracks/alice/phone", "topic write owntracks/alice/phone/+"]
    assert acl["ingest"] == ["topic read grid/v1/#", "topic read frigate/events", "topic read owntracks/#",
                             "topic read gb28181/+/alarm", "topic read $share/ingest/grid/v1/#",
                             "topic read $share/ingest/frigate/events", "topic read $share/ingest/owntracks/#",
                             "topic read $share/ingest/gb28181/+/alarm"]
    # The unbound terminal and the department whose code would become two topic levels get no account, and say so.
    assert "ZD-SPARE" in output and "bad/code" in output
    creds = secrets(seeded / "secrets.csv")
    assert set(creds) == EXPECTED_USERS
    for password in creds.values():
        assert len(password) >= 32 and password not in output
    for name in ("edge/passwd", "edge/acl", "secrets.csv"):
        assert stat.S_IMODE((seeded / name).stat().st_mode) == 0o600, name


def test_password_file_holds_a_hash_of_each_secret(seeded, capsys):
    assert run(capsys, seeded)[0] == 0
    creds = secrets(seeded / "secrets.csv")
    lines = dict(line.split(":", 1) for line in (seeded / "edge" / "passwd").read_text().splitlines())
    assert set(lines) == set(creds)
    for user, hashed in lines.items():
        assert hashed.startswith("$7$101$") and passwords.verify(creds[user], hashed)
        assert not passwords.verify(creds[user] + "x", hashed)


def test_rerun_keeps_passwords_and_adds_only_the_new_device(seeded, engine, capsys):
    assert run(capsys, seeded)[0] == 0
    before = secrets(seeded / "secrets.csv")
    passwd_before = (seeded / "edge" / "passwd").read_text()
    assert run(capsys, seeded)[0] == 0
    assert secrets(seeded / "secrets.csv") == before
    assert (seeded / "edge" / "passwd").read_text() == passwd_before   # unchanged accounts: identical lines
    add_camera(engine, "34020000001320000009")
    rc, output = run(capsys, seeded)
    after = secrets(seeded / "secrets.csv")
    assert rc == 0 and set(after) - set(before) == {"34020000001320000009"}
    assert all(after[u] == p for u, p in before.items())
    assert "新生成 1 个" in output


def test_rotate_changes_only_the_named_account(seeded, capsys):
    assert run(capsys, seeded)[0] == 0
    before = secrets(seeded / "secrets.csv")
    rc, output = run(capsys, seeded, "--rotate", "ZD-S001")
    after = secrets(seeded / "secrets.csv")
    assert rc == 0 and "轮换 1 个" in output
    assert [u for u in before if before[u] != after[u]] == ["ZD-S001"]
    rc, output = run(capsys, seeded, "--rotate", "ZD-NOBODY")
    assert rc == 1 and "ZD-NOBODY" in output
    assert secrets(seeded / "secrets.csv") == after


def test_wrong_secrets_file_does_not_rotate_everyone(seeded, capsys):
    assert run(capsys, seeded)[0] == 0
    passwd = (seeded / "edge" / "passwd").read_text()
    rc = cli.main(["--out", str(seeded / "edge"), "--secrets-file", str(seeded / "elsewhere.csv")])
    output = capsys.readouterr().err
    assert rc == 1 and "--rotate-all" in output
    assert (seeded / "edge" / "passwd").read_text() == passwd and not (seeded / "elsewhere.csv").exists()
    rc = cli.main(["--out", str(seeded / "edge"), "--secrets-file", str(seeded / "elsewhere.csv"), "--rotate-all"])
    capsys.readouterr()
    assert rc == 0 and not set(secrets(seeded / "elsewhere.csv").items()) & set(secrets(seeded / "secrets.csv").items())


def test_gateways_are_remembered_until_removed(seeded, capsys):
    rc, _ = run(capsys, seeded, "--frigate", "nvr1", "--gb28181", "34020000002000000001")
    acl = acl_blocks(seeded / "edge" / "acl")
    assert rc == 0 and acl["frigate-nvr1"] == ["topic readwrite frigate/#"]
    assert acl["gb28181-34020000002000000001"] == ["topic write gb28181/34020000002000000001/alarm"]
    frigate_password = secrets(seeded / "secrets.csv")["frigate-nvr1"]
    assert run(capsys, seeded)[0] == 0
    assert secrets(seeded / "secrets.csv")["frigate-nvr1"] == frigate_password
    assert run(capsys, seeded, "--remove", "frigate-nvr1")[0] == 0
    assert "frigate-nvr1" not in secrets(seeded / "secrets.csv")
    assert "gb28181-34020000002000000001" in acl_blocks(seeded / "edge" / "acl")
    rc, output = run(capsys, seeded, "--gb28181", "a/#")
    assert rc == 1 and "a/#" in output
    rc, output = run(capsys, seeded, "--remove", "ZD-S001")
    assert rc == 1 and "不是网关账号" in output


def test_names_that_would_widen_or_clash_get_no_account(seeded, engine, capsys):
    with engine.begin() as c:
        cam_id = c.execute(text("SELECT id FROM devices WHERE code = :c"), {"c": CAMERA}).scalar_one()
        staff_id = c.execute(text("SELECT id FROM staff WHERE code = 'S001'")).scalar_one()
        c.execute(insert(device_aliases), [
            {"source": "video", "external_id": "#", "device_id": cam_id, "staff_id": None},
            {"source": "terminal", "external_id": "S+", "device_id": None, "staff_id": staff_id},
            {"source": "owntracks", "external_id": "ingest/phone", "device_id": None, "staff_id": staff_id},
            {"source": "owntracks", "external_id": "a b/phone", "device_id": None, "staff_id": staff_id},
        ])
    rc, output = run(capsys, seeded)
    acl = acl_blocks(seeded / "edge" / "acl")
    assert rc == 0 and "未生成账号：设备别名 #" in output and "未生成账号：设备别名 S+" in output
    assert "与「ingest」重复" in output and "a b/phone" in output
    assert all(line.startswith("topic read") for line in acl["ingest"])
    writes = [line.split(" ", 2)[2] for lines in acl.values() for line in lines if line.startswith("topic write")]
    assert not [t for t in writes if "#" in t or "/+/" in t or " " in t]


def test_bad_secrets_file_and_missing_database_are_explained(seeded, capsys, monkeypatch):
    (seeded / "secrets.csv").write_text("user,pass\nx,y\n", encoding="utf-8")
    rc, output = run(capsys, seeded)
    assert rc == 1 and "username,password,kind,ref,publish" in output
    (seeded / "secrets.csv").unlink()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody:secret-pw@127.0.0.1:1/none")
    rc, output = run(capsys, seeded)
    assert rc == 1 and "无法从数据库读取设备" in output and "secret-pw" not in output
    assert not (seeded / "edge").exists()


def test_hash_format_matches_mosquitto_passwd(tmp_path):
    binary = shutil.which("mosquitto_passwd")
    if binary is None:
        pytest.skip("mosquitto_passwd is not installed")
    subprocess.run([binary, "-c", "-b", str(tmp_path / "p"), "device", "s3cret-Pw"], check=True)
    name, hashed = (tmp_path / "p").read_text().strip().split(":", 1)
    assert name == "device" and passwords.verify("s3cret-Pw", hashed) and not passwords.verify("other", hashed)
    ours = passwords.hash_password("s3cret-Pw").split("$")
    theirs = hashed.split("$")
    assert ours[:3] == theirs[:3] and [len(x) for x in ours] == [len(x) for x in theirs]


def test_runs_as_a_module(seeded, db_url):
    result = subprocess.run([sys.executable, "-m", "ingest.edge.cli", "--out", str(seeded / "edge"),
                             "--secrets-file", str(seeded / "s.csv")], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": db_url}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "共 8 个账号" in result.stdout and (seeded / "edge" / "acl").exists()
