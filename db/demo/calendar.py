"""The default working calendar 'CN': public holidays and make-up working days (调休上班) of 2025 and 2026.

Sources: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12) and
关于2026年部分节假日安排的通知 (2025-11-04). Every day of a holiday block is listed, weekends included.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache

CALENDAR = {"code": "CN", "name": "中国大陆法定工作日历", "timezone": "Asia/Shanghai",
            "work_periods": [["08:00", "12:00"], ["14:00", "18:00"]], "weekend_days": [5, 6], "is_default": True}

# (name, first day, last day, make-up working days)
HOLIDAYS = (
    ("元旦", date(2025, 1, 1), date(2025, 1, 1), ()),
    ("春节", date(2025, 1, 28), date(2025, 2, 4), (date(2025, 1, 26), date(2025, 2, 8))),
    ("清明节", date(2025, 4, 4), date(2025, 4, 6), ()),
    ("劳动节", date(2025, 5, 1), date(2025, 5, 5), (date(2025, 4, 27),)),
    ("端午节", date(2025, 5, 31), date(2025, 6, 2), ()),
    ("国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8), (date(2025, 9, 28), date(2025, 10, 11))),
    ("元旦", date(2026, 1, 1), date(2026, 1, 3), (date(2026, 1, 4),)),
    ("春节", date(2026, 2, 15), date(2026, 2, 23), (date(2026, 2, 14), date(2026, 2, 28))),
    ("清明节", date(2026, 4, 4), date(2026, 4, 6), ()),
    ("劳动节", date(2026, 5, 1), date(2026, 5, 5), (date(2026, 5, 9),)),
    ("端午节", date(2026, 6, 19), date(2026, 6, 21), ()),
    ("中秋节", date(2026, 9, 25), date(2026, 9, 27), ()),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7), (date(2026, 9, 20), date(2026, 10, 10))),
)


def calendar_day_rows() -> list[dict]:
    rows = []
    for name, first, last, makeups in HOLIDAYS:
        day = first
        while day <= last:
            rows.append({"calendar_code": CALENDAR["code"], "day": day, "kind": "holiday", "name": name})
            day += timedelta(days=1)
        rows += [{"calendar_code": CALENDAR["code"], "day": d, "kind": "workday", "name": f"{name}调休上班"}
                 for d in makeups]
    return rows


@cache
def _day_kinds() -> dict[date, str]:
    return {row["day"]: row["kind"] for row in calendar_day_rows()}


def is_workday(day: date) -> bool:
    """Same rule as the workflow clock: holidays off, make-up days on, otherwise Mon-Fri."""
    kind = _day_kinds().get(day)
    return kind == "workday" if kind else day.weekday() not in CALENDAR["weekend_days"]
