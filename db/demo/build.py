"""The whole static demo district built in memory from a seed (no database): rows keyed by codes, not ids."""
from __future__ import annotations

from dataclasses import dataclass

from db.demo import alert_types, areas, calendar, categories, devices, org, people
from db.demo.geometry import Ground, build_ground


@dataclass
class DemoData:
    ground: Ground
    places: areas.Places
    areas: list[dict]
    grids: list[dict]
    departments: list[dict]
    staffing: people.Staffing
    cameras: list[dict]
    terminals: list[dict]
    categories: list[dict]
    alert_types: list[dict]
    alert_aliases: list[dict]
    calendar: dict
    calendar_days: list[dict]

    @property
    def patrollers(self) -> list[dict]:
        return [s for s in self.staffing.staff if s["role"] == "patroller"]


def build_static(seed: int) -> DemoData:
    ground = build_ground(seed)
    places = areas.name_places(ground, seed)
    staffing = people.build_staffing(ground, places, seed)
    patrollers = [s for s in staffing.staff if s["role"] == "patroller"]
    return DemoData(
        ground=ground, places=places,
        areas=areas.area_rows(ground, places), grids=areas.grid_rows(ground, places, seed),
        departments=org.department_rows(places, seed), staffing=staffing,
        cameras=devices.camera_rows(ground, places, seed), terminals=devices.terminal_rows(patrollers, seed),
        categories=categories.category_rows(), alert_types=alert_types.alert_type_rows(),
        alert_aliases=alert_types.alias_rows(), calendar=dict(calendar.CALENDAR),
        calendar_days=calendar.calendar_day_rows(),
    )
