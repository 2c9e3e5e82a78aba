"""workflow: warning points of steps and cases, alert lookup by camera reference."""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("step_warning_at", sa.DateTime(timezone=True)))
    op.add_column("case_steps", sa.Column("warning_at", sa.DateTime(timezone=True)))
    op.create_index("ix_alerts_camera_ref_alert_type_event_at", "alerts", ["camera_ref", "alert_type", "event_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_camera_ref_alert_type_event_at", table_name="alerts")
    op.drop_column("case_steps", "warning_at")
    op.drop_column("cases", "step_warning_at")
