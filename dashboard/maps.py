"""pydeck layers for the wall and the positions/daily maps: offline by default, grids from static files, compact JSON."""
from __future__ import annotations

import hashlib
import json
import math
import os
from html import escape

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from dashboard import static_geo
from dashboard.static_geo import GridAssets

TILE_URL_ENV = "GRID_TILE_URL"     # domain brief §11: 天地图 node or locally served tiles; unset = no base map
PIXELS = "'pixels'"                # pydeck reads bare strings as JS expressions: constants go quoted
LABEL_SPACING = 2.5                # labels collide as if this much larger: sparse at district zoom
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

GRID_FILL = [28, 48, 78, 90]
GRID_LINE = [90, 150, 220, 210]
# Fixed buckets (not relative to today's maximum) so a colour means the same thing all day.
LOAD_BUCKETS = ((1, [40, 120, 170, 130]), (3, [50, 160, 140, 150]), (6, [210, 175, 50, 160]),
                (10, [235, 125, 40, 180]), (math.inf, [225, 50, 50, 200]))
OVERDUE_BUCKETS = ((1, [235, 150, 40, 160]), (3, [235, 95, 40, 180]), (math.inf, [225, 40, 40, 210]))
URGENCY_COLOR = {1: [255, 59, 48], 2: [255, 149, 0], 3: [64, 156, 255], 4: [150, 160, 175]}
OVERDUE_COLOR = [255, 40, 40]
WAITING_STATES = ("reported", "accepted", "filed")      # not yet with a department: white ring
CHECKING_STATES = ("feedback", "checking")              # back at the center for checking: green ring
WHISTLE_COLOR = [255, 214, 10]
CAMERA_COLOR = [190, 120, 255]
STAFF_LIVE = [0, 220, 200]
STAFF_STALE = [115, 120, 130]
TRAIL_COLOR = [0, 220, 200]
TOOLTIP = {"html": "{tip}", "style": {"backgroundColor": "#0b1526", "color": "#e6edf7", "fontSize": "15px",
                                      "border": "1px solid #2b4a75", "padding": "6px 10px"}}


class CompactDeck(pdk.Deck):
    """pydeck indents its JSON (every number on its own line); the wall resends points every few seconds."""

    def to_json(self):
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"),
                          ensure_ascii=False)


def bucket_color(value: int, buckets) -> list[int]:
    for upper, color in buckets:
        if value <= upper:
            return color
    return buckets[-1][1]


def view_state(bbox, width_px: int = 1500, height_px: int = 760) -> pdk.ViewState:
    """A view that fits the district's bounding box (fixed per district, so refreshes never move the map)."""
    if not bbox:
        return pdk.ViewState(longitude=116.4, latitude=39.9, zoom=10)
    min_lon, min_lat, max_lon, max_lat = bbox
    lon, lat = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    lon_span = max(max_lon - min_lon, 1e-4)
    lat_span = max(max_lat - min_lat, 1e-4) / max(math.cos(math.radians(lat)), 0.1)
    # deck.gl's Web Mercator world is 512 px wide at zoom 0.
    zoom = min(math.log2(width_px * 360 / (512 * lon_span)), math.log2(height_px * 360 / (512 * lat_span)))
    return pdk.ViewState(longitude=round(lon, 5), latitude=round(lat, 5), zoom=round(zoom - 0.05, 2))


def grid_layer(assets: GridAssets, colors: dict[int, list[int]], layer_id: str = "grids") -> pdk.Layer:
    """Grid polygons from the static file; per-grid colours travel as a small lookup table (colorCategories)."""
    domain = sorted(colors)
    palette = [colors[g] for g in domain]
    version = hashlib.sha1(json.dumps([domain, palette]).encode()).hexdigest()[:12]
    fill = {"@@function": "colorCategories", "attr": "id", "domain": domain, "colors": palette,
            "othersColor": GRID_FILL, "nullColor": GRID_FILL}
    return pdk.Layer("GeoJsonLayer", id=layer_id, data=assets.grids, stroked=True, filled=True, pickable=True,
                     get_fill_color=fill, get_line_color=GRID_LINE, line_width_min_pixels=1,
                     update_triggers={"getFillColor": version})


def grid_label_layer(assets: GridAssets, layer_id: str = "grid-labels") -> pdk.Layer:
    """Grid names; overlapping labels are hidden (collision filter), so more appear as one zooms in."""
    return pdk.Layer("TextLayer", id=layer_id, data=assets.labels, get_text="n", get_position="p",
                     character_set=_literal("".join(assets.charset)), font_family=_literal(FONT), get_size=14,
                     get_color=[205, 220, 240, 235], font_settings={"sdf": True}, outline_width=4,
                     outline_color=[6, 12, 24, 255], get_text_anchor="'middle'", get_alignment_baseline="'center'", size_scale=1,
                     collision_test_props={"sizeScale": LABEL_SPACING},
                     extensions=[{"@@type": "CollisionFilterExtension"}], collision_enabled=True)


def _literal(value: str) -> str:
    """pydeck reads a bare string as a JS expression; quoting makes it a plain string."""
    return "'" + value.replace("'", "") + "'"


def tip(*parts: str) -> str:
    """Tooltip HTML from untrusted text (case titles come from the street): escaped, lines joined."""
    return "<br/>".join(escape(str(p)) for p in parts if p)


def pos(lon: float, lat: float) -> list[float]:
    """A point for the layers, rounded to about 0.1 m: fewer digits to resend on every refresh."""
    return [round(lon, 6), round(lat, 6)]


def scatter_layer(layer_id: str, rows: list[dict], *, radius: int = 6, filled: bool = True,
                  line_width: float = 1.0) -> pdk.Layer:
    """Points from rows carrying p=[lon, lat], c=fill colour, optional l=line colour, r=radius px, tip."""
    return pdk.Layer("ScatterplotLayer", id=layer_id, data=rows, get_position="p", get_fill_color="c",
                     get_line_color="l", get_radius="r" if rows and "r" in rows[0] else radius,
                     radius_units=PIXELS, filled=filled, stroked=True, line_width_units=PIXELS,
                     get_line_width=line_width, pickable=True)


def case_point(row: dict, state_label: str, urgency_label: str) -> dict:
    """Fill by urgency (red when overdue), ring by stage: white waiting, green checking, none with a department."""
    fill = OVERDUE_COLOR if row["overdue"] else URGENCY_COLOR.get(row["urgency"], URGENCY_COLOR[3])
    if row["state"] in WAITING_STATES:
        line = [255, 255, 255, 230]
    elif row["state"] in CHECKING_STATES:
        line = [60, 220, 120, 230]
    else:
        line = [0, 0, 0, 0]
    return {"p": pos(row["lon"], row["lat"]), "c": fill, "l": line, "r": 9 if row["urgency"] <= 2 else 6,
            "tip": tip(row["code"], row["title"], f"{state_label} · {urgency_label}")}


def path_layer(layer_id: str, path: list[list[float]], color=TRAIL_COLOR) -> pdk.Layer:
    return pdk.Layer("PathLayer", id=layer_id, data=[{"path": path}], get_path="path", get_color=color,
                     width_units=PIXELS, get_width=3, joint_rounded=True, cap_rounded=True)


def deck(layers: list[pdk.Layer], view: pdk.ViewState) -> CompactDeck:
    """No base map and no outside request unless GRID_TILE_URL is set (then a raster style from it)."""
    template = os.environ.get(TILE_URL_ENV, "").strip()
    if template:
        return CompactDeck(layers=layers, initial_view_state=view, map_provider=None,
                           map_style=static_geo.basemap_style(template), tooltip=TOOLTIP)
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=TOOLTIP)


HEAT = ([45, 90, 150, 150], [60, 150, 150, 170], [220, 180, 60, 180], [240, 120, 40, 200], [230, 45, 45, 220])


def heat_colors(counts: dict[int, int]) -> dict[int, list[int]]:
    """Five steps relative to the busiest grid of the period (a heat map compares grids with each other)."""
    top = max(counts.values(), default=0)
    if top <= 0:
        return {}
    return {g: HEAT[min(int(5 * n / (top + 1)), 4)] for g, n in counts.items() if n > 0}
