"""Command line of the database layer: python -m db {migrate,downgrade,seed-demo,import,status,...}."""
from __future__ import annotations

import importlib
import sys

# Each subcommand lives in its own module exposing main(argv) -> int; imported lazily so one
# command's dependencies never slow or break another.
COMMANDS = {
    "migrate": ("db.migrate_cli", "升级数据库结构到最新版本"),
    "downgrade": ("db.migrate_cli", "回退数据库结构"),
    "seed-demo": ("db.demo.cli", "生成演示辖区数据（可重复：--seed N）"),
    "import": ("db.importers.cli", "导入网格 GeoJSON、人员/部门/摄像头 CSV"),
    "status": ("db.status", "系统状态报告（--json）"),
    "users": ("db.users_cli", "账号管理（新建、改密码、改角色、停用）"),
    "backup": ("db.backup", "备份数据库（pg_dump）"),
    "restore": ("db.backup", "从备份恢复数据库（pg_restore）"),
}


def usage() -> str:
    lines = ["用法: python -m db <命令> [参数]", ""]
    lines += [f"  {name:<12} {desc}" for name, (_, desc) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(usage(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return int(module.main(argv) or 0)


if __name__ == "__main__":
    sys.exit(main())
