"""Messages as they arrive: raw events, dead letters, positions and patrols, ingest health, the grid-time
rollup, and the SQL sources' watermarks and health."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, Sequence,
    SmallInteger, String, Table, Text, UniqueConstraint, text
)
from sqlalchemy.dialects.postgresql import JSONB

from db import enums
from db.schema.base import metadata, now_ts, one_of, ts

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

Index("ix_ingest_counters_at", ingest_counters.c.at)

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
