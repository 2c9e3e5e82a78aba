"""Queries of the audit log viewer: filtered, newest-first pages of audit_log rows and their total count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, String, cast, func, or_, select

from db.schema import audit_log

PAGE_SIZES = (50, 100, 200, 500)


@dataclass(frozen=True)
class AuditFilter:
    start: datetime                     # inclusive
    end: datetime                       # exclusive
    actor: str = ""                     # part of the username, case-insensitive
    kinds: tuple[str, ...] = ()         # exact actions, or prefixes ending in "." (labels.AUDIT_KIND keys)
    text: str = ""                      # part of the target kind, target id or detail


def _like(value: str) -> str:
    """User text as a literal ILIKE pattern: % and _ typed by the user match themselves."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(f: AuditFilter) -> list:
    conds = [audit_log.c.at >= f.start, audit_log.c.at < f.end]
    if f.actor.strip():
        conds.append(audit_log.c.username.ilike(_like(f.actor.strip()), escape="\\"))
    if f.kinds:
        conds.append(or_(*[audit_log.c.action.like(k.replace("_", "\\_") + "%", escape="\\") if k.endswith(".")
                           else audit_log.c.action == k for k in f.kinds]))
    if f.text.strip():
        pattern = _like(f.text.strip())
        conds.append(or_(audit_log.c.target_kind.ilike(pattern, escape="\\"),
                         audit_log.c.target_id.ilike(pattern, escape="\\"),
                         cast(audit_log.c.detail, String).ilike(pattern, escape="\\")))
    return conds


def search(engine: Engine, f: AuditFilter, limit: int, offset: int = 0) -> tuple[list[dict], int]:
    """One page of matching rows, newest first (id breaks ties within the same instant), and the total."""
    conds = _where(f)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(audit_log).where(*conds)).scalar_one()
        rows = conn.execute(select(audit_log).where(*conds).order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
                            .limit(limit).offset(offset)).mappings().all()
    return [dict(r) for r in rows], total
