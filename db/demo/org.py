"""Demo rows for 组织: about 40 departments in the three whistle tiers, with duty phones."""
from __future__ import annotations

from db.demo import names
from db.demo.areas import DISTRICT_CODE, Places
from db.demo.rand import py_rng

# (code, name, tier, check-in minutes for tier 3). Tier 1: on site in about 30 minutes; tier 2: within hours.
DISTRICT_DEPARTMENTS = (
    ("gafj", "榕城公安分局", 1, None),
    ("jjdd", "榕城公安分局交通警察大队", 1, None),
    ("cgzf", "区城市管理和综合执法局", 1, None),
    ("xfjy", "区消防救援大队", 1, None),
    ("yjgl", "区应急管理局", 1, None),
    ("jjzx", "区医疗急救中心", 1, None),
    ("zjj", "区住房和城乡建设局", 2, None),
    ("szzx", "区市政工程管理中心", 2, None),
    ("hwzx", "区环境卫生服务中心", 2, None),
    ("scjg", "区市场监督管理局", 2, None),
    ("sthj", "市生态环境局榕城分局", 2, None),
    ("jtys", "区交通运输局", 2, None),
    ("wjw", "区卫生健康委员会", 2, None),
    ("mzj", "区民政局", 2, None),
    ("sfj", "区司法局", 2, None),
    ("rsj", "区人力资源和社会保障局", 2, None),
    ("zrzy", "市自然资源和规划局榕城分局", 2, None),
    ("slj", "区水利局（城区排涝）", 2, None),
    ("zls", "福州自来水有限公司榕城营业所", 2, None),
    ("gdgs", "国网福州供电公司榕城供电服务中心", 2, None),
    ("rqgs", "福州华润燃气有限公司榕城服务站", 2, None),
    ("xfj", "区信访局", 3, 240),
    ("jyj", "区教育局", 3, 480),
    ("wlj", "区文化体育和旅游局", 3, 480),
    ("swj", "区商务局", 3, 480),
    ("tyjr", "区退役军人事务局", 3, 480),
    ("cl", "区残疾人联合会", 3, 480),
    ("fl", "区妇女联合会", 3, 480),
    ("gh", "区总工会", 3, 480),
    ("fgj", "区发展和改革局", 3, 1440),
    ("ybj", "区医疗保障局", 3, 1440),
    ("tqw", "共青团榕城区委员会", 3, 1440),
    ("dxgs", "中国电信福州分公司榕城营业部", 3, 240),
    ("ltgs", "中国联通福州分公司榕城营业部", 3, 240),
)


def police_code(street_index: int) -> str:
    return f"pcs{street_index + 1:02d}"


def department_rows(places: Places, seed: int) -> list[dict]:
    """District departments plus one 派出所 (tier 1) per street, sitting at street level."""
    rng = py_rng(seed, "departments")
    phones: set[str] = set()
    rows = [{"code": code, "name": name, "tier": tier, "checkin_minutes": minutes, "area_code": DISTRICT_CODE,
             "duty_phone": names.fixed_line(rng, phones), "active": True}
            for code, name, tier, minutes in DISTRICT_DEPARTMENTS]
    for i, (street_code, street_name) in enumerate(zip(places.street_codes, places.street_names)):
        stem = street_name.removesuffix("街道").removesuffix("镇")
        rows.append({"code": police_code(i), "name": f"{stem}派出所", "tier": 1, "checkin_minutes": None,
                     "area_code": street_code, "duty_phone": names.fixed_line(rng, phones), "active": True})
    return rows
