"""`python -m db status [--json]`: a stable report of what the database holds, for operators and monitoring."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from sqlalchemy import Connection, text

from db import enums, labels
from db.engine import get_engine

FRESH_MINUTES = 5

_COUNTS = {
    "dead_letters": "SELECT COALESCE(sum(seen_count), 0) FROM dead_letters",
    "dead_letters_unreplayed": "SELECT COALESCE(sum(seen_count), 0) FROM dead_letters WHERE replayed_at IS NULL",
    "whistles_open": "SELECT count(*) FROM whistles WHERE state = 'open'",
    "positions_fresh": f"SELECT count(*) FROM positions_latest WHERE ts > now() - interval '{FRESH_MINUTES} minutes'",
    "grids": "SELECT count(*) FROM grids",
    "staff": "SELECT count(*) FROM staff",
    "devices": "SELECT count(*) FROM devices",
    "unregistered_devices": "SELECT count(*) FROM unregistered_devices WHERE registered_device_id IS NULL",
}


def _by(conn: Connection, sql: str, keys: tuple) -> dict:
    """Counts grouped by an enumerated column, every key present (0 when absent) so the shape never changes."""
    found = dict(conn.execute(text(sql)).all())
    return {str(k): int(found.get(k, 0)) for k in keys}


def _ingest(conn: Connection) -> dict:
    row = conn.execute(text(
        "SELECT max(at) AS last_at, sum(received) AS received, sum(stored) AS stored, sum(rejected) AS rejected "
        "FROM ingest_counters")).mappings().one()
    return {
        "last_report_at": row["last_at"].isoformat() if row["last_at"] else None,
        "received": int(row["received"] or 0), "stored": int(row["stored"] or 0),
        "rejected": int(row["rejected"] or 0),
    }


def collect(conn: Connection) -> dict:
    report = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "schema_revision": conn.execute(text("SELECT version_num FROM alembic_version")).scalar(),
        "events": _by(conn, "SELECT kind, count(*) FROM raw_events GROUP BY kind", enums.EVENT_KINDS),
        "cases": _by(conn, "SELECT state, count(*) FROM cases GROUP BY state", enums.CASE_STATES),
    }
    for key, sql in _COUNTS.items():
        report[key] = int(conn.execute(text(sql)).scalar())
    report["ingest"] = _ingest(conn)
    return report


def render_text(report: dict) -> str:
    L = labels.STATUS
    lines = [f"{L['title']}（{report['generated_at']}）"]
    events = ", ".join(f"{labels.EVENT_KIND[k]} {v}" for k, v in report["events"].items() if v)
    cases = ", ".join(f"{labels.CASE_STATE[k]} {v}" for k, v in report["cases"].items() if v)
    lines.append(f"  {L['events']}：{events or 0}")
    lines.append(f"  {L['cases']}：{cases or 0}")
    for key in _COUNTS:
        lines.append(f"  {L[key]}：{report[key]}")
    ing = report["ingest"]
    lines.append(f"  {L['ingest']}：{ing['received']} / {ing['stored']} / {ing['rejected']}"
                 f"（{L['ingest_last']} {ing['last_report_at'] or '—'}）")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m db status", description=labels.STATUS["title"])
    parser.add_argument("--json", action="store_true", help=labels.STATUS["json_help"])
    args = parser.parse_args(argv[1:])
    with get_engine().connect() as conn:
        report = collect(conn)
    print(json.dumps(report, ensure_ascii=False, sort_keys=True) if args.json else render_text(report))
    return 0
