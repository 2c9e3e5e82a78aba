"""Sign-in accounts and the append-only audit log."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Table, Text, text
)
from sqlalchemy.dialects.postgresql import JSONB

from db import enums
from db.schema.base import metadata, now_ts, one_of

# --- accounts and audit --------------------------------------------------------------------------
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text),                   # argon2; NULL for SSO-only accounts
    Column("role", Text, nullable=False),
    Column("dept_id", Integer, ForeignKey("departments.id")),
    Column("staff_id", Integer, ForeignKey("staff.id")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("is_demo", Boolean, nullable=False, server_default=text("false")),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    now_ts("created_at"),
    one_of("role", enums.USER_ROLES),
    CheckConstraint("role <> 'department' OR dept_id IS NOT NULL", name="department_user_has_dept"),
    CheckConstraint("role <> 'grid_worker' OR staff_id IS NOT NULL", name="grid_worker_has_staff"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger, primary_key=True),
    now_ts("at"),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("username", Text),
    Column("action", Text, nullable=False),          # e.g. login, login_failed, case.dispatch, import, export
    Column("target_kind", Text),
    Column("target_id", Text),
    Column("detail", JSONB),
    Column("client", Text),
    Index(None, "at"),
    Index(None, "target_kind", "target_id"),
)
