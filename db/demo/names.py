"""Seeded Chinese names for the demo: people, mobile and fixed-line phones, streets, communities, places."""
from __future__ import annotations

import random

# Surnames weighted roughly as in 福建 (陈、林、黄、郑 lead there), then the national common ones.
_SURNAMES = (
    "陈" * 12 + "林" * 11 + "黄" * 8 + "郑" * 6 + "张" * 5 + "王" * 5 + "李" * 5 + "吴" * 4 + "刘" * 4 + "蔡" * 3
    + "杨" * 3 + "许" * 2 + "何" * 2 + "郭" * 2 + "罗" * 2 + "周" * 2 + "谢" * 2 + "徐" * 2 + "曾" * 2 + "赵" * 2
    + "江游余叶翁肖邱施苏高詹卢魏方潘朱胡孙马宋唐薛柯庄洪连傅严姚范钟"
)
_MALE = "伟强磊军勇杰涛斌超明辉鹏华建国平志刚俊峰文凯坤宇浩晨阳立新海波东亮成龙鑫锋彬健毅森"
_FEMALE = "芳娟敏静丽艳娜霞秀玲婷雪琳晶颖慧莉萍红梅燕丹倩洁云琴蓉佳欣怡薇璐瑶婧悦雯嘉妍"

_MOBILE_PREFIXES = tuple(f"13{d}" for d in range(10)) + ("150", "151", "152", "153", "155", "156", "157",
                                                        "158", "159") + tuple(f"18{d}" for d in range(10))

DISTRICT_NAME = "榕城区"
# Five sub-districts (街道) and one town (镇) whose communities are villages (村).
STREET_NAMES = ("屏山街道", "东湖街道", "乌山街道", "温泉街道", "三坊街道", "洪塘镇")
TOWN_INDEX = 5
COMMUNITY_STEMS = (
    "冶山", "华林", "树兜", "凤池", "琴亭", "湖滨", "西峰", "桂湖", "丽文", "渡鸡", "井大", "屏东", "屏西",
    "北大", "怡山", "祭酒岭", "津泰", "鼓西", "旗汛", "庆城", "虎节", "钱塘", "金牛", "建新", "光禄", "文藻", "芍园",
    "道山", "乌石", "南营", "杨桥", "白马", "福屿", "铜盘", "梅峰", "安泰", "龙峰", "三牧", "水部", "五凤",
    "洪山", "西洪", "彩虹", "锦绣", "玉屏", "朝阳", "双抛", "凤湖",
)
VILLAGE_STEMS = ("洪塘", "金山", "浦下", "半洲", "凤凰", "江南", "建中", "石步", "新港", "阳岐", "湾边", "厚美")
ROADS = (
    "八一七北路", "五四路", "湖东路", "杨桥路", "铜盘路", "华林路", "树兜路", "西二环路", "工业路", "白马路", "东街",
    "南门兜路", "乌山路", "温泉路", "六一路", "福飞路", "梅峰路", "湖滨路", "屏西路", "北大路", "洪山桥路", "金山大道",
)
SITES = ("东门", "西门", "南门", "北门", "路口", "菜市场入口", "学校门口", "广场", "停车场", "沿街商铺", "楼栋出入口",
         "河道护栏", "公交站", "小区主干道", "电动车充电棚", "垃圾分类亭", "消防通道")


def person_name(rng: random.Random, taken: set[str]) -> str:
    """A plausible, distinct full name."""
    while True:
        pool = _MALE if rng.random() < 0.55 else _FEMALE
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.72 else "")
        name = rng.choice(_SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def mobile(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
        if number not in taken:
            taken.add(number)
            return number


def fixed_line(rng: random.Random, taken: set[str]) -> str:
    """福州 (0591) 8-digit office numbers."""
    while True:
        number = f"0591-{rng.choice('2678')}{rng.randrange(10 ** 7):07d}"
        if number not in taken:
            taken.add(number)
            return number


def place_name(rng: random.Random) -> str:
    return f"{rng.choice(ROADS)}{rng.choice(SITES)}"
