"""`python -m db migrate` / `downgrade [REV]`."""
from __future__ import annotations

from db import migrate


def main(argv: list[str]) -> int:
    if argv[0] == "downgrade":
        migrate.downgrade(revision=argv[1] if len(argv) > 1 else "base")
    else:
        migrate.upgrade(revision=argv[1] if len(argv) > 1 else "head")
    print(f"数据库结构版本：{migrate.current() or '空'}")
    return 0
