"""Make the application database usable: migrate, load the demo district once, read back its logins."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from db.labels import LAUNCHER as L
from launcher.errors import LaunchError
from launcher.paths import ROOT, relative

DEMO_SEED = 7
MAIN_ACCOUNTS = ("admin", "dispatcher", "operator", "leader", "wall")
SAMPLED_PREFIXES = ("dept-", "worker-")
SAMPLES_PER_PREFIX = 2


def run_step(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
    """Run `python <args>` from the project root, output to <log_dir>/<name>.log; a failure names that log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with open(log, "wb") as fh:
        code = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                              stdout=fh, stderr=subprocess.STDOUT).returncode
    if code != 0:
        raise LaunchError(L["step_failed"].format(step=L[f"step_{name}"], code=code, log=relative(log)))


def has_grids(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM grids)")).scalar())
    finally:
        engine.dispose()


def read_logins(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def prepare(url: str, env: dict[str, str], data_dir: Path, log_dir: Path, demo: bool = True) -> dict[str, str]:
    """Migrate to head; when demo and the database has no grid yet, seed the demo district. Returns the logins."""
    print(L["migrating"], flush=True)
    run_step("migrate", ["-m", "db", "migrate"], env, log_dir)
    logins_file = data_dir / "demo-logins.json"
    if demo and not has_grids(url):
        print(L["seeding"].format(seed=DEMO_SEED), flush=True)
        run_step("seed-demo", ["-m", "db", "seed-demo", "--seed", str(DEMO_SEED),
                               "--logins-file", str(logins_file)], env, log_dir)
    return read_logins(logins_file)


def main_logins(logins: dict[str, str]) -> list[tuple[str, str]]:
    """The accounts worth printing: the fixed roles, then a couple of each department/worker account."""
    picked = [(u, logins[u]) for u in MAIN_ACCOUNTS if u in logins]
    for prefix in SAMPLED_PREFIXES:
        picked += [(u, logins[u]) for u in sorted(u for u in logins if u.startswith(prefix))[:SAMPLES_PER_PREFIX]]
    return picked or sorted(logins.items())[: len(MAIN_ACCOUNTS) + 2 * SAMPLES_PER_PREFIX]
