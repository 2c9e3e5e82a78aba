"""Who may open the case, desk and admin pages (refused or read only), and the wall caches a dashboard write clears."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from dashboard import actions, cached, clock
from db.engine import get_engine
from tests.test_dashboard_case import filed_case
from tests.test_dashboard_queue import L, account, ok, open_page, page_text, scalar, select_rows, widget
from tests.test_dashboard_wall import demo_url, refused  # noqa: F401  (demo_url is a module-scoped fixture)

SIGN_OUT = "退出登录"


def action_buttons(at) -> list[str]:
    return [b.label for b in at.button if b.label != SIGN_OUT]


# --- page guards ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["wall", "grid_worker"])
def test_case_page_refused_for_wall_and_grid_worker(demo_url, role):
    code = scalar(demo_url, "SELECT code FROM cases WHERE state = 'handling' ORDER BY id LIMIT 1")
    at = ok(open_page("pages/case.py", account(demo_url, role), code=code))
    assert refused(at)
    assert not at.dataframe and not at.title and code not in page_text(at)


@pytest.mark.parametrize("role", ["operator", "leader", "admin"])
def test_desk_read_only_for_center_roles_and_leader(demo_url, role):
    dept = scalar(demo_url, "SELECT dept_id FROM cases WHERE state IN ('dispatched', 'signed', 'handling') "
                            "GROUP BY dept_id ORDER BY count(*) DESC LIMIT 1")
    at = ok(open_page("pages/desk.py", account(demo_url, role)))
    assert any(i.value == L["desk_choose_dept"] for i in at.info) and not at.dataframe
    widget(at.selectbox, L["desk_dept"]).set_value(dept)
    ok(at.run())
    assert L["desk_read_only"] in page_text(at)
    code = at.dataframe[0].value[L["col_code"]].iloc[0]
    at = ok(select_rows(at, "desk_cases", [code]))
    assert not action_buttons(at) and not [s for s in at.selectbox if s.label == L["choose_action"]]
    assert any(L["open_case"].format(code=code) in str(p.proto) for p in at.get("page_link"))


def test_desk_refused_for_wall(demo_url):
    at = ok(open_page("pages/desk.py", account(demo_url, "wall")))
    assert refused(at)
    assert not at.dataframe and not at.metric and not action_buttons(at)


@pytest.mark.parametrize("role", ["operator", "wall", "grid_worker"])
def test_admin_page_refused(demo_url, role):
    at = ok(open_page("pages/admin.py", account(demo_url, role)))
    assert refused(at)
    assert not at.dataframe and not at.tabs and not at.file_uploader


# --- caches cleared by writes --------------------------------------------------------------------------

class QueryCounter:
    """Statements sent to the database while active: zero means the answer came from the cache."""

    def __init__(self, url: str):
        self.engine, self.n = get_engine(url), 0

    def _count(self, *_args, **_kw) -> None:
        self.n += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def test_case_action_clears_the_wall_caches(demo_url):
    code = filed_case(demo_url, title="缓存测试", lon=119.3, lat=26.08)
    lead = scalar(demo_url, "SELECT id FROM departments WHERE tier = 1 AND active ORDER BY id LIMIT 1")
    start, end = clock.day_bounds(clock.today())
    before = (cached.whistles(demo_url), cached.wall_kpis(demo_url, start, end), cached.case_points(demo_url),
              cached.grid_counts(demo_url))
    with QueryCounter(demo_url) as warm:
        cached.whistles(demo_url), cached.wall_kpis(demo_url, start, end)
    assert warm.n == 0                                            # within the TTL the wall reads the cache

    done = actions.act(demo_url, account(demo_url, "dispatcher"), code, "whistle", lead_dept_id=lead,
                       reason="enforcement")
    assert done.ok, done.message
    # Right after the click (well inside the TTL) the wall must see the whistle: the action cleared its caches.
    with QueryCounter(demo_url) as fresh:
        whistles, kpis = cached.whistles(demo_url), cached.wall_kpis(demo_url, start, end)
        points = cached.case_points(demo_url)
    assert fresh.n > 0
    assert code in {w["code"] for w in whistles} and code not in {w["code"] for w in before[0]}
    assert kpis["whistles_open"] == scalar(demo_url, "SELECT count(*) FROM whistles WHERE state = 'open'")
    assert next(p for p in points if p["code"] == code)["whistle"] is True


def _grid_file(community: str, lon: float, lat: float) -> bytes:
    ring = [[lon, lat], [lon + 0.002, lat], [lon + 0.002, lat + 0.002], [lon, lat + 0.002], [lon, lat]]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
               "properties": {"code": "9999990000000001", "name": "缓存测试网格", "area_code": community}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False).encode()


def test_grid_import_clears_grid_assets_and_lists(demo_url):
    community = scalar(demo_url, "SELECT code FROM areas WHERE level = 'community' ORDER BY code LIMIT 1")
    lon, lat = (float(v) for v in scalar(demo_url, "SELECT max(max_lon) || ',' || max(max_lat) FROM grids")
                .split(","))
    n = len(cached.grid_list(demo_url))
    assert cached.grid_assets(demo_url, False).count == n
    result = actions.run_import(demo_url, account(demo_url, "admin"), "grids",
                                _grid_file(community, lon + 0.01, lat + 0.01), "网格.geojson")
    assert result.ok, result.errors
    assert len(cached.grid_list(demo_url)) == n + 1
    assets = cached.grid_assets(demo_url, False)
    assert assets.count == n + 1 and "缓存测试网格" in json.dumps(assets.grids, ensure_ascii=False)
