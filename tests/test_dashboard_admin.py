"""基础数据 page: tables, safe edits, imports with row errors, registering unknown devices, ingest health."""
from __future__ import annotations

from sqlalchemy import insert

from db.engine import get_engine
from db.schema import dead_letters, ingest_counters, unregistered_devices
from tests.test_dashboard_queue import (  # noqa: F401  (dash is a fixture)
    L, account, click, dash, ok, open_page, page_text, scalar, select_rows, widget,
)

CAMERA_ID = "35010200001320000999"


def add_unregistered(url: str, *rows: tuple[str, str, str]) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(insert(unregistered_devices), [
            {"kind": k, "source": s, "external_id": e, "last_topic": f"grid/{s}"} for k, s, e in rows])


def test_tables_match_the_database_and_admin_only(dash):
    at = ok(open_page("pages/admin.py", account(dash, "admin")))
    captions = [c.value for c in at.caption if c.value.startswith("共 ")]
    expected = [scalar(dash, q) for q in (
        "SELECT count(*) FROM grids", "SELECT count(*) FROM staff", "SELECT count(*) FROM departments",
        "SELECT count(*) FROM devices WHERE kind = 'camera'",
        "SELECT count(*) FROM categories c JOIN category_versions v ON v.id = c.version_id WHERE v.active")]
    assert captions == [L["adm_rows"].format(n=n) for n in expected]
    for role in ("dispatcher", "department", "leader"):
        other = ok(open_page("pages/admin.py", account(dash, role)))
        assert any("无权访问" in e.value for e in other.error) and not other.dataframe


def test_import_shows_row_errors_then_imports(dash):
    at = ok(open_page("pages/admin.py", account(dash, "admin")))
    widget(at.selectbox, L["adm_import_kind"]).set_value("departments")
    bad = "code,name,tier,duty_phone\nTD01,测试执法队,1,0591-1\nTD02,测试中心,9,\n".encode()
    at.file_uploader[0].set_value(("部门.csv", bad, "text/csv"))
    ok(click(ok(at.run()), L["adm_import_go"]))
    assert any(L["adm_import_failed"].format(n=1) == e.value for e in at.error)
    errors = next(df.value for df in at.dataframe if L["adm_row"] in df.value)
    assert list(errors[L["adm_row"]]) == [3] and "级别" in errors[L["reason"]].iloc[0]
    assert scalar(dash, "SELECT count(*) FROM departments WHERE code LIKE 'TD0%'") == 0
    at.file_uploader[0].set_value(("部门.csv", bad.replace(b",9,", b",2,"), "text/csv"))
    ok(click(ok(at.run()), L["adm_import_go"]))
    assert any(s.value == L["adm_import_ok"].format(rows=2, ins=2, upd=0) for s in at.success)
    assert scalar(dash, "SELECT count(*) FROM departments WHERE code LIKE 'TD0%'") == 2


def test_register_unknown_camera_staff_and_alert_type(dash):
    worker = scalar(dash, "SELECT id FROM staff WHERE active ORDER BY id LIMIT 1")
    add_unregistered(dash, ("camera", "gb28181", CAMERA_ID), ("alert_type", "frigate", "loitering"),
                     ("device", "owntracks", "phone-77"), ("grid", "terminal", "G-NOPE"))
    at = ok(open_page("pages/admin.py", account(dash, "admin")))
    col = L["adm_external_id"]
    at = ok(select_rows(at, "adm_unreg", [CAMERA_ID], column=col))
    widget(at.text_input, L["adm_camera_name"]).set_value("新装球机")
    ok(next(b for b in at.button if b.label == L["adm_register"]).click().run())
    assert any(s.value == L["saved"] for s in at.success)
    assert scalar(dash, "SELECT name FROM devices WHERE code = :c AND kind = 'camera'", c=CAMERA_ID) == "新装球机"
    assert scalar(dash, "SELECT registered_device_id IS NOT NULL FROM unregistered_devices WHERE external_id = :c",
                  c=CAMERA_ID)

    at = ok(select_rows(at, "adm_unreg", ["loitering"], column=col))
    code = widget(at.selectbox, L["adm_map_type"]).options[0]
    ok(next(b for b in at.button if b.label == L["adm_register"]).click().run())
    assert scalar(dash, "SELECT count(*) FROM alert_type_aliases WHERE vendor = 'frigate' AND "
                        "vendor_code = 'loitering'") == 1, code

    at = ok(select_rows(at, "adm_unreg", ["phone-77"], column=col))
    widget(at.selectbox, L["adm_map_staff"]).set_value(worker)
    ok(next(b for b in at.button if b.label == L["adm_register"]).click().run())
    assert scalar(dash, "SELECT staff_id FROM device_aliases WHERE source = 'owntracks' AND "
                        "external_id = 'phone-77'") == worker

    listed = next(df.value for df in at.dataframe if col in df.value)
    assert list(listed[col]) == ["G-NOPE"]                        # the rest are resolved now
    at = ok(select_rows(at, "adm_unreg", ["G-NOPE"], column=col))
    assert L["adm_unreg_import"].format(kind=L["adm_ukind_grid"]) in page_text(at)


def test_bad_camera_code_is_refused(dash):
    add_unregistered(dash, ("camera", "frigate", "front_gate"))
    at = ok(open_page("pages/admin.py", account(dash, "admin")))
    at = ok(select_rows(at, "adm_unreg", ["front_gate"], column=L["adm_external_id"]))
    ok(next(b for b in at.button if b.label == L["adm_register"]).click().run())
    assert any(e.value == L["adm_camera_code"] for e in at.error)
    assert scalar(dash, "SELECT count(*) FROM devices WHERE code = 'front_gate'") == 0


def test_department_edit_and_calendar_day(dash):
    dept = scalar(dash, "SELECT id FROM departments WHERE tier = 3 ORDER BY id LIMIT 1")
    at = ok(open_page("pages/admin.py", account(dash, "admin")))
    widget(at.selectbox, L["adm_edit_dept"]).set_value(dept)
    ok(at.run())
    widget(at.number_input, L["adm_checkin_minutes"]).set_value(45)
    ok(next(b for b in at.button if b.label == L["save"]).click().run())
    assert scalar(dash, "SELECT checkin_minutes FROM departments WHERE id = :d", d=dept) == 45
    assert scalar(dash, "SELECT count(*) FROM audit_log WHERE action = 'admin.department.update' "
                        "AND target_id = :d", d=str(dept)) == 1

    import datetime as dt
    widget(at.date_input, L["adm_day"]).set_value(dt.date(2027, 1, 4))
    widget(at.text_input, L["adm_day_name"]).set_value("测试假日")
    ok(next(b for b in at.button if b.label == L["adm_day_set"]).click().run())
    assert scalar(dash, "SELECT kind FROM calendar_days WHERE day = '2027-01-04'") == "holiday"


def test_ingest_health_and_dead_letters(dash):
    with get_engine(dash).begin() as conn:
        conn.execute(insert(ingest_counters).values(worker="w-test", received=900, stored=880, duplicates=5,
                                                    rejected=15, batches=9, lag_p95_ms=42.0, lag_max_ms=97.0))
        conn.execute(insert(dead_letters).values(source="mqtt", topic="grid/video/alert", payload=b"{not json",
                                                 payload_size=9, reason="JSON 格式错误：第 1 行"))
    at = ok(open_page("pages/admin.py", account(dash, "admin")))
    text = page_text(at)
    assert "w-test" in text and "JSON 格式错误：第 1 行" in text and "{not json" in text
    assert L["adm_dl_counts"].format(total=1, open=1) in text
    assert "python -m ingest replay-dead-letters" in text
    button = next(b for b in at.button if b.label == L["adm_replay_button"].format(n=0))
    assert button.disabled                                              # nothing selected yet
    health = next(df.value for df in at.dataframe if L["adm_worker"] in df.value)
    assert health[L["adm_received_s"]].iloc[0] == 1.0                       # 900 in 15 minutes
