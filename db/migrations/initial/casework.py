"""Migration 0001, cases, steps, requests, counters, alerts, whistles and check-ins, and the audit log.
Frozen DDL as Alembic generated it: a migration must not change when the schema does."""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
    op.create_table('case_counters',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_case_counters'))
    )
    op.create_table('cases',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('source_ref', sa.Text(), nullable=True),
    sa.Column('state', sa.Text(), server_default='reported', nullable=False),
    sa.Column('level', sa.Text(), server_default='grid', nullable=False),
    sa.Column('work_kind', sa.Text(), server_default='general', nullable=False),
    sa.Column('urgency', sa.SmallInteger(), server_default='3', nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('community_code', sa.String(length=12), nullable=True),
    sa.Column('street_code', sa.String(length=12), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('photos', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('reporter_name', sa.Text(), nullable=True),
    sa.Column('reporter_phone', sa.Text(), nullable=True),
    sa.Column('reporter_id_no', sa.Text(), nullable=True),
    sa.Column('reported_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('dept_id', sa.Integer(), nullable=True),
    sa.Column('clock_mode', sa.Text(), server_default='working', nullable=False),
    sa.Column('calendar_code', sa.Text(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_type', sa.Text(), nullable=True),
    sa.Column('step_deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handle_deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supervised', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('supervise_note', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('postpone_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rework_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('return_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('merged_into_id', sa.BigInteger(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL AND close_type IS NOT NULL)", name=op.f('ck_cases_closed_fields')),
    sa.CheckConstraint("clock_mode IN ('working', 'natural')", name=op.f('ck_cases_clock_mode_enum')),
    sa.CheckConstraint("close_type IS NULL OR close_type IN ('normal', 'late', 'special')", name=op.f('ck_cases_close_type_enum')),
    sa.CheckConstraint("level IN ('grid', 'community', 'street', 'district')", name=op.f('ck_cases_level_enum')),
    sa.CheckConstraint("source IN ('video', 'grid_worker', 'hotline', 'public', 'superior', 'department', 'other')", name=op.f('ck_cases_source_enum')),
    sa.CheckConstraint("state IN ('reported', 'accepted', 'filed', 'dispatched', 'signed', 'handling', 'feedback', 'checking', 'closed', 'rejected', 'cancelled', 'parked')", name=op.f('ck_cases_state_enum')),
    sa.CheckConstraint("work_kind IN ('general', 'coordination', 'emergency', 'approval')", name=op.f('ck_cases_work_kind_enum')),
    sa.CheckConstraint('lat IS NULL OR (lat BETWEEN -90 AND 90)', name=op.f('ck_cases_lat_range')),
    sa.CheckConstraint('lon IS NULL OR (lon BETWEEN -180 AND 180)', name=op.f('ck_cases_lon_range')),
    sa.CheckConstraint('satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5', name=op.f('ck_cases_satisfaction_range')),
    sa.CheckConstraint('urgency IN (1, 2, 3, 4)', name=op.f('ck_cases_urgency_enum')),
    sa.ForeignKeyConstraint(['calendar_code'], ['calendars.code'], name=op.f('fk_cases_calendar_code_calendars')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_cases_category_id_categories')),
    sa.ForeignKeyConstraint(['community_code'], ['areas.code'], name=op.f('fk_cases_community_code_areas')),
    sa.ForeignKeyConstraint(['dept_id'], ['departments.id'], name=op.f('fk_cases_dept_id_departments')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_cases_grid_id_grids')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['cases.id'], name=op.f('fk_cases_merged_into_id_cases')),
    sa.ForeignKeyConstraint(['reported_by_staff_id'], ['staff.id'], name=op.f('fk_cases_reported_by_staff_id_staff')),
    sa.ForeignKeyConstraint(['street_code'], ['areas.code'], name=op.f('fk_cases_street_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('code', name=op.f('uq_cases_code'))
    )
    op.create_index(op.f('ix_cases_closed_at'), 'cases', ['closed_at'], unique=False)
    op.create_index(op.f('ix_cases_dept_id_state'), 'cases', ['dept_id', 'state'], unique=False)
    op.create_index(op.f('ix_cases_grid_id_state'), 'cases', ['grid_id', 'state'], unique=False)
    op.create_index(op.f('ix_cases_reported_at'), 'cases', ['reported_at'], unique=False)
    op.create_index(op.f('ix_cases_source_ref'), 'cases', ['source_ref'], unique=False)
    op.create_index(op.f('ix_cases_state_step_deadline_at'), 'cases', ['state', 'step_deadline_at'], unique=False)
    op.create_index(op.f('ix_cases_street_code_state'), 'cases', ['street_code', 'state'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.Text(), nullable=True),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('target_kind', sa.Text(), nullable=True),
    sa.Column('target_id', sa.Text(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('client', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index(op.f('ix_audit_log_target_kind_target_id'), 'audit_log', ['target_kind', 'target_id'], unique=False)
    op.create_table('case_requests',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default='pending', nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('dept_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('extra_minutes', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('postpone', 'park', 'return', 'cancel', 'reopen')", name=op.f('ck_case_requests_kind_enum')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name=op.f('ck_case_requests_status_enum')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_case_requests_decided_by_users')),
    sa.ForeignKeyConstraint(['dept_id'], ['departments.id'], name=op.f('fk_case_requests_dept_id_departments')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_case_requests_requested_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_requests'))
    )
    op.create_index(op.f('ix_case_requests_case_id'), 'case_requests', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_requests_status_kind'), 'case_requests', ['status', 'kind'], unique=False)
    op.create_table('case_steps',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('from_state', sa.Text(), nullable=True),
    sa.Column('to_state', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.Text(), nullable=True),
    sa.Column('actor_name', sa.Text(), nullable=True),
    sa.Column('dept_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('limit_minutes', sa.Integer(), nullable=True),
    sa.Column('working_minutes', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('attachments', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("from_state IS NULL OR from_state IN ('reported', 'accepted', 'filed', 'dispatched', 'signed', 'handling', 'feedback', 'checking', 'closed', 'rejected', 'cancelled', 'parked')", name=op.f('ck_case_steps_from_state_enum')),
    sa.CheckConstraint("level IS NULL OR level IN ('grid', 'community', 'street', 'district')", name=op.f('ck_case_steps_level_enum')),
    sa.CheckConstraint("to_state IN ('reported', 'accepted', 'filed', 'dispatched', 'signed', 'handling', 'feedback', 'checking', 'closed', 'rejected', 'cancelled', 'parked')", name=op.f('ck_case_steps_to_state_enum')),
    sa.CheckConstraint('deadline_at IS NULL OR deadline_at >= started_at', name=op.f('ck_case_steps_deadline_after_start')),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_case_steps_end_after_start')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_case_steps_actor_user_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_steps_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dept_id'], ['departments.id'], name=op.f('fk_case_steps_dept_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_steps')),
    sa.UniqueConstraint('case_id', 'seq', name=op.f('uq_case_steps_case_id_seq'))
    )
    op.create_index(op.f('ix_case_steps_dept_id_started_at'), 'case_steps', ['dept_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_case_steps_started_at'), 'case_steps', ['started_at'], unique=False)
    op.create_index('uq_case_steps_one_open', 'case_steps', ['case_id'], unique=True, postgresql_where=sa.text('ended_at IS NULL'))
    op.create_table('whistles',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('state', sa.Text(), server_default='open', nullable=False),
    sa.Column('raised_by', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_whistles_closed_fields')),
    sa.CheckConstraint("reason IN ('beyond_power', 'enforcement', 'emergency')", name=op.f('ck_whistles_reason_enum')),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_whistles_state_enum')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_whistles_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raised_by'], ['users.id'], name=op.f('fk_whistles_raised_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_whistles'))
    )
    op.create_index(op.f('ix_whistles_case_id'), 'whistles', ['case_id'], unique=False)
    op.create_index(op.f('ix_whistles_state'), 'whistles', ['state'], unique=False)
    op.create_table('alerts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('alert_key', sa.Text(), nullable=False),
    sa.Column('raw_event_id', sa.BigInteger(), nullable=True),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('camera_ref', sa.Text(), nullable=False),
    sa.Column('alert_type', sa.Text(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('priority', sa.SmallInteger(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('snapshot_url', sa.Text(), nullable=True),
    sa.Column('vendor', sa.Text(), nullable=True),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('case_id', sa.BigInteger(), nullable=True),
    sa.Column('below_threshold', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.CheckConstraint('priority IS NULL OR priority BETWEEN 1 AND 4', name=op.f('ck_alerts_priority_range')),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 0 AND 1', name=op.f('ck_alerts_score_range')),
    sa.ForeignKeyConstraint(['camera_id'], ['devices.id'], name=op.f('fk_alerts_camera_id_devices')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_alerts_case_id_cases')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_alerts_grid_id_grids')),
    sa.ForeignKeyConstraint(['raw_event_id'], ['raw_events.id'], name=op.f('fk_alerts_raw_event_id_raw_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('alert_key', name=op.f('uq_alerts_alert_key'))
    )
    op.create_index(op.f('ix_alerts_camera_id_alert_type_event_at'), 'alerts', ['camera_id', 'alert_type', 'event_at'], unique=False)
    op.create_index(op.f('ix_alerts_case_id'), 'alerts', ['case_id'], unique=False)
    op.create_index(op.f('ix_alerts_event_at'), 'alerts', ['event_at'], unique=False)
    op.create_table('whistle_departments',
    sa.Column('whistle_id', sa.BigInteger(), nullable=False),
    sa.Column('dept_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checkin_late', sa.Boolean(), nullable=True),
    sa.Column('checkin_lon', sa.Float(), nullable=True),
    sa.Column('checkin_lat', sa.Float(), nullable=True),
    sa.Column('checkin_photo', sa.Text(), nullable=True),
    sa.Column('checkin_note', sa.Text(), nullable=True),
    sa.Column('progress', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('result_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result_note', sa.Text(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("role IN ('lead', 'co')", name=op.f('ck_whistle_departments_role_enum')),
    sa.CheckConstraint('(checked_in_at IS NULL) = (checkin_late IS NULL)', name=op.f('ck_whistle_departments_late_with_checkin')),
    sa.ForeignKeyConstraint(['dept_id'], ['departments.id'], name=op.f('fk_whistle_departments_dept_id_departments')),
    sa.ForeignKeyConstraint(['whistle_id'], ['whistles.id'], name=op.f('fk_whistle_departments_whistle_id_whistles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('whistle_id', 'dept_id', name=op.f('pk_whistle_departments'))
    )
    op.create_index(op.f('ix_whistle_departments_dept_id'), 'whistle_departments', ['dept_id'], unique=False)
    op.create_index('uq_whistle_departments_one_lead', 'whistle_departments', ['whistle_id'], unique=True, postgresql_where=sa.text("role = 'lead'"))


def downgrade() -> None:
    op.drop_index('uq_whistle_departments_one_lead', table_name='whistle_departments', postgresql_where=sa.text("role = 'lead'"))
    op.drop_index(op.f('ix_whistle_departments_dept_id'), table_name='whistle_departments')
    op.drop_table('whistle_departments')
    op.drop_index(op.f('ix_alerts_event_at'), table_name='alerts')
    op.drop_index(op.f('ix_alerts_case_id'), table_name='alerts')
    op.drop_index(op.f('ix_alerts_camera_id_alert_type_event_at'), table_name='alerts')
    op.drop_table('alerts')
    op.drop_index(op.f('ix_whistles_state'), table_name='whistles')
    op.drop_index(op.f('ix_whistles_case_id'), table_name='whistles')
    op.drop_table('whistles')
    op.drop_index('uq_case_steps_one_open', table_name='case_steps', postgresql_where=sa.text('ended_at IS NULL'))
    op.drop_index(op.f('ix_case_steps_started_at'), table_name='case_steps')
    op.drop_index(op.f('ix_case_steps_dept_id_started_at'), table_name='case_steps')
    op.drop_table('case_steps')
    op.drop_index(op.f('ix_case_requests_status_kind'), table_name='case_requests')
    op.drop_index(op.f('ix_case_requests_case_id'), table_name='case_requests')
    op.drop_table('case_requests')
    op.drop_index(op.f('ix_audit_log_target_kind_target_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_index(op.f('ix_cases_street_code_state'), table_name='cases')
    op.drop_index(op.f('ix_cases_state_step_deadline_at'), table_name='cases')
    op.drop_index(op.f('ix_cases_source_ref'), table_name='cases')
    op.drop_index(op.f('ix_cases_reported_at'), table_name='cases')
    op.drop_index(op.f('ix_cases_grid_id_state'), table_name='cases')
    op.drop_index(op.f('ix_cases_dept_id_state'), table_name='cases')
    op.drop_index(op.f('ix_cases_closed_at'), table_name='cases')
    op.drop_table('cases')
    op.drop_table('case_counters')
