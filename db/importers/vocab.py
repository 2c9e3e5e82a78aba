"""Input vocabulary of import files: English and common Chinese column names and value words (read, never shown)."""
from __future__ import annotations

import re
import unicodedata

from db import enums, labels

_COLUMNS = {
    "areas": {
        "code": ("code", "编码", "代码", "区划代码", "行政区划代码", "统计用区划代码", "区域编码"),
        "name": ("name", "名称", "区域名称", "区划名称"),
        "level": ("level", "层级", "级别", "区划级别", "类型"),
        "parent_code": ("parent_code", "parent", "上级编码", "上级代码", "上级区划代码", "父级编码", "上级区域编码"),
    },
    "grids": {
        "code": ("code", "编码", "网格编码", "网格代码", "编号"),
        "name": ("name", "名称", "网格名称"),
        "area_code": ("area_code", "community_code", "所属社区编码", "社区编码", "所属区域编码", "区域编码",
                      "社区代码", "所属社区代码"),
        "kind": ("kind", "type", "类型", "网格类型"),
        "level": ("level", "层级", "网格层级", "级别"),
        "households": ("households", "户数", "住户数", "总户数"),
        "population": ("population", "人口", "人数", "人口数", "总人口"),
        "duties": ("duties", "职责", "网格职责", "工作职责"),
    },
    "departments": {
        "code": ("code", "编码", "部门编码", "单位编码", "编号"),
        "name": ("name", "名称", "部门名称", "单位名称"),
        "tier": ("tier", "级别", "报到级别", "响应级别", "层级"),
        "duty_phone": ("duty_phone", "phone", "值班电话", "电话", "联系电话"),
        "area_code": ("area_code", "所属区域编码", "区域编码", "所在区域编码"),
        "checkin_minutes": ("checkin_minutes", "报到时限", "报到时限分钟", "报到时间"),
    },
    "staff": {
        "code": ("code", "编码", "人员编码", "工号", "编号"),
        "name": ("name", "姓名", "名称"),
        "phone": ("phone", "电话", "手机", "手机号", "手机号码", "联系电话"),
        "role": ("role", "角色", "岗位", "人员类型"),
        "area_code": ("area_code", "所属区域编码", "区域编码", "社区编码", "所属社区编码"),
        "grids": ("grids", "grid_codes", "负责网格", "网格", "网格编码", "所属网格"),
        "dept_code": ("dept_code", "department", "部门编码", "所属部门编码", "单位编码"),
    },
    "cameras": {
        "code": ("code", "编码", "设备编码", "国标编码", "设备国标编码", "通道编码"),
        "name": ("name", "名称", "设备名称", "点位名称"),
        "lon": ("lon", "lng", "longitude", "经度"),
        "lat": ("lat", "latitude", "纬度"),
        "grid_code": ("grid_code", "grid", "网格编码", "所属网格", "网格"),
        "status": ("status", "状态", "在线状态", "设备状态"),
        "vendor": ("vendor", "厂商", "品牌", "生产厂商"),
    },
}

_BRACKETS = re.compile(r"\(.*?\)$")


def normalize_header(name: str) -> str:
    """Header key: full-width folded, case and spaces ignored, '*' markers and trailing '(单位)' dropped."""
    key = unicodedata.normalize("NFKC", name).lower()
    key = re.sub(r"\s+", "", key).strip("*")
    return _BRACKETS.sub("", key)


def normalize_word(word: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", word).lower())


def column_map(kind: str) -> dict[str, str]:
    """Normalized header name -> field, for one import kind."""
    return {normalize_header(alias): field for field, aliases in _COLUMNS[kind].items() for alias in aliases}


def _words(codes, display: dict, extra: dict[str, tuple[str, ...]]) -> dict[str, object]:
    words = {normalize_word(str(c)): c for c in codes}
    words.update({normalize_word(display[c]): c for c in codes})
    for code, synonyms in extra.items():
        words.update({normalize_word(s): code for s in synonyms})
    return words


AREA_LEVEL_WORDS = _words(enums.AREA_LEVELS, labels.AREA_LEVEL, {
    "district": ("区", "县", "区县", "市辖区", "县级市", "旗"),
    "street": ("街道", "乡", "镇", "乡镇", "街道办", "街道办事处"),
    "community": ("社区", "村", "居委会", "村委会", "居民委员会", "村民委员会"),
})
GRID_KIND_WORDS = _words(enums.GRID_KINDS, labels.GRID_KIND, {
    "governance": ("网格", "治理网格", "综治网格", "社区网格"),
    "unit": ("单元网格", "城管网格", "城市管理网格"),
    "special": ("专属网格", "专项网格", "特殊网格"),
})
STAFF_ROLE_WORDS = _words(enums.STAFF_ROLES, labels.STAFF_ROLE, {
    "patroller": ("巡查员", "网格员", "专职网格员"),
    "manager": ("网格长",),
    "police": ("民警", "片警", "社区警务"),
    "informant": ("楼栋长", "楼长"),
})
DEVICE_STATUS_WORDS = _words(enums.DEVICE_STATUSES, labels.DEVICE_STATUS, {
    "online": ("正常",),
    "fault": ("异常", "损坏"),
})
DEPT_TIER_WORDS = _words(enums.DEPT_TIERS, labels.DEPT_TIER, {
    1: ("一级", "1级", "一"), 2: ("二级", "2级", "二"), 3: ("三级", "3级", "三"),
})
