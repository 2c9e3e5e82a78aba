"""Demo rows for 人: the 一格六员 of every grid plus police and volunteers, and who serves which grid (A/B)."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from db.demo import names
from db.demo.areas import Places
from db.demo.geometry import Ground
from db.demo.org import police_code
from db.demo.rand import py_rng

CODE_PREFIX = {"supervisor": "DD", "manager": "GL", "patroller": "XC", "assistant": "XL", "specialist": "ZG",
               "informant": "XX", "police": "MJ", "volunteer": "ZY"}
GRIDS_PER_SUPERVISOR = 20
GRIDS_PER_POLICE = 5
PAIR_SHARE = 0.40        # share of full-time grid workers who cover two grids (兼管多格)
B_SHARE = 0.45           # share of grids with a second (B) full-time grid worker


@dataclass
class Staffing:
    staff: list[dict] = field(default_factory=list)            # staff rows, dept given as dept_code
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (staff code, grid code, duty)
    patrol_grids: dict[str, list[int]] = field(default_factory=dict)  # patroller code -> A-duty grid indexes
    counts: Counter = field(default_factory=Counter)

    def add(self, ctx: "_Context", role: str, area_code: str, dept_code: str | None = None) -> str:
        self.counts[role] += 1
        code = f"{CODE_PREFIX[role]}{self.counts[role]:04d}"
        self.staff.append({"code": code, "name": names.person_name(ctx.rng, ctx.taken_names),
                           "phone": names.mobile(ctx.rng, ctx.taken_phones), "role": role,
                           "area_code": area_code, "dept_code": dept_code, "active": True})
        return code

    def link(self, staff_code: str, grid_codes: list[str], duty: str = "A") -> None:
        self.links += [(staff_code, g, duty) for g in grid_codes]


@dataclass
class _Context:
    rng: object
    taken_names: set = field(default_factory=set)
    taken_phones: set = field(default_factory=set)


def _grids_of_community(ground: Ground, c: int) -> list[int]:
    return [g for g, k in enumerate(ground.grid_community) if k == c]


def _chunks(rng, items: list, share_pairs: float) -> list[list]:
    out, i = [], 0
    while i < len(items):
        size = 2 if rng.random() < share_pairs and i + 1 < len(items) else 1
        out.append(items[i:i + size])
        i += size
    return out


def _community_team(st: Staffing, ctx: _Context, ground: Ground, places: Places, c: int) -> None:
    """Manager(s), full-time grid workers (A, some B), 协理员, 专管员, 信息员 and volunteers of one community."""
    rng, code = ctx.rng, places.community_codes[c]
    grids = _grids_of_community(ground, c)
    grid_codes = [places.grid_codes[g] for g in grids]
    st.link(st.add(ctx, "manager", code), grid_codes, "A")
    if rng.random() < 0.5:
        st.link(st.add(ctx, "manager", code), grid_codes, "B")
    workers = []
    for chunk in _chunks(rng, grids, PAIR_SHARE):
        worker = st.add(ctx, "patroller", code)
        st.link(worker, [places.grid_codes[g] for g in chunk], "A")
        st.patrol_grids[worker] = chunk
        workers.append((worker, set(chunk)))
    for g in grids:
        others = [w for w, own in workers if g not in own]
        if others and rng.random() < B_SHARE:
            st.link(rng.choice(others), [places.grid_codes[g]], "B")
    st.link(st.add(ctx, "assistant", code), grid_codes, "A")
    st.link(st.add(ctx, "specialist", code), grid_codes, "A")
    for g in grid_codes[::9]:
        st.link(st.add(ctx, "informant", code), [g], "A")
    for g in rng.sample(grid_codes, max(1, len(grid_codes) // 8)):
        st.link(st.add(ctx, "volunteer", code), [g], "A")


def _street_team(st: Staffing, ctx: _Context, ground: Ground, places: Places, s: int) -> None:
    """督导员 (street cadres) over blocks of about 20 grids, 社区民警 of the street's 派出所 over about 5."""
    street_grids = [places.grid_codes[g] for g, c in enumerate(ground.grid_community) if ground.community_street[c] == s]
    per_sup = math.ceil(len(street_grids) / math.ceil(len(street_grids) / GRIDS_PER_SUPERVISOR))
    for i in range(0, len(street_grids), per_sup):
        st.link(st.add(ctx, "supervisor", places.street_codes[s]), street_grids[i:i + per_sup], "A")
    for i in range(0, len(street_grids), GRIDS_PER_POLICE):
        officer = st.add(ctx, "police", places.street_codes[s], police_code(s))
        st.link(officer, street_grids[i:i + GRIDS_PER_POLICE], "A")


def build_staffing(ground: Ground, places: Places, seed: int) -> Staffing:
    st = Staffing()
    ctx = _Context(rng=py_rng(seed, "people"))
    for s in range(len(ground.streets)):
        _street_team(st, ctx, ground, places, s)
    for c in range(len(ground.communities)):
        _community_team(st, ctx, ground, places, c)
    return st
