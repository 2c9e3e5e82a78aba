"""Where the launcher keeps things: project root, data directory, logs (all inside the project)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"


def relative(path: Path) -> str:
    """A path as people should read it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
