"""Grid GeoJSON, grid labels and the optional base-map style written once into Streamlit's static dir under content-hashed names."""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path

import streamlit as st

from db.config import ROOT

STATIC_DIR = ROOT / "static"
PREFIX = "geo-"                 # generated files: static/geo-*.json (gitignored)
KEEP_OLD_S = 7 * 24 * 3600      # superseded files stay a week: screens still showing them keep working
DECIMALS = 6                    # label positions (~0.1 m): more digits only make the file bigger


@dataclass(frozen=True)
class GridAssets:
    """What the map layers need about the grids; `grids`/`labels` are URLs, or inline data when static
    serving is off."""
    grids: str | dict
    labels: str | list
    charset: tuple[str, ...]
    bbox: tuple[float, float, float, float] | None
    count: int


def grids_geojson(rows: list[dict]) -> str:
    """A FeatureCollection as JSON text: properties id (colour lookup), tip (tooltip HTML-safe text). Each
    geometry is spliced in as the database sent it (queries_wall.grid_shapes: compact text, stored rounded), not
    parsed and re-encoded: 2,500 polygons are most of the wall's reference data."""
    features = []
    for r in rows:
        tip = escape(f"{r['name']}（{r['code']}）")
        if r.get("community"):
            tip += "<br/>" + escape(f"{r.get('street') or ''} {r['community']}")
        props = json.dumps({"id": r["id"], "tip": tip}, ensure_ascii=False, separators=(",", ":"))
        features.append(f'{{"type":"Feature","id":{int(r["id"])},"properties":{props},"geometry":{r["geometry"]}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def grid_labels(rows: list[dict]) -> list[dict]:
    return [{"n": r["name"], "p": [round(r["center_lon"], DECIMALS), round(r["center_lat"], DECIMALS)]}
            for r in rows]


def charset(rows: list[dict]) -> tuple[str, ...]:
    """Every character of the grid names: deck.gl's font atlas holds only ASCII unless told."""
    return tuple(sorted({ch for r in rows for ch in r["name"]}))


def bbox(rows: list[dict]) -> tuple[float, float, float, float] | None:
    if not rows:
        return None
    return (min(r["min_lon"] for r in rows), min(r["min_lat"] for r in rows),
            max(r["max_lon"] for r in rows), max(r["max_lat"] for r in rows))


def publish(kind: str, payload, directory: Path = STATIC_DIR) -> str:
    """Write `payload` (or JSON text) to static/geo-<kind>-<hash>.json unless it is already there; returns the URL."""
    body = (payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, separators=(",", ":")))\
        .encode("utf-8")
    name = f"{PREFIX}{kind}-{hashlib.sha256(body).hexdigest()[:16]}.json"
    path = directory / name
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        # Atomic: several app processes may publish the same file at once.
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        _prune(kind, keep=name, directory=directory)
    return static_url(name)


def _prune(kind: str, keep: str, directory: Path) -> None:
    cutoff = time.time() - KEEP_OLD_S
    for old in directory.glob(f"{PREFIX}{kind}-*.json"):
        try:
            if old.name != keep and old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:      # another process pruned it first
            pass


def static_url(name: str) -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/{name}" if base else f"/app/static/{name}"


def static_serving() -> bool:
    return bool(st.get_option("server.enableStaticServing"))


def build_assets(rows: list[dict], inline: bool = False, directory: Path = STATIC_DIR) -> GridAssets:
    """Publish grids and labels as static files; inline data only when static serving is switched off."""
    geo, labels_ = grids_geojson(rows), grid_labels(rows)
    if inline:
        geo = json.loads(geo)
    else:
        geo, labels_ = publish("grids", geo, directory), publish("labels", labels_, directory)
    return GridAssets(geo, labels_, charset(rows), bbox(rows), len(rows))


_RANGE = re.compile(r"\{(\d)-(\d)\}")


def tile_urls(template: str) -> list[str]:
    """Expand a 天地图-style host range t{0-7} into one URL per host (MapLibre takes a list)."""
    m = _RANGE.search(template)
    if not m:
        return [template]
    return [template[:m.start()] + str(i) + template[m.end():] for i in range(int(m[1]), int(m[2]) + 1)]


def basemap_style(template: str, directory: Path = STATIC_DIR) -> str | dict:
    """A raster base-map style for the configured tile URL template (GRID_TILE_URL)."""
    style = {"version": 8, "sources": {"tiles": {"type": "raster", "tiles": tile_urls(template), "tileSize": 256,
                                                 "maxzoom": 18}},
             "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}]}
    return publish("basemap", style, directory) if static_serving() else style
