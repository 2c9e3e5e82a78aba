"""Child processes of a start: each in its own process group with a log file; death detection; ordered stop."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

TAIL_LINES = 15


@dataclass
class ChildSpec:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    cwd: Path | None = None
    # A child whose job can end (demo traffic): exit code 0 is then a normal end, not a failure.
    may_finish: bool = False


@dataclass
class Child:
    spec: ChildSpec
    process: subprocess.Popen
    log_file: Path
    finished: bool = False


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 8192))
            return "\n".join(fh.read().decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


def rotate(log_file: Path) -> None:
    """Keep the previous run's log as <name>.log.1 so a crash log survives one restart."""
    if log_file.exists():
        os.replace(log_file, log_file.with_name(log_file.name + ".1"))


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def stop_groups(processes: list[subprocess.Popen], timeout: float) -> None:
    """SIGTERM the children's process groups together, SIGKILL what is left after timeout."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        # Also reaches grandchildren that outlived the leader.
        _signal_group(process, signal.SIGKILL)
        process.wait()


class Supervisor:
    """Runs children and watches them (plus processes it did not spawn, e.g. the broker)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.children: dict[str, Child] = {}
        self.watched: dict[str, tuple[int, Callable[[], bool], Path]] = {}

    def spawn(self, spec: ChildSpec) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.log_dir / f"{spec.name}.log"
        rotate(log_file)
        with open(log_file, "ab") as log:
            # A new session keeps the terminal's Ctrl-C away from children: we stop them in our order.
            process = subprocess.Popen(spec.argv, env=spec.env, cwd=spec.cwd, stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        child = Child(spec, process, log_file)
        self.children[spec.name] = child
        return child

    def watch(self, name: str, pid: int, is_alive: Callable[[], bool], log_file: Path) -> None:
        """Also report `name` as failed when is_alive() turns false (a service we started another way)."""
        self.watched[name] = (pid, is_alive, log_file)

    def pids(self) -> dict[str, int]:
        running = {name: c.process.pid for name, c in self.children.items() if not c.finished}
        running.update({name: pid for name, (pid, _, _) in self.watched.items()})
        return running

    def poll(self) -> tuple[list[str], tuple[str, int | None, Path] | None]:
        """(children that ended normally since the last poll, first failure as (name, exit code, log))."""
        finished = []
        for name, child in self.children.items():
            code = child.process.poll()
            if code is None or child.finished:
                continue
            if code == 0 and child.spec.may_finish:
                child.finished = True
                finished.append(name)
                continue
            return finished, (name, code, child.log_file)
        for name, (_, is_alive, log_file) in self.watched.items():
            if not is_alive():
                return finished, (name, None, log_file)
        return finished, None

    def stop(self, waves: list[list[str]], timeout: float = 10.0) -> None:
        """Stop children wave by wave (each wave together; names not started are skipped), then any others."""
        listed = {name for wave in waves for name in wave}
        for wave in [*waves, [n for n in self.children if n not in listed]]:
            stop_groups([self.children[n].process for n in wave if n in self.children], timeout)
