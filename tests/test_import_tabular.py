"""Importers of areas, departments, staff and cameras (CSV, UTF-8 and GBK) on a real PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select

from db.importers import RowError, import_file
from db.schema import areas, audit_log, departments, devices, grids, staff, staff_grids
from tests.test_import_support import district, gbk, imported, raw, rejected, snapshot  # noqa: F401


def _rows(engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).all()


def test_areas_import_utf8_then_gbk_chinese_headers_updates(engine):
    first = imported(engine, "areas", "areas.csv")
    assert (first.inserted, first.updated, first.encoding) == (4, 0, "UTF-8")
    again = imported(engine, "areas", gbk("areas_zh.csv"), filename="areas_zh.csv")
    assert (again.inserted, again.updated, again.encoding) == (0, 4, "GBK/GB18030")
    assert again.ignored_columns == ["备注"]
    got = _rows(engine, select(areas.c.code, areas.c.name, areas.c.level, areas.c.parent_code).order_by(areas.c.code))
    assert got == [("350102000000", "鼓楼区", "district", None),
                   ("350102001000", "东街街道", "street", "350102000000"),
                   ("350102001001", "东大社区", "community", "350102001000"),
                   ("350102001002", "南营社区", "community", "350102001000")]


def test_utf8_with_bom_is_read(engine):
    result = imported(engine, "areas", b"\xef\xbb\xbf" + raw("areas_zh.csv"))
    assert result.inserted == 4 and result.encoding == "UTF-8"


def test_areas_bad_file_rejected_with_row_reasons(engine):
    result = rejected(engine, "areas", "areas_bad.csv")
    assert result.errors == [
        RowError(4, "「编码」应为 12 位数字"),
        RowError(5, "上级编码「350102009000」在数据库和本文件中都不存在"),
        RowError(6, "上级「350102000000」是区/县，社区/村的上级应为街道/乡镇"),
        RowError(7, "编码「350102001000」与第 3 行重复"),
        RowError(8, "「层级」无法识别「乡镇街道」，可填：区/县、街道/乡镇、社区/村"),
        RowError(9, "区/县不应填写上级编码"),
        RowError(10, "「名称」不能为空"),
    ]


def test_area_parent_may_come_from_database_and_level_change_under_children_refused(district):
    imported(district, "areas", "code,name,level,parent_code\n350102002000,南街街道,street,350102000000\n".encode())
    result = rejected(district, "areas", "编码,名称,层级,上级编码\n350102001001,东大,街道,350102000000\n"
                      .encode("gb18030"))
    assert result.errors == [RowError(2, "区域「350102001001」下已有网格，不能把层级从社区/村改为街道/乡镇")]


def test_departments_good_bad_and_absent_columns_left_alone(engine):
    imported(engine, "areas", "areas.csv")
    assert imported(engine, "departments", gbk("departments.csv")).inserted == 3
    result = rejected(engine, "departments", "departments_bad.csv")
    assert result.errors == [
        RowError(2, "「级别」无法识别「4」，可填：1、2、3 或 一级、二级、三级"),
        RowError(3, "「值班电话」格式不正确（只能包含数字、空格、横线、括号和 +，3 到 20 位数字）"),
        RowError(4, "「报到时限（分钟）」应在 1 到 43200 之间"),
        RowError(4, "区域编码「350102999000」不存在，请先导入区域"),
        RowError(5, "「报到时限（分钟）」应为整数"),
        RowError(6, "编码「D001」与第 2 行重复"),
    ]
    # A file without the phone column renames and re-tiers, and keeps the phones already stored.
    update = imported(engine, "departments", "部门编码,部门名称,级别\nD001,区城管局,二级\n".encode("gb18030"))
    assert (update.inserted, update.updated) == (0, 1)
    got = _rows(engine, select(departments.c.name, departments.c.tier, departments.c.duty_phone)
                .where(departments.c.code == "D001"))
    assert got == [("区城管局", 2, "0591-87654321")]


def test_staff_gbk_chinese_headers_with_grid_duties(district):
    result = imported(district, "staff", gbk("staff_zh.csv"))
    assert (result.inserted, result.extra["grid_links"]) == (4, 4)
    links = _rows(district, select(staff.c.code, grids.c.code, staff_grids.c.duty)
                  .join(staff, staff.c.id == staff_grids.c.staff_id).join(grids, grids.c.id == staff_grids.c.grid_id)
                  .order_by(staff.c.code, grids.c.code))
    assert links == [("S001", "3501020010010001", "A"), ("S001", "3501020010010002", "B"),
                     ("S002", "3501020010010001", "B"), ("S003", "3501020010020001", "A")]
    roles = dict(_rows(district, select(staff.c.code, staff.c.role)))
    assert roles == {"S001": "patroller", "S002": "police", "S003": "volunteer", "S004": "supervisor"}
    dept = _rows(district, select(departments.c.code).join(staff, staff.c.dept_id == departments.c.id)
                 .where(staff.c.code == "S004"))
    assert dept == [("D003",)]


def test_staff_reimport_replaces_links_instead_of_adding(district):
    imported(district, "staff", "staff.csv")
    again = imported(district, "staff", "code,name,role,grids\nS001,张三,巡查员,3501020010020001:B\n".encode())
    assert (again.inserted, again.updated, again.extra["grid_links"]) == (0, 1, 1)
    links = _rows(district, select(staff_grids.c.grid_id, staff_grids.c.duty)
                  .join(staff, staff.c.id == staff_grids.c.staff_id).where(staff.c.code == "S001"))
    assert len(links) == 1 and links[0].duty == "B"
    phone = _rows(district, select(staff.c.phone).where(staff.c.code == "S001"))
    assert phone == [("13800000001",)]   # no phone column in the second file: kept


def test_staff_bad_file_rejected_with_row_reasons(district):
    result = rejected(district, "staff", "staff_bad.csv")
    assert result.errors == [
        RowError(2, "网格编码「3501020010019999」不存在，请先导入网格"),
        RowError(3, "「电话」格式不正确（只能包含数字、空格、横线、括号和 +，3 到 20 位数字）"),
        RowError(4, "「角色」无法识别「保安」，可填：督导员、管理员、巡查员（专职网格员）、协理员、专管员、信息员、社区民警、志愿者"),
        RowError(5, "部门编码「D999」不存在，请先导入部门"),
        RowError(6, "编码「S001」与第 2 行重复"),
        RowError(7, "「负责网格」应写成 网格编码:A;网格编码:B（「3501020010010001:C」无法识别）"),
        RowError(8, "「负责网格」网格「3501020010010001」在本行出现了多次"),
        RowError(8, "区域编码「350102009009」不存在，请先导入区域"),
    ]
    assert not any("1380000000X" in e.reason for e in result.errors)   # phones never echoed


def test_cameras_located_by_point_in_grid(district):
    result = imported(district, "cameras", gbk("cameras.csv"))
    assert (result.inserted, result.extra) == (4, {"located": 2, "unlocated": 1})
    got = _rows(district, select(devices.c.code, grids.c.code, devices.c.status, devices.c.kind)
                .outerjoin(grids, grids.c.id == devices.c.grid_id).order_by(devices.c.code))
    assert got == [("35010200001320000001", "3501020010010001", "online", "camera"),
                   ("35010200001320000002", "3501020010010002", "offline", "camera"),
                   ("35010200001320000003", None, "unknown", "camera"),
                   ("35010200001320000004", "3501020010020001", "fault", "camera")]


def test_cameras_bad_file_rejected_with_row_reasons(district):
    result = rejected(district, "cameras", "cameras_bad.csv")
    assert result.errors == [
        RowError(2, "「编码」应为 20 位数字"),
        RowError(3, "「编码」应为 20 位数字，疑似被 Excel 转成了科学计数法（请把该列设为文本后重新导出）"),
        RowError(4, "「经度」应为数字"),
        RowError(5, "「纬度」应在 -90 到 90 之间"),
        RowError(6, "网格编码「3501020010099999」不存在，请先导入网格"),
        RowError(7, "经度和纬度必须同时填写或同时留空"),
        RowError(8, "「状态」无法识别「开着」，可填：在线、离线、故障、未知"),
    ]


def test_camera_code_held_by_a_terminal_is_refused(district):
    with district.begin() as conn:
        conn.execute(devices.insert().values(kind="terminal", code="35010200001320000009"))
    result = rejected(district, "cameras", b"code,lon,lat\n35010200001320000009,119.3,26.08\n")
    assert result.errors == [RowError(2, "编码「35010200001320000009」已被一台手持终端使用")]


def test_reimport_of_every_kind_updates_and_audits(district):
    imported(district, "staff", "staff.csv", actor="admin01")
    imported(district, "cameras", "cameras.csv")
    before = {name: len(rows) for name, rows in snapshot(district).items()}
    for kind, name in [("areas", "areas.csv"), ("grids", "grids.geojson"), ("departments", "departments.csv"),
                       ("staff", "staff.csv"), ("cameras", "cameras.csv")]:
        again = imported(district, kind, name)
        assert again.inserted == 0 and again.updated == again.rows > 0
    after = {name: len(rows) for name, rows in snapshot(district).items()}
    assert after == {**before, "audit_log": before["audit_log"] + 5}
    audits = _rows(district, select(audit_log.c.username, audit_log.c.target_kind, audit_log.c.detail)
                   .where(audit_log.c.action == "import").order_by(audit_log.c.id))
    assert audits[3].username == "admin01"
    assert audits[3].detail == {"kind": "staff", "file": "staff.csv", "encoding": "UTF-8", "rows": 4,
                                "inserted": 4, "updated": 0, "grid_links": 4}


def test_rejection_inside_a_callers_transaction_keeps_the_callers_work(engine):
    with engine.connect() as conn:
        conn.execute(areas.insert().values(code="350102000000", name="鼓楼区", level="district"))
        result = import_file(conn, "areas", b"code,name,level,parent_code\n350102001000,x,street,350102999999\n")
        assert not result.ok
        ok = import_file(conn, "areas", b"code,name,level,parent_code\n350102001000,x,street,350102000000\n")
        assert ok.ok
        conn.commit()
    assert len(_rows(engine, select(areas.c.code))) == 2
