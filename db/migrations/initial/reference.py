"""Migration 0001, reference data: areas, grids, departments, staff, devices, categories, alert types, calendars, users.
Frozen DDL as Alembic generated it: a migration must not change when the schema does."""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
    op.create_table('alert_types',
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('category_code', sa.Text(), nullable=True),
    sa.Column('min_score', sa.Float(), server_default='0.5', nullable=False),
    sa.Column('merge_window_s', sa.Integer(), server_default='600', nullable=False),
    sa.CheckConstraint('merge_window_s >= 0', name=op.f('ck_alert_types_merge_window_nonneg')),
    sa.CheckConstraint('min_score BETWEEN 0 AND 1', name=op.f('ck_alert_types_min_score_range')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_alert_types'))
    )
    op.create_table('areas',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('level', sa.Text(), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.Column('boundary', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('min_lon', sa.Float(), nullable=True),
    sa.Column('min_lat', sa.Float(), nullable=True),
    sa.Column('max_lon', sa.Float(), nullable=True),
    sa.Column('max_lat', sa.Float(), nullable=True),
    sa.CheckConstraint("(level = 'district') = (parent_code IS NULL)", name=op.f('ck_areas_parent_by_level')),
    sa.CheckConstraint("code ~ '^[0-9]{12}$'", name=op.f('ck_areas_code_digits')),
    sa.CheckConstraint("level IN ('district', 'street', 'community')", name=op.f('ck_areas_level_enum')),
    sa.ForeignKeyConstraint(['parent_code'], ['areas.code'], name=op.f('fk_areas_parent_code_areas')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_areas'))
    )
    op.create_index(op.f('ix_areas_parent_code'), 'areas', ['parent_code'], unique=False)
    op.create_table('calendars',
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('timezone', sa.Text(), server_default='Asia/Shanghai', nullable=False),
    sa.Column('work_periods', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text('\'[["08:00","12:00"],["14:00","18:00"]]\'::jsonb'), nullable=False),
    sa.Column('weekend_days', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[5, 6]'::jsonb"), nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_calendars'))
    )
    op.create_index('uq_calendars_one_default', 'calendars', ['is_default'], unique=True, postgresql_where='is_default')
    op.create_table('category_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_versions'))
    )
    op.create_index('uq_category_versions_one_active', 'category_versions', ['active'], unique=True, postgresql_where='active')
    op.create_table('alert_type_aliases',
    sa.Column('vendor', sa.Text(), nullable=False),
    sa.Column('vendor_code', sa.Text(), nullable=False),
    sa.Column('alert_type_code', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['alert_type_code'], ['alert_types.code'], name=op.f('fk_alert_type_aliases_alert_type_code_alert_types')),
    sa.PrimaryKeyConstraint('vendor', 'vendor_code', name=op.f('pk_alert_type_aliases'))
    )
    op.create_table('calendar_days',
    sa.Column('calendar_code', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f('ck_calendar_days_kind_enum')),
    sa.ForeignKeyConstraint(['calendar_code'], ['calendars.code'], name=op.f('fk_calendar_days_calendar_code_calendars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('calendar_code', 'day', name=op.f('pk_calendar_days'))
    )
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('tier', sa.SmallInteger(), nullable=False),
    sa.Column('duty_phone', sa.Text(), nullable=True),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('checkin_minutes', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.CheckConstraint('checkin_minutes IS NULL OR checkin_minutes > 0', name=op.f('ck_departments_checkin_positive')),
    sa.CheckConstraint('tier IN (1, 2, 3)', name=op.f('ck_departments_tier_enum')),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_departments_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('code', name=op.f('uq_departments_code'))
    )
    op.create_table('grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('level', sa.SmallInteger(), server_default='3', nullable=False),
    sa.Column('kind', sa.Text(), server_default='governance', nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('boundary', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('center_lon', sa.Float(), nullable=False),
    sa.Column('center_lat', sa.Float(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('duties', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('governance', 'unit', 'special')", name=op.f('ck_grids_kind_enum')),
    sa.CheckConstraint('households IS NULL OR households >= 0', name=op.f('ck_grids_households_nonneg')),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_grids_level_range')),
    sa.CheckConstraint('min_lon <= max_lon AND min_lat <= max_lat', name=op.f('ck_grids_bbox_order')),
    sa.CheckConstraint('population IS NULL OR population >= 0', name=op.f('ck_grids_population_nonneg')),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_grids_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grids')),
    sa.UniqueConstraint('code', name=op.f('uq_grids_code'))
    )
    op.create_index(op.f('ix_grids_area_code'), 'grids', ['area_code'], unique=False)
    op.create_index(op.f('ix_grids_min_lon_max_lon_min_lat_max_lat'), 'grids', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Text(), nullable=False),
    sa.Column('domain', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('filing_conditions', sa.Text(), nullable=True),
    sa.Column('closing_conditions', sa.Text(), nullable=True),
    sa.Column('clock_mode', sa.Text(), server_default='working', nullable=False),
    sa.Column('work_kind', sa.Text(), server_default='general', nullable=False),
    sa.Column('urgent', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('limit_filing_min', sa.Integer(), nullable=True),
    sa.Column('limit_dispatch_min', sa.Integer(), nullable=True),
    sa.Column('limit_sign_min', sa.Integer(), nullable=True),
    sa.Column('limit_handle_min', sa.Integer(), nullable=True),
    sa.Column('limit_check_min', sa.Integer(), nullable=True),
    sa.Column('default_dept_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(level = 'major') = (parent_id IS NULL)", name=op.f('ck_categories_parent_by_level')),
    sa.CheckConstraint("clock_mode IN ('working', 'natural')", name=op.f('ck_categories_clock_mode_enum')),
    sa.CheckConstraint("domain IN ('urban', 'governance')", name=op.f('ck_categories_domain_enum')),
    sa.CheckConstraint("level IN ('major', 'minor', 'detail')", name=op.f('ck_categories_level_enum')),
    sa.CheckConstraint("work_kind IN ('general', 'coordination', 'emergency', 'approval')", name=op.f('ck_categories_work_kind_enum')),
    sa.CheckConstraint('COALESCE(limit_filing_min, 1) > 0 AND COALESCE(limit_dispatch_min, 1) > 0 AND COALESCE(limit_sign_min, 1) > 0 AND COALESCE(limit_handle_min, 1) > 0 AND COALESCE(limit_check_min, 1) > 0', name=op.f('ck_categories_limits_positive')),
    sa.ForeignKeyConstraint(['default_dept_id'], ['departments.id'], name=op.f('fk_categories_default_dept_id_departments')),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.ForeignKeyConstraint(['version_id'], ['category_versions.id'], name=op.f('fk_categories_version_id_category_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('version_id', 'code', name=op.f('uq_categories_version_id_code'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('dept_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.CheckConstraint("role IN ('supervisor', 'manager', 'patroller', 'assistant', 'specialist', 'informant', 'police', 'volunteer')", name=op.f('ck_staff_role_enum')),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_staff_area_code_areas')),
    sa.ForeignKeyConstraint(['dept_id'], ['departments.id'], name=op.f('fk_staff_dept_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('code', name=op.f('uq_staff_code'))
    )
    op.create_index(op.f('ix_staff_role'), 'staff', ['role'], unique=False)
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Text(), server_default='unknown', nullable=False),
    sa.Column('vendor', sa.Text(), nullable=True),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind <> 'camera' OR code ~ '^[0-9]{20}$'", name=op.f('ck_devices_camera_code_20_digits')),
    sa.CheckConstraint("kind IN ('camera', 'terminal')", name=op.f('ck_devices_kind_enum')),
    sa.CheckConstraint("status IN ('online', 'offline', 'fault', 'unknown')", name=op.f('ck_devices_status_enum')),
    sa.CheckConstraint('lat IS NULL OR (lat BETWEEN -90 AND 90)', name=op.f('ck_devices_lat_range')),
    sa.CheckConstraint('lon IS NULL OR (lon BETWEEN -180 AND 180)', name=op.f('ck_devices_lon_range')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_devices_grid_id_grids')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_devices_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('code', name=op.f('uq_devices_code'))
    )
    op.create_index(op.f('ix_devices_grid_id'), 'devices', ['grid_id'], unique=False)
    op.create_index(op.f('ix_devices_staff_id'), 'devices', ['staff_id'], unique=False)
    op.create_table('staff_grids',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('duty', sa.String(length=1), server_default='A', nullable=False),
    sa.CheckConstraint("duty IN ('A', 'B')", name=op.f('ck_staff_grids_duty_enum')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_staff_grids_grid_id_grids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_grids_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'grid_id', name=op.f('pk_staff_grids'))
    )
    op.create_index(op.f('ix_staff_grids_grid_id'), 'staff_grids', ['grid_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('dept_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('is_demo', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role <> 'department' OR dept_id IS NOT NULL", name=op.f('ck_users_department_user_has_dept')),
    sa.CheckConstraint("role <> 'grid_worker' OR staff_id IS NOT NULL", name=op.f('ck_users_grid_worker_has_staff')),
    sa.CheckConstraint("role IN ('operator', 'dispatcher', 'department', 'grid_worker', 'leader', 'wall', 'admin')", name=op.f('ck_users_role_enum')),
    sa.ForeignKeyConstraint(['dept_id'], ['departments.id'], name=op.f('fk_users_dept_id_departments')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_users_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('device_aliases',
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('external_id', sa.Text(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(device_id IS NULL) <> (staff_id IS NULL)', name=op.f('ck_device_aliases_one_target')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_aliases_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_device_aliases_staff_id_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source', 'external_id', name=op.f('pk_device_aliases'))
    )
    op.create_table('unregistered_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('external_id', sa.Text(), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('seen_count', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('last_topic', sa.Text(), nullable=True),
    sa.Column('registered_device_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['registered_device_id'], ['devices.id'], name=op.f('fk_unregistered_devices_registered_device_id_devices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unregistered_devices')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_unregistered_devices_source_external_id'))
    )


def downgrade() -> None:
    op.drop_table('unregistered_devices')
    op.drop_table('device_aliases')
    op.drop_table('users')
    op.drop_index(op.f('ix_staff_grids_grid_id'), table_name='staff_grids')
    op.drop_table('staff_grids')
    op.drop_index(op.f('ix_devices_staff_id'), table_name='devices')
    op.drop_index(op.f('ix_devices_grid_id'), table_name='devices')
    op.drop_table('devices')
    op.drop_index(op.f('ix_staff_role'), table_name='staff')
    op.drop_table('staff')
    op.drop_table('categories')
    op.drop_index(op.f('ix_grids_min_lon_max_lon_min_lat_max_lat'), table_name='grids')
    op.drop_index(op.f('ix_grids_area_code'), table_name='grids')
    op.drop_table('grids')
    op.drop_table('departments')
    op.drop_table('calendar_days')
    op.drop_table('alert_type_aliases')
    op.drop_index('uq_category_versions_one_active', table_name='category_versions', postgresql_where='active')
    op.drop_table('category_versions')
    op.drop_index('uq_calendars_one_default', table_name='calendars', postgresql_where='is_default')
    op.drop_table('calendars')
    op.drop_index(op.f('ix_areas_parent_code'), table_name='areas')
    op.drop_table('areas')
    op.drop_table('alert_types')
