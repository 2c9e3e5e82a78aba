"""Time grid workers spend inside their own grids: a rollup of seconds per worker per quarter hour, kept fresh
from the positions by `roll_up` (the ingest service's maintenance runs it), read by the staff-positions page.

A statement trigger on positions (migration 0010) marks the quarter hours a new fix can change; `roll_up`
recomputes exactly those from the fixes, so a late or out-of-order fix corrects its quarter hours. Each fix
counts until the next one, at most GAP_CAP_S (a terminal that went silent is not in the grid).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ARRAY, Connection, DateTime, Engine, bindparam, text

BUCKET_S = 900               # quarter hours: working periods start and end on them, so periods cut no bucket
GAP_CAP_S = 600              # a silence longer than this between two fixes is not counted as time in the grid
ROLL_BATCH = 20_000          # dirty quarter hours per statement: one run stays short beside the ingest writes

# Seconds inside an own grid, per dirty (staff, quarter hour): the fixes from one cap before the quarter to one
# cap after it give every fix in the quarter its next fix (a later one only matters up to the cap). A quarter
# with no fix in an own grid gets 0 (LEAST/GREATEST skip NULLs, hence the FILTER).
_RECOMPUTE = f"""
fx AS (
  SELECT d.staff_id, d.bucket_start, p.ts, p.grid_id,
         lead(p.ts) OVER (PARTITION BY d.staff_id, d.bucket_start ORDER BY p.ts) AS next_ts
  FROM d JOIN positions p ON p.staff_id = d.staff_id
    AND p.ts >= d.bucket_start - interval '{GAP_CAP_S} seconds'
    AND p.ts < d.bucket_start + interval '{BUCKET_S + GAP_CAP_S} seconds'
),
seg AS (
  SELECT staff_id, bucket_start, ts AS s,
         LEAST(COALESCE(next_ts, ts + interval '{GAP_CAP_S} seconds'), ts + interval '{GAP_CAP_S} seconds') AS e
  FROM fx
  WHERE ts < bucket_start + interval '{BUCKET_S} seconds'
    AND EXISTS (SELECT 1 FROM staff_grids sg WHERE sg.staff_id = fx.staff_id AND sg.grid_id = fx.grid_id)
),
secs AS (
  SELECT d.staff_id, d.bucket_start,
         COALESCE(sum(GREATEST(0, EXTRACT(EPOCH FROM LEAST(seg.e, d.bucket_start + interval '{BUCKET_S} seconds')
                                                  - GREATEST(seg.s, d.bucket_start))))
                  FILTER (WHERE seg.s IS NOT NULL), 0) AS seconds
  FROM d LEFT JOIN seg ON seg.staff_id = d.staff_id AND seg.bucket_start = d.bucket_start
  GROUP BY d.staff_id, d.bucket_start
)
INSERT INTO staff_grid_time (staff_id, bucket_start, seconds)
SELECT staff_id, bucket_start, seconds FROM secs
ON CONFLICT (staff_id, bucket_start) DO UPDATE SET seconds = EXCLUDED.seconds"""

# SKIP LOCKED: two ingest workers share the queue without waiting on each other.
_ROLL_UP = text(f"""
WITH d AS (
  DELETE FROM staff_grid_time_dirty WHERE (staff_id, bucket_start) IN (
    SELECT staff_id, bucket_start FROM staff_grid_time_dirty LIMIT :n FOR UPDATE SKIP LOCKED)
  RETURNING staff_id, bucket_start
), {_RECOMPUTE}""")

# Every quarter hour with fixes (plain SQL, no parameters): after a bulk load that bypassed the trigger.
BACKFILL = f"""
WITH d AS (
  SELECT DISTINCT staff_id, to_timestamp(floor(extract(epoch FROM ts) / {BUCKET_S}) * {BUCKET_S}) AS bucket_start
  FROM positions
), {_RECOMPUTE}"""

_MINUTES = text(f"""
WITH w AS (SELECT * FROM unnest(:period_starts, :period_ends) AS w(ps, pe))
SELECT t.staff_id,
       sum(t.seconds * EXTRACT(EPOCH FROM LEAST(t.bucket_start + interval '{BUCKET_S} seconds', w.pe)
                                         - GREATEST(t.bucket_start, w.ps)) / {BUCKET_S}) / 60.0 AS minutes
FROM staff_grid_time t JOIN w
  ON t.bucket_start < w.pe AND t.bucket_start + interval '{BUCKET_S} seconds' > w.ps
WHERE t.bucket_start >= :first AND t.bucket_start < :last AND t.seconds > 0
GROUP BY t.staff_id
""").bindparams(bindparam("period_starts", type_=ARRAY(DateTime(timezone=True))),
                bindparam("period_ends", type_=ARRAY(DateTime(timezone=True))))


def roll_up(conn: Connection, batch: int = ROLL_BATCH) -> int:
    """Recompute up to `batch` dirty quarter hours; returns how many (0: the rollup is current)."""
    return conn.execute(_ROLL_UP, {"n": batch}).rowcount


def roll_up_all(engine: Engine, batch: int = ROLL_BATCH) -> int:
    """Run roll_up in its own transactions until nothing is dirty; returns the quarter hours recomputed."""
    total = 0
    while True:
        with engine.begin() as conn:
            done = roll_up(conn, batch)
        total += done
        if done < batch:
            return total


def minutes_in_own_grid(engine: Engine, periods: list[tuple[datetime, datetime]], end: datetime) -> dict[int, float]:
    """staff id -> minutes inside one of their own grids during the given working periods, up to `end`.

    The quarter hour holding `end` counts in proportion (a fix's time is spread evenly over its quarter)."""
    periods = [(a, min(b, end)) for a, b in periods if a < end]
    if not periods:
        return {}
    params = {"first": periods[0][0] - timedelta(seconds=BUCKET_S), "last": periods[-1][1],
              "period_starts": [a for a, _ in periods], "period_ends": [b for _, b in periods]}
    with engine.connect() as c:
        return {r.staff_id: float(r.minutes) for r in c.execute(_MINUTES, params)}
