"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 12:24:05.270929

"""
from typing import Sequence, Union

from db.migrations.initial import casework, events, reference

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# Reference data first: events point at devices and staff, casework at both and at raw events.
PARTS = (reference, events, casework)


def upgrade() -> None:
    """Upgrade schema."""
    for part in PARTS:
        part.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    for part in reversed(PARTS):
        part.downgrade()
