"""GB/T 28181 Alarm NOTIFY XML on gb28181/{platform}/alarm: UTF-8 or GB2312/GBK bytes, 2011 and 2016 layouts."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

from db import labels
from ingest.formats.common import Context, R, topic_ref
from ingest.formats.grid import attach_alert
from ingest.message import Incoming, Invalid, Parsed
from ingest.values import check_ts, iso

L = labels.INGEST_GB28181
LOCAL = ZoneInfo("Asia/Shanghai")
DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)[\"'][^>]*\?>")
STRIP_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "euc-cn", "x-gbk"}
# Mainland China with a margin: devices send 0/0 or vendor placeholders when they have no fix.
CHINA = (73.0, 3.0, 136.0, 54.0)
ASCII_INT = re.compile(r"[0-9]{1,12}")


def decode(payload: bytes) -> tuple[str, str]:
    """(text, encoding used). The declared encoding first, then the other family; devices often mislabel."""
    if payload.startswith(b"\xef\xbb\xbf"):
        payload = payload[3:]
    found = DECLARATION.match(payload)
    declared = found.group(1).decode("ascii").lower() if found else "utf-8"
    order = ["gb18030", "utf-8"] if declared in GB_FAMILY else ["utf-8", "gb18030"]
    for encoding in order:
        try:
            return payload.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise Invalid(R["gb_encoding"].format(declared=declared))


def _parse_xml(text: str) -> ET.Element:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise Invalid(R["gb_doctype"])
    try:
        return ET.fromstring(STRIP_DECLARATION.sub("", text, count=1))
    except ET.ParseError as exc:
        line, col = exc.position
        raise Invalid(R["bad_xml"].format(line=line, col=col)) from None


def _text(root: ET.Element, path: str) -> str | None:
    node = root.find(path)
    return node.text.strip() if node is not None and node.text and node.text.strip() else None


def _int(root: ET.Element, path: str, lo: int, hi: int, required: bool = True) -> int | None:
    value = _text(root, path)
    if value is None:
        if required:
            raise Invalid(R["missing"].format(field=path))
        return None
    # ASCII digits only, and few of them: str.isdigit() admits "²" (int() refuses it) and 5,000-digit numbers
    # exceed int()'s digit limit.
    if not ASCII_INT.fullmatch(value) or not lo <= int(value) <= hi:
        raise Invalid(R["gb_range"].format(field=path, value=value[:20], lo=lo, hi=hi))
    return int(value)


def _alarm_time(root: ET.Element, ctx: Context) -> tuple[datetime, str]:
    value = _text(root, "AlarmTime")
    if value is None:
        raise Invalid(R["missing"].format(field="AlarmTime"))
    try:
        local = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise Invalid(R["ts_bad"].format(field="AlarmTime", value=value[:40])) from None
    # The standard's AlarmTime is local time without a zone: read it as Beijing time.
    aware = local.replace(tzinfo=LOCAL) if local.tzinfo is None else local
    return check_ts(aware, ctx.now, ctx.settings.max_future_s, "AlarmTime"), value


def _position(root: ET.Element) -> tuple[float | None, float | None, bool]:
    """(lon, lat, ignored): a position outside China (or 0/0) is ignored and the camera's is used."""
    lon_s, lat_s = _text(root, "Longitude"), _text(root, "Latitude")
    if lon_s is None or lat_s is None:
        return None, None, False
    try:
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise Invalid(R["gb_coords"].format(lon=lon_s[:20], lat=lat_s[:20])) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid(R["gb_coords"].format(lon=lon_s[:20], lat=lat_s[:20]))
    inside = CHINA[0] <= lon <= CHINA[2] and CHINA[1] <= lat <= CHINA[3]
    return (lon, lat, False) if inside else (None, None, True)


def _alarm_type(root: ET.Element) -> tuple[int | None, str]:
    """AlarmType under <Info> (2016), at the top level (some vendors), or absent (2011)."""
    for path, layout in (("Info/AlarmType", "2016"), ("AlarmType", "top_level")):
        if root.find(path) is not None:
            return _int(root, path, 0, 999, required=False), layout
    return None, "2011"


def parse(msg: Incoming, ctx: Context, platform: str) -> Parsed:
    text, encoding = decode(msg.payload)
    root = _parse_xml(text)
    cmd = _text(root, "CmdType")
    if root.tag != "Notify" or cmd != "Alarm":
        raise Invalid(R["gb_not_alarm"].format(root=root.tag[:40], cmd=(cmd or "-")[:40]))
    device_id = _text(root, "DeviceID") or ""
    if not re.fullmatch(r"[0-9]{20}", device_id):
        raise Invalid(R["gb_device_id"].format(value=device_id[:40]))
    sn = _int(root, "SN", 0, 2**32)
    priority = _int(root, "AlarmPriority", 1, 4)
    method = _int(root, "AlarmMethod", 1, 7)
    at, local_text = _alarm_time(root, ctx)
    alarm_type, layout = _alarm_type(root)
    lon, lat, ignored = _position(root)
    type_code = f"{method}-{alarm_type}" if alarm_type is not None else str(method)
    device_type = device_id[10:13]
    description = _text(root, "AlarmDescription")
    data = {
        "platform": platform, "device_id": device_id, "device_type": device_type,
        "device_type_name": L["device_type"].get(device_type), "sn": sn, "priority": priority,
        "priority_name": L["priority"][priority], "method": method, "method_name": L["method"][method],
        "alarm_type": alarm_type, "alarm_type_name": L["alarm_type"].get(type_code), "layout": layout,
        "event_type": _text(root, "Info/AlarmTypeParam/EventType"), "alarm_time_local": local_text,
        "alarm_time": iso(at), "description": description[:500] if description else None,
        "lon": lon, "lat": lat, "encoding": encoding,
    }
    key = f"gb28181:{device_id}:{local_text}:{sn}"
    p = Parsed("gb28181_alarm", key, at, data)
    if ignored:
        p.flags["coords_outside_china"] = True
    camera = ctx.registry.camera(device_id, "gb28181")
    if camera is None:
        p.flag_unknown("unknown_camera", "camera", "gb28181", device_id)
    mapped = ctx.registry.alert_type("gb28181", type_code) or (
        ctx.registry.alert_type("gb28181", str(method)) if alarm_type is not None else None)
    if mapped is None:
        p.flag_unknown("unknown_alert_type", "alert_type", "gb28181", type_code)
    data["mapped_type"] = mapped
    attach_alert(p, camera, alert_key=key, camera_ref=device_id, alert_type=mapped or f"gb28181:{type_code}",
                 event_at=at, priority=priority, lon=lon, lat=lat, vendor="gb28181")
    return p


def parse_topic(msg: Incoming, ctx: Context, levels: list[str]) -> Parsed:
    """levels: the topic after the GB/T 28181 prefix: [platform_id, "alarm"]."""
    if len(levels) != 2 or levels[1] != "alarm":
        raise Invalid(R["unknown_topic"].format(topic=msg.topic[:200]))
    return parse(msg, ctx, topic_ref(levels[0], "platform"))
