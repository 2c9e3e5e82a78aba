"""Memory soak: the system as ./start.sh runs it, demo traffic and wall screens in chromium; RSS per process, slope.

    .venv/bin/python bench/soak.py [--minutes 30] [--interval-s 60] [--walls 5]

Starts `python -m launcher start` on its own data directory (fresh embedded PostgreSQL and broker, demo district,
ingest worker, `ingest simulate`, Streamlit), opens the wall page in headless Debian chromium as the wall account
(kiosk mode, rotating map / rankings / trends), then prints every process's resident memory (/proc) each interval
and the least-squares slope in MB/hour. Groups (PostgreSQL, chromium) sum their processes; their summed RSS counts
shared pages once per process, so PSS (shared pages split) is reported beside it. The last line is JSON:
rss_slope_mb_per_hour (process -> slope), minutes, samples, and the PSS slopes. Everything it started is stopped on
exit, Ctrl-C and SIGTERM included.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import labels  # noqa: E402
from launcher import runtime  # noqa: E402
from launcher.paths import DATA_DIR, ROOT  # noqa: E402
from launcher.ports import free_port  # noqa: E402
from launcher.readiness import http_ok  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1920, "height": 1080}
READY_TIMEOUT_S = 600       # a cold start seeds the demo district first (a minute or more on 2 cores)
WALL_TIMEOUT_MS = 120_000
STOP_TIMEOUT_S = 90         # the launcher gives each wave of children 10 s, then stops the broker and PostgreSQL
PUMP_S = 5.0                # between checks that the launcher still runs while waiting for the next sample
PAGE_SIZE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
# Reported in this order; a process absent from a run (external PostgreSQL or broker) is left out.
PROCESSES = ("streamlit", "ingest_worker", "ingest_writer", "simulator", "postgres", "broker", "chromium")
WALL_STATE_JS = """() => ({metrics: document.querySelectorAll('[data-testid="stMetric"]').length,
                          errors: document.querySelectorAll('[data-testid="stException"]').length})"""


# --- /proc ----------------------------------------------------------------------------------------------------

def process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, command name, first word of the command line), one pass over /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue                                       # ended between the listing and the read
        # comm may hold spaces and parentheses: it ends at the last ")".
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        table[int(entry.name)] = (ppid, comm, cmdline)
    return table


def rss_mb(pid: int) -> float:
    """Resident set size from /proc/<pid>/statm (pages); 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_SIZE_KB / 1024
    except (OSError, IndexError, ValueError):
        return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size (shared pages split among their users): sums of a process group add up honestly,
    where summed RSS counts PostgreSQL's shared buffers and chromium's shared libraries once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def tree(root: int, table: dict) -> list[int]:
    """root and all its descendants that are alive in `table`."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root] if root in table else []
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def groups(pids: dict[str, int], table: dict) -> dict[str, list[int]]:
    """The processes to measure, by name: the launcher's children (runtime.json) and our own chromium."""
    out: dict[str, list[int]] = {}
    if pids.get("dashboard"):
        out["streamlit"] = tree(pids["dashboard"], table)
    if pids.get("ingest"):
        worker = pids["ingest"]
        below = [p for p in tree(worker, table) if p != worker]
        # The writer is a multiprocessing "spawn" child; its resource tracker is another, tiny one.
        out["ingest_worker"] = [worker] if worker in table else []
        out["ingest_writer"] = [p for p in below if "spawn_main" in table[p][2]]
    for name, key in (("simulator", "simulate"), ("postgres", "postgres"), ("broker", "broker")):
        if pids.get(key):
            out[name] = tree(pids[key], table)
    ours = tree(os.getpid(), table)
    out["chromium"] = [p for p in ours if table[p][1].startswith("chrom")]
    return out


def slope_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) in MB per hour; None with fewer than two points."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    return sum((t - mean_t) * (y - mean_y) for t, y in points) / var * 3600


# --- the system, started like ./start.sh ---------------------------------------------------------------------

class Launcher:
    """`python -m launcher start --data-dir DIR` in its own session, stopped with SIGINT like Ctrl-C."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.output = data_dir / "launcher.out"
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ) | {
            "GRID_DASHBOARD_PORT": str(free_port()), "GRID_DASHBOARD_ADDRESS": "127.0.0.1",
            # Else the dashboard keeps its wall-link secret in the project's .data/.
            "GRID_SESSION_SECRET": os.environ.get("GRID_SESSION_SECRET") or uuid.uuid4().hex,
        }
        if not env.get("MQTT_URL"):
            env["GRID_MQTT_PORT"] = str(free_port())       # our own broker, beside any running start
        with open(self.output, "wb") as out:
            # Own session: the terminal's Ctrl-C reaches only us, and we stop the launcher in order.
            self.proc = subprocess.Popen([sys.executable, "-m", "launcher", "start", "--data-dir", str(self.data_dir)],
                                         env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout_s: float) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            info = runtime.read(self.data_dir / "runtime.json")
            if info.get("logins") and info.get("dashboard_url") and http_ok(info["dashboard_url"]):
                self.info = info
                return info
            self.check_alive()
            time.sleep(0.5)
        raise RuntimeError(f"launcher not ready after {timeout_s:.0f} s\n{self.tail()}")

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"launcher exited with {self.proc.returncode}\n{self.tail()}")

    def pids(self) -> dict[str, int]:
        recorded = runtime.read(self.data_dir / "runtime.json").get("pids") or self.info.get("pids", {})
        return {k: int(v) for k, v in recorded.items() if v}

    def tail(self, lines: int = 20) -> str:
        logs = [self.output] + sorted((self.data_dir / "logs").glob("*.log"))
        return "\n".join(f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-lines:])
                         for p in logs if p.exists())

    def stop(self) -> None:
        if self.proc is None:
            return
        recorded = runtime.read(self.data_dir / "runtime.json").get("processes", {})
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                # `launcher stop` reaps what runtime.json lists (process groups, pg_ctl for PostgreSQL).
                subprocess.run([sys.executable, "-m", "launcher", "stop", "--data-dir", str(self.data_dir)],
                               cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        for name, ident in recorded.items():
            if name != "launcher" and runtime.alive(ident):
                print(f"still running after stop, killing: {name} pid {ident['pid']}", flush=True)
                os.kill(ident["pid"], signal.SIGKILL)
        self.proc = None


# --- wall screens ------------------------------------------------------------------------------------------

class Walls:
    """N wall screens: one headless chromium, one browser context (own Streamlit session) per screen."""

    def __init__(self, count: int, kiosk: bool):
        self.count, self.kiosk = count, kiosk
        self.pw = self.browser = None
        self.pages: list = []

    def open(self, url: str, username: str, password: str) -> None:
        if not self.count:
            return
        from playwright.sync_api import sync_playwright        # only needed with walls
        if not os.access(CHROMIUM, os.X_OK):
            raise RuntimeError(f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk")
        self.pw = sync_playwright().start()
        self.browser = self.pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, handle_sigint=False,
                                               handle_sigterm=False, handle_sighup=False)
        target = url + ("/?kiosk=1" if self.kiosk else "/")
        a = labels.AUTH
        for _ in range(self.count):
            context = self.browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
            page = context.new_page()
            page.set_default_timeout(WALL_TIMEOUT_MS)
            page.goto(target)
            page.get_by_label(a["username"]).fill(username)
            page.get_by_label(a["password"]).fill(password)
            page.get_by_role("button", name=a["submit"], exact=True).click()
            page.get_by_test_id("stMetric").first.wait_for(state="visible")   # the wall's KPI tiles
            self.pages.append(page)

    def healthy(self) -> int:
        """Screens showing KPI tiles and no exception right now."""
        ok = 0
        for page in self.pages:
            try:
                state = page.evaluate(WALL_STATE_JS)
            except Exception:           # a crashed tab or a closed browser counts as unhealthy
                continue
            ok += state["metrics"] > 0 and state["errors"] == 0
        return ok

    def wait(self, seconds: float) -> None:
        """Let the screens run. A quick playwright call each second reads the driver's queued events; sleeping in
        between (not in a long wait_for_timeout) lets Ctrl-C land outside playwright's event loop."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 1.0))
            if self.pages:
                self.pages[0].evaluate("0")

    def close(self) -> None:
        for step in (lambda: self.browser and self.browser.close(), lambda: self.pw and self.pw.stop()):
            try:
                step()
            except Exception as exc:    # already gone (e.g. the driver got the terminal's Ctrl-C)
                print(f"closing the browser: {exc.__class__.__name__}", flush=True)
        self.pages, self.browser, self.pw = [], None, None
        # Anything of chromium's left under us is ours to end.
        table = process_table()
        for pid in tree(os.getpid(), table):
            if pid != os.getpid() and table[pid][1].startswith("chrom"):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


# --- the run -------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Memory soak: demo traffic and wall screens; RSS slope per process.")
    p.add_argument("--minutes", type=float, default=30.0, help="sampling time after the warm-up (default 30)")
    p.add_argument("--interval-s", type=float, default=60.0, help="seconds between samples (default 60)")
    p.add_argument("--walls", type=int, default=5, help="wall screens in chromium (default 5)")
    p.add_argument("--warmup-s", type=float, default=60.0,
                   help="seconds between the walls opening and the first sample (caches, imports, first queries)")
    p.add_argument("--no-kiosk", action="store_true", help="the wall page as a desk user sees it, not ?kiosk=1")
    p.add_argument("--data-dir", type=Path,
                   help="the launcher's data directory (reused as is); default a fresh one, removed afterwards")
    p.add_argument("--keep-data", action="store_true", help="keep the fresh data directory")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.interval_s <= 0 or args.walls < 0 or args.warmup_s < 0:
        p.error("--minutes and --interval-s must be positive, --walls and --warmup-s not negative")
    return args


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def measure(launcher: Launcher, walls: Walls, args) -> dict:
    samples = int(args.minutes * 60 // args.interval_s) + 1
    series: dict[str, list[tuple[float, float]]] = {}
    pss: dict[str, list[tuple[float, float]]] = {}
    healthy: list[int] = []
    start = time.monotonic()
    for i in range(samples):
        due = start + i * args.interval_s
        while (left := due - time.monotonic()) > 0:
            walls.wait(min(left, PUMP_S))
            launcher.check_alive()
        t = time.monotonic() - start
        found = groups(launcher.pids(), process_table())
        row = {name: sum(rss_mb(p) for p in found[name]) for name in PROCESSES if found.get(name)}
        for name, mb in row.items():
            series.setdefault(name, []).append((t, mb))
            pss.setdefault(name, []).append((t, sum(pss_mb(p) for p in found[name])))
        healthy.append(walls.healthy())
        if i == 0:
            print(f"{'min':>6} " + " ".join(f"{n:>13}" for n in PROCESSES) + "  walls_ok", flush=True)
        print(f"{t / 60:6.1f} " + " ".join(f"{row[n]:13.1f}" if n in row else f"{'-':>13}" for n in PROCESSES)
              + f"  {healthy[-1]}/{len(walls.pages)}", flush=True)
    slopes = {name: slope_per_hour(points) for name, points in series.items()}
    pss_slopes = {name: slope_per_hour(points) for name, points in pss.items()}
    print("\nslope in MB/hour (least squares) and first -> last MB, RSS then PSS:")
    for name in PROCESSES:
        if name in series:
            print(f"  {name:<14} RSS {_fmt(slopes[name])} ({series[name][0][1]:7.1f} -> {series[name][-1][1]:7.1f})"
                  f"   PSS {_fmt(pss_slopes[name])} ({pss[name][0][1]:7.1f} -> {pss[name][-1][1]:7.1f})")
    return {"rss_slope_mb_per_hour": _rounded(slopes), "minutes": args.minutes, "samples": samples,
            "interval_s": args.interval_s, "walls": len(walls.pages), "walls_ok_min": min(healthy) if healthy else 0,
            "pss_slope_mb_per_hour": _rounded(pss_slopes),
            "rss_mb_last": {n: round(points[-1][1], 1) for n, points in series.items()},
            "pss_mb_last": {n: round(points[-1][1], 1) for n, points in pss.items()}}


def _fmt(slope: float | None) -> str:
    return f"{'n/a':>9}" if slope is None else f"{slope:+9.1f}"


def _rounded(slopes: dict[str, float | None]) -> dict[str, float | None]:
    return {n: None if s is None else round(s, 1) for n, s in slopes.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    fresh = args.data_dir is None
    data_dir = (args.data_dir or DATA_DIR / "tmp" / f"soak-{uuid.uuid4().hex[:8]}").resolve()
    launcher, walls = Launcher(data_dir), Walls(args.walls, kiosk=not args.no_kiosk)
    result = None
    began = time.monotonic()
    try:
        print(f"starting the system in {data_dir} ...", flush=True)
        launcher.start()
        info = launcher.wait_ready(READY_TIMEOUT_S)
        print(f"ready after {time.monotonic() - began:.0f} s: {info['dashboard_url']} "
              f"(broker {info.get('broker')}, postgres {info.get('postgres')})", flush=True)
        walls.open(info["dashboard_url"], "wall", info["logins"]["wall"])
        print(f"{len(walls.pages)} wall screen(s) open; warm-up {args.warmup_s:.0f} s", flush=True)
        deadline = time.monotonic() + args.warmup_s
        while (left := deadline - time.monotonic()) > 0:
            walls.wait(min(left, PUMP_S))
            launcher.check_alive()
        result = measure(launcher, walls, args)
    except KeyboardInterrupt:
        print("interrupted: stopping everything", flush=True)
    finally:
        walls.close()
        launcher.stop()
        if fresh and not args.keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)
    if result is None:
        return 130
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
