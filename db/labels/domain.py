"""Domain vocabulary: grid, staff, device, category, case, whistle and role names."""
from __future__ import annotations

AREA_LEVEL = {"district": "区/县", "street": "街道/乡镇", "community": "社区/村"}
GRID_KIND = {"governance": "社会治理网格", "unit": "城市管理单元网格", "special": "专属网格"}
STAFF_ROLE = {
    "supervisor": "督导员", "manager": "管理员", "patroller": "巡查员（专职网格员）", "assistant": "协理员",
    "specialist": "专管员", "informant": "信息员", "police": "社区民警", "volunteer": "志愿者",
}
DEPT_TIER = {1: "一级（30分钟到场）", 2: "二级（2小时内）", 3: "三级（按指定时限）"}
DEVICE_KIND = {"camera": "摄像头", "terminal": "手持终端"}
DEVICE_STATUS = {"online": "在线", "offline": "离线", "fault": "故障", "unknown": "未知"}
CATEGORY_LEVEL = {"major": "大类", "minor": "小类", "detail": "细类"}
CATEGORY_DOMAIN = {"urban": "城市管理", "governance": "社会治理"}
CLOCK_MODE = {"working": "工作时", "natural": "自然时"}
WORK_KIND = {"general": "一般性", "coordination": "需协调", "emergency": "突发性", "approval": "需审批"}
EVENT_KIND = {
    "video_alert": "视频告警", "position": "位置", "report": "网格员上报", "patrol": "巡查", "verify": "核查",
    "status": "终端状态", "feedback": "部门反馈", "frigate_event": "Frigate 事件", "owntracks_location": "OwnTracks 位置",
    "owntracks_lwt": "OwnTracks 离线", "owntracks_other": "OwnTracks 其他", "gb28181_alarm": "GB/T 28181 报警",
    "hotline_order": "12345 工单", "other": "其他",
}
CASE_SOURCE = {
    "video": "视频智能", "grid_worker": "网格员", "hotline": "12345热线", "public": "群众", "superior": "上级交办",
    "department": "部门巡查", "other": "其他",
}
CASE_STATE = {
    "reported": "待受理", "accepted": "已受理", "filed": "已立案", "dispatched": "已派遣", "signed": "已签收",
    "handling": "处置中", "feedback": "处置反馈", "checking": "核查中", "closed": "已结案", "rejected": "不予立案",
    "cancelled": "已作废", "parked": "挂账",
}
CASE_LEVEL = {"grid": "网格", "community": "社区", "street": "街道", "district": "区"}
CLOSE_TYPE = {"normal": "正常结案", "late": "超时结案", "special": "特殊结案"}
URGENCY = {1: "特急", 2: "紧急", 3: "一般", 4: "较低"}
REQUEST_KIND = {"postpone": "延期", "park": "挂账", "return": "回退", "cancel": "作废", "reopen": "重新打开"}
REQUEST_STATUS = {"pending": "待审批", "approved": "已批准", "refused": "已驳回"}
WHISTLE_REASON = {"beyond_power": "超出街道职权", "enforcement": "需要执法力量", "emergency": "突发紧急事件"}
WHISTLE_STATE = {"open": "进行中", "closed": "已完成"}
WHISTLE_ROLE = {"lead": "牵头单位", "co": "协办单位"}
PATROL_ACTION = {"start": "开始巡查", "end": "结束巡查", "checkpoint": "巡查打卡"}
USER_ROLE = {
    "operator": "值班员", "dispatcher": "指挥长", "department": "部门", "grid_worker": "网格员", "leader": "领导",
    "wall": "大屏", "admin": "管理员",
}
