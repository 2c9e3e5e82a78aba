"""Demo rows for 地: district, streets, communities (areas) and grids, with codes, names, sizes and duties."""
from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import mapping

from db.demo import names
from db.demo.geometry import Ground
from db.demo.rand import py_rng

COUNTY = "350102"
DISTRICT_CODE = COUNTY + "000000"

GRID_DUTIES = (
    "负责{grid}内人口、房屋、单位、设施等基础信息采集与动态更新；每日巡查网格不少于1次，在格时间不少于工作时间的三分之一；"
    "排查化解矛盾纠纷，发现安全隐患、环境问题即时上报；定期走访特殊人群和困难群众；宣传政策法规，代办便民服务；"
    "如实记录民情日志，对本格内不能解决的问题立即上报社区受理中心。"
)


@dataclass(frozen=True)
class Places:
    """Codes and names per level, in the index order of the Ground they came from."""
    street_codes: list[str]
    street_names: list[str]
    community_codes: list[str]
    community_names: list[str]
    grid_codes: list[str]
    grid_names: list[str]


def _geojson(geom) -> dict:
    def lists(value):
        return [lists(v) for v in value] if isinstance(value, (list, tuple)) else value
    raw = mapping(geom)
    return {"type": raw["type"], "coordinates": lists(raw["coordinates"])}


def _bbox_cols(geom) -> dict:
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    return {"min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat}


def name_places(ground: Ground, seed: int) -> Places:
    """12-digit statistical codes (街道 001-099, 镇 100-199; 社区 001-199, 村 201-399) and names."""
    rng = py_rng(seed, "places")
    street_codes = [COUNTY + ("100" if i == names.TOWN_INDEX else f"{i + 1:03d}") + "000"
                    for i in range(len(ground.streets))]
    stems = rng.sample(names.COMMUNITY_STEMS, len(ground.communities))
    villages = iter(rng.sample(names.VILLAGE_STEMS, len(names.VILLAGE_STEMS)))
    community_codes, community_names, per_street = [], [], [0] * len(ground.streets)
    for c, s in enumerate(ground.community_street):
        per_street[s] += 1
        village = s == names.TOWN_INDEX
        seq = per_street[s] + (200 if village else 0)
        community_codes.append(street_codes[s][:9] + f"{seq:03d}")
        community_names.append(next(villages) + "村" if village else stems[c] + "社区")
    grid_codes, grid_names, per_community = [], [], [0] * len(ground.communities)
    for c in ground.grid_community:
        per_community[c] += 1
        grid_codes.append(community_codes[c] + f"{per_community[c]:03d}")
        grid_names.append(f"{community_names[c]}第{per_community[c]}网格")
    return Places(street_codes, [names.STREET_NAMES[i] for i in range(len(ground.streets))],
                  community_codes, community_names, grid_codes, grid_names)


def area_rows(ground: Ground, places: Places) -> list[dict]:
    """District, then streets, then communities: parents always come before children."""
    rows = [{"code": DISTRICT_CODE, "name": names.DISTRICT_NAME, "level": "district", "parent_code": None,
             "boundary": _geojson(ground.district), **_bbox_cols(ground.district)}]
    rows += [{"code": code, "name": name, "level": "street", "parent_code": DISTRICT_CODE,
              "boundary": _geojson(geom), **_bbox_cols(geom)}
             for code, name, geom in zip(places.street_codes, places.street_names, ground.streets)]
    rows += [{"code": code, "name": name, "level": "community",
              "parent_code": places.street_codes[ground.community_street[c]],
              "boundary": _geojson(geom), **_bbox_cols(geom)}
             for c, (code, name, geom) in enumerate(zip(places.community_codes, places.community_names,
                                                        ground.communities))]
    return rows


def grid_rows(ground: Ground, places: Places, seed: int) -> list[dict]:
    """Social-governance grids: 300-500 households, 1,000-1,500 residents each (seed 001)."""
    rng = py_rng(seed, "grids")
    rows = []
    for g, geom in enumerate(ground.grids):
        households = rng.randint(300, 500)
        population = min(1500, max(1000, round(households * rng.uniform(2.7, 3.3))))
        center = shapely.point_on_surface(geom)
        rows.append({
            "code": places.grid_codes[g], "name": places.grid_names[g], "level": 3, "kind": "governance",
            "area_code": places.community_codes[ground.grid_community[g]], "district_code": COUNTY,
            "boundary": _geojson(geom), **_bbox_cols(geom),
            "center_lon": round(center.x, 7), "center_lat": round(center.y, 7),
            "households": households, "population": population,
            "duties": GRID_DUTIES.format(grid=places.grid_names[g]),
        })
    return rows
