"""Cases, their steps, requests and alerts, whistles and check-ins; the pages' indexes and day figures."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, Computed, Date, DateTime, Float, ForeignKey, Index, Integer,
    SmallInteger, String, Table, Text, UniqueConstraint, text
)
from sqlalchemy.dialects.postgresql import JSONB

from db import enums
from db.schema.base import metadata, now_ts, one_of

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

# The leaders' trend: figures of each past local day, kept by db/day_stats.py (migration 0010).
case_day_stats = Table(
    "case_day_stats", metadata,
    Column("day", Date, primary_key=True),
    Column("reported", Integer, nullable=False), Column("closed", Integer, nullable=False),
    Column("due", Integer, nullable=False), Column("closed_ontime", Integer, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
)
