"""db.geo: point-in-grid lookup, polygon validation, bounding boxes, GCJ-02 to WGS-84."""
from __future__ import annotations

import math

import pytest

from db import geo, labels
from db.geo import GridIndex, bbox, gcj02_to_wgs84, validate_polygon, wgs84_to_gcj02


def square(x0: float, y0: float, size: float = 1.0) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size],
                                                [x0, y0 + size], [x0, y0]]]}


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


@pytest.fixture
def index() -> GridIndex:
    hole = {"type": "Polygon", "coordinates": [square(10, 0, 3)["coordinates"][0], square(11, 1)["coordinates"][0]]}
    multi = {"type": "MultiPolygon", "coordinates": [square(20, 0)["coordinates"], square(22, 0)["coordinates"]]}
    return GridIndex.from_rows([("A", square(0, 0)), ("B", square(1, 0)), ("H", hole), ("M", multi)])


def test_locate_inside_outside_and_on_a_shared_border(index):
    assert len(index) == 4
    assert index.locate(0.5, 0.5) == "A"
    assert index.locate(1.5, 0.5) == "B"
    assert index.locate(1.0, 0.5) == "A"          # shared edge: the grid listed first wins
    assert index.locate(2.5, 0.5) is None
    assert index.locate(11.5, 1.5) is None        # inside the hole
    assert index.locate(10.5, 0.5) == "H"
    assert index.locate(22.5, 0.5) == "M"
    assert index.locate(float("nan"), 0.5) is None
    assert index.locate(None, 0.5) is None


def test_locate_many_agrees_with_locate(index):
    points = [(0.5, 0.5), (1.0, 0.5), (1.5, 0.99), (5, 5), (11.5, 1.5), (20.2, 0.2), (0, 0)]
    assert index.locate_many([p[0] for p in points], [p[1] for p in points]) == [index.locate(*p) for p in points]


def test_bbox():
    assert bbox(square(119.2, 26.0, 0.5)) == (119.2, 26.0, 119.7, 26.5)


def test_valid_polygons_have_no_reasons():
    assert validate_polygon(square(119.2, 26.0, 0.01)) == []
    assert validate_polygon({"type": "MultiPolygon", "coordinates": [square(0, 0)["coordinates"],
                                                                     square(3, 0)["coordinates"]]}) == []


@pytest.mark.parametrize("geometry, expected", [
    ({"type": "Point", "coordinates": [119.3, 26.1]}, labels.GEO_NOT_POLYGON.format(found="Point")),
    ([[0, 0], [1, 1]], labels.GEO_NOT_POLYGON.format(found="list")),
    ({"type": "Polygon", "coordinates": []}, labels.GEO_EMPTY),
    ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]}, labels.GEO_OUT_OF_RANGE),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, float("nan")], [0, 0]]]}, labels.GEO_NOT_FINITE),
])
def test_reasons(geometry, expected):
    assert validate_polygon(geometry) == [expected]


def test_self_intersection_is_explained():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    [reason] = validate_polygon(bowtie)
    assert reason.startswith(labels.GEO_INVALID.split("{")[0]) and "Self-intersection" in reason


def test_malformed_coordinates_give_a_reason_not_an_exception():
    for coords in ("x", [[[0, 0], [1]]], [[[0, 0], [1, 0], [0, 0]]], [[["a", "b"], [1, 0], [1, 1], [0, 0]]]):
        reasons = validate_polygon({"type": "Polygon", "coordinates": coords})
        assert len(reasons) == 1 and reasons[0], coords


def test_collapsed_polygon_is_rejected():
    line_like = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}
    assert validate_polygon(line_like)


# Published pairs (WGS-84 -> GCJ-02) from the eviltransform project's test suite.
KNOWN = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),    # 上海
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),    # 深圳
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),    # 北京
]


@pytest.mark.parametrize("wgs, gcj", KNOWN)
def test_known_gcj02_offsets(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    back = gcj02_to_wgs84(*gcj)
    assert metres(*back, *wgs) < 0.01
    assert metres(*gcj, *wgs) > 100          # the offset itself is hundreds of metres


def test_gcj02_round_trip_over_fuzhou_within_a_metre():
    for i in range(12):
        for j in range(12):
            lon, lat = 119.1 + i * 0.03, 25.9 + j * 0.03
            assert metres(*gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), lon, lat) < 1.0


def test_outside_china_is_unchanged():
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)
    assert wgs84_to_gcj02(-74.0, 40.7) == (-74.0, 40.7)


def test_rounded_keeps_the_shape_and_cuts_digits():
    poly = {"type": "Polygon", "coordinates": [[[119.123456789, 26.1], [119.2, 26.987654321], [119.3, 26.2],
                                                [119.123456789, 26.1]]]}
    out = geo.rounded(poly)
    assert out["type"] == "Polygon" and out["coordinates"][0][0] == [119.1234568, 26.1]
    assert out["coordinates"][0][1][1] == 26.9876543 and geo.validate_polygon(out) == []
    multi = {"type": "MultiPolygon", "coordinates": [poly["coordinates"]]}
    assert geo.rounded(multi)["coordinates"][0] == out["coordinates"]
