"""Reading through a hot standby: the overview pages' cached reads go to DATABASE_URL_READ, the rest to the primary.

A second local PostgreSQL (the embedded wheel's) is made a streaming replica of a first with pg_basebackup -R,
as a production replica is; WAL replay paused on it shows which server a read came from."""
from __future__ import annotations

import os
import pwd
import select
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboard import cached
from db import config, migrate
from launcher.paths import DATA_DIR
from launcher.services.postgres import EmbeddedPostgres, _library, socket_url

REPLAY_TIMEOUT_S = 30


class Standby:
    """A hot standby of `primary` in `root`, run as the embedded server's system user."""

    def __init__(self, primary: EmbeddedPostgres, root: Path):
        self.lib, self.user = _library(), primary._server.system_user
        self.pgdata, self.sock = root / "standby", root / "standby-socket"
        self.pgdata.mkdir(mode=0o700)
        self.sock.mkdir()
        self.sock.chmod(0o777)
        if self.user:                                   # running as root: the files belong to the server's user
            ids = pwd.getpwnam(self.user)
            for path in (root, self.pgdata):
                os.chown(path, ids.pw_uid, ids.pw_gid)
        # -c fast: the base backup's checkpoint at once, not spread over minutes; -R: write the standby settings.
        self.lib.pg_basebackup(["-D", str(self.pgdata), "-R", "-X", "stream", "-c", "fast",
                                "-h", str(primary.socket_dir), "-U", "postgres"], user=self.user, timeout=120)
        self.lib.pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {self.sock}", "-l", str(self.pgdata / "log"), "start"],
                        pgdata=self.pgdata, user=self.user, timeout=120)

    def url(self, database: str) -> str:
        return socket_url(self.sock, database)

    def stop(self) -> None:
        self.lib.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user, timeout=60)


@pytest.fixture(scope="module")
def servers():
    DATA_DIR.joinpath("tmp").mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="replica-", dir=DATA_DIR / "tmp"))
    primary = EmbeddedPostgres(root / "primary")
    primary.start()
    standby = None
    try:
        admin = create_engine(primary.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text('CREATE DATABASE "grid"'))
        admin.dispose()
        migrate.upgrade(primary.url("grid"))
        standby = Standby(primary, root)
        yield primary.url("grid"), standby.url("grid")
    finally:
        if standby:
            standby.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def caught_up(primary_url: str, standby_url: str) -> None:
    """Wait until the standby has replayed everything the primary has written so far. A standby sends no
    notification of its replay (LISTEN does not work there), so its position is polled against a deadline."""
    p, s = create_engine(primary_url), create_engine(standby_url)
    try:
        with p.connect() as c:
            lsn = c.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
        deadline = time.monotonic() + REPLAY_TIMEOUT_S
        with s.connect() as c:
            while not c.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:l AS pg_lsn)"), {"l": lsn}).scalar():
                assert time.monotonic() < deadline, "the standby did not catch up"
                select.select([], [], [], 0.05)       # a short pause between polls of the standby's position
    finally:
        p.dispose()
        s.dispose()


def set_district(url: str, name: str) -> None:
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("INSERT INTO areas (code, name, level) VALUES ('350102000000', :n, 'district') "
                       "ON CONFLICT (code) DO UPDATE SET name = :n"), {"n": name})
    eng.dispose()


def test_overview_reads_come_from_the_replica_and_the_replica_is_read_only(servers, monkeypatch):
    primary_url, standby_url = servers
    monkeypatch.setenv("DATABASE_URL_READ", standby_url)
    config.settings.cache_clear()
    try:
        set_district(primary_url, "榕城区")
        caught_up(primary_url, standby_url)
        cached.district.clear()
        assert cached.district(primary_url)["name"] == "榕城区"

        replica = create_engine(standby_url, isolation_level="AUTOCOMMIT")
        with replica.connect() as c:
            assert c.execute(text("SELECT pg_is_in_recovery()")).scalar()
            c.execute(text("SELECT pg_wal_replay_pause()"))
            set_district(primary_url, "新城区")           # reaches the primary only while replay is paused
            cached.district.clear()
            assert cached.district(primary_url)["name"] == "榕城区"
            c.execute(text("SELECT pg_wal_replay_resume()"))
        caught_up(primary_url, standby_url)
        cached.district.clear()
        assert cached.district(primary_url)["name"] == "新城区"
        with replica.connect() as c, pytest.raises(Exception, match="read-only"):
            c.execute(text("UPDATE areas SET name = 'x'"))
        replica.dispose()
    finally:
        monkeypatch.delenv("DATABASE_URL_READ")
        config.settings.cache_clear()
        cached.district.clear()


def test_without_a_read_url_the_overview_reads_the_primary(servers):
    primary_url, _ = servers
    config.settings.cache_clear()
    assert os.environ.get("DATABASE_URL_READ") is None
    with cached._engine(primary_url).connect() as c:
        assert c.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
