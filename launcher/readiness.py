"""Wait until the dashboard answers HTTP 200, while watching that no supervised child died meanwhile."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from db.labels import LAUNCHER as L
from launcher.errors import LaunchError
from launcher.paths import relative
from launcher.supervisor import Supervisor

DASHBOARD_TIMEOUT_S = 180  # a cold first run on 2 cores compiles and imports a lot
POLL_S = 0.3


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_http(url: str, sup: Supervisor, timeout: float = DASHBOARD_TIMEOUT_S) -> tuple[str, int | None, Path] | None:
    """None once url answers 200; the failure tuple of a child that died first; LaunchError on timeout."""
    deadline = time.monotonic() + timeout
    while not http_ok(url):
        _, failure = sup.poll()
        if failure:
            return failure
        if time.monotonic() > deadline:
            log = sup.log_dir / "dashboard.log"
            raise LaunchError(L["dashboard_timeout"].format(url=url, s=int(timeout), log=relative(log)))
        time.sleep(POLL_S)
    return None
