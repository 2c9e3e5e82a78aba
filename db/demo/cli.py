"""python -m db seed-demo: generate the demo district on an empty database and print a Chinese summary."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from db import labels
from db.config import DATA_DIR, database_url
from db.demo import seed_demo
from db.demo.logins import DESK_ACCOUNTS
from db.demo.names import DISTRICT_NAME

L = labels.DEMO_CLI


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(L["not_negative"].format(value=value))
    return number


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m db seed-demo", description=L["description"])
    parser.add_argument("--seed", type=_non_negative, default=7, help=L["seed"])
    parser.add_argument("--history-days", type=_non_negative, default=30, help=L["history_days"])
    parser.add_argument("--position-days", type=_non_negative, default=7, help=L["position_days"])
    parser.add_argument("--logins-file", type=Path, default=DATA_DIR / "demo-logins.json", help=L["logins_file"])
    return parser.parse_args(argv)


def write_logins(path: Path, logins: dict[str, str]) -> None:
    """Owner-only from the first byte: the file is created 0600, never chmod-ed after writing."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)   # an existing file keeps its old mode under O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(logins, out, ensure_ascii=False, indent=1)


def report(summary: dict, args: argparse.Namespace) -> str:
    lines = [L["done"].format(district=DISTRICT_NAME, seed=args.seed, seconds=summary["timings"]["total"]),
             L["counts"].format(**summary), L["catalog"].format(**summary),
             L["trails"].format(position_days=args.position_days, online=summary["online_workers"], **summary)]
    history = summary.get("history")
    if history == "missing":
        lines.append(L["history_missing"])
    elif history == "skipped":
        lines.append(L["history_skipped"])
    else:
        lines.append(L["history_done"].format(days=args.history_days, cases=summary["cases"]))
    logins = summary["logins"]
    lines.append(L["logins_head"].format(path=args.logins_file))
    lines += [f"  {name:<12}{logins[name]}  {labels.DEMO_ACCOUNT_NAMES[name]}" for name in DESK_ACCOUNTS]
    lines.append(L["logins_more"].format(departments=sum(u.startswith("dept-") for u in logins),
                                         workers=sum(u.startswith("worker-") for u in logins)))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse(argv[1:])
    try:
        summary = seed_demo(database_url(), seed=args.seed, history_days=args.history_days,
                            position_days=args.position_days)
    except (SQLAlchemyError, RuntimeError) as exc:
        print(L["db_error"].format(error=str(exc).splitlines()[0]), file=sys.stderr)
        return 1
    if summary.get("already_seeded"):
        print(L["already"])
        return 0
    write_logins(args.logins_file, summary["logins"])
    print(report(summary, args))
    return 0
