"""指挥大屏 over the seeded demo district (AppTest): roles, KPI tiles against SQL, offline deck spec, kiosk options."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import event, select, text
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

import db.workflow as wf
from dashboard import clock, kiosk, maps, nav, queries_wall, static_geo
from db import accounts, config, labels
from db.engine import get_engine
from db.schema import users
from tests.conftest import _db_url, create_database, drop_database

APP = str(Path(__file__).resolve().parents[1] / "app.py")
W = labels.WALL
ACTIVE = ("state IN ('reported','accepted','filed','dispatched','signed','handling','feedback','checking') "
          "AND merged_into_id IS NULL")


# --- shared by tests/test_dashboard_{wall,auth,positions,daily}.py ---------------------------------------

@pytest.fixture(scope="module")
def demo_url(demo_template):
    """One copy of the demo district per test module (these pages only read), set as the app's database."""
    name = create_database(template=demo_template)
    url = _db_url(name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        mp.delenv(maps.TILE_URL_ENV, raising=False)
        config.settings.cache_clear()
        st_config.set_option("server.enableStaticServing", True)
        yield url
    config.settings.cache_clear()
    get_engine(url).dispose()
    drop_database(name)


def session_user(url: str, role: str) -> dict:
    """The session record auth.py keeps, for the first active account with `role`."""
    with get_engine(url).connect() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.role == role, users.c.active)
                           .order_by(users.c.id).limit(1)).scalar_one()
        user = accounts.load_user(conn, uid)
    return {k: user[k] for k in ("id", "username", "display_name", "role", "dept_id", "staff_id", "credential_tag")}


def run_page(url: str, role: str | None, script: str | None = None, **query) -> AppTest:
    """app.py as `role` (None = anonymous), switched to `script`, with URL parameters."""
    at = AppTest.from_file(APP, default_timeout=90)
    if role:
        at.session_state["auth_user"] = session_user(url, role)
        at.session_state["auth_last_active"] = time.time()
    for key, value in query.items():
        at.query_params[key] = value
    if script:
        at.switch_page(script)
    return at.run()


def run_script(url: str, role: str | None, script: str) -> AppTest:
    """One page script on its own (no app.py): its guard is all that stands between a role and the data."""
    at = AppTest.from_file(str(Path(APP).parent / script), default_timeout=60)
    if role:
        at.session_state["auth_user"] = session_user(url, role)
        at.session_state["auth_last_active"] = time.time()
    return at.run()


def no_exception(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deck_specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.json) for e in at.get("deck_gl_json_chart")]


def scalar(url: str, sql: str, **params):
    with get_engine(url).connect() as conn:
        return conn.execute(text(sql), params).scalar()


def refused(at: AppTest) -> bool:
    return any(labels.AUTH["forbidden"].split("（")[0] in e.value for e in at.error)


# --- the wall -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "wall", "admin"])
def test_wall_renders_for_allowed_roles(demo_url, role):
    at = no_exception(run_page(demo_url, role, "pages/wall.py"))
    assert W["kpi_open"] in metrics(at)
    assert len(deck_specs(at)) == 1


@pytest.mark.parametrize("role", ["department", "grid_worker"])
def test_wall_refused_for_other_roles(demo_url, role):
    at = no_exception(run_script(demo_url, role, "pages/wall.py"))
    assert refused(at)
    assert not at.metric and not at.get("deck_gl_json_chart")
    assert "pages/wall.py" not in [e.script for e in nav.pages_for(role)]


def test_wall_anonymous_sees_only_sign_in(demo_url):
    at = no_exception(run_script(demo_url, None, "pages/wall.py"))
    assert not at.metric and not at.get("deck_gl_json_chart")
    assert any(labels.AUTH["need_sign_in"] in w.value for w in at.warning)
    assert [t.label for t in at.text_input] == [labels.AUTH["username"], labels.AUTH["password"]]


def test_kpi_tiles_equal_sql_counts(demo_url):
    overdue_sql = f"SELECT count(*) FROM cases WHERE {ACTIVE} AND step_deadline_at < now()"
    st.cache_data.clear()                     # the tiles must come from this run's queries
    overdue_before = scalar(demo_url, overdue_sql)
    at = no_exception(run_page(demo_url, "leader", "pages/wall.py"))
    overdue_after = scalar(demo_url, overdue_sql)           # deadlines keep passing while the page runs
    start, end = clock.day_bounds(clock.today())
    tiles = metrics(at)
    assert int(tiles[W["kpi_open"]]) == scalar(demo_url, f"SELECT count(*) FROM cases WHERE {ACTIVE}")
    assert overdue_before <= int(tiles[W["kpi_overdue"]]) <= overdue_after
    assert int(tiles[W["kpi_whistles"]]) == scalar(demo_url, "SELECT count(*) FROM whistles WHERE state = 'open'")
    assert int(tiles[W["kpi_intake"]]) == scalar(
        demo_url, "SELECT count(*) FROM cases WHERE reported_at >= :s AND reported_at < :e "
                  "AND merged_into_id IS NULL", s=start, e=end)
    assert int(tiles[W["kpi_open"]]) > 0 and int(tiles[W["kpi_whistles"]]) > 0


def test_deck_is_offline_and_grids_come_from_the_static_file(demo_url):
    spec = deck_specs(no_exception(run_page(demo_url, "wall", "pages/wall.py")))[0]
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__")          # pydeck's "no base map" sentinel
    assert "http" not in json.dumps(spec)                             # nothing fetched from elsewhere
    grids_layer = next(layer for layer in spec["layers"] if layer["@@type"] == "GeoJsonLayer")
    url = grids_layer["data"]
    assert url.startswith("/app/static/geo-grids-") and url.endswith(".json")
    published = json.loads((static_geo.STATIC_DIR / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    assert len(published["features"]) == scalar(demo_url, "SELECT count(*) FROM grids")
    # Per-refresh colour table: only grids with active cases, as colorCategories arguments.
    fill = grids_layer["getFillColor"]
    assert fill["@@function"] == "colorCategories"
    busy = scalar(demo_url, f"SELECT count(DISTINCT grid_id) FROM cases WHERE {ACTIVE} AND grid_id IS NOT NULL")
    assert len(fill["domain"]) == busy == len(fill["colors"])
    labels_layer = next(layer for layer in spec["layers"] if layer["@@type"] == "TextLayer")
    assert labels_layer["data"].startswith("/app/static/geo-labels-")
    assert "网" in labels_layer["characterSet"]                          # Chinese glyphs in the font atlas


def test_points_carry_open_cases_and_whistles(demo_url):
    spec = deck_specs(no_exception(run_page(demo_url, "operator", "pages/wall.py")))[0]
    layers = {layer["id"]: layer for layer in spec["layers"]}
    located = scalar(demo_url, f"SELECT count(*) FROM cases WHERE {ACTIVE} AND lon IS NOT NULL")
    assert len(layers["cases"]["data"]) == min(located, queries_wall.MAX_POINTS)
    assert len(layers["whistles"]["data"]) == scalar(
        demo_url, "SELECT count(*) FROM whistles w JOIN cases c ON c.id = w.case_id "
                  "WHERE w.state = 'open' AND c.lon IS NOT NULL")
    assert len(layers["staff"]["data"]) == scalar(
        demo_url, "SELECT count(*) FROM positions_latest p JOIN staff s ON s.id = p.staff_id WHERE s.active")


def test_base_map_only_when_tile_url_configured(demo_url, monkeypatch):
    monkeypatch.setenv(maps.TILE_URL_ENV, "http://t{0-7}.tiles.example/vec_w/{z}/{x}/{y}.png")
    spec = deck_specs(no_exception(run_page(demo_url, "wall", "pages/wall.py")))[0]
    assert spec["mapStyle"].startswith("/app/static/geo-basemap-")
    style = json.loads((static_geo.STATIC_DIR / spec["mapStyle"].rsplit("/", 1)[1]).read_text(encoding="utf-8"))
    assert style["sources"]["tiles"]["tiles"][7] == "http://t7.tiles.example/vec_w/{z}/{x}/{y}.png"


def test_overdue_colouring_uses_overdue_counts(demo_url):
    sql = f"SELECT count(DISTINCT grid_id) FROM cases WHERE {ACTIVE} AND step_deadline_at < now()"
    st.cache_data.clear()
    before = scalar(demo_url, sql)
    at = no_exception(run_page(demo_url, "wall", "pages/wall.py", kiosk="1", color="overdue", view="map"))
    fill = next(layer for layer in deck_specs(at)[0]["layers"] if layer["@@type"] == "GeoJsonLayer")["getFillColor"]
    assert before <= len(fill["domain"]) <= scalar(demo_url, sql)


@pytest.mark.parametrize("view", ["rankings", "trends"])
def test_kiosk_views(demo_url, view):
    at = no_exception(run_page(demo_url, "wall", "pages/wall.py", kiosk="1", view=view))
    assert not at.get("deck_gl_json_chart")
    assert not at.segmented_control                                   # no controls on a kiosk
    if view == "rankings":
        start, _ = clock.day_bounds(clock.month_start(clock.today()))
        rows = [r for r in wf.assess(get_engine(demo_url), start, clock.now(), "dept") if r["key"] is not None]
        graded = [r for r in rows if r["grade"] is not None]
        shown = at.dataframe[0].value
        assert len(shown) == len(graded) > 0                         # departments with nothing due: no rank
        assert list(shown[labels.DAILY["col_grade"]]) == [r["grade"] for r in graded]
        assert list(shown[labels.DAILY["col_rank"]]) == list(range(1, len(graded) + 1))
    else:
        assert len(at.get("vega_lite_chart")) == 2


def test_rate_tiles_with_nothing_due_read_dash_with_a_note():
    def page():
        from dashboard import wall_panels
        wall_panels.kpi_tiles({"intake": 0, "open": 3, "overdue": 0, "whistles_open": 0, "parked": 0,
                               "intake_by_source": {}}, None, 91.3)
    at = no_exception(AppTest.from_function(page, default_timeout=30).run())
    tiles = {m.label: m for m in at.metric}
    today, month = tiles[W["kpi_ontime_today"]], tiles[W["kpi_ontime_month"]]
    assert (today.value, today.delta) == (labels.COMMON["na"], W["kpi_no_due_today"])      # not 0% nor 100%
    assert month.value == "91.3%" and not month.delta


def test_bad_url_parameters_get_a_message_and_defaults(demo_url):
    at = no_exception(run_page(demo_url, "wall", "pages/wall.py", kiosk="1", rotate="abc", view="moon"))
    text_ = " ".join(w.value for w in at.warning)
    assert "rotate=abc" in text_ and "view=moon" in text_
    assert len(deck_specs(at)) in (0, 1)                               # still renders a view


def test_view_rotation_is_the_same_on_every_screen():
    opts = kiosk.wall_options({"kiosk": "1", "rotate": "30"})
    assert [kiosk.view_at(opts, t) for t in (0, 29, 30, 60, 90)] == ["map", "map", "rankings", "trends", "map"]
    assert kiosk.view_at(kiosk.wall_options({"kiosk": "1", "view": "trends"}), 0) == "trends"
    assert kiosk.wall_options({}).rotate_s == 0 and not kiosk.wall_options({}).kiosk


def test_feed_and_data_age(demo_url):
    engine = get_engine(demo_url)
    rows = queries_wall.feed(engine, 20)
    assert len(rows) == 20 and rows == sorted(rows, key=lambda r: r["at"], reverse=True)
    newest = queries_wall.data_age(engine)
    assert newest is not None and newest <= datetime.now(timezone.utc) + timedelta(seconds=5)


def test_whistle_panel_lists_departments_with_check_in_state(demo_url):
    items = queries_wall.open_whistles(get_engine(demo_url))
    assert len(items) == scalar(demo_url, "SELECT count(*) FROM whistles WHERE state = 'open'")
    depts = sum(len(w["departments"]) for w in items)
    assert depts == scalar(demo_url, "SELECT count(*) FROM whistle_departments wd JOIN whistles w "
                                     "ON w.id = wd.whistle_id WHERE w.state = 'open'")
    assert all(w["departments"][0]["role"] == "lead" for w in items)


def test_wall_screens_share_one_set_of_queries(demo_url):
    """A second screen refreshing right after the first is served from the shared cache."""
    users_ = {role: session_user(demo_url, role) for role in ("wall", "leader")}
    st.cache_data.clear()                     # start cold: earlier tests may have filled the cache
    engine = get_engine(demo_url)
    counts: list[int] = []

    def count(*_args, **_kw):
        counts[-1] += 1
    event.listen(engine, "before_cursor_execute", count)
    try:
        for role in ("wall", "leader"):
            counts.append(0)
            at = AppTest.from_file(APP, default_timeout=90)
            at.session_state["auth_user"] = users_[role]
            at.session_state["auth_last_active"] = time.time()
            no_exception(at.switch_page("pages/wall.py").run())
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts[0] >= 10
    assert counts[1] <= 3          # the leader's own account check at most, plus an entry that just expired
