"""Writes the demo district into PostgreSQL in bulk: Core multi-row inserts, and COPY for position trails."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Table, exists, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from db.demo.areas import COUNTY
from db.demo.build import DemoData
from db.demo.categories import VERSION_NAME
from db.demo.positions import Trails
from db.schema import (
    alert_type_aliases, alert_types, areas, calendar_days, calendars, categories, category_versions, departments,
    devices, grids, positions_latest, staff, staff_grids,
)


def insert_ids(conn: Connection, table: Table, rows: list[dict], key: str = "code") -> dict[str, int]:
    """Insert rows and return {key value: new id} (one round trip per batch, ids in parameter order)."""
    if not rows:
        return {}
    stmt = insert(table).returning(table.c.id, table.c[key], sort_by_parameter_order=True)
    return {r[1]: r[0] for r in conn.execute(stmt, rows)}


def copy_rows(conn: Connection, table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples in column order) through the transaction's own psycopg2 connection."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    buf.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buf)
    finally:
        cursor.close()
    return count


def _without(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def load_places_and_people(conn: Connection, data: DemoData) -> dict[str, dict[str, int]]:
    """Areas, grids, departments, staff and staff_grids; returns code -> id maps."""
    conn.execute(insert(areas), data.areas)
    ids = {"grids": insert_ids(conn, grids, data.grids), "departments": insert_ids(conn, departments,
                                                                                  data.departments)}
    staff_rows = [{**_without(s, "dept_code"), "dept_id": ids["departments"].get(s["dept_code"])}
                  for s in data.staffing.staff]
    ids["staff"] = insert_ids(conn, staff, staff_rows)
    conn.execute(insert(staff_grids), [
        {"staff_id": ids["staff"][s], "grid_id": ids["grids"][g], "duty": duty} for s, g, duty in data.staffing.links])
    return ids


def load_catalog(conn: Connection, data: DemoData) -> dict[str, int]:
    """The active category version (unless one is already active), alert types, aliases, calendar."""
    has_active = conn.scalar(select(exists().where(category_versions.c.active)))
    version_id = conn.execute(insert(category_versions).values(
        name=VERSION_NAME, effective_from=date(2025, 1, 1), active=not has_active)
        .returning(category_versions.c.id)).scalar_one()
    dept_ids = dict(conn.execute(select(departments.c.code, departments.c.id)).all())
    cat_ids: dict[str, int] = {}
    for level in ("major", "minor"):
        rows = [{**_without(r, "parent_code", "default_dept_code"), "version_id": version_id,
                 "parent_id": cat_ids.get(r["parent_code"]), "default_dept_id": dept_ids.get(r["default_dept_code"])}
                for r in data.categories if r["level"] == level]
        keys = set().union(*rows)
        cat_ids.update(insert_ids(conn, categories, [{k: r.get(k) for k in keys} for r in rows]))
    conn.execute(insert(alert_types), data.alert_types)
    conn.execute(pg_insert(alert_type_aliases).on_conflict_do_nothing(), data.alert_aliases)
    # A migration may already hold a default calendar: keep it default and only add our days.
    has_default = conn.scalar(select(exists().where(calendars.c.is_default)))
    conn.execute(pg_insert(calendars).on_conflict_do_nothing(),
                 [{**data.calendar, "is_default": data.calendar["is_default"] and not has_default}])
    conn.execute(pg_insert(calendar_days).on_conflict_do_nothing(), data.calendar_days)
    return cat_ids


def load_devices(conn: Connection, data: DemoData, ids: dict, trails: Trails, now: datetime) -> None:
    rows = []
    for d in data.cameras:
        rows.append({**_without(d, "grid_code", "staff_code", "status_minutes_ago"),
                     "grid_id": ids["grids"][d["grid_code"]], "staff_id": None,
                     "status_at": now - timedelta(minutes=d["status_minutes_ago"])})
    for d in data.terminals:
        latest = trails.latest.get(d["staff_code"])
        rows.append({**_without(d, "grid_code", "staff_code", "status_minutes_ago"),
                     "grid_id": None, "staff_id": ids["staff"][d["staff_code"]],
                     "status": "online" if latest and latest["online"] else "offline",
                     "status_at": latest["ts"] if latest else None})
    conn.execute(insert(devices), rows)


def load_trails(conn: Connection, trails: Trails, ids: dict) -> None:
    staff_ids, grid_ids = ids["staff"], ids["grids"]
    copy_rows(
        conn, "positions", ["staff_id", "ts", "lon", "lat", "acc", "batt", "crs", "grid_id", "district_code"],
        ((staff_ids[code], ts.isoformat(), lon, lat, acc, batt, "wgs84", grid_ids[grid], COUNTY)
         for code, ts, lon, lat, acc, batt, grid in trails.positions))
    conn.execute(insert(positions_latest), [
        {**_without(row, "grid_code"), "staff_id": staff_ids[code], "grid_id": grid_ids[row["grid_code"]]}
        for code, row in trails.latest.items()])
    copy_rows(conn, "patrols", ["source_key", "staff_id", "grid_id", "grid_code", "action", "ts", "lon", "lat"],
              ((p["source_key"], staff_ids[p["staff_code"]], grid_ids[p["grid_code"]], p["grid_code"], p["action"],
                p["ts"].isoformat(), p["lon"], p["lat"]) for p in trails.patrols))
