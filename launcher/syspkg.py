"""Debian packages the suite needs (mosquitto, chromium): install with apt-get when missing and we are root.

Stdlib only: .ci/run calls it with the system Python before the venv exists. Failure is reported, not fatal:
the tests that need a missing program then skip, or fail under CI=true."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from db.labels import LAUNCHER as L

# Where each package's program lands (sbin is often not on a user's PATH).
PROGRAMS = {
    "mosquitto": ("mosquitto", "/usr/sbin/mosquitto"),
    "chromium": ("chromium", "/usr/bin/chromium"),
}


def installed(package: str) -> bool:
    return any(shutil.which(p) or (os.path.isabs(p) and os.access(p, os.X_OK)) for p in PROGRAMS[package])


def ensure(packages: list[str]) -> list[str]:
    """Install what is missing when possible; returns the packages still missing."""
    missing = [p for p in packages if not installed(p)]
    if not missing:
        return []
    names = " ".join(missing)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(L["syspkg_cannot"].format(pkgs=names), file=sys.stderr, flush=True)
        return missing
    print(L["syspkg_installing"].format(pkgs=names), flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]):
        if subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL).returncode != 0:
            break
    still = [p for p in missing if not installed(p)]
    if still:
        print(L["syspkg_failed"].format(pkgs=" ".join(still)), file=sys.stderr, flush=True)
    return still


def main(argv: list[str]) -> int:
    unknown = [p for p in argv if p not in PROGRAMS]
    if unknown:
        print(L["syspkg_unknown"].format(pkgs=" ".join(unknown), known=" ".join(PROGRAMS)), file=sys.stderr)
        return 2
    ensure(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
