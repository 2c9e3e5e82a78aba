"""Working-time and natural-time clocks: deadlines from limits, minutes used, warning/overdue status."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_PERIODS = ((8 * 60, 12 * 60), (14 * 60, 18 * 60))
_MAX_DAYS = 3700   # a calendar with no working day at all must not loop forever


@dataclass(frozen=True)
class Calendar:
    """Working periods (minutes after local midnight), weekend weekdays (Mon=0), holidays and make-up workdays."""
    code: str | None = None
    tz: ZoneInfo = SHANGHAI
    periods: tuple = DEFAULT_PERIODS
    weekend: frozenset = frozenset({5, 6})
    holidays: frozenset = field(default_factory=frozenset)
    workdays: frozenset = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() not in self.weekend

    def day_periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        return _day_periods(self, day)


@lru_cache(maxsize=65536)
def _day_periods(cal: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """Working periods of one local day (cached: deadlines are computed over and over for the same days)."""
    if not cal.is_workday(day):
        return ()
    midnight = datetime.combine(day, time(0), tzinfo=cal.tz)
    return tuple((midnight + timedelta(minutes=a), midnight + timedelta(minutes=b)) for a, b in cal.periods)


def parse_periods(raw) -> tuple:
    """[["08:00","12:00"], ...] -> ((480, 720), ...)."""
    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)
    return tuple((minutes(a), minutes(b)) for a, b in raw)


class WorkClock:
    """mode "natural" counts every minute; "working" only the calendar's working periods on working days."""

    def __init__(self, mode: str = "working", calendar: Calendar | None = None):
        self.mode = mode
        self.calendar = calendar or Calendar()

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of this clock after `start` (UTC)."""
        start = as_utc(start)
        if self.mode == "natural" or minutes <= 0:
            return start + timedelta(minutes=max(minutes, 0))
        left = timedelta(minutes=minutes)
        local = start.astimezone(self.calendar.tz)
        day = local.date()
        for _ in range(_MAX_DAYS):
            for a, b in self.calendar.day_periods(day):
                begin = max(a, local)
                if begin >= b:
                    continue
                if begin + left <= b:
                    return (begin + left).astimezone(timezone.utc)
                left -= b - begin
            day += timedelta(days=1)
        raise ValueError("calendar has no working time")

    def minutes(self, start: datetime, end: datetime) -> float:
        """Minutes of this clock between start and end (0 when end is before start)."""
        start, end = as_utc(start), as_utc(end)
        if end <= start:
            return 0.0
        if self.mode == "natural":
            return (end - start).total_seconds() / 60
        tz = self.calendar.tz
        day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        total = timedelta()
        while day <= last:
            for a, b in self.calendar.day_periods(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60


def as_utc(moment: datetime) -> datetime:
    """Aware datetimes to UTC; a naive one is read as Asia/Shanghai local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(timezone.utc)


def clock_status(clock: WorkClock, started_at: datetime, deadline_at: datetime | None, at: datetime,
                 warn_share: float = 0.75) -> dict:
    """Status of a step at `at`: normal / warning (past warn_share of its limit) / overdue, with the multiple."""
    if deadline_at is None:
        return {"status": "normal", "used": clock.minutes(started_at, at), "limit": None, "overdue_multiple": 0.0}
    limit = clock.minutes(started_at, deadline_at)
    used = clock.minutes(started_at, at)
    if as_utc(at) > as_utc(deadline_at):
        status = "overdue"
    elif limit > 0 and used >= warn_share * limit:
        status = "warning"
    else:
        status = "normal"
    multiple = (used - limit) / limit if limit > 0 and used > limit else 0.0
    return {"status": status, "used": used, "limit": limit, "overdue_multiple": multiple}
