"""The one MetaData (with its naming convention) and the column and constraint helpers every schema module uses."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, MetaData, text


metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def one_of(column: str, values: tuple, name: str | None = None, nullable: bool = False) -> CheckConstraint:
    """CHECK constraint restricting a column to an enumeration from db.enums."""
    listed = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
    expr = f"{column} IN ({listed})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name or f"{column}_enum")


def ts(name: str, nullable: bool = True, **kw) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable, **kw)


def now_ts(name: str) -> Column:
    return Column(name, DateTime(timezone=True), nullable=False, server_default=text("now()"))


