"""cases.updated_at and cases.handle_deadline_at indexes: the assessment's candidates for a short window (a day's
on-time rate on the wall) come from these and the state index instead of a scan of every case."""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])
    op.create_index("ix_cases_handle_deadline_at", "cases", ["handle_deadline_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_handle_deadline_at", table_name="cases")
    op.drop_index("ix_cases_updated_at", table_name="cases")
