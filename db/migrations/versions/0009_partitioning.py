"""Monthly range partitions (issue 7): raw_events by event_at, positions by ts, ingest_counters by at, each with a
DEFAULT partition; partitions live in schema `partitions`. Existing rows are moved into the new tables.

- raw_events: a unique key of a partitioned table must contain the partition key, so UNIQUE(source_key) becomes
  UNIQUE NULLS NOT DISTINCT (source_key, event_at). It stays exact because every parser derives event_at from the
  message itself: a redelivery carries the same bytes, hence the same key and the same event_at (a NULL event_at
  included). The primary key (id) goes: event_at may be NULL and a primary key may not; ids still come from the
  same sequence and keep an index.
- alerts.raw_event_id keeps its value but loses its foreign key: a foreign key to a partitioned table needs its
  whole unique key (id, event_at), and retention drops raw events while alerts (and cases) stay forever.
- positions: primary key (id, ts); ingest_counters: primary key (id, at).
Downgrade puts plain tables back (raw events of one source_key kept once, the oldest; alerts pointing at raw
events that retention dropped lose the pointer, as the foreign key requires)."""
from datetime import datetime, timezone

from alembic import op
from sqlalchemy import text

from db import partitions as parts

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen here rather than read from db/schema: a migration must not change when the schema module does.
AFTER = {
    "raw_events": [
        "ALTER TABLE raw_events ADD CONSTRAINT uq_raw_events_source_key_event_at "
        "UNIQUE NULLS NOT DISTINCT (source_key, event_at)",
        "ALTER TABLE raw_events ADD CONSTRAINT fk_raw_events_device_id_devices FOREIGN KEY (device_id) "
        "REFERENCES devices (id)",
        "ALTER TABLE raw_events ADD CONSTRAINT fk_raw_events_staff_id_staff FOREIGN KEY (staff_id) "
        "REFERENCES staff (id)",
        "CREATE INDEX ix_raw_events_id ON raw_events (id)",
        "CREATE INDEX ix_raw_events_received_at ON raw_events (received_at)",
        "CREATE INDEX ix_raw_events_kind_received_at ON raw_events (kind, received_at)",
        "CREATE INDEX ix_raw_events_flagged ON raw_events (received_at) WHERE flags IS NOT NULL",
    ],
    "positions": [
        "ALTER TABLE positions ADD CONSTRAINT pk_positions PRIMARY KEY (id, ts)",
        "ALTER TABLE positions ADD CONSTRAINT uq_positions_staff_id_ts UNIQUE (staff_id, ts)",
        "ALTER TABLE positions ADD CONSTRAINT fk_positions_staff_id_staff FOREIGN KEY (staff_id) REFERENCES staff (id)",
        "ALTER TABLE positions ADD CONSTRAINT fk_positions_grid_id_grids FOREIGN KEY (grid_id) REFERENCES grids (id)",
        "CREATE INDEX ix_positions_ts ON positions (ts)",
    ],
    "ingest_counters": [
        "ALTER TABLE ingest_counters ADD CONSTRAINT pk_ingest_counters PRIMARY KEY (id, at)",
        "CREATE INDEX ix_ingest_counters_worker_at ON ingest_counters (worker, at)",
        "CREATE INDEX ix_ingest_counters_at ON ingest_counters (at)",
    ],
}
BEFORE = {
    "raw_events": [
        "ALTER TABLE raw_events ADD CONSTRAINT pk_raw_events PRIMARY KEY (id)",
        "ALTER TABLE raw_events ADD CONSTRAINT uq_raw_events_source_key UNIQUE (source_key)",
        *AFTER["raw_events"][1:3], *AFTER["raw_events"][4:],
    ],
    "positions": ["ALTER TABLE positions ADD CONSTRAINT pk_positions PRIMARY KEY (id)", *AFTER["positions"][1:]],
    "ingest_counters": ["ALTER TABLE ingest_counters ADD CONSTRAINT pk_ingest_counters PRIMARY KEY (id)",
                        *AFTER["ingest_counters"][1:]],
}
ALERTS_FK = ("ALTER TABLE alerts ADD CONSTRAINT fk_alerts_raw_event_id_raw_events FOREIGN KEY (raw_event_id) "
             "REFERENCES raw_events (id)")
AHEAD_MONTHS = 2


def _rebuild(table: str, partition_by: str | None, fill: str, after: list[str]) -> None:
    """A new `table` (partitioned by `partition_by`, or plain) with the old one's columns, defaults and checks;
    the old rows moved in by `fill`; then the keys and indexes (built once, after the rows are in)."""
    old = f"{table}_old"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY NONE")     # it would go with the old table
    tail = f" PARTITION BY RANGE ({partition_by})" if partition_by else ""
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
               + tail)
    if partition_by:
        _partitions_for(table, partition_by, old)
    op.execute(fill.format(table=table, old=old))
    op.execute(f"DROP TABLE {old}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
    for sql in after:
        op.execute(sql)


def _partitions_for(table: str, column: str, old: str) -> None:
    """The DEFAULT partition, one per month that holds rows, and this month and the next ones."""
    conn = op.get_bind()
    parts.create_default(conn, table)
    months = conn.execute(text(f"SELECT DISTINCT date_trunc('month', {column}, 'UTC') FROM {old} "
                               f"WHERE {column} IS NOT NULL")).scalars().all()
    now = parts.month_start(datetime.now(timezone.utc))
    for month in sorted(set(months) | {parts.add_months(now, i) for i in range(AHEAD_MONTHS + 1)}):
        parts.create_month(conn, table, month, lock_timeout=None)


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {parts.SCHEMA}")
    op.execute("ALTER TABLE alerts DROP CONSTRAINT fk_alerts_raw_event_id_raw_events")
    for table, column in parts.TABLES.items():
        _rebuild(table, column, "INSERT INTO {table} SELECT * FROM {old}", AFTER[table])


def downgrade() -> None:
    for table in parts.TABLES:
        fill = "INSERT INTO {table} SELECT * FROM {old}"
        if table == "raw_events":
            # One row per source_key, as UNIQUE(source_key) demands: the first stored.
            fill = "INSERT INTO {table} SELECT DISTINCT ON (source_key) * FROM {old} ORDER BY source_key, id"
        _rebuild(table, None, fill, BEFORE[table])
    op.execute("UPDATE alerts a SET raw_event_id = NULL WHERE raw_event_id IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM raw_events r WHERE r.id = a.raw_event_id)")
    op.execute(ALERTS_FK)
    op.execute(f"DROP SCHEMA IF EXISTS {parts.SCHEMA}")
