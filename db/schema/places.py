"""Reference data: areas and grids, departments, staff, devices, categories and time limits, calendars."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index, Integer, SmallInteger,
    String, Table, Text, UniqueConstraint, text
)
from sqlalchemy.dialects.postgresql import JSONB

from db import enums
from db.schema.base import metadata, now_ts, one_of

# --- 地: areas and grids -------------------------------------------------------------------------
areas = Table(
    "areas", metadata,
    Column("code", String(12), primary_key=True),   # 12-digit statistical code: 6 county + 3 street + 3 community
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent_code", String(12), ForeignKey("areas.code")),
    Column("boundary", JSONB),                       # GeoJSON geometry, WGS-84
    Column("min_lon", Float), Column("min_lat", Float), Column("max_lon", Float), Column("max_lat", Float),
    one_of("level", enums.AREA_LEVELS),
    CheckConstraint("code ~ '^[0-9]{12}$'", name="code_digits"),
    CheckConstraint("(level = 'district') = (parent_code IS NULL)", name="parent_by_level"),
    Index(None, "parent_code"),
)

grids = Table(
    "grids", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("level", SmallInteger, nullable=False, server_default="3"),  # 1 town, 2 village, 3 grid, 4 micro-grid
    Column("kind", Text, nullable=False, server_default="governance"),
    Column("area_code", String(12), ForeignKey("areas.code"), nullable=False),  # the community it belongs to
    Column("district_code", String(6), nullable=False),
    Column("boundary", JSONB, nullable=False),       # GeoJSON Polygon/MultiPolygon, WGS-84
    Column("min_lon", Float, nullable=False), Column("min_lat", Float, nullable=False),
    Column("max_lon", Float, nullable=False), Column("max_lat", Float, nullable=False),
    Column("center_lon", Float, nullable=False), Column("center_lat", Float, nullable=False),
    Column("households", Integer), Column("population", Integer),
    Column("duties", Text),
    one_of("kind", enums.GRID_KINDS),
    CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
    CheckConstraint("households IS NULL OR households >= 0", name="households_nonneg"),
    CheckConstraint("population IS NULL OR population >= 0", name="population_nonneg"),
    CheckConstraint("min_lon <= max_lon AND min_lat <= max_lat", name="bbox_order"),
    Index(None, "area_code"),
    Index(None, "min_lon", "max_lon", "min_lat", "max_lat"),
)

# --- 组织: departments ---------------------------------------------------------------------------
departments = Table(
    "departments", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("tier", SmallInteger, nullable=False),
    Column("duty_phone", Text),
    Column("area_code", String(12), ForeignKey("areas.code")),  # level it sits at (district or street)
    Column("checkin_minutes", Integer),              # tier-3 default set per department
    Column("active", Boolean, nullable=False, server_default=text("true")),
    one_of("tier", enums.DEPT_TIERS),
    CheckConstraint("checkin_minutes IS NULL OR checkin_minutes > 0", name="checkin_positive"),
)

# --- 人: staff ------------------------------------------------------------------------------------
staff = Table(
    "staff", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("phone", Text),
    Column("role", Text, nullable=False),
    Column("area_code", String(12), ForeignKey("areas.code")),
    Column("dept_id", Integer, ForeignKey("departments.id")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    one_of("role", enums.STAFF_ROLES),
    Index(None, "role"),
)

staff_grids = Table(
    "staff_grids", metadata,
    Column("staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", Integer, ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True),
    Column("duty", String(1), nullable=False, server_default="A"),
    one_of("duty", enums.GRID_DUTIES),
    Index(None, "grid_id"),
)

# --- 物: devices -----------------------------------------------------------------------------------
devices = Table(
    "devices", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("code", Text, nullable=False, unique=True),   # cameras: 20-digit GB/T 28181 ID
    Column("name", Text),
    Column("lon", Float), Column("lat", Float),
    Column("grid_id", Integer, ForeignKey("grids.id")),
    Column("staff_id", Integer, ForeignKey("staff.id")),  # terminals are bound to a staff member
    Column("status", Text, nullable=False, server_default="unknown"),
    Column("vendor", Text),
    Column("status_at", DateTime(timezone=True)),
    one_of("kind", enums.DEVICE_KINDS),
    one_of("status", enums.DEVICE_STATUSES),
    CheckConstraint("kind <> 'camera' OR code ~ '^[0-9]{20}$'", name="camera_code_20_digits"),
    CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
    CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
    Index(None, "grid_id"),
    Index(None, "staff_id"),
)

# Other systems' names for our devices/staff: Frigate camera names, OwnTracks user/device, VMS ids.
device_aliases = Table(
    "device_aliases", metadata,
    Column("source", Text, primary_key=True),
    Column("external_id", Text, primary_key=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE")),
    Column("staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE")),
    CheckConstraint("(device_id IS NULL) <> (staff_id IS NULL)", name="one_target"),
)

# Unknown cameras, staff, devices, alert types, categories... seen by the ingest, for an admin to register or map.
unregistered_devices = Table(
    "unregistered_devices", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),              # what is unknown: db.enums.UNREGISTERED_KINDS
    Column("source", Text, nullable=False),            # e.g. video, terminal, frigate, owntracks, gb28181
    Column("external_id", Text, nullable=False),
    now_ts("first_seen"), now_ts("last_seen"),
    Column("seen_count", BigInteger, nullable=False, server_default="1"),
    Column("last_topic", Text),
    Column("registered_device_id", Integer, ForeignKey("devices.id")),
    UniqueConstraint("kind", "source", "external_id"),
    one_of("kind", enums.UNREGISTERED_KINDS),
)

# --- categories and time limits ------------------------------------------------------------------
category_versions = Table(
    "category_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("false")),
)
Index("uq_category_versions_one_active", category_versions.c.active, unique=True,
      postgresql_where=category_versions.c.active)

categories = Table(
    "categories", metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("category_versions.id"), nullable=False),
    Column("code", Text, nullable=False),
    Column("parent_id", Integer, ForeignKey("categories.id")),
    Column("level", Text, nullable=False),
    Column("domain", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("filing_conditions", Text),
    Column("closing_conditions", Text),
    Column("clock_mode", Text, nullable=False, server_default="working"),
    Column("work_kind", Text, nullable=False, server_default="general"),
    Column("urgent", Boolean, nullable=False, server_default=text("false")),
    # Per-step limits in minutes (working or natural minutes per clock_mode).
    Column("limit_filing_min", Integer), Column("limit_dispatch_min", Integer),
    Column("limit_sign_min", Integer), Column("limit_handle_min", Integer), Column("limit_check_min", Integer),
    Column("default_dept_id", Integer, ForeignKey("departments.id")),
    UniqueConstraint("version_id", "code"),
    one_of("level", enums.CATEGORY_LEVELS),
    one_of("domain", enums.CATEGORY_DOMAINS),
    one_of("clock_mode", enums.CLOCK_MODES),
    one_of("work_kind", enums.WORK_KINDS),
    CheckConstraint("(level = 'major') = (parent_id IS NULL)", name="parent_by_level"),
    CheckConstraint(
        "COALESCE(limit_filing_min, 1) > 0 AND COALESCE(limit_dispatch_min, 1) > 0 AND "
        "COALESCE(limit_sign_min, 1) > 0 AND COALESCE(limit_handle_min, 1) > 0 AND COALESCE(limit_check_min, 1) > 0",
        name="limits_positive"),
)

alert_types = Table(
    "alert_types", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("category_code", Text),                   # 小类 code in the active version the case is filed under
    Column("min_score", Float, nullable=False, server_default="0.5"),
    Column("merge_window_s", Integer, nullable=False, server_default="600"),
    CheckConstraint("min_score BETWEEN 0 AND 1", name="min_score_range"),
    CheckConstraint("merge_window_s >= 0", name="merge_window_nonneg"),
)

# Vendor codes, Frigate labels, GB/T 28181 AlarmType codes and Chinese names mapped onto our alert types.
alert_type_aliases = Table(
    "alert_type_aliases", metadata,
    Column("vendor", Text, primary_key=True),
    Column("vendor_code", Text, primary_key=True),
    Column("alert_type_code", Text, ForeignKey("alert_types.code"), nullable=False),
)

# --- calendars -----------------------------------------------------------------------------------
calendars = Table(
    "calendars", metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("timezone", Text, nullable=False, server_default="Asia/Shanghai"),
    Column("work_periods", JSONB, nullable=False,
           server_default=text("'[[\"08:00\",\"12:00\"],[\"14:00\",\"18:00\"]]'::jsonb")),
    Column("weekend_days", JSONB, nullable=False, server_default=text("'[5, 6]'::jsonb")),  # Mon=0
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
)
Index("uq_calendars_one_default", calendars.c.is_default, unique=True, postgresql_where=calendars.c.is_default)

calendar_days = Table(
    "calendar_days", metadata,
    Column("calendar_code", Text, ForeignKey("calendars.code", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("name", Text),
    one_of("kind", enums.CALENDAR_DAY_KINDS),
)
