"""accounts_dashboard: indexes the dashboard pages need at city scale (bench/dashboard.py measures them)."""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_created_at", "cases", ["created_at"])
    op.create_index("ix_cases_dept_id_dispatched_at", "cases", ["dept_id", "dispatched_at"])
    op.create_index("ix_cases_dept_id_closed_at", "cases", ["dept_id", "closed_at"])
    op.create_index("ix_alerts_received_at", "alerts", ["received_at"])
    op.create_index("ix_cases_merged_into_id", "cases", ["merged_into_id"],
                    postgresql_where=sa.text("merged_into_id IS NOT NULL"))
    op.create_index("ix_ingest_counters_at", "ingest_counters", ["at"])


def downgrade() -> None:
    op.drop_index("ix_ingest_counters_at", table_name="ingest_counters")
    op.drop_index("ix_cases_merged_into_id", table_name="cases",
                  postgresql_where=sa.text("merged_into_id IS NOT NULL"))
    op.drop_index("ix_alerts_received_at", table_name="alerts")
    op.drop_index("ix_cases_dept_id_closed_at", table_name="cases")
    op.drop_index("ix_cases_dept_id_dispatched_at", table_name="cases")
    op.drop_index("ix_cases_created_at", table_name="cases")
