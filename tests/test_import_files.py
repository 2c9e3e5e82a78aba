"""Importer file handling: encodings, unusable files, .xlsx sheets, and the `python -m db import` command."""
from __future__ import annotations

import io

import openpyxl
import pytest

from db import config, labels
from db.importers import RowError, import_file
from db.importers.cli import main
from tests.test_import_support import DATA, district, imported, rejected, snapshot  # noqa: F401

HEADER = "code,name,level,parent_code\n"


def test_undecodable_bytes_rejected_with_a_clear_reason(engine):
    body = (HEADER + "350102000000,鼓楼区,district,\n").encode("utf-8") + b"350102001000,\x80\xff,street,\n"
    result = rejected(engine, "areas", body)
    assert result.errors == [RowError(None, "无法识别文件编码：既不是 UTF-8，也不是 GBK/GB18030"
                                            "（按 UTF-8 在第 3 行、按 GBK 在第 2 行遇到无法解码的字节）")]


def test_utf16_tab_separated_export_is_read(engine):
    text = "编码\t名称\t层级\t上级编码\r\n350102000000\t鼓楼区\t区/县\t\r\n"
    assert imported(engine, "areas", text.encode("utf-16")).encoding == "UTF-16"


@pytest.mark.parametrize("body, reason", [
    (b"", "文件是空的"),
    (b" \n\n", "文件是空的"),
    (HEADER.encode(), "文件中没有数据行"),
    (b"code,name\n350102000000,x\n", "缺少必需的列：层级（第 1 行被当作表头；列名可用中文或英文）"),
    (b"code,name,level,\xe7\xbc\x96\xe7\xa0\x81\n1,2,3,4\n",
     "第 1 列「code」和第 4 列「编码」都表示「编码」"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "不支持旧版 Excel .xls 格式，请另存为 .xlsx 或 CSV"),
    (b"PK\x03\x04broken", "无法读取 Excel 文件：文件损坏或不是 .xlsx 格式"),
    (b"code,name\x00,level\n", "文件含有空字节，不是文本格式的 CSV"),
    (HEADER.encode() + b'350102000000,"x,district,\n350102001000,y,street,350102000000\n',
     "CSV 格式错误（第 2 行附近）：引号不配对或含有非法字符"),
])
def test_unusable_files(engine, body, reason):
    assert rejected(engine, "areas", body).errors == [RowError(None, reason)]


def test_unknown_kind_and_missing_file(engine, tmp_path):
    assert import_file(engine, "roads", b"x").errors[0].reason.startswith("未知的导入类型「roads」")
    missing = import_file(engine, "areas", tmp_path / "nope.csv")
    assert missing.errors == [RowError(None, f"找不到文件或无法读取：{tmp_path / 'nope.csv'}")]
    assert import_file(engine, "区域", DATA / "areas.csv").ok   # kinds by Chinese name too


def test_extra_cells_and_title_rows_above_the_header(engine):
    body = ("鼓楼区区划表\n\n" + HEADER + "350102000000,鼓楼区,district,\n350102001000,东街,street,350102000000,多余\n")
    result = rejected(engine, "areas", body.encode())
    assert result.errors == [RowError(5, "该行有 5 个单元格，多于表头的 4 列（可能有未加引号的逗号）")]


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_title_row_and_chinese_headers(district):
    body = _xlsx([["鼓楼区摄像头台账"], ["设备编码", "设备名称", "经度", "纬度", "状态"],
                  ["35010200001320000001", "东街口", 119.3025, 26.0825, "在线"], [],
                  ["35010200001320000002", "南门兜", 119.3075, 26.0825, "离线"]])
    result = imported(district, "cameras", body, filename="cameras.xlsx")
    assert (result.inserted, result.encoding, result.extra["located"]) == (2, "xlsx", 2)


def test_xlsx_numeric_camera_code_has_lost_digits(district):
    body = _xlsx([["code", "lon", "lat"], [35010200001320000001, 119.3, 26.08], ["35010200001320000002", 1e3, 26.08]])
    result = rejected(district, "cameras", body)
    assert result.errors == [
        RowError(2, "「编码」应为 20 位数字，疑似被 Excel 转成了科学计数法（请把该列设为文本后重新导出）"),
        RowError(3, "「经度」应在 -180 到 180 之间")]


@pytest.fixture
def cli_db(engine, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    config.settings.cache_clear()
    yield engine
    config.settings.cache_clear()


def test_cli_imports_and_reports_in_chinese(cli_db, capsys):
    assert main(["import", "areas", str(DATA / "areas.csv"), "--actor", "张管理"]) == 0
    assert capsys.readouterr().out.strip() == "导入区域（areas.csv，UTF-8）完成：共 4 条，新增 4，更新 0。"
    assert main(["import", "grids", str(DATA / "grids_bad.geojson")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "导入网格（grids_bad.geojson）被拒绝，未写入任何数据。共 8 处问题："
    assert out[3] == "  第 4 个要素：" + labels.GEO_NOT_POLYGON.format(found="Point")


def test_cli_caps_the_error_list(cli_db, capsys, tmp_path):
    bad = tmp_path / "areas.csv"
    bad.write_bytes((HEADER + "".join(f"1234,区{i},district,\n" for i in range(60))).encode("gb18030"))
    assert main(["import", "areas", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 + 50 + 1
    assert out[1] == "  第 2 行：「编码」应为 12 位数字" and out[-1] == "  …还有 10 处"
    assert not any(snapshot(cli_db).values())


def test_cli_usage(capsys):
    assert main(["import"]) == 2
    assert main(["import", "roads", "x.csv"]) == 2
    assert "用法: python -m db import" in capsys.readouterr().err
