"""Enumerated values stored in the database; CHECK constraints and code both read them from here."""
from __future__ import annotations

AREA_LEVELS = ("district", "street", "community")
GRID_KINDS = ("governance", "unit", "special")
# 一格六员 (seed 000) plus police and volunteers.
STAFF_ROLES = (
    "supervisor",   # 督导员
    "manager",      # 管理员
    "patroller",    # 巡查员 (full-time grid worker)
    "assistant",    # 协理员
    "specialist",   # 专管员
    "informant",    # 信息员
    "police",       # 社区民警
    "volunteer",    # 志愿者
)
GRID_DUTIES = ("A", "B")
DEPT_TIERS = (1, 2, 3)
DEVICE_KINDS = ("camera", "terminal")
DEVICE_STATUSES = ("online", "offline", "fault", "unknown")
CATEGORY_LEVELS = ("major", "minor", "detail")      # 大类 / 小类 / 细类
CATEGORY_DOMAINS = ("urban", "governance")
CLOCK_MODES = ("working", "natural")
WORK_KINDS = ("general", "coordination", "emergency", "approval")  # seed 001: 一般性/需协调/突发性/需审批
CALENDAR_DAY_KINDS = ("holiday", "workday")          # workday = make-up working day (调休上班)
EVENT_KINDS = (
    "video_alert", "position", "report", "patrol", "verify", "status", "feedback",
    "frigate_event", "owntracks_location", "owntracks_lwt", "owntracks_other", "gb28181_alarm",
    "hotline_order", "other",
)
EVENT_SOURCES = ("mqtt", "sql", "import", "web")
CASE_SOURCES = ("video", "grid_worker", "hotline", "public", "superior", "department", "other")
CASE_STATES = (
    "reported",     # 上报/待受理
    "accepted",     # 已受理
    "filed",        # 已立案 (awaiting dispatch)
    "dispatched",   # 已派遣
    "signed",       # 已签收
    "handling",     # 处置中
    "feedback",     # 处置反馈
    "checking",     # 核查中
    "closed",       # 已结案
    "rejected",     # 不予立案
    "cancelled",    # 已作废
    "parked",       # 挂账
)
CASE_LEVELS = ("grid", "community", "street", "district")
CLOSE_TYPES = ("normal", "late", "special")
URGENCIES = (1, 2, 3, 4)  # 1 most urgent, as GB/T 28181 AlarmPriority
REQUEST_KINDS = ("postpone", "park", "return", "cancel", "reopen")
REQUEST_STATUSES = ("pending", "approved", "refused")
WHISTLE_REASONS = ("beyond_power", "enforcement", "emergency")
WHISTLE_STATES = ("open", "closed")
WHISTLE_ROLES = ("lead", "co")
PATROL_ACTIONS = ("start", "end", "checkpoint")
CRS = ("wgs84", "gcj02")
UNREGISTERED_KINDS = ("camera", "staff", "device", "alert_type", "category", "department", "grid")
USER_ROLES = ("operator", "dispatcher", "department", "grid_worker", "leader", "wall", "admin")
