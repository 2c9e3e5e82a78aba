"""Working-time clock: lunch breaks, nights, weekends, a holiday, a make-up working day; natural time; UTC storage."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import text

from db.workflow import WorkClock, clock_status, invalidate_caches
from db.workflow.clock import Calendar, as_utc
from db.workflow.refdata import get_ref
from tests.test_workflow_support import wf  # noqa: F401  (fixture)

SH = ZoneInfo("Asia/Shanghai")
# 2026: 10-01..10-07 National Day holiday, Saturday 10-10 a make-up working day.
CAL = Calendar("CN", holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
               workdays=frozenset({date(2026, 10, 10)}))
WORK = WorkClock("working", CAL)


def local(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def test_lunch_break_is_skipped():
    # Tuesday 2026-09-15 11:30 + 60 working minutes = 14:30
    assert WORK.add(local(2026, 9, 15, 11, 30), 60) == as_utc(local(2026, 9, 15, 14, 30))
    assert WORK.minutes(local(2026, 9, 15, 11, 30), local(2026, 9, 15, 14, 30)) == 60


def test_evening_rolls_to_next_morning_and_a_day_is_480_minutes():
    assert WORK.add(local(2026, 9, 15, 17, 0), 120) == as_utc(local(2026, 9, 16, 9, 0))
    assert WORK.add(local(2026, 9, 15, 20, 0), 480) == as_utc(local(2026, 9, 16, 18, 0))
    assert WORK.minutes(local(2026, 9, 15, 0, 0), local(2026, 9, 16, 0, 0)) == 480


def test_weekend_is_skipped():
    # Friday 2026-09-18 17:00 + 120 = Monday 09:00
    assert WORK.add(local(2026, 9, 18, 17, 0), 120) == as_utc(local(2026, 9, 21, 9, 0))
    assert WORK.minutes(local(2026, 9, 18, 17, 0), local(2026, 9, 21, 9, 0)) == 120


def test_holiday_is_skipped_and_make_up_saturday_counts():
    # Wednesday 2026-09-30 17:00 + 120: the holiday runs to 10-07, so Thursday 10-08 09:00.
    assert WORK.add(local(2026, 9, 30, 17, 0), 120) == as_utc(local(2026, 10, 8, 9, 0))
    # Friday 10-09 17:00 + 120: Saturday 10-10 is a make-up working day.
    assert WORK.add(local(2026, 10, 9, 17, 0), 120) == as_utc(local(2026, 10, 10, 9, 0))
    assert WORK.minutes(local(2026, 10, 1, 0, 0), local(2026, 10, 8, 0, 0)) == 0
    assert WORK.minutes(local(2026, 10, 10, 0, 0), local(2026, 10, 11, 0, 0)) == 480


def test_natural_time_counts_everything():
    nat = WorkClock("natural", CAL)
    assert nat.add(local(2026, 10, 1, 23, 50), 30) == as_utc(local(2026, 10, 2, 0, 20))
    assert nat.minutes(local(2026, 10, 1, 23, 50), local(2026, 10, 2, 0, 20)) == 30


def test_results_are_utc_and_naive_input_is_shanghai_local():
    out = WORK.add(datetime(2026, 9, 15, 11, 30), 60)
    assert out.tzinfo == timezone.utc and out == datetime(2026, 9, 15, 6, 30, tzinfo=timezone.utc)
    # Asia/Shanghai has no daylight saving: the offset is +8 in winter and summer alike.
    assert local(2026, 1, 15, 8).utcoffset() == local(2026, 7, 15, 8).utcoffset() == timedelta(hours=8)
    assert WORK.add(local(2026, 7, 15, 8), 60) == datetime(2026, 7, 15, 1, 0, tzinfo=timezone.utc)


def test_status_warning_overdue_and_multiple():
    start = local(2026, 9, 15, 8, 0)
    deadline = WORK.add(start, 240)                                   # 12:00
    assert clock_status(WORK, start, deadline, local(2026, 9, 15, 10, 0))["status"] == "normal"
    assert clock_status(WORK, start, deadline, local(2026, 9, 15, 11, 0))["status"] == "warning"   # 75 %
    late = clock_status(WORK, start, deadline, local(2026, 9, 15, 16, 0))                      # 360 min
    assert late["status"] == "overdue" and late["overdue_multiple"] == 0.5


def test_calendar_is_read_from_the_database_and_cached(wf):  # noqa: F811
    engine, _ = wf
    with engine.connect() as conn:
        clock = get_ref(conn).clock("working", "CN")
        assert clock.add(local(2026, 9, 30, 17, 0), 120) == as_utc(local(2026, 10, 8, 9, 0))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM calendar_days WHERE day = '2026-10-10'"))
    with engine.connect() as conn:
        cached = get_ref(conn).clock("working", "CN")
        assert cached.add(local(2026, 10, 9, 17, 0), 120) == as_utc(local(2026, 10, 10, 9, 0))
        invalidate_caches()
        fresh = get_ref(conn).clock("working", "CN")
        assert fresh.add(local(2026, 10, 9, 17, 0), 120) == as_utc(local(2026, 10, 12, 9, 0))


def test_several_calendars(wf):  # noqa: F811
    engine, _ = wf
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO calendars (code, name, work_periods, weekend_days) VALUES "
                          "('RURAL', '乡镇日历', '[[\"08:30\",\"12:00\"],[\"14:30\",\"17:30\"]]', '[6]')"))
    invalidate_caches()
    with engine.connect() as conn:
        rural = get_ref(conn).clock("working", "RURAL")
    # Saturday works in that calendar, from 08:30.
    assert rural.add(local(2026, 9, 18, 17, 0), 60) == as_utc(local(2026, 9, 19, 9, 0))
