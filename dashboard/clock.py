"""Local time and number formatting for the pages: Asia/Shanghai day bounds, timestamps, ages, percentages."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from db import labels
from db.config import settings


def tz() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def now() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    return now().astimezone(tz()).date()


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in local time, as aware datetimes."""
    last = last or first
    return (datetime.combine(first, time(0), tzinfo=tz()),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz()))


def month_start(day: date) -> date:
    return day.replace(day=1)


def local(ts: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    if ts is None:
        return labels.COMMON["na"]
    return ts.astimezone(tz()).strftime(fmt)


def age_text(seconds: float | None) -> str:
    """12秒 / 5分钟 / 3小时 / 2天 (the largest unit only: a wall is read from afar)."""
    if seconds is None:
        return labels.COMMON["na"]
    s = max(int(seconds), 0)
    c = labels.COMMON
    if s < 60:
        return c["seconds"].format(n=s)
    if s < 3600:
        return c["minutes"].format(n=s // 60)
    if s < 86400:
        return c["hours"].format(n=s // 3600)
    return c["days"].format(n=s // 86400)


def duration_text(seconds: float) -> str:
    """1小时05分 / 12分钟 for countdowns."""
    h, m = divmod(abs(int(seconds)) // 60, 60)
    return labels.COMMON["dur_hm"].format(h=h, m=m) if h else labels.COMMON["dur_m"].format(m=m)


def percent(value: float | None) -> str:
    """54.5% / — (a rate with nothing to divide by)."""
    return labels.COMMON["na"] if value is None else labels.COMMON["percent"].format(v=value)
