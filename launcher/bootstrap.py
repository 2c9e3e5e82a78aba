"""First step of ./start.sh and ./test.sh: the project venv with the pinned requirements (skipped when unchanged).

Stdlib only and run by the system Python, since the venv may not exist yet."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from db.labels import LAUNCHER as L

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
# Inside the venv, so deleting .venv also forgets what was installed.
STAMP = VENV / ".requirements.sha256"
PIP_LOG = ROOT / ".data" / "logs" / "pip-install.log"
MIN_PYTHON = (3, 11)
TAIL_LINES = 5


def venv_version() -> str | None:
    """The venv interpreter's version, or None when the venv is missing or broken."""
    try:
        out = subprocess.run([str(PYTHON), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def create_venv() -> bool:
    if VENV.exists():
        shutil.rmtree(VENV)  # a broken venv (moved project, removed interpreter) cannot be repaired in place
    print(L["venv_creating"], flush=True)
    return subprocess.run([sys.executable, "-m", "venv", str(VENV)], stdin=subprocess.DEVNULL).returncode == 0


def digest(version: str) -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + version.encode()).hexdigest()


def pip_install() -> bool:
    PIP_LOG.parent.mkdir(parents=True, exist_ok=True)
    print(L["pip_installing"].format(log=PIP_LOG.relative_to(ROOT)), flush=True)
    cmd = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", str(REQUIREMENTS)]
    with open(PIP_LOG, "wb") as log:
        ok = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT).returncode == 0
    if not ok:
        # pip's own ERROR lines say what failed; the rest (progress, retries) stays in the log.
        lines = PIP_LOG.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = [line for line in lines if line.startswith("ERROR:")] or lines
        print("\n".join(errors[-TAIL_LINES:]), file=sys.stderr)
    return ok


def main() -> int:
    if sys.version_info[:2] < MIN_PYTHON:
        print(L["python_too_old"].format(found="%d.%d" % sys.version_info[:2]), file=sys.stderr)
        return 2
    version = venv_version()
    if version is None:
        version = venv_version() if create_venv() else None
        if version is None:
            print(L["venv_failed"], file=sys.stderr)
            return 2
    wanted = digest(version)
    if STAMP.exists() and STAMP.read_text(encoding="utf-8").strip() == wanted:
        return 0
    if not pip_install():
        print(L["pip_failed"].format(log=PIP_LOG.relative_to(ROOT)), file=sys.stderr)
        return 3
    STAMP.write_text(wanted + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C during pip: pip stops too, and the missing stamp retries next time
        sys.exit(130)
