"""What every parser shares: the parsing context, field types for pydantic models, reference checks."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from db import labels
from ingest.config import IngestSettings
from ingest.message import Invalid
from ingest.registry import Registry

R = labels.INGEST_REASON
MAX_REF = 128


@dataclass
class Context:
    registry: Registry
    settings: IngestSettings
    now: datetime                      # the receiving clock, for "far in the future" checks


class Strict(BaseModel):
    """JSON types as sent (no "1.5" for a number), unknown extra fields ignored, no NaN/Infinity."""
    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False, frozen=True)


class Lenient(BaseModel):
    """For vendors' own formats: their documented types, extra fields ignored."""
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)


Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Score = Annotated[float, Field(ge=0, le=1)]
Priority = Annotated[int, Field(ge=1, le=4)]
Text = Annotated[str, StringConstraints(max_length=4000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REF)] | Annotated[int, Field(ge=0)]
Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://\S+$")]
Photos = Annotated[list[Url], Field(max_length=20)]
# ISO-8601 with an offset, or Unix seconds / milliseconds (pydantic: above 2e10 means milliseconds).
Timestamp = Annotated[AwareDatetime, Field(strict=False)]


def topic_ref(value: str, what: str) -> str:
    """An identifier taken from a topic level: non-empty and of sane length."""
    if not value or len(value) > MAX_REF:
        raise Invalid(R["bad_topic_ref"].format(what=what))
    return value


def digest(payload: bytes, n: int = 16) -> str:
    return hashlib.sha256(payload).hexdigest()[:n]


def epoch_ms(dt: datetime) -> int:
    return round(dt.timestamp() * 1000)
