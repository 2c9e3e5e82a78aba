"""Injection: SQL and HTML/JS in import files, case descriptions and MQTT reports are stored verbatim (or refused
row by row), change nothing else, and the case page shows them as plain text."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from db.importers import import_file
from db.schema import cases, departments, devices, metadata
from tests.test_dashboard_queue import (  # noqa: F401  (dash is a fixture)
    L, account, dash, new_case, ok, open_page, scalar,
)
from tests.test_import_support import district, rejected, snapshot  # noqa: F401
from tests.test_ingest_support import LAT0, LON0, publish, rows, running, seed_world, settings_for, wait_handled

SQL = "'); DROP TABLE grids;--"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(document.cookie)>"
PAYLOADS = (SQL, SCRIPT, IMG)
# Markup that would be live if a page handed user text to Markdown or HTML unescaped (a backslash escapes it).
LIVE_MARKUP = re.compile(r"(?<!\\)<\s*(script|img)\b", re.IGNORECASE)


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _everything_but(engine, *changed: str) -> dict:
    """Every row of every table except those the import is allowed to touch."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in metadata.sorted_tables if t.name not in changed}


@pytest.mark.parametrize("kind, header, make_row, table", [
    ("departments", "code,name,tier,duty_phone,area_code,checkin_minutes",
     lambda i, p: f"X{i:03d},{p},1,,350102000000,", departments),
    ("cameras", "code,name,lon,lat,grid_code,status,vendor",
     lambda i, p: f"3501020000132000{9000 + i},{p},119.3025,26.0825,,在线,{p}", devices),
])
def test_import_file_stores_sql_and_html_verbatim_and_touches_nothing_else(district, kind, header, make_row, table):
    engine = district
    before_tables = _tables(engine)
    before = _everything_but(engine, table.name, "audit_log")
    imported_before = snapshot(engine)[table.name]
    body = "\n".join([header] + [make_row(i, p) for i, p in enumerate(PAYLOADS)]) + "\n"
    result = import_file(engine, kind, body.encode("utf-8"), filename=f"{SQL}{SCRIPT}.csv")
    assert _tables(engine) == before_tables
    assert _everything_but(engine, table.name, "audit_log") == before
    if not result.ok:                               # a refusal names the rows and writes nothing
        assert result.errors and all(e.row >= 2 for e in result.errors)
        assert snapshot(engine)[table.name] == imported_before
        return
    assert result.inserted == len(PAYLOADS)
    with engine.connect() as conn:
        names = set(conn.execute(select(table.c.name)).scalars())
        audit = conn.execute(select(metadata.tables["audit_log"].c.target_id)
                             .where(metadata.tables["audit_log"].c.action == "import")
                             .order_by(metadata.tables["audit_log"].c.id.desc()).limit(1)).scalar_one()
    assert set(PAYLOADS) <= names
    assert audit == f"{SQL}{SCRIPT}.csv"


def test_import_refuses_sql_and_html_in_code_fields_row_by_row(district):
    body = "code,name,tier\nOK1,正常部门,1\n" + "".join(f"{p},部门{i},1\n" for i, p in enumerate(PAYLOADS))
    before_tables = _tables(district)
    result = rejected(district, "departments", body.encode("utf-8"))        # asserts nothing changed
    assert [e.row for e in result.errors] == [3, 4, 5] and all(e.reason for e in result.errors)
    assert _tables(district) == before_tables


def test_case_page_shows_sql_and_html_as_plain_text(dash):
    description = "\n".join(PAYLOADS)
    code = new_case(dash, title=f"{SCRIPT} 占道", description=description, address=IMG,
                    reporter_name=SCRIPT)
    assert scalar(dash, "SELECT description FROM cases WHERE code = :c", c=code) == description
    for user in (account(dash, "operator"), account(dash, "leader")):
        at = ok(open_page("pages/case.py", user, code=code))
        assert at.title[0].value.startswith(code)
        assert any(t.value == description for t in at.text)                 # st.text: preformatted, never parsed
        rendered = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "error",
                                         "success", "warning") for e in getattr(at, kind)]
        rendered += [e.proto.body for e in at.get("html")]
        live = [v for v in rendered if LIVE_MARKUP.search(str(v))]
        assert not live, live
        facts = next(df.value for df in at.dataframe if L["item"] in df.value)
        assert IMG in set(facts[L["value"]])                                # the address, as a table cell
    assert scalar(dash, "SELECT count(*) FROM grids") > 0


# --- MQTT ---------------------------------------------------------------------------------------------------

@pytest.fixture
def world(db_url):
    return seed_world(db_url)


def test_mqtt_report_with_sql_and_html_is_stored_verbatim(world, mqtt_url):
    s = settings_for(world.url, mqtt_url)
    grids_before = rows(world.url, "SELECT id, code, name FROM grids ORDER BY id")
    at = (datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=5)).isoformat()
    report = {"id": f"r-{SQL}", "ts": at, "category": "0101", "description": "\n".join(PAYLOADS),
              "lon": LON0 + 0.004, "lat": LAT0 + 0.003, "address": f"{SCRIPT}{SQL}", "urgency": 3}
    with running(s) as worker:
        publish(mqtt_url, [(f"{s.topic_prefix}/v1/terminal/S001/report", json.dumps(report, ensure_ascii=False))])
        wait_handled(worker, 1)
    case = rows(world.url, "SELECT description, address, source_ref, title FROM cases")
    assert len(case) == 1
    assert case[0].description == "\n".join(PAYLOADS) and case[0].address == f"{SCRIPT}{SQL}"
    assert case[0].source_ref == f"report:S001:r-{SQL}" and SCRIPT in case[0].title
    assert rows(world.url, "SELECT id, code, name FROM grids ORDER BY id") == grids_before
    assert rows(world.url, "SELECT count(*) AS n FROM cases")[0].n == 1
    assert "grids" in inspect_tables(world.url) and cases.name in inspect_tables(world.url)


def inspect_tables(url: str) -> set[str]:
    from sqlalchemy import create_engine
    eng = create_engine(url)
    try:
        return set(inspect(eng).get_table_names())
    finally:
        eng.dispose()


def test_personal_data_in_messages_never_reaches_the_logs(world, mqtt_url, caplog):
    """A resident's name, phone and ID number in a report (stored), in a refused report (dead letter) and in a
    refused payload on an unknown topic: none of them appears in any log record, at any level."""
    phone, id_no, name = "13812345678", "350102199001011234", "林晓燕"
    s = settings_for(world.url, mqtt_url, max_payload=2048)
    at = (datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=5)).isoformat()
    personal = f"报告人{name}，电话{phone}，身份证{id_no}"
    good = {"id": "pd-1", "ts": at, "category": "0101", "description": personal,
            "lon": LON0 + 0.004, "lat": LAT0 + 0.003, "address": personal}
    wrong_type = {**good, "id": "pd-2", "urgency": personal}
    too_big = {**good, "id": "pd-3", "description": personal * 40}
    caplog.set_level("DEBUG")
    with running(s) as worker:
        publish(mqtt_url, [(f"{s.topic_prefix}/v1/terminal/S001/report", json.dumps(m, ensure_ascii=False))
                           for m in (good, wrong_type, too_big)]
                + [(f"{s.topic_prefix}/v1/unknown/{phone}", personal)])
        wait_handled(worker, 4)
    assert rows(world.url, "SELECT count(*) AS n FROM cases")[0].n == 1
    assert rows(world.url, "SELECT count(*) AS n FROM dead_letters")[0].n == 3
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert any(r.name.startswith("ingest") for r in caplog.records)     # the worker's own logging was captured
    for secret in (phone, id_no, name):
        assert secret not in logged
