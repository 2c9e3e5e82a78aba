"""Migration 0001, messages as they arrive: raw events, dead letters, positions and patrols, ingest health.
Frozen DDL as Alembic generated it: a migration must not change when the schema does."""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
    op.create_table('dead_letters',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('topic', sa.Text(), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('payload_size', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replay_result', sa.Text(), nullable=True),
    sa.CheckConstraint("source IN ('mqtt', 'sql', 'import', 'web')", name=op.f('ck_dead_letters_source_enum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters'))
    )
    op.create_index(op.f('ix_dead_letters_received_at'), 'dead_letters', ['received_at'], unique=False)
    op.create_table('ingest_counters',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('worker', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('received', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('stored', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('duplicates', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('rejected', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('batches', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('lag_p50_ms', sa.Float(), nullable=True),
    sa.Column('lag_p95_ms', sa.Float(), nullable=True),
    sa.Column('lag_max_ms', sa.Float(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_counters'))
    )
    op.create_index(op.f('ix_ingest_counters_worker_at'), 'ingest_counters', ['worker', 'at'], unique=False)
    op.create_table('patrols',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('grid_code', sa.Text(), nullable=True),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.CheckConstraint("action IN ('start', 'end', 'checkpoint')", name=op.f('ck_patrols_action_enum')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_patrols_grid_id_grids')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_patrols_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrols')),
    sa.UniqueConstraint('source_key', name=op.f('uq_patrols_source_key'))
    )
    op.create_index(op.f('ix_patrols_staff_id_ts'), 'patrols', ['staff_id', 'ts'], unique=False)
    op.create_index(op.f('ix_patrols_ts'), 'patrols', ['ts'], unique=False)
    op.create_table('positions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('acc', sa.Float(), nullable=True),
    sa.Column('batt', sa.SmallInteger(), nullable=True),
    sa.Column('crs', sa.Text(), server_default='wgs84', nullable=False),
    sa.Column('orig_lon', sa.Float(), nullable=True),
    sa.Column('orig_lat', sa.Float(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.CheckConstraint("crs IN ('wgs84', 'gcj02')", name=op.f('ck_positions_crs_enum')),
    sa.CheckConstraint('batt IS NULL OR batt BETWEEN 0 AND 100', name=op.f('ck_positions_batt_range')),
    sa.CheckConstraint('lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90', name=op.f('ck_positions_coords_range')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_positions_grid_id_grids')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_positions_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positions')),
    sa.UniqueConstraint('staff_id', 'ts', name=op.f('uq_positions_staff_id_ts'))
    )
    op.create_index(op.f('ix_positions_ts'), 'positions', ['ts'], unique=False)
    op.create_table('positions_latest',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('acc', sa.Float(), nullable=True),
    sa.Column('batt', sa.SmallInteger(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('online', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('batt IS NULL OR batt BETWEEN 0 AND 100', name=op.f('ck_positions_latest_batt_range')),
    sa.CheckConstraint('lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90', name=op.f('ck_positions_latest_coords_range')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_positions_latest_grid_id_grids')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_positions_latest_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_positions_latest'))
    )
    op.create_index(op.f('ix_positions_latest_ts'), 'positions_latest', ['ts'], unique=False)
    op.create_table('raw_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('topic', sa.Text(), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('parsed', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('flags', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.CheckConstraint("kind IN ('video_alert', 'position', 'report', 'patrol', 'verify', 'status', 'feedback', 'frigate_event', 'owntracks_location', 'owntracks_lwt', 'owntracks_other', 'gb28181_alarm', 'hotline_order', 'other')", name=op.f('ck_raw_events_kind_enum')),
    sa.CheckConstraint("source IN ('mqtt', 'sql', 'import', 'web')", name=op.f('ck_raw_events_source_enum')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_raw_events_device_id_devices')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_raw_events_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_raw_events')),
    sa.UniqueConstraint('source_key', name=op.f('uq_raw_events_source_key'))
    )
    op.create_index(op.f('ix_raw_events_kind_received_at'), 'raw_events', ['kind', 'received_at'], unique=False)
    op.create_index(op.f('ix_raw_events_received_at'), 'raw_events', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_raw_events_received_at'), table_name='raw_events')
    op.drop_index(op.f('ix_raw_events_kind_received_at'), table_name='raw_events')
    op.drop_table('raw_events')
    op.drop_index(op.f('ix_positions_latest_ts'), table_name='positions_latest')
    op.drop_table('positions_latest')
    op.drop_index(op.f('ix_positions_ts'), table_name='positions')
    op.drop_table('positions')
    op.drop_index(op.f('ix_patrols_ts'), table_name='patrols')
    op.drop_index(op.f('ix_patrols_staff_id_ts'), table_name='patrols')
    op.drop_table('patrols')
    op.drop_index(op.f('ix_ingest_counters_worker_at'), table_name='ingest_counters')
    op.drop_table('ingest_counters')
    op.drop_index(op.f('ix_dead_letters_received_at'), table_name='dead_letters')
    op.drop_table('dead_letters')
