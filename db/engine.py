"""One SQLAlchemy engine per process and URL."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine

from db.config import database_url


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    return create_engine(url or database_url(), pool_pre_ping=True, pool_size=5, max_overflow=10,
                         future=True)
