"""The versioned SQL-sources file (TOML, secrets as ${ENV}) as validated pydantic models."""
from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from db import labels
from ingest.config import ConfigError

L = labels.SOURCES_CLI
KINDS = ("hotline", "video_alert", "feedback")
# Fields each kind reads from the source row (our name -> their column); "key" and "watermark" are separate.
FIELDS = {
    "hotline": ("title", "description", "category", "address", "lon", "lat", "reporter_name", "reporter_phone",
                "reported_at", "status", "urgency", "note"),
    "video_alert": ("camera", "type", "score", "priority", "lon", "lat", "event_at", "ended_at", "status",
                    "snapshot_url"),
    "feedback": ("dept", "case_code", "action", "note", "lon", "lat", "at"),
}
REQUIRED = {"hotline": ("description", "reported_at"), "video_alert": ("camera", "type", "event_at"),
            "feedback": ("dept", "case_code", "action", "at")}
# What a status value may map to: hotline -> workflow actions; video -> raise/clear.
HOTLINE_ACTIONS = ("accept", "reject", "supervise", "request_cancel", "approve_cancel", "request_park",
                   "approve_park")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_IDENT = r"^[A-Za-z_][A-Za-z0-9_.]{0,127}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WriteBack(_Model):
    """Our case code, state and result written into a table of the source (12345 回访 and 三率)."""
    url: str | None = None                       # default: the source's own URL
    table: str = Field(pattern=_IDENT)
    key: str = Field(pattern=_IDENT)             # their work-order number column
    columns: dict[Literal["case_code", "state", "state_name", "close_type", "closed_at", "result",
                          "satisfaction", "updated_at"], str]
    interval_s: float = Field(default=30.0, gt=0)

    @field_validator("columns")
    @classmethod
    def _idents(cls, v: dict) -> dict:
        for col in v.values():
            if not re.match(_IDENT, col):
                raise ValueError(L["bad_column"].format(column=col))
        return v


class Source(_Model):
    name: str = Field(pattern=_NAME)
    kind: Literal["hotline", "video_alert", "feedback"]
    url: str
    table: str | None = Field(default=None, pattern=_IDENT)
    query: str | None = None
    key: str = Field(pattern=_IDENT)             # primary key: the message id and the tie-breaker
    watermark: str = Field(pattern=_IDENT)       # increasing id or update timestamp
    version: list[str] = Field(default_factory=list)   # columns whose change makes a new event
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str | list[str]]] = Field(default_factory=dict)
    timezone: str = "Asia/Shanghai"              # for naive timestamps
    poll_s: float = Field(default=10.0, gt=0)
    page: int = Field(default=500, ge=1, le=20000)
    settle_s: float = Field(default=0.0, ge=0)   # rows younger than this wait (late commits in the source)
    backoff_initial_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)
    actor_role: Literal["operator", "dispatcher"] = "dispatcher"
    actor_name: str = ""
    vendor: str | None = None                    # alert_type_aliases vendor for video types (default: name)
    enabled: bool = True
    writeback: WriteBack | None = None

    @model_validator(mode="after")
    def _check(self) -> "Source":
        if (self.table is None) == (self.query is None):
            raise ValueError(L["table_or_query"])
        unknown = set(self.columns) - set(FIELDS[self.kind])
        if unknown:
            raise ValueError(L["unknown_fields"].format(fields=", ".join(sorted(unknown)), kind=self.kind))
        missing = [f for f in REQUIRED[self.kind] if f not in self.columns]
        if missing:
            raise ValueError(L["missing_fields"].format(fields=", ".join(missing)))
        for col in [*self.columns.values(), *self.version]:
            if not re.match(_IDENT, col):
                raise ValueError(L["bad_column"].format(column=col))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(L["bad_timezone"].format(tz=self.timezone)) from None
        self._check_actions()
        return self

    def _check_actions(self) -> None:
        allowed = {"hotline": HOTLINE_ACTIONS, "video_alert": ("raise", "clear"),
                   "feedback": ("checkin", "progress", "result")}[self.kind]
        field = "action" if self.kind == "feedback" else "status"
        for code, target in self.values.get(field, {}).items():
            for action in [target] if isinstance(target, str) else target:
                if action and action not in allowed:
                    raise ValueError(L["bad_action"].format(code=code, action=action,
                                                            allowed=", ".join(allowed)))

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def version_columns(self) -> list[str]:
        """Columns whose change is a new event: as configured, else the status column, else the watermark."""
        if self.version:
            return self.version
        status = self.columns.get("status") or self.columns.get("action")
        return [status] if status else [self.watermark]

    def shown_url(self) -> str:
        """The URL without its password (for logs and the admin page)."""
        from sqlalchemy.engine import make_url
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - a malformed URL is reported elsewhere; never show its text
            return "?"


class SourcesFile(_Model):
    source: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "SourcesFile":
        names = [s.name for s in self.source]
        if len(names) != len(set(names)):
            raise ValueError(L["duplicate_name"])
        return self


def expand_env(text: str, env: dict | None = None) -> str:
    """${VAR} and ${VAR:-default} from the environment; a missing variable without a default is an error."""
    env = os.environ if env is None else env

    def sub(m: re.Match) -> str:
        if m.group(1) in env:
            return env[m.group(1)]
        if m.group(2) is not None:
            return m.group(2)
        raise ConfigError(L["missing_env"].format(name=m.group(1)))
    return _ENV.sub(sub, text)


def _expand(value, env):
    if isinstance(value, str):
        return expand_env(value, env)
    if isinstance(value, list):
        return [_expand(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, env) for k, v in value.items()}
    return value


def load(path: str | Path, env: dict | None = None) -> list[Source]:
    """The enabled sources of a file; ConfigError (Chinese) when it is unreadable or invalid."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(L["bad_file"].format(path=path, error=exc)) from None
    try:
        parsed = SourcesFile.model_validate(_expand(raw, env))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(L["bad_config"].format(path=path, where=where, error=first["msg"])) from None
    return [s for s in parsed.source if s.enabled]
