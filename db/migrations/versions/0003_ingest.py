"""ingest: what is unknown in unregistered_devices, dead-letter dedup, index of flagged raw events."""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNREGISTERED_KINDS = ("camera", "staff", "device", "alert_type", "category", "department", "grid")


def upgrade() -> None:
    op.add_column("unregistered_devices", sa.Column("kind", sa.Text(), nullable=False, server_default="device"))
    op.alter_column("unregistered_devices", "kind", server_default=None)
    op.create_check_constraint(
        op.f("ck_unregistered_devices_kind_enum"), "unregistered_devices",
        "kind IN (" + ", ".join(f"'{k}'" for k in UNREGISTERED_KINDS) + ")")
    op.drop_constraint(op.f("uq_unregistered_devices_source_external_id"), "unregistered_devices", type_="unique")
    op.create_unique_constraint(op.f("uq_unregistered_devices_kind_source_external_id"), "unregistered_devices",
                                ["kind", "source", "external_id"])

    op.add_column("dead_letters", sa.Column("dedup_key", sa.Text(), nullable=True))
    op.add_column("dead_letters", sa.Column("seen_count", sa.BigInteger(), server_default="1", nullable=False))
    op.add_column("dead_letters", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("uq_dead_letters_dedup_key_open", "dead_letters", ["dedup_key"], unique=True,
                    postgresql_where=sa.text("replayed_at IS NULL"))

    op.create_index("ix_raw_events_flagged", "raw_events", ["received_at"],
                    postgresql_where=sa.text("flags IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_raw_events_flagged", table_name="raw_events", postgresql_where=sa.text("flags IS NOT NULL"))

    op.drop_index("uq_dead_letters_dedup_key_open", table_name="dead_letters",
                  postgresql_where=sa.text("replayed_at IS NULL"))
    op.drop_column("dead_letters", "last_seen_at")
    op.drop_column("dead_letters", "seen_count")
    op.drop_column("dead_letters", "dedup_key")

    # Rows that differ only by kind would collide under the old key: keep the most seen one.
    op.execute("DELETE FROM unregistered_devices u USING unregistered_devices o "
               "WHERE u.source = o.source AND u.external_id = o.external_id "
               "AND (u.seen_count, u.id) < (o.seen_count, o.id)")
    op.drop_constraint(op.f("uq_unregistered_devices_kind_source_external_id"), "unregistered_devices",
                       type_="unique")
    op.create_unique_constraint(op.f("uq_unregistered_devices_source_external_id"), "unregistered_devices",
                                ["source", "external_id"])
    op.drop_constraint(op.f("ck_unregistered_devices_kind_enum"), "unregistered_devices", type_="check")
    op.drop_column("unregistered_devices", "kind")
