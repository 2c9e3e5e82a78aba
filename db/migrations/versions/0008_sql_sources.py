"""SQL sources (issue 8): per-source watermark written with the rows it covers, and per-source poll health."""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "source_watermarks",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("wm", sa.Text()),
        sa.Column("tb", sa.Text()),
        sa.Column("rows", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("source", name="pk_source_watermarks"),
    )
    op.create_table(
        "source_health",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("worker", sa.Text()),
        sa.Column("kind", sa.Text()),
        _ts("last_poll_at"), _ts("last_success_at"), _ts("last_error_at"),
        sa.Column("last_error", sa.Text()),
        sa.Column("rows_total", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("dead_total", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("errors_total", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lag_s", sa.Float()),
        _ts("next_attempt_at"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("source", name="pk_source_health"),
    )


def downgrade() -> None:
    op.drop_table("source_health")
    op.drop_table("source_watermarks")
