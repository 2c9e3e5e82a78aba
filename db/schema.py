"""The PostgreSQL data model as SQLAlchemy Core tables; Alembic migrations are the source of truth for the DB."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, Computed, Date, DateTime, Float, ForeignKey, Index, Integer,
    LargeBinary, MetaData, Sequence, SmallInteger, String, Table, Text, UniqueConstraint, text,
)
from sqlalchemy.dialects.postgresql import JSONB

from db import enums

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def one_of(column: str, values: tuple, name: str | None = None, nullable: bool = False) -> CheckConstraint:
    """CHECK constraint restricting a column to an enumeration from db.enums."""
    listed = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
    expr = f"{column} IN ({listed})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name or f"{column}_enum")


def ts(name: str, nullable: bool = True, **kw) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable, **kw)


def now_ts(name: str) -> Column:
    return Column(name, DateTime(timezone=True), nullable=False, server_default=text("now()"))


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

# --- 事: events as they arrive ------------------------------------------------------------------
# Partitioned by month of event_at (migration 0009, db/partitions.py). No primary key: event_at, the partition
# key, may be NULL (no device time), and a primary key may not; ids come from one sequence and keep an index.
raw_events_id_seq = Sequence("raw_events_id_seq")
raw_events = Table(
    "raw_events", metadata,
    Column("id", BigInteger, raw_events_id_seq, server_default=raw_events_id_seq.next_value(), nullable=False),
    Column("source", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("source_key", Text, nullable=False),      # unique per source message: redelivery stores nothing twice
    Column("topic", Text),
    Column("payload", LargeBinary, nullable=False),
    Column("parsed", JSONB),
    Column("device_id", Integer, ForeignKey("devices.id")),
    Column("staff_id", Integer, ForeignKey("staff.id")),
    Column("event_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    now_ts("received_at"),
    Column("flags", JSONB),                          # e.g. {"unknown_camera": "..."} for an admin to map
    Column("district_code", String(6)),
    # Redelivery stores nothing twice: event_at comes from the message, so a redelivered one has the same pair.
    UniqueConstraint("source_key", "event_at", postgresql_nulls_not_distinct=True),
    one_of("source", enums.EVENT_SOURCES),
    one_of("kind", enums.EVENT_KINDS),
    Index(None, "id"),
    Index(None, "received_at"),
    Index(None, "kind", "received_at"),
    postgresql_partition_by="RANGE (event_at)",
)
# Messages with unknown references or a failed case step, for the admin's "to map" list.
Index("ix_raw_events_flagged", raw_events.c.received_at, postgresql_where=raw_events.c.flags.isnot(None))

dead_letters = Table(
    "dead_letters", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("source", Text, nullable=False),
    Column("topic", Text),
    Column("payload", LargeBinary),                  # bounded: truncated to the configured limit
    Column("payload_size", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    now_ts("received_at"),
    Column("replayed_at", DateTime(timezone=True)),
    Column("replay_result", Text),
    Column("dedup_key", Text),                       # sha256 of topic and payload: the same bytes add to one row
    Column("seen_count", BigInteger, nullable=False, server_default="1"),
    Column("last_seen_at", DateTime(timezone=True)),
    # Set by an admin on the page, cleared by the ingest worker once it has tried (migration 0006).
    Column("replay_requested_at", DateTime(timezone=True)),
    Column("replay_requested_by", Text),
    one_of("source", enums.EVENT_SOURCES),
    Index(None, "received_at"),
)
Index("ix_dead_letters_replay_requested", dead_letters.c.replay_requested_at,
      postgresql_where=dead_letters.c.replay_requested_at.isnot(None))
Index("uq_dead_letters_dedup_key_open", dead_letters.c.dedup_key, unique=True,
      postgresql_where=dead_letters.c.replayed_at.is_(None))

# --- cases ---------------------------------------------------------------------------------------
cases = Table(
    "cases", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("code", Text, nullable=False, unique=True),   # 一案一码
    Column("source", Text, nullable=False),
    Column("source_ref", Text),                      # e.g. raw event key or 12345 work-order number
    Column("state", Text, nullable=False, server_default="reported"),
    Column("level", Text, nullable=False, server_default="grid"),
    Column("work_kind", Text, nullable=False, server_default="general"),
    Column("urgency", SmallInteger, nullable=False, server_default="3"),
    Column("category_id", Integer, ForeignKey("categories.id")),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("address", Text),
    Column("lon", Float), Column("lat", Float),
    Column("grid_id", Integer, ForeignKey("grids.id")),
    Column("community_code", String(12), ForeignKey("areas.code")),
    Column("street_code", String(12), ForeignKey("areas.code")),
    Column("district_code", String(6), nullable=False),
    Column("photos", JSONB),
    # Personal data: masked for roles that do not need it, never logged.
    Column("reporter_name", Text), Column("reporter_phone", Text), Column("reporter_id_no", Text),
    Column("reported_by_staff_id", Integer, ForeignKey("staff.id")),
    Column("dept_id", Integer, ForeignKey("departments.id")),   # responsible (lead) department now
    Column("clock_mode", Text, nullable=False, server_default="working"),
    Column("calendar_code", Text, ForeignKey("calendars.code")),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
    Column("filed_at", DateTime(timezone=True)),
    Column("dispatched_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("close_type", Text),
    Column("step_deadline_at", DateTime(timezone=True)),        # deadline of the open step (for queues)
    Column("step_warning_at", DateTime(timezone=True)),         # when the open step turns 预警 (queues)
    Column("handle_deadline_at", DateTime(timezone=True)),      # the department's handling deadline
    Column("supervised", Boolean, nullable=False, server_default=text("false")),  # 督办
    Column("supervise_note", Text),
    Column("satisfaction", SmallInteger),
    Column("postpone_count", Integer, nullable=False, server_default="0"),
    Column("rework_count", Integer, nullable=False, server_default="0"),
    Column("return_count", Integer, nullable=False, server_default="0"),
    Column("merged_into_id", BigInteger, ForeignKey("cases.id")),
    Column("version", Integer, nullable=False, server_default="0"),
    now_ts("created_at"), now_ts("updated_at"),
    # Kept by the workflow engine (migration 0010) so 按期结案率 reads cases alone: a department step ended past
    # its deadline; the case was parked at some time (only those need their steps to tell "parked then").
    Column("dept_late", Boolean, nullable=False, server_default=text("false")),
    Column("parked_ever", Boolean, nullable=False, server_default=text("false")),
    one_of("source", enums.CASE_SOURCES),
    one_of("state", enums.CASE_STATES),
    one_of("level", enums.CASE_LEVELS),
    one_of("work_kind", enums.WORK_KINDS),
    one_of("urgency", enums.URGENCIES),
    one_of("clock_mode", enums.CLOCK_MODES),
    one_of("close_type", enums.CLOSE_TYPES, nullable=True),
    CheckConstraint("satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
    CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL AND close_type IS NOT NULL)", name="closed_fields"),
    CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
    CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
    Index(None, "state", "step_deadline_at"),
    # Covering the daily page's intake, trend and heat map (migration 0010).
    Index(None, "reported_at", postgresql_include=["merged_into_id", "source", "category_id", "grid_id"]),
    # Covering what the department desk counts (migration 0010): index-only counts of a busy department.
    Index(None, "dept_id", "state", postgresql_include=["step_deadline_at", "merged_into_id"]),
    Index(None, "grid_id", "state"),
    Index(None, "street_code", "state"),
    Index(None, "source_ref"),
)

case_steps = Table(
    "case_steps", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("case_id", BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", Text, nullable=False),
    Column("from_state", Text),
    Column("to_state", Text, nullable=False),
    Column("actor_user_id", Integer, ForeignKey("users.id")),
    Column("actor_role", Text),
    Column("actor_name", Text),
    Column("dept_id", Integer, ForeignKey("departments.id")),
    Column("level", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("deadline_at", DateTime(timezone=True)),
    Column("warning_at", DateTime(timezone=True)),   # 预警 point: the configured share of the limit
    Column("ended_at", DateTime(timezone=True)),
    Column("limit_minutes", Integer),
    Column("working_minutes", Integer),              # minutes used on the case's clock when the step ended
    Column("note", Text),
    Column("attachments", JSONB),
    Column("detail", JSONB),
    # "Dispatched on time" as a column, so the assessment reads steps from an index alone (migration 0010).
    Column("prev_late", Boolean, Computed("(detail ->> 'prev_late')::boolean", persisted=True)),
    UniqueConstraint("case_id", "seq"),
    one_of("from_state", enums.CASE_STATES, nullable=True),
    one_of("to_state", enums.CASE_STATES),
    one_of("level", enums.CASE_LEVELS, nullable=True),
    CheckConstraint("deadline_at IS NULL OR deadline_at >= started_at", name="deadline_after_start"),
    CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="end_after_start"),
    Index(None, "dept_id", "started_at", postgresql_include=["deadline_at", "ended_at"]),
    Index(None, "started_at"),
)
# At most one open step per case.
Index("uq_case_steps_one_open", case_steps.c.case_id, unique=True, postgresql_where=case_steps.c.ended_at.is_(None))

case_requests = Table(
    "case_requests", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("case_id", BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("reason", Text, nullable=False),
    Column("requested_by", Integer, ForeignKey("users.id")),
    Column("dept_id", Integer, ForeignKey("departments.id")),
    now_ts("requested_at"),
    Column("extra_minutes", Integer),                # for postponements
    Column("decided_by", Integer, ForeignKey("users.id")),
    Column("decided_at", DateTime(timezone=True)),
    Column("decision_note", Text),
    one_of("kind", enums.REQUEST_KINDS),
    one_of("status", enums.REQUEST_STATUSES),
    Index(None, "case_id"),
    Index(None, "status", "kind"),
)

case_counters = Table(
    "case_counters", metadata,
    Column("day", Date, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

alerts = Table(
    "alerts", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("alert_key", Text, nullable=False, unique=True),   # camera + vendor id; Frigate events update in place
    Column("raw_event_id", BigInteger),   # no foreign key: raw events are partitioned and dropped by retention
    Column("camera_id", Integer, ForeignKey("devices.id")),
    Column("camera_ref", Text, nullable=False),               # as sent, kept when the camera is unknown
    Column("alert_type", Text, nullable=False),
    Column("score", Float),
    Column("priority", SmallInteger),
    Column("lon", Float), Column("lat", Float),
    Column("grid_id", Integer, ForeignKey("grids.id")),
    Column("snapshot_url", Text),
    Column("vendor", Text),
    Column("event_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("case_id", BigInteger, ForeignKey("cases.id")),
    Column("below_threshold", Boolean, nullable=False, server_default=text("false")),
    now_ts("received_at"),
    Column("district_code", String(6)),
    CheckConstraint("score IS NULL OR score BETWEEN 0 AND 1", name="score_range"),
    CheckConstraint("priority IS NULL OR priority BETWEEN 1 AND 4", name="priority_range"),
    Index(None, "camera_id", "alert_type", "event_at"),
    Index(None, "camera_ref", "alert_type", "event_at"),
    Index(None, "case_id"),
    Index(None, "event_at"),
)

# --- 中心吹哨、部门报到 -------------------------------------------------------------------------------
whistles = Table(
    "whistles", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("case_id", BigInteger, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("note", Text),
    Column("state", Text, nullable=False, server_default="open"),
    Column("raised_by", Integer, ForeignKey("users.id")),
    now_ts("raised_at"),
    Column("closed_at", DateTime(timezone=True)),
    one_of("reason", enums.WHISTLE_REASONS),
    one_of("state", enums.WHISTLE_STATES),
    CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="closed_fields"),
    Index(None, "state"),
    Index(None, "case_id"),
)

whistle_departments = Table(
    "whistle_departments", metadata,
    Column("whistle_id", BigInteger, ForeignKey("whistles.id", ondelete="CASCADE"), primary_key=True),
    Column("dept_id", Integer, ForeignKey("departments.id"), primary_key=True),
    Column("role", Text, nullable=False),
    Column("deadline_at", DateTime(timezone=True), nullable=False),
    Column("checked_in_at", DateTime(timezone=True)),
    Column("checkin_late", Boolean),
    Column("checkin_lon", Float), Column("checkin_lat", Float),
    Column("checkin_photo", Text),
    Column("checkin_note", Text),
    Column("progress", JSONB),
    Column("result_at", DateTime(timezone=True)),
    Column("result_note", Text),
    Column("returned_at", DateTime(timezone=True)),
    Column("return_reason", Text),
    one_of("role", enums.WHISTLE_ROLES),
    CheckConstraint("(checked_in_at IS NULL) = (checkin_late IS NULL)", name="late_with_checkin"),
    Index(None, "dept_id"),
)
Index("uq_whistle_departments_one_lead", whistle_departments.c.whistle_id, unique=True,
      postgresql_where=whistle_departments.c.role == "lead")

# --- positions and patrols -----------------------------------------------------------------------
positions = Table(     # partitioned by month of ts (migration 0009)
    "positions", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("ts", DateTime(timezone=True), primary_key=True),
    Column("lon", Float, nullable=False), Column("lat", Float, nullable=False),
    Column("acc", Float), Column("batt", SmallInteger),
    Column("crs", Text, nullable=False, server_default="wgs84"),
    Column("orig_lon", Float), Column("orig_lat", Float),   # as sent, before a GCJ-02 conversion
    Column("grid_id", Integer, ForeignKey("grids.id")),
    Column("district_code", String(6)),
    UniqueConstraint("staff_id", "ts"),
    one_of("crs", enums.CRS),
    CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="coords_range"),
    CheckConstraint("batt IS NULL OR batt BETWEEN 0 AND 100", name="batt_range"),
    Index(None, "ts"),
    postgresql_partition_by="RANGE (ts)",
)

positions_latest = Table(
    "positions_latest", metadata,
    Column("staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("lon", Float, nullable=False), Column("lat", Float, nullable=False),
    Column("acc", Float), Column("batt", SmallInteger),
    Column("grid_id", Integer, ForeignKey("grids.id")),
    Column("online", Boolean, nullable=False, server_default=text("true")),
    Column("status_at", DateTime(timezone=True)),
    CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="coords_range"),
    CheckConstraint("batt IS NULL OR batt BETWEEN 0 AND 100", name="batt_range"),
    Index(None, "ts"),
)

patrols = Table(
    "patrols", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("source_key", Text, nullable=False, unique=True),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("grid_id", Integer, ForeignKey("grids.id")),
    Column("grid_code", Text),
    Column("action", Text, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("lon", Float), Column("lat", Float),
    one_of("action", enums.PATROL_ACTIONS),
    Index(None, "staff_id", "ts"),
    Index(None, "ts"),
)

# --- accounts and audit --------------------------------------------------------------------------
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text),                   # argon2; NULL for SSO-only accounts
    Column("role", Text, nullable=False),
    Column("dept_id", Integer, ForeignKey("departments.id")),
    Column("staff_id", Integer, ForeignKey("staff.id")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("is_demo", Boolean, nullable=False, server_default=text("false")),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    now_ts("created_at"),
    one_of("role", enums.USER_ROLES),
    CheckConstraint("role <> 'department' OR dept_id IS NOT NULL", name="department_user_has_dept"),
    CheckConstraint("role <> 'grid_worker' OR staff_id IS NOT NULL", name="grid_worker_has_staff"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger, primary_key=True),
    now_ts("at"),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("username", Text),
    Column("action", Text, nullable=False),          # e.g. login, login_failed, case.dispatch, import, export
    Column("target_kind", Text),
    Column("target_id", Text),
    Column("detail", JSONB),
    Column("client", Text),
    Index(None, "at"),
    Index(None, "target_kind", "target_id"),
)

# --- ingest health -------------------------------------------------------------------------------
ingest_counters = Table(     # partitioned by month of at (migration 0009)
    "ingest_counters", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("worker", Text, nullable=False),
    Column("at", DateTime(timezone=True), primary_key=True, server_default=text("now()")),
    Column("received", BigInteger, nullable=False, server_default="0"),
    Column("stored", BigInteger, nullable=False, server_default="0"),
    Column("duplicates", BigInteger, nullable=False, server_default="0"),
    Column("rejected", BigInteger, nullable=False, server_default="0"),
    Column("batches", BigInteger, nullable=False, server_default="0"),
    Column("lag_p50_ms", Float), Column("lag_p95_ms", Float), Column("lag_max_ms", Float),
    Column("detail", JSONB),
    Index(None, "worker", "at"),
    postgresql_partition_by="RANGE (at)",
)

# --- dashboard: indexes for the pages' queries (migration 0004) ------------------------------------------
# The wall's data age reads the newest row of each source; the case page lists the cases merged into one;
# the admin page sums the ingest counters of the last minutes; a department's desk counts its cases dispatched or
# closed since a date.
Index("ix_cases_created_at", cases.c.created_at)
Index("ix_cases_dept_id_dispatched_at", cases.c.dept_id, cases.c.dispatched_at, postgresql_include=["merged_into_id"])
Index("ix_cases_dept_id_closed_at", cases.c.dept_id, cases.c.closed_at,
      postgresql_include=["state", "close_type", "merged_into_id"])
Index("ix_alerts_received_at", alerts.c.received_at)
Index("ix_cases_merged_into_id", cases.c.merged_into_id, postgresql_where=cases.c.merged_into_id.isnot(None))
Index("ix_ingest_counters_at", ingest_counters.c.at)
# Assessment candidates for a short window (migration 0007).
Index("ix_cases_updated_at", cases.c.updated_at)
# Covering indexes (migration 0010): 按期结案率 over any windows by index-only scans, and the assessment's
# per-case step facts without visiting the steps' heap.
DUE_COVER = ("id", "closed_at", "handle_deadline_at", "state", "merged_into_id", "dept_late", "parked_ever")
Index("ix_cases_due_cover", cases.c.handle_deadline_at,
      postgresql_include=[c for c in DUE_COVER if c != "handle_deadline_at"])
Index("ix_cases_closed_cover", cases.c.closed_at, postgresql_include=[c for c in DUE_COVER if c != "closed_at"])
STEP_FACTS = ("seq", "action", "from_state", "to_state", "started_at", "ended_at", "deadline_at", "working_minutes",
              "prev_late")
Index("ix_case_steps_facts", case_steps.c.case_id, postgresql_include=list(STEP_FACTS))
# Check-ins due in a period, for the assessment's 报到及时率 (migration 0010).
Index("ix_whistle_departments_deadline_at", whistle_departments.c.deadline_at)

# Seconds each grid worker spent inside an own grid per quarter hour (db/staff_time.py, migration 0010), and the
# quarter hours that new fixes made stale (marked by a statement trigger on positions).
staff_grid_time = Table(
    "staff_grid_time", metadata,
    Column("staff_id", Integer, ForeignKey("staff.id"), primary_key=True),
    Column("bucket_start", DateTime(timezone=True), primary_key=True),
    Column("seconds", Float, nullable=False),
)
Index("ix_staff_grid_time_bucket_start", staff_grid_time.c.bucket_start, staff_grid_time.c.staff_id,
      postgresql_include=["seconds"])
# The leaders' trend: figures of each past local day, kept by db/day_stats.py (migration 0010).
case_day_stats = Table(
    "case_day_stats", metadata,
    Column("day", Date, primary_key=True),
    Column("reported", Integer, nullable=False), Column("closed", Integer, nullable=False),
    Column("due", Integer, nullable=False), Column("closed_ontime", Integer, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)
staff_grid_time_dirty = Table(
    "staff_grid_time_dirty", metadata,
    Column("staff_id", Integer, primary_key=True),
    Column("bucket_start", DateTime(timezone=True), primary_key=True),
)

# --- SQL sources (migration 0008) ----------------------------------------------------------------
# Where each polled source table stands; written in the same transaction as the rows it covers.
source_watermarks = Table(
    "source_watermarks", metadata,
    Column("source", Text, primary_key=True),
    Column("wm", Text), Column("tb", Text),          # last (watermark, tie-breaker) stored, as text
    Column("rows", BigInteger, nullable=False, server_default="0"),
    now_ts("updated_at"),
)

# Per-source poll health for the admin page: last success, lag, rows, errors, backoff.
source_health = Table(
    "source_health", metadata,
    Column("source", Text, primary_key=True),
    Column("worker", Text), Column("kind", Text),
    ts("last_poll_at"), ts("last_success_at"), ts("last_error_at"),
    Column("last_error", Text),
    Column("rows_total", BigInteger, nullable=False, server_default="0"),
    Column("dead_total", BigInteger, nullable=False, server_default="0"),
    Column("errors_total", BigInteger, nullable=False, server_default="0"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("lag_s", Float),
    ts("next_attempt_at"),
    now_ts("updated_at"),
)
