"""Plain data passed across the workflow API: actors, results, alert input and outcome."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """Who acts. role: one of db.enums.USER_ROLES or "system" (ingest, timers, demo generator)."""
    user_id: int | None
    username: str
    role: str
    dept_id: int | None = None
    staff_id: int | None = None
    display_name: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username


SYSTEM = Actor(None, "system", "system", display_name="系统")


@dataclass(frozen=True)
class CaseRef:
    id: int
    code: str


@dataclass(frozen=True)
class StepResult:
    """What one action did: the step written and the case's new state and version."""
    case_id: int
    code: str
    seq: int
    action: str
    from_state: str | None
    to_state: str
    version: int
    at: datetime
    request_id: int | None = None
    whistle_id: int | None = None


@dataclass(frozen=True)
class AlertIn:
    """A video alert as the ingest hands it over. alert_key is unique; a known key updates that alert."""
    alert_key: str
    camera_ref: str
    alert_type: str
    event_at: datetime
    camera_id: int | None = None
    score: float | None = None
    priority: int | None = None
    lon: float | None = None
    lat: float | None = None
    grid_id: int | None = None
    snapshot_url: str | None = None
    vendor: str | None = None
    ended_at: datetime | None = None
    raw_event_id: int | None = None
    district_code: str | None = None


@dataclass(frozen=True)
class AlertOutcome:
    """alert_id stored; case_id it belongs to (None below threshold); merged into an existing case or not."""
    alert_id: int
    case_id: int | None
    merged: bool
    below_threshold: bool
    updated: bool = False
