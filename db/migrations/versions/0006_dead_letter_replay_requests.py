"""dead_letters.replay_requested_at/_by: an admin asks on the page, the ingest worker replays (pages never run ingest)."""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dead_letters", sa.Column("replay_requested_at", sa.DateTime(timezone=True)))
    op.add_column("dead_letters", sa.Column("replay_requested_by", sa.Text()))
    op.create_index("ix_dead_letters_replay_requested", "dead_letters", ["replay_requested_at"],
                    postgresql_where=sa.text("replay_requested_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_dead_letters_replay_requested", table_name="dead_letters",
                  postgresql_where=sa.text("replay_requested_at IS NOT NULL"))
    op.drop_column("dead_letters", "replay_requested_by")
    op.drop_column("dead_letters", "replay_requested_at")
