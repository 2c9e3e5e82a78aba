"""`.data/runtime.json`: the endpoints, logins and processes of the running start (other tools read it)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil

# Keys other tools rely on (db/config.py reads database_url); extra keys may be added, never removed.
REQUIRED_KEYS = ("dashboard_url", "mqtt_url", "database_url", "logins", "pids", "broker", "started_at")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write(path: Path, info: dict) -> None:
    """Atomically replace the file; owner-only because it holds the demo passwords."""
    missing = [k for k in REQUIRED_KEYS if k not in info]
    if missing:
        raise ValueError(f"runtime info lacks {missing}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(info, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def redact(url: str) -> str:
    """A URL fit for a terminal: any password replaced by ***."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def identity(pid: int) -> dict:
    """pid plus its start time: together they name one process even after the pid is reused."""
    try:
        return {"pid": pid, "create_time": psutil.Process(pid).create_time()}
    except psutil.Error:
        return {"pid": pid, "create_time": None}


def alive(ident: dict | None) -> bool:
    """True when the process recorded as `ident` still runs (zombies and reused pids do not count)."""
    if not ident or not ident.get("pid"):
        return False
    try:
        proc = psutil.Process(ident["pid"])
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return ident.get("create_time") is None or abs(proc.create_time() - ident["create_time"]) < 0.01
    except psutil.Error:
        return False


def launcher_running(info: dict) -> bool:
    return alive(info.get("processes", {}).get("launcher"))
