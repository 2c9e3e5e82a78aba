"""Command line: python -m launcher {start,stop,status,test}; people see one sentence on failure, not a traceback."""
from __future__ import annotations

import importlib
import os
import sys

from db.labels import LAUNCHER as L
from launcher.errors import LaunchError

# Each command's module exposes main(argv) -> int; imported lazily so `status` never loads PostgreSQL tooling.
COMMANDS = {
    "start": "launcher.start",
    "stop": "launcher.control",
    "status": "launcher.control",
    "test": "launcher.testrun",
}


def usage() -> str:
    lines = [L["usage"], ""] + [f"  {name:<8} {L['cmd_' + name]}" for name in COMMANDS]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        asked_help = not argv or argv[0] in ("-h", "--help")
        print(usage(), file=sys.stdout if asked_help else sys.stderr)
        return 0 if asked_help else 2
    try:
        return int(importlib.import_module(COMMANDS[argv[0]]).main(argv) or 0)
    except LaunchError as err:
        print(str(err), file=sys.stderr, flush=True)
        return err.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, and keep the exit-time flush from failing too.
        sys.stdout = open(os.devnull, "w")
        return 141


if __name__ == "__main__":
    sys.exit(main())
