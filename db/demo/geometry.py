"""The demo district's ground: an irregular outline tiled by grids that nest exactly into communities and streets.

Everything is cut from ONE noded, precision-snapped linework (Voronoi edges of jittered points plus the
outline), so neighbouring polygons share identical vertices; communities, streets and the district are
coverage unions of grids, so they nest exactly and no rounding sliver can appear between levels.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from db.demo.rand import np_rng

CENTER_LON, CENTER_LAT = 119.2900, 26.0850   # 福州 city area (the district itself is fictional)
RADIUS_M = 5000.0
GRID_SIZE = 1e-7                              # degrees (~1 cm): all vertices sit on this lattice
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTER_LAT))


@dataclass
class Ground:
    district: Polygon
    streets: list[Polygon]
    communities: list[Polygon]
    grids: list[Polygon]
    community_street: list[int]   # community index -> street index
    grid_community: list[int]     # grid index -> community index


def to_lonlat(geom):
    """Local metres (x east, y north of the centre) to lon/lat; affine, so a tiling stays a tiling."""
    scale = np.array([M_PER_DEG_LON, M_PER_DEG_LAT])
    return shapely.transform(geom, lambda xy: xy / scale + np.array([CENTER_LON, CENTER_LAT]))


def _outline_m(rng: np.random.Generator) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    r = np.ones_like(theta)
    for k, amp in ((2, 0.10), (3, 0.08), (5, 0.04), (8, 0.02)):
        r += amp * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r += rng.normal(0, 0.006, theta.shape)
    return Polygon(np.column_stack([RADIUS_M * r * np.cos(theta), RADIUS_M * r * np.sin(theta)]))


def _seed_points(rng: np.random.Generator, outline: Polygon, n: int) -> np.ndarray:
    """A jittered hexagonal lattice: irregular cells of similar size."""
    step = math.sqrt(2 * outline.area / (math.sqrt(3) * n))
    minx, miny, maxx, maxy = outline.bounds
    rows = np.arange(miny, maxy + step, step * math.sqrt(3) / 2)
    pts = [(x + (i % 2) * step / 2, y) for i, y in enumerate(rows) for x in np.arange(minx, maxx + step, step)]
    pts = np.array(pts) + rng.uniform(-0.33, 0.33, (len(pts), 2)) * step
    return pts[shapely.contains_xy(outline, pts[:, 0], pts[:, 1])]


def _faces(seeds_m: np.ndarray, outline_m: Polygon) -> list[Polygon]:
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds_m), extend_to=outline_m.buffer(RADIUS_M))
    lines = [to_lonlat(c.exterior) for c in cells.geoms] + [to_lonlat(outline_m.exterior)]
    noded = shapely.union_all(lines, grid_size=GRID_SIZE)
    outline = to_lonlat(outline_m)
    return [f for f in shapely.polygonize(list(noded.geoms)).geoms
            if f.area > 0 and outline.contains(f.point_on_surface())]


def _adjacency(polys: list[Polygon]) -> dict[int, dict[int, float]]:
    """Neighbours sharing an edge of positive length (a shared corner alone does not count)."""
    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    bounds = shapely.boundary(np.asarray(polys, dtype=object))
    shared = shapely.length(shapely.intersection(bounds[left], bounds[right]))
    adj: dict[int, dict[int, float]] = {i: {} for i in range(len(polys))}
    for i, j, length in zip(left.tolist(), right.tolist(), shared.tolist()):
        if length > 0:
            adj[i][j] = adj[j][i] = length
    return adj


def _merge_small(faces: list[Polygon], adj: dict[int, dict[int, float]]) -> list[list[int]]:
    """Groups of faces: a face much smaller than usual joins the neighbour it shares most border with."""
    areas = np.array([f.area for f in faces])
    parent = list(range(len(faces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    group_area = dict(enumerate(areas.tolist()))
    threshold = 0.35 * float(np.median(areas))
    for i in np.argsort(areas, kind="stable").tolist():
        r = root(i)
        if group_area[r] >= threshold:
            continue
        others = [(length, j) for j, length in adj[i].items() if root(j) != r]
        if not others:
            raise RuntimeError("demo ground: an isolated small face cannot be merged")
        target = root(max(others)[1])
        parent[r] = target
        group_area[target] += group_area.pop(r)
    groups: dict[int, list[int]] = {}
    for i in range(len(faces)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 25) -> np.ndarray:
    centers = [points[rng.integers(len(points))]]
    while len(centers) < k:     # k-means++ start: spread-out seeds avoid tiny clusters
        d2 = np.min([((points - c) ** 2).sum(1) for c in centers], axis=0)
        centers.append(points[rng.choice(len(points), p=d2 / d2.sum())])
    centers = np.array(centers)
    for _ in range(rounds):
        label = np.argmin(((points[:, None, :] - centers[None, :, :]) ** 2).sum(-1), axis=1)
        centers = np.array([points[label == c].mean(0) if (label == c).any() else centers[c] for c in range(k)])
    return centers


def _grow(nodes: list[int], adj: dict[int, dict[int, float]], pts: np.ndarray, centers: np.ndarray) -> dict[int, int]:
    """Multi-source Dijkstra over the adjacency graph: every region is connected (a shortest-path tree)."""
    allowed = set(nodes)
    seeds = []
    for c in centers:
        order = sorted(nodes, key=lambda n: ((pts[n] - c) ** 2).sum())
        seeds.append(next(n for n in order if n not in seeds))
    label: dict[int, int] = {}
    heap = [(0.0, n, lab) for lab, n in enumerate(seeds)]
    heapq.heapify(heap)
    while heap:
        dist, n, lab = heapq.heappop(heap)
        if n in label:
            continue
        label[n] = lab
        for m in adj[n]:
            if m in allowed and m not in label:
                heapq.heappush(heap, (dist + float(np.hypot(*(pts[m] - pts[n]))), m, lab))
    if len(label) != len(allowed):
        raise RuntimeError("demo ground: the adjacency graph is not connected")
    return label


def _split_counts(sizes: list[int], total: int, minimum: int) -> list[int]:
    """Largest-remainder split of `total` proportional to `sizes`, each at least `minimum`."""
    raw = [total * s / sum(sizes) for s in sizes]
    counts = [max(minimum, int(r)) for r in raw]
    for i in sorted(range(len(sizes)), key=lambda i: raw[i] - int(raw[i]), reverse=True):
        if sum(counts) >= total:
            break
        counts[i] += 1
    return counts


def _reading_order(polys: list[Polygon], indices: list[int], band: float) -> list[int]:
    """North to south in bands, west to east within a band: how people number grids on a map."""
    top = max(polys[i].bounds[3] for i in indices)

    def key(i: int) -> tuple[int, float]:
        c = polys[i].centroid
        return int((top - c.y) // band), c.x
    return sorted(indices, key=key)


def build_ground(seed: int, n_grids: int = 400, n_communities: int = 40, n_streets: int = 6) -> Ground:
    rng = np_rng(seed, "ground")
    outline_m = _outline_m(rng)
    faces = _faces(_seed_points(rng, outline_m, n_grids), outline_m)
    face_adj = _adjacency(faces)
    groups = _merge_small(faces, face_adj)
    grids = [shapely.coverage_union_all([faces[i] for i in g]) for g in groups]
    adj = _adjacency(grids)
    pts = np.array([[g.centroid.x * M_PER_DEG_LON, g.centroid.y * M_PER_DEG_LAT] for g in grids])
    everyone = list(range(len(grids)))
    street_of = _grow(everyone, adj, pts, _kmeans(pts, n_streets, rng))
    members = [[g for g in everyone if street_of[g] == s] for s in range(n_streets)]
    community_of: dict[int, int] = {}
    community_street: list[int] = []
    for s, (grid_ids, k) in enumerate(zip(members, _split_counts([len(m) for m in members], n_communities, 3))):
        local = _grow(grid_ids, adj, pts, _kmeans(pts[grid_ids], k, rng))
        for g, lab in local.items():
            community_of[g] = len(community_street) + lab
        community_street += [s] * k
    return _ordered(grids, community_of, community_street)


def _ordered(grids: list[Polygon], community_of: dict[int, int], community_street: list[int]) -> Ground:
    """Unions per level, then renumber streets, communities and grids in reading order."""
    n_comm = len(community_street)
    comm_polys = [shapely.coverage_union_all([grids[g] for g, c in community_of.items() if c == k])
                  for k in range(n_comm)]
    street_polys = [shapely.coverage_union_all([comm_polys[c] for c in range(n_comm) if community_street[c] == s])
                    for s in range(max(community_street) + 1)]
    street_order = _reading_order(street_polys, list(range(len(street_polys))), band=0.03)
    comm_order = [c for s in street_order
                  for c in _reading_order(comm_polys, [c for c in range(n_comm) if community_street[c] == s], 0.012)]
    grid_order = [g for c in comm_order
                  for g in _reading_order(grids, [g for g, k in community_of.items() if k == c], 0.004)]
    new_street = {s: i for i, s in enumerate(street_order)}
    new_comm = {c: i for i, c in enumerate(comm_order)}
    return Ground(
        district=shapely.coverage_union_all(street_polys),
        streets=[street_polys[s] for s in street_order],
        communities=[comm_polys[c] for c in comm_order],
        grids=[grids[g] for g in grid_order],
        community_street=[new_street[community_street[c]] for c in comm_order],
        grid_community=[new_comm[community_of[g]] for g in grid_order],
    )
