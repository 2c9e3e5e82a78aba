"""Monthly range partitions of the high-volume tables: creating them ahead, moving stray rows out of the DEFAULT
partition, and retention by dropping whole partitions (never by deleting rows). Plain SQL on a Connection."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, text

SCHEMA = "partitions"          # partitions live apart, so `public` lists only the tables the schema module knows
UTC = timezone.utc
# Parent table -> partition key column (the row's own time: device time, position time, report time).
TABLES = {"raw_events": "event_at", "positions": "ts", "ingest_counters": "at"}
# A partition operation waits at most this long for its lock, so that ingest is never held up for long; the
# maintenance simply tries again at its next run.
LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime | None        # None for the DEFAULT partition
    upper: datetime | None


@dataclass
class Report:
    """What one maintenance run did, per table."""
    created: dict[str, list[str]] = field(default_factory=dict)
    dropped: dict[str, list[str]] = field(default_factory=dict)
    default_rows: dict[str, int] = field(default_factory=dict)


def month_start(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def add_months(month: datetime, n: int) -> datetime:
    index = month.year * 12 + month.month - 1 + n
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partition_name(table: str, month: datetime) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def _check(table: str) -> str:
    if table not in TABLES:
        raise ValueError(f"not a partitioned table: {table}")
    return TABLES[table]


def partitions(conn: Connection, table: str) -> list[Partition]:
    """The table's partitions, oldest first, the DEFAULT partition (bounds None) last."""
    _check(table)
    rows = conn.execute(text(r"""
        SELECT c.relname, b[1]::timestamptz AS lower, b[2]::timestamptz AS upper
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                        'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS b
        WHERE i.inhparent = to_regclass(:parent)
        UNION ALL
        SELECT c.relname, NULL, NULL FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass(:parent) AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
        ORDER BY 2 NULLS LAST"""), {"parent": f"public.{table}"}).all()
    return [Partition(r.relname, r.lower, r.upper) for r in rows]


def is_partitioned(conn: Connection, table: str) -> bool:
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p "
                                  "WHERE p.partrelid = to_regclass(:t))"), {"t": f"public.{table}"}).scalar())


def _lock_timeout(conn: Connection, lock_timeout: str | None) -> None:
    if lock_timeout:
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": lock_timeout})


def create_default(conn: Connection, table: str) -> bool:
    """The DEFAULT partition: rows of a month nobody created yet (or without a time) are kept, never refused."""
    _check(table)
    if any(p.lower is None for p in partitions(conn, table)):
        return False
    conn.execute(text(f"CREATE TABLE {SCHEMA}.{default_name(table)} PARTITION OF public.{table} DEFAULT"))
    return True


def create_month(conn: Connection, table: str, month: datetime, lock_timeout: str | None = LOCK_TIMEOUT) -> bool:
    """The partition of one month (UTC), in the caller's transaction; False if it exists. Rows of that month
    already in the DEFAULT partition move into it. Built as a plain table and then ATTACHed: attaching locks the
    parent only against schema changes, so ingest keeps writing meanwhile."""
    column = _check(table)
    month = month_start(month)
    lower, upper, name = month, add_months(month, 1), partition_name(table, month)
    existing = partitions(conn, table)
    if any(p.name == name or (p.lower is not None and p.lower < upper and lower < p.upper) for p in existing):
        return False
    _lock_timeout(conn, lock_timeout)
    conn.execute(text(f"CREATE TABLE {SCHEMA}.{name} (LIKE public.{table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    default = next((p.name for p in existing if p.lower is None), None)
    bounds = {"lo": lower, "hi": upper}
    if default:
        # Locked first: a row routed to the default partition after the move would make ATTACH fail.
        conn.execute(text(f"LOCK TABLE {SCHEMA}.{default} IN ACCESS EXCLUSIVE MODE"))
        conn.execute(text(f"WITH moved AS (DELETE FROM {SCHEMA}.{default} WHERE {column} >= :lo AND {column} < :hi "
                          f"RETURNING *) INSERT INTO {SCHEMA}.{name} SELECT * FROM moved"), bounds)
    conn.execute(text(f"ALTER TABLE public.{table} ATTACH PARTITION {SCHEMA}.{name} "
                      f"FOR VALUES FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"))
    return True


def ensure_range(conn: Connection, table: str, start: datetime, end: datetime,
                 lock_timeout: str | None = LOCK_TIMEOUT) -> list[str]:
    """Partitions for every month from start's to end's (both included); the names created."""
    created, month = [], month_start(start)
    while month <= end:
        if create_month(conn, table, month, lock_timeout):
            created.append(partition_name(table, month))
        month = add_months(month, 1)
    return created


def default_months(conn: Connection, table: str) -> list[datetime]:
    """Months that have rows waiting in the DEFAULT partition (a late device clock, or a month not yet created)."""
    column = _check(table)
    default = next((p.name for p in partitions(conn, table) if p.lower is None), None)
    if default is None:
        return []
    return list(conn.execute(text(f"SELECT DISTINCT date_trunc('month', {column}, 'UTC') FROM {SCHEMA}.{default} "
                                  f"WHERE {column} IS NOT NULL ORDER BY 1")).scalars())


def default_rows(conn: Connection, table: str) -> int:
    default = next((p.name for p in partitions(conn, table) if p.lower is None), None)
    return conn.execute(text(f"SELECT count(*) FROM {SCHEMA}.{default}")).scalar() if default else 0


def expired(conn: Connection, table: str, cutoff: datetime) -> list[Partition]:
    """Partitions wholly older than the cutoff (their upper bound at or before it); never the DEFAULT one."""
    return [p for p in partitions(conn, table) if p.upper is not None and p.upper <= cutoff]


def drop_partition(conn: Connection, table: str, name: str, lock_timeout: str | None = LOCK_TIMEOUT) -> None:
    """Detach and drop one whole partition: retention removes months, never single rows."""
    _check(table)
    _lock_timeout(conn, lock_timeout)
    conn.execute(text(f"ALTER TABLE public.{table} DETACH PARTITION {SCHEMA}.{name}"))
    conn.execute(text(f"DROP TABLE {SCHEMA}.{name}"))


def retention_cutoff(now: datetime, days: int) -> datetime | None:
    """None when days is 0 (keep forever)."""
    return now - timedelta(days=days) if days > 0 else None


def maintain_table(engine, table: str, now: datetime, ahead_months: int, retention_days: int,
                   report: Report) -> None:
    """One table: this month and `ahead_months` more exist, months waiting in the DEFAULT partition (within
    retention) get their partition, and partitions wholly past retention are dropped. Each partition is one short
    transaction of its own."""
    cutoff = retention_cutoff(now, retention_days)
    with engine.connect() as conn:
        waiting = [m for m in default_months(conn, table) if cutoff is None or add_months(m, 1) > cutoff]
        conn.rollback()
    current = month_start(now)
    months = sorted(set(waiting) | {add_months(current, i) for i in range(ahead_months + 1)})
    for month in months:
        with engine.begin() as conn:
            if create_month(conn, table, month):
                report.created.setdefault(table, []).append(partition_name(table, month))
    if cutoff is not None:
        with engine.connect() as conn:
            old = expired(conn, table, cutoff)
            conn.rollback()
        for part in old:
            with engine.begin() as conn:
                drop_partition(conn, table, part.name)
            report.dropped.setdefault(table, []).append(part.name)
    with engine.connect() as conn:
        report.default_rows[table] = default_rows(conn, table)
        conn.rollback()
