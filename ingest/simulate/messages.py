"""Simulated messages: content decided in advance (deterministic), time stamped when published."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from db import labels

BEIJING = timezone(timedelta(hours=8))
SHANGHAI = ZoneInfo("Asia/Shanghai")
GB_TEMPLATE = """<?xml version="1.0" encoding="GB2312" standalone="yes" ?>
<Notify>
<CmdType>Alarm</CmdType>
<SN>{sn}</SN>
<DeviceID>{device}</DeviceID>
<AlarmPriority>{priority}</AlarmPriority>
<AlarmMethod>{method}</AlarmMethod>
<AlarmTime>{time}</AlarmTime>
<AlarmDescription>{description}</AlarmDescription>
{info}</Notify>
"""
INFO = "<Info>\n<AlarmType>{}</AlarmType>\n</Info>\n"


@dataclass(frozen=True)
class Out:
    """One message. topic: below the contract prefix ("terminal/XC0001/position"), or below the GB/T 28181
    prefix when gb is set. ts_format: how the publish time goes into `ts` ("iso" +08:00, "ms" epoch
    milliseconds, None: no ts)."""
    topic: str
    payload: dict = field(default_factory=dict)
    ts_format: str | None = "iso"
    gb: dict | None = None

    def render(self, now: datetime) -> bytes:
        if self.gb is not None:
            local = now.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")
            gb = {k: v for k, v in self.gb.items() if k != "alarm_type"}
            info = INFO.format(self.gb["alarm_type"]) if self.gb.get("alarm_type") else ""
            xml = GB_TEMPLATE.format(time=local, description=labels.INGEST_SIM["gb_description"], info=info, **gb)
            return xml.encode("gb2312")
        body = dict(self.payload)
        if self.ts_format == "iso":
            body["ts"] = now.astimezone(BEIJING).isoformat(timespec="milliseconds")
        elif self.ts_format == "ms":
            body["ts"] = round(now.timestamp() * 1000)
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def full_topic(self, settings) -> str:
        if self.gb is not None:
            return f"{settings.gb28181_prefix}/{self.topic}"
        return f"{settings.topic_prefix}/v1/{self.topic}"

    def stable(self) -> tuple:
        """Everything but the time: what the same seed must reproduce."""
        return self.topic, json.dumps(self.payload, sort_keys=True, ensure_ascii=False), self.ts_format, \
            json.dumps(self.gb, sort_keys=True)
