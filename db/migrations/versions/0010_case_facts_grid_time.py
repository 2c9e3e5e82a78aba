"""Case facts and grid-time rollup for the pages at city scale (issue 5):
- cases.dept_late and cases.parked_ever, kept by the workflow engine, filled here from the steps;
- case_steps.prev_late, a stored generated column of detail ->> 'prev_late' (this rewrites case_steps once);
- covering indexes: ix_cases_due_cover and ix_cases_closed_cover (replace ix_cases_handle_deadline_at and
  ix_cases_closed_at), ix_case_steps_facts, ix_whistle_departments_deadline_at, and the department desk's four indexes and reported_at's rebuilt with what they count;
- staff_grid_time (seconds inside an own grid per worker and quarter hour) with its dirty queue, marked by a
  statement trigger on positions, and filled here from the positions already stored;
- case_day_stats: the trend's figures of past days (db/day_stats.py keeps them)."""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen copies: a migration must not change when db/schema or db/staff_time.py do.
DUE_COVER = "id, closed_at, handle_deadline_at, state, merged_into_id, dept_late, parked_ever"
STEP_FACTS = "seq, action, from_state, to_state, started_at, ended_at, deadline_at, working_minutes, prev_late"
BUCKET_S, GAP_CAP_S = 900, 600
# name -> (table, key, INCLUDE columns): the desk's counts and the daily intake; downgrade rebuilds them without.
REBUILT = {"ix_cases_dept_id_dispatched_at": ("cases", "dept_id, dispatched_at", "merged_into_id"),
        "ix_cases_dept_id_closed_at": ("cases", "dept_id, closed_at", "state, close_type, merged_into_id"),
        "ix_cases_dept_id_state": ("cases", "dept_id, state", "step_deadline_at, merged_into_id"),
        "ix_case_steps_dept_id_started_at": ("case_steps", "dept_id, started_at", "deadline_at, ended_at"),
        "ix_cases_reported_at": ("cases", "reported_at", "merged_into_id, source, category_id, grid_id")}

# The quarter hours a new fix can change: from one cap before it (the previous fix's time ends at it) to one cap
# after it (its own time); 2 caps < 2 quarters, so at most three.
MARK_FUNCTION = f"""
CREATE FUNCTION positions_mark_grid_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO staff_grid_time_dirty (staff_id, bucket_start)
  SELECT DISTINCT n.staff_id, to_timestamp((floor(extract(epoch FROM n.ts) / {BUCKET_S} - {GAP_CAP_S}.0 / {BUCKET_S})
                                            + k) * {BUCKET_S})
  FROM new_rows n CROSS JOIN generate_series(0, 2) AS k
  WHERE (floor(extract(epoch FROM n.ts) / {BUCKET_S} - {GAP_CAP_S}.0 / {BUCKET_S}) + k) * {BUCKET_S}
        <= extract(epoch FROM n.ts) + {GAP_CAP_S}
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$"""
MARK_TRIGGER = """CREATE TRIGGER positions_grid_time AFTER INSERT ON positions REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION positions_mark_grid_time()"""


def _case_facts() -> None:
    op.execute("ALTER TABLE cases ADD COLUMN dept_late boolean NOT NULL DEFAULT false, "
               "ADD COLUMN parked_ever boolean NOT NULL DEFAULT false")
    op.execute("UPDATE cases c SET dept_late = true FROM (SELECT DISTINCT case_id FROM case_steps "
               "WHERE to_state IN ('dispatched', 'signed', 'handling') AND ended_at > deadline_at) s "
               "WHERE s.case_id = c.id")
    op.execute("UPDATE cases c SET parked_ever = true FROM (SELECT DISTINCT case_id FROM case_steps "
               "WHERE to_state = 'parked') s WHERE s.case_id = c.id")
    op.execute("ALTER TABLE case_steps ADD COLUMN prev_late boolean "
               "GENERATED ALWAYS AS ((detail ->> 'prev_late')::boolean) STORED")
    op.execute("DROP INDEX ix_cases_handle_deadline_at")
    op.execute("DROP INDEX ix_cases_closed_at")
    for name, key in (("due", "handle_deadline_at"), ("closed", "closed_at")):
        include = ", ".join(c.strip() for c in DUE_COVER.split(",") if c.strip() != key)
        op.execute(f"CREATE INDEX ix_cases_{name}_cover ON cases ({key}) INCLUDE ({include})")
    op.execute(f"CREATE INDEX ix_case_steps_facts ON case_steps (case_id) INCLUDE ({STEP_FACTS})")
    op.execute("CREATE INDEX ix_whistle_departments_deadline_at ON whistle_departments (deadline_at)")
    for name, (table, key, include) in REBUILT.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON {table} ({key}) INCLUDE ({include})")


def _grid_time() -> None:
    op.execute("CREATE TABLE staff_grid_time (staff_id integer NOT NULL, bucket_start timestamptz NOT NULL, "
               "seconds double precision NOT NULL, "
               "CONSTRAINT pk_staff_grid_time PRIMARY KEY (staff_id, bucket_start), "
               "CONSTRAINT fk_staff_grid_time_staff_id_staff FOREIGN KEY (staff_id) REFERENCES staff (id))")
    op.execute("CREATE INDEX ix_staff_grid_time_bucket_start ON staff_grid_time (bucket_start, staff_id) "
               "INCLUDE (seconds)")
    op.execute("CREATE TABLE staff_grid_time_dirty (staff_id integer NOT NULL, bucket_start timestamptz NOT NULL, "
               "CONSTRAINT pk_staff_grid_time_dirty PRIMARY KEY (staff_id, bucket_start))")
    op.execute(MARK_FUNCTION)
    op.execute(MARK_TRIGGER)
    # Everything stored so far is stale: the ingest service's maintenance rolls it up.
    op.execute(f"INSERT INTO staff_grid_time_dirty SELECT DISTINCT staff_id, "
               f"to_timestamp(floor(extract(epoch FROM ts) / {BUCKET_S}) * {BUCKET_S}) FROM positions "
               f"ON CONFLICT DO NOTHING")


def upgrade() -> None:
    _case_facts()
    _grid_time()
    op.execute("CREATE TABLE case_day_stats (day date NOT NULL, reported integer NOT NULL, closed integer NOT NULL, "
               "due integer NOT NULL, closed_ontime integer NOT NULL, computed_at timestamptz NOT NULL, "
               "CONSTRAINT pk_case_day_stats PRIMARY KEY (day))")


def downgrade() -> None:
    op.execute("DROP TABLE case_day_stats")
    op.execute("DROP TRIGGER positions_grid_time ON positions")
    op.execute("DROP FUNCTION positions_mark_grid_time()")
    op.execute("DROP TABLE staff_grid_time_dirty")
    op.execute("DROP TABLE staff_grid_time")
    op.execute("DROP INDEX ix_case_steps_facts")
    op.execute("DROP INDEX ix_whistle_departments_deadline_at")
    for name, (table, key, _) in REBUILT.items():
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON {table} ({key})")
    op.execute("DROP INDEX ix_cases_due_cover")
    op.execute("DROP INDEX ix_cases_closed_cover")
    op.execute("CREATE INDEX ix_cases_closed_at ON cases (closed_at)")
    op.execute("CREATE INDEX ix_cases_handle_deadline_at ON cases (handle_deadline_at)")
    op.execute("ALTER TABLE case_steps DROP COLUMN prev_late")
    op.execute("ALTER TABLE cases DROP COLUMN parked_ever, DROP COLUMN dept_late")
