"""Grid importer (GeoJSON): checked boundaries, overlaps, parents, bbox and centre, on a real PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db import labels
from db.importers import RowError
from db.schema import grids
from tests.test_import_support import gbk, imported, rejected


@pytest.fixture
def communities(engine):
    imported(engine, "areas", "areas.csv")
    return engine


def _collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def _square(x0: float, y0: float, size: float = 0.005) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(code: str, geometry: dict, **props) -> dict:
    props = {"code": code, "name": code, "area_code": "350102001001", **props}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_grids_import_with_bbox_centre_and_properties(communities):
    result = imported(communities, "grids", "grids.geojson")
    assert (result.inserted, result.updated, result.rows) == (3, 0, 3)
    with communities.connect() as conn:
        rows = {r.code: r for r in conn.execute(select(grids))}
    first = rows["3501020010010001"]
    assert (first.min_lon, first.min_lat, first.max_lon, first.max_lat) == (119.3, 26.08, 119.305, 26.085)
    assert first.center_lon == pytest.approx(119.3025) and first.center_lat == pytest.approx(26.0825)
    assert (first.district_code, first.kind, first.level, first.households, first.duties) == \
        ("350102", "governance", 3, 420, "每日巡查一次")
    third = rows["3501020010020001"]
    assert (third.kind, third.population, third.boundary["type"]) == ("special", 1520, "MultiPolygon")


def test_gbk_geojson_with_chinese_property_names_updates(communities):
    imported(communities, "grids", "grids.geojson")
    again = imported(communities, "grids", gbk("grids_zh.geojson"))
    assert (again.inserted, again.updated, again.encoding, again.ignored_columns) == (0, 3, "GBK/GB18030", ["面积"])
    with communities.connect() as conn:
        kinds = dict(conn.execute(select(grids.c.code, grids.c.kind)).all())
    assert kinds == {"3501020010010001": "governance", "3501020010010002": "governance",
                     "3501020010020001": "special"}


def test_bad_grids_rejected_with_feature_reasons(communities):
    result = rejected(communities, "grids", "grids_bad.geojson")
    assert [e.row for e in result.errors] == [2, 3, 4, 5, 6, 7, 8, 9]
    reasons = {e.row: e.reason for e in result.errors}
    # Boundary reasons come from db.geo (shared with the demo generator), so they are compared by label.
    assert reasons[2].startswith(labels.GEO_INVALID.split("{")[0])                   # bowtie
    assert reasons[3] == labels.GEO_OUT_OF_RANGE                                       # projected metres
    assert reasons[4] == labels.GEO_NOT_POLYGON.format(found="Point")
    assert reasons[5] == "与第 1 个要素（网格「3501020010010001」）重叠约 100,171 平方米"
    assert reasons[6] == "编码「3501020010010001」与第 1 个要素重复"
    assert reasons[7] == "区域编码「350102009009」不存在，请先导入区域"
    assert reasons[8] == "「户数」应为整数"
    assert reasons[9] == "所属区域「350102001000」是街道/乡镇，网格应挂在社区/村下"


def test_touching_grids_and_grids_of_other_layers_are_not_overlaps(communities):
    body = _collection(
        _feature("G1", _square(119.30, 26.08)), _feature("G2", _square(119.305, 26.08)),
        _feature("U1", _square(119.30, 26.08), kind="单元网格"), _feature("M1", _square(119.301, 26.081, 0.001), level=4))
    assert imported(communities, "grids", body).inserted == 4


def test_geometry_problems_each_get_a_reason(communities):
    empty = {"type": "Polygon", "coordinates": []}
    broken = {"type": "Polygon", "coordinates": [[[119.3, "a"]]]}
    result = rejected(communities, "grids", _collection(
        _feature("A", empty), _feature("B", broken), {"type": "Feature", "properties": {"code": "C"}},
        "not a feature", _feature("E", _square(119.3, 26.08), households=-5)))
    reasons = {e.row: e.reason for e in result.errors}
    assert reasons[1] == labels.GEO_EMPTY
    assert reasons[2].startswith(labels.GEO_BAD_COORDINATES.split("{")[0])
    assert [e.reason for e in result.errors if e.row == 3] == ["「边界」不能为空", "「名称」不能为空",
                                                               "「所属区域编码」不能为空"]
    assert reasons[4] == "不是 GeoJSON 要素（Feature）"
    assert reasons[5] == "「户数」应在 0 到 10000000 之间"


@pytest.mark.parametrize("body, reason", [
    (b'{"type": "FeatureCollection", "features": [', "不是有效的 JSON：第 1 行第 44 列附近有错误"),
    (b'{"type": "Feature", "properties": {}}', "GeoJSON 顶层应为 FeatureCollection（当前为 Feature）"),
    (b'{"type": "FeatureCollection", "features": []}', "文件中没有数据行"),
    (b'{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:4547"}}, "features": []}',
     "坐标系应为 WGS-84 或 CGCS2000 经纬度（文件声明为 EPSG:4547）"),
    (_collection({"type": "Feature", "properties": {"编号x": 1}, "geometry": _square(119.3, 26.08)}),
     "要素属性中缺少：编码、名称、所属区域编码（属性名可用中文或英文）"),
])
def test_unusable_geojson_files(communities, body, reason):
    result = rejected(communities, "grids", body)
    assert result.errors == [RowError(None, reason)]

