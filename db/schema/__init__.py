"""The PostgreSQL data model as SQLAlchemy Core tables, one module per area; every table and helper is
re-exported here. Alembic migrations are the source of truth for the database."""
from db.schema.base import *  # noqa: F401,F403
from db.schema.base import metadata, now_ts, one_of, ts  # noqa: F401
from db.schema.places import *  # noqa: F401,F403
from db.schema.casework import *  # noqa: F401,F403
from db.schema.events import *  # noqa: F401,F403
from db.schema.accounts import *  # noqa: F401,F403
