"""Browser-test support: the system started the way ./start.sh starts it, Debian chromium, Streamlit widget steps."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect
from sqlalchemy.engine import Engine

from db import labels
from launcher import runtime
from launcher.paths import ROOT
from launcher.ports import free_port
from launcher.readiness import http_ok
from tests.broker_fixtures import in_ci

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
READY_TIMEOUT_S = 240       # a cold start seeds the demo district first (about a minute on 2 cores)
STOP_TIMEOUT_S = 60         # the launcher gives each wave of children 10 s
POLL_S = 0.3
A = labels.AUTH


def require_chromium() -> str:
    """Debian's chromium; skips the test when absent, fails it under CI=true (.ci/run installs it)."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"{CHROMIUM} not found: install it with `apt-get install -y chromium fonts-noto-cjk`"
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


# --- the system, started like ./start.sh ----------------------------------------------------------------

@dataclass
class RunningApp:
    proc: subprocess.Popen
    data_dir: Path
    output: Path
    info: dict | None = None
    db: Engine | None = None         # the test's own connection to the app's database

    @property
    def url(self) -> str:
        return self.info["dashboard_url"]

    @property
    def logins(self) -> dict[str, str]:
        return self.info["logins"]

    def tail(self, lines: int = 30) -> str:
        logs = [self.output] + sorted((self.data_dir / "logs").glob("*.log"))
        parts = []
        for path in logs:
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def launcher_env(db_url: str, mqtt_url: str) -> dict[str, str]:
    """The environment ./start.sh would see with DATABASE_URL and MQTT_URL given, isolated on a shared broker."""
    tag = f"e2e{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRID_", "INGEST_", "DATABASE_URL", "MQTT_"))}
    return env | {
        "DATABASE_URL": db_url, "MQTT_URL": mqtt_url,
        # A kernel-chosen port: several engineers' runs share this machine.
        "GRID_DASHBOARD_PORT": str(free_port()), "GRID_DASHBOARD_ADDRESS": "127.0.0.1",
        # The development broker is shared: own topics, client id and share group, and no session left behind.
        "GRID_TOPIC_PREFIX": tag, "INGEST_GB28181_PREFIX": f"{tag}-gb", "INGEST_OWNTRACKS_PREFIX": f"{tag}-ot",
        "INGEST_FRIGATE_TOPIC": f"{tag}/frigate/events", "INGEST_WORKER_ID": f"ingest-{tag}",
        "INGEST_SHARED_GROUP": tag, "INGEST_SESSION_EXPIRY_S": "0",
        # Else the dashboard writes the wall-link secret into the project's .data/.
        "GRID_SESSION_SECRET": uuid.uuid4().hex,
    }


def start_app(data_dir: Path, db_url: str, mqtt_url: str) -> RunningApp:
    """`python -m launcher start --data-dir <data_dir>` (what ./start.sh runs after the venv step)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    output = data_dir / "launcher.out"
    with open(output, "wb") as out:
        # Its own session: Ctrl-C on the test run must not reach it before the fixture stops it in order.
        proc = subprocess.Popen([sys.executable, "-m", "launcher", "start", "--data-dir", str(data_dir)],
                                env=launcher_env(db_url, mqtt_url), cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return RunningApp(proc, data_dir, output)


def wait_ready(app: RunningApp, timeout: float = READY_TIMEOUT_S) -> dict:
    """runtime.json with logins written and the dashboard answering HTTP 200; fails if the launcher exits first."""
    deadline = time.monotonic() + timeout
    while True:
        info = runtime.read(app.data_dir / "runtime.json")
        if info.get("logins") and info.get("dashboard_url") and http_ok(info["dashboard_url"]):
            app.info = info
            return info
        if time.monotonic() > deadline:
            pytest.fail(f"launcher not ready after {timeout:.0f} s\n{app.tail()}")
        try:
            code = app.proc.wait(POLL_S)      # the pause between polls, cut short if the launcher dies
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"launcher exited with {code} before the dashboard was ready\n{app.tail()}")


def stop_app(app: RunningApp) -> tuple[int | None, list[str]]:
    """SIGINT (Ctrl-C) to the launcher; (its exit code, the services still alive afterwards)."""
    recorded = runtime.read(app.data_dir / "runtime.json").get("processes", {})
    app.proc.send_signal(signal.SIGINT)
    try:
        code = app.proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        code = None
        # Last resort, so a hung stop leaves nothing running: `launcher stop` reaps what runtime.json lists.
        app.proc.kill()
        app.proc.wait()
        subprocess.run([sys.executable, "-m", "launcher", "stop", "--data-dir", str(app.data_dir)], cwd=ROOT,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    alive = [name for name, ident in recorded.items() if name != "launcher" and runtime.alive(ident)]
    for name in alive:
        psutil.Process(recorded[name]["pid"]).kill()
    return code, alive


# --- browser steps ----------------------------------------------------------------------------------------

def settled(page: Page, timeout_s: float = 30) -> None:
    """Wait for the script run to finish: until then the previous run's elements stay on the page beside the new."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning",
                                                           timeout=timeout_s * 1000)


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label(A["username"]).fill(username)
    page.get_by_label(A["password"]).fill(password)
    page.get_by_role("button", name=A["submit"], exact=True).click()
    expect(page.get_by_role("button", name=A["sign_out"], exact=True)).to_be_visible(timeout=60_000)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=A["sign_out"], exact=True).click()
    expect(page.get_by_label(A["username"])).to_be_visible()


def choose(page: Page, label: str, option: str, many: bool = False) -> None:
    """Pick `option` in the selectbox (or multiselect, many=True) labelled `label`; typing filters long lists."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    if many:
        box.press("Escape")     # a multiselect stays open for more picks (on a selectbox, Escape drops the pick)


def click_grid_row(grid: Locator, first_cell: str) -> None:
    """Tick the row-selection box of the st.dataframe row whose first column reads `first_cell`.

    The grid is drawn on a canvas; its screen-reader table (the canvas's fallback content, hence "hidden") says
    which row holds the text, and the rows of an unscrolled grid split the canvas height evenly with the header."""
    cell = grid.get_by_role("gridcell", name=first_cell, exact=True, include_hidden=True)
    row = int(cell.get_attribute("id").rsplit("-", 1)[1])
    rows_with_header = int(grid.get_by_role("grid", include_hidden=True).get_attribute("aria-rowcount"))
    canvas = grid.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    row_h = box["height"] / rows_with_header
    # The canvas sits under a scroller that takes the pointer events, so click by position.
    grid.page.mouse.click(box["x"] + row_h / 2, box["y"] + row_h * (row + 1.5))


def distinct_colours(png: bytes) -> int:
    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours)


def wait_drawn(page: Page, canvas: Locator, min_colours: int = 50, timeout_s: float = 60) -> int:
    """Wait until the WebGL canvas shows a drawing (many colours), not the blank it starts as."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = distinct_colours(canvas.screenshot())
        if found >= min_colours:
            return found
        assert time.monotonic() < deadline, f"map canvas still blank after {timeout_s:.0f} s ({found} colours)"
        page.wait_for_timeout(POLL_S * 1000)


IN_VIEW_JS = """code => {
  for (const block of document.querySelectorAll('div.whistle')) {
    if (!block.textContent.includes(code)) continue;
    const box = block.closest('.scroll').getBoundingClientRect(), r = block.getBoundingClientRect();
    if (r.top >= box.top && r.bottom <= box.bottom) return {x: r.x + r.width / 2, y: r.y + r.height / 2};
  }
  return null;
}"""


def hold_in_view(page: Page, code: str, timeout_s: float) -> None:
    """Wait until the scrolling whistle board shows the case's block whole, then hover it (pauses the scroll)."""
    spot = page.wait_for_function(IN_VIEW_JS, arg=code, timeout=timeout_s * 1000).json_value()
    page.mouse.move(spot["x"], spot["y"])
