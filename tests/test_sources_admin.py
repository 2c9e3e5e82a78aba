"""基础数据 page, ingest health tab: each SQL source's state (status, last success, lag, rows, errors, backoff)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from db import labels
from db.engine import get_engine
from db.schema import source_health, source_watermarks
from tests.test_dashboard_queue import account, dash, ok, open_page, page_text  # noqa: F401  (dash is a fixture)

S = labels.SOURCES_ADMIN


def test_admin_page_shows_each_sources_state(dash):
    now = datetime.now(timezone.utc)
    with get_engine(dash).begin() as conn:
        for row in [
            {"source": "hotline12345", "worker": "ingest-a", "kind": "hotline", "last_success_at": now,
             "rows_total": 1234, "dead_total": 3, "errors_total": 0, "failures": 0, "lag_s": 2.0},
            {"source": "vms-east", "worker": "ingest-a", "kind": "video_alert", "last_error_at": now,
             "last_error": "could not connect to server", "rows_total": 7, "errors_total": 5, "failures": 5,
             "next_attempt_at": now + timedelta(seconds=30)}]:
            conn.execute(insert(source_health).values(**row))
        conn.execute(insert(source_watermarks).values(source="hotline12345", wm="t:2026-12-01T08:00:00",
                                                      tb="s:HL000042", rows=1234))
    at = ok(open_page("pages/admin.py", account(dash, "admin")))
    text = page_text(at)
    assert S["title"] in text
    for part in ("hotline12345", "vms-east", S["status_ok"], S["status_down"], "could not connect to server",
                 labels.SOURCES_KIND["hotline"], labels.SOURCES_KIND["video_alert"], "HL000042", "1234"):
        assert part in text, part
