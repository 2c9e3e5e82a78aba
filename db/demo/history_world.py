"""Who and what the demo history works with, read once from the seeded district: actors, grids, categories, cameras."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from db.workflow.model import Actor


@dataclass
class World:
    """What the demo district holds: actors, grids with their workers, departments, categories, cameras."""
    center: dict = field(default_factory=dict)          # role -> [Actor]
    dept_actor: dict = field(default_factory=dict)      # dept id -> Actor
    dept_ids: list = field(default_factory=list)
    workers: dict = field(default_factory=dict)         # grid id -> [Actor]
    grids: dict = field(default_factory=dict)           # grid id -> (lon, lat, half width)
    categories: list = field(default_factory=list)      # minor categories: dicts
    cameras: list = field(default_factory=list)         # (id, code, lon, lat, grid id)
    alert_types: list = field(default_factory=list)     # (code, min_score)

    @classmethod
    def load(cls, conn: Connection) -> "World":
        w = cls()
        for r in conn.execute(text("SELECT * FROM users WHERE active ORDER BY id")).mappings():
            actor = Actor(r["id"], r["username"], r["role"], r["dept_id"], r["staff_id"], r["display_name"])
            if r["role"] == "department":
                w.dept_actor.setdefault(r["dept_id"], actor)
            elif r["role"] != "grid_worker":
                w.center.setdefault(r["role"], []).append(actor)
        worker_users = {r["staff_id"]: r for r in conn.execute(text(
            "SELECT * FROM users WHERE role = 'grid_worker' AND active")).mappings()}
        for gid, sid in conn.execute(text("SELECT grid_id, staff_id FROM staff_grids ORDER BY grid_id, staff_id")):
            u = worker_users.get(sid)
            if u is not None:
                w.workers.setdefault(gid, []).append(Actor(u["id"], u["username"], "grid_worker", None, sid,
                                                           u["display_name"]))
        for r in conn.execute(text("SELECT id, center_lon, center_lat, min_lon, max_lon FROM grids "
                                   "WHERE kind = 'governance' ORDER BY id")):
            w.grids[r[0]] = (r[1], r[2], (r[4] - r[3]) / 6)
        w.dept_ids = [r[0] for r in conn.execute(text("SELECT id FROM departments WHERE active ORDER BY id"))]
        w.categories = [dict(r) for r in conn.execute(text(
            "SELECT c.* FROM categories c JOIN category_versions v ON v.id = c.version_id "
            "WHERE v.active AND c.level = 'minor' ORDER BY c.code")).mappings()]
        w.cameras = [tuple(r) for r in conn.execute(text(
            "SELECT id, code, lon, lat, grid_id FROM devices WHERE kind = 'camera' AND grid_id IS NOT NULL "
            "AND lon IS NOT NULL ORDER BY id"))]
        w.alert_types = [tuple(r) for r in conn.execute(text("SELECT code, min_score FROM alert_types ORDER BY code"))]
        return w

    def actor(self, role: str, rng: random.Random) -> Actor:
        found = self.center.get(role) or self.center.get("admin")
        return rng.choice(found) if found else Actor(None, f"demo-{role}", role, display_name=role)

    def dept(self, dept_id: int) -> Actor:
        return self.dept_actor.get(dept_id) or Actor(None, f"dept-{dept_id}", "department", dept_id)
