"""A small reference world for the workflow tests (areas, grids, departments, categories, calendar, users)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import create_engine, insert, text

from db.schema import (
    alert_types, areas, calendar_days, calendars, categories, category_versions, departments, grids, staff, users,
)
from db.workflow import Actor, invalidate_caches

DISTRICT, STREET, COMMUNITY = "110101000000", "110101001000", "110101001001"


def square(x0: float, y0: float, size: float = 0.01) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class World:
    depts: dict = field(default_factory=dict)        # code -> id
    grids: list = field(default_factory=list)
    actors: dict = field(default_factory=dict)       # name -> Actor
    staff_id: int = 0


def _areas_and_grids(c, w: World) -> None:
    c.execute(insert(areas), [
        {"code": DISTRICT, "name": "测试区", "level": "district", "parent_code": None},
        {"code": STREET, "name": "测试街道", "level": "street", "parent_code": DISTRICT},
        {"code": COMMUNITY, "name": "测试社区", "level": "community", "parent_code": STREET}])
    for i in range(2):
        x0, y0 = 116.40 + 0.01 * i, 39.90
        gid = c.execute(insert(grids).values(
            code=f"{COMMUNITY}{i + 1:03d}", name=f"第{i + 1}网格", area_code=COMMUNITY, district_code=DISTRICT[:6],
            boundary=square(x0, y0), min_lon=x0, min_lat=y0, max_lon=x0 + 0.01, max_lat=y0 + 0.01,
            center_lon=x0 + 0.005, center_lat=y0 + 0.005).returning(grids.c.id)).scalar_one()
        w.grids.append(gid)


def _departments(c, w: World) -> None:
    for code, name, tier, minutes in (("police", "派出所", 1, None), ("enforce", "城管执法", 1, None),
                                      ("sanit", "环卫所", 2, None), ("build", "住建局", 3, 240),
                                      ("market", "市场监管所", 3, None)):
        w.depts[code] = c.execute(insert(departments).values(code=code, name=name, tier=tier,
                                                             checkin_minutes=minutes)
                                  .returning(departments.c.id)).scalar_one()


def _categories(c, w: World) -> None:
    vid = c.execute(insert(category_versions).values(name="测试版", effective_from=date(2025, 1, 1), active=True)
                    .returning(category_versions.c.id)).scalar_one()
    major = c.execute(insert(categories).values(version_id=vid, code="01", level="major", domain="urban",
                                                name="市容环境").returning(categories.c.id)).scalar_one()
    rows = [("0101", "暴露垃圾", "working", "general", False, 480), ("0501", "占道经营", "working", "general", False, 240),
            ("0403", "积水", "natural", "emergency", True, 240),
            ("0301", "施工扰民", "working", "coordination", False, 960),
            ("0107", "违章搭建", "working", "approval", False, 7200)]
    for code, name, mode, kind, urgent, handle in rows:
        c.execute(insert(categories).values(
            version_id=vid, code=code, parent_id=major, level="minor", domain="urban", name=name, clock_mode=mode,
            work_kind=kind, urgent=urgent, limit_filing_min=30, limit_dispatch_min=30, limit_sign_min=60,
            limit_handle_min=handle, limit_check_min=60, default_dept_id=w.depts["sanit"]))
    c.execute(insert(alert_types), [
        {"code": "occupy_road_business", "name": "占道经营", "category_code": "0501", "min_score": 0.6,
         "merge_window_s": 600},
        {"code": "waterlogging", "name": "积水", "category_code": "0403", "min_score": 0.5, "merge_window_s": 600}])


def _calendar(c) -> None:
    c.execute(insert(calendars).values(code="CN", name="测试日历", is_default=True))
    c.execute(insert(calendar_days), [
        {"calendar_code": "CN", "day": date(2026, 10, d), "kind": "holiday", "name": "国庆节"} for d in range(1, 8)]
        + [{"calendar_code": "CN", "day": date(2026, 10, 10), "kind": "workday", "name": "国庆节调休上班"}])


def _users(c, w: World) -> None:
    w.staff_id = c.execute(insert(staff).values(code="S1", name="网格员甲", role="patroller", area_code=COMMUNITY)
                           .returning(staff.c.id)).scalar_one()
    specs = [("operator", "operator", None, None), ("operator2", "operator", None, None),
             ("dispatcher", "dispatcher", None, None), ("dispatcher2", "dispatcher", None, None),
             ("leader", "leader", None, None), ("wall", "wall", None, None), ("admin", "admin", None, None),
             ("worker", "grid_worker", None, w.staff_id)]
    specs += [(f"dept-{code}", "department", dept_id, None) for code, dept_id in w.depts.items()]
    for name, role, dept_id, staff_id in specs:
        uid = c.execute(insert(users).values(username=name, display_name=name, role=role, dept_id=dept_id,
                                             staff_id=staff_id).returning(users.c.id)).scalar_one()
        w.actors[name] = Actor(uid, name, role, dept_id=dept_id, staff_id=staff_id, display_name=name)
    w.actors["system"] = Actor(None, "system", "system", display_name="系统")


def seed_world(engine) -> World:
    w = World()
    with engine.begin() as c:
        _areas_and_grids(c, w)
        _departments(c, w)
        _categories(c, w)
        _calendar(c)
        _users(c, w)
    invalidate_caches()
    return w


@pytest.fixture
def wf(db_url):
    """(engine, world) on a fresh migrated database."""
    eng = create_engine(db_url)
    world = seed_world(eng)
    yield eng, world
    eng.dispose()


def count(engine, sql: str, **params) -> int:
    with engine.connect() as c:
        return c.execute(text(sql), params).scalar()
