"""Video-AI alert types of the demo (domain.md §4) and how other systems name them (alert_type_aliases).

Alias vendors: 'zh' = Chinese names and common variants; 'frigate' = Frigate object labels; 'gb28181' =
"<AlarmMethod>-<AlarmType>" from a GB/T 28181 Alarm NOTIFY (the standard's own video-analysis types where
one fits, and "5-9xx" as the demo vendor's private extension codes for everything the standard lacks).
"""
from __future__ import annotations

MERGE_WINDOW_S = 600

# (code, name, category code, min_score). Safety alerts get lower thresholds: a missed fire costs more
# than an operator glancing at a false alarm.
ALERT_TYPES = (
    ("occupy_road_business", "占道经营", "0501", 0.6),
    ("street_vendor", "游商小贩", "0502", 0.6),
    ("exposed_garbage", "暴露垃圾", "0101", 0.55),
    ("bin_overflow", "垃圾桶满溢", "0104", 0.55),
    ("stacked_materials", "乱堆物堆料", "0105", 0.55),
    ("illegal_parking", "机动车违停", "0504", 0.6),
    ("bike_parking", "非机动车乱停放", "0505", 0.6),
    ("street_drying", "沿街晾晒", "0106", 0.6),
    ("illegal_ad", "违规广告", "0201", 0.6),
    ("crowd", "人员聚集", "1405", 0.5),
    ("smoke_fire", "烟雾明火", "1402", 0.4),
    ("high_throw", "高空抛物", "1203", 0.5),
    ("ebike_elevator", "电动车进电梯", "1202", 0.5),
    ("fire_lane_blocked", "消防通道占用", "1201", 0.55),
    ("waterlogging", "积水", "0403", 0.5),
    ("person_fall", "人员倒地", "1403", 0.45),
    ("fight", "肢体冲突", "1404", 0.5),
)

ZH_VARIANTS = {
    "店外经营": "occupy_road_business", "占道摆摊": "occupy_road_business", "流动摊贩": "street_vendor",
    "游商": "street_vendor", "垃圾满溢": "bin_overflow", "垃圾堆放": "exposed_garbage", "机动车乱停放": "illegal_parking",
    "违停": "illegal_parking", "非机动车违停": "bike_parking", "乱吊晾晒": "street_drying", "烟雾": "smoke_fire",
    "明火": "smoke_fire", "烟雾/明火": "smoke_fire", "烟火": "smoke_fire", "电动车进楼": "ebike_elevator",
    "消防通道堵塞": "fire_lane_blocked", "道路积水": "waterlogging", "人员摔倒": "person_fall",
    "打架斗殴": "fight", "人群聚集": "crowd",
}

# Frigate reports detected objects (in a zone), not events: map the labels that stand for one of ours.
FRIGATE_LABELS = {
    "fire": "smoke_fire", "smoke": "smoke_fire", "person": "crowd", "car": "illegal_parking",
    "motorcycle": "bike_parking", "bicycle": "bike_parking",
}

# GB/T 28181-2016 video alarm (AlarmMethod 5) types that match: 3 遗留物检测, 10 密度检测.
GB28181_STANDARD = {"5-3": "stacked_materials", "5-10": "crowd"}


def alert_type_rows() -> list[dict]:
    return [{"code": code, "name": name, "category_code": category, "min_score": score,
             "merge_window_s": MERGE_WINDOW_S} for code, name, category, score in ALERT_TYPES]


def alias_rows() -> list[dict]:
    rows = [{"vendor": "zh", "vendor_code": name, "alert_type_code": code} for code, name, _, _ in ALERT_TYPES]
    rows += [{"vendor": "zh", "vendor_code": name, "alert_type_code": code} for name, code in ZH_VARIANTS.items()]
    rows += [{"vendor": "frigate", "vendor_code": label, "alert_type_code": code}
             for label, code in FRIGATE_LABELS.items()]
    rows += [{"vendor": "gb28181", "vendor_code": key, "alert_type_code": code}
             for key, code in GB28181_STANDARD.items()]
    rows += [{"vendor": "gb28181", "vendor_code": f"5-{901 + i}", "alert_type_code": code}
             for i, (code, _, _, _) in enumerate(ALERT_TYPES)]
    return rows
