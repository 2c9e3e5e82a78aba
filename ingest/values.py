"""Shared checks of message values: JSON objects, timestamps, coordinates and pydantic errors, as Chinese reasons."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ValidationError

from db import labels
from ingest.message import Invalid

R = labels.INGEST_REASON
UTC = timezone.utc
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_JSON_AT = re.compile(r"line (\d+) column (\d+)")

_EXPECTED = {
    "float_type": "number", "int_type": "integer", "int_from_float": "integer", "string_type": "string",
    "bool_type": "boolean", "list_type": "array", "dict_type": "object", "model_type": "object",
    "datetime_type": "string", "float_parsing": "number", "int_parsing": "integer", "int_parsing_size": "integer",
    "bool_parsing": "boolean",
}
# Where pydantic names a union branch or a wrapper in an error location (not a field of the message).
_BRANCH = re.compile(r"^(str|int|float|bool|list\[.*|(constrained|function|lax|strict|json-or-python|nullable|"
                     r"tagged-union|chain|default)[-\[].*)$")


def _reject_constant(name: str) -> Any:
    raise Invalid(R["json_constant"].format(value=name))


# One decoder for the process: json.loads(..., parse_constant=...) would build a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def decode_utf8(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(R["bad_utf8"].format(pos=exc.start)) from None


def json_object(payload: bytes) -> dict:
    """The payload as a JSON object, or Invalid with the position of the error."""
    text = decode_utf8(payload)
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise Invalid(R["bad_json"].format(detail=exc.msg, line=exc.lineno, col=exc.colno)) from None
    except RecursionError:
        raise Invalid(R["json_too_deep"]) from None
    except ValueError:   # an integer of more than sys.get_int_max_str_digits() digits
        raise Invalid(R["json_big_number"]) from None
    if not isinstance(value, dict):
        raise Invalid(R["not_object"])
    return value


def reason_of(exc: ValidationError) -> str:
    """One Chinese sentence per faulty field. The branches of a union (`id`: string or integer) fold into one:
    a value of neither type is "应为字符串或整数"; a value of the right type but out of bounds says so."""
    fields: dict[str, list[dict]] = {}
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and _BRANCH.match(p))]
        fields.setdefault(".".join(str(p) for p in loc) or "-", []).append(err)
    return "；".join(_field_reason(name, errs) for name, errs in fields.items())


def _field_reason(name: str, errs: list[dict]) -> str:
    if len(errs) > 1 and all(e["type"] in _EXPECTED for e in errs):
        names = dict.fromkeys(labels.INGEST_JSON_TYPE[_EXPECTED[e["type"]]] for e in errs)
        return R["wrong_type"].format(field=name, expected=labels.INGEST_TYPE_OR.join(names))
    err = next((e for e in errs if e["type"] not in _EXPECTED), errs[0])
    return _one_reason(name, err)


def _one_reason(name: str, err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "json_invalid":
        found = _JSON_AT.search(str(ctx.get("error", "")))
        line, col = found.groups() if found else ("?", "?")
        return R["json_too_deep"] if "recursion" in str(ctx.get("error", "")) else R["bad_json_at"].format(
            line=line, col=col)
    if kind in ("model_type", "model_attributes_type") and name == "-":
        return R["not_object"]
    if kind == "timezone_aware":
        return R["ts_no_zone"].format(field=name, value=str(err.get("input"))[:40])
    if kind.startswith("datetime") or kind.startswith("date_"):
        return R["ts_bad"].format(field=name, value=str(err.get("input"))[:40])
    if kind == "missing":
        return R["missing"].format(field=name)
    if kind in _EXPECTED:
        return R["wrong_type"].format(field=name, expected=labels.INGEST_JSON_TYPE[_EXPECTED[kind]])
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return R["out_of_range"].format(field=name, op=labels.INGEST_BOUND[kind], bound=bound)
    if kind == "finite_number":
        return R["not_finite"].format(field=name)
    if kind == "literal_error":
        return R["choice"].format(field=name, expected=ctx.get("expected", ""))
    if kind in ("string_too_long", "too_long"):
        return R["too_long"].format(field=name, n=ctx.get("max_length", ""))
    if kind in ("string_too_short", "too_short"):
        return R["empty"].format(field=name)
    if kind == "ingest":
        return err["msg"]
    return R["bad_value"].format(field=name, detail=err["msg"])


def validate_json(model: type[BaseModel], payload: bytes) -> Any:
    """Parse and validate in one pass (pydantic-core): the fast path for our own contract."""
    if b"NaN" in payload or b"Infinity" in payload:
        json_object(payload)   # pydantic would accept them in ignored fields; JSON (RFC 8259) has no such values
    text = decode_utf8(payload)
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise Invalid(reason_of(exc)) from None


def validate(model: type[BaseModel], data: dict) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(reason_of(exc)) from None


def check_ts(dt: datetime, now: datetime, max_future_s: int, field: str = "ts") -> datetime:
    """The aware time in UTC, or Invalid when before 2000 or too far ahead of `now`."""
    try:
        dt = dt.astimezone(UTC)
    except OverflowError:   # e.g. 9999-12-31T23:59:59-14:00 or 0001-01-01T00:00:00+08:00
        raise Invalid(R["ts_range"].format(field=field, value=dt.isoformat()[:40])) from None
    if dt < EARLIEST:
        raise Invalid(R["ts_past"].format(field=field, ts=dt.isoformat()))
    if dt > now + timedelta(seconds=max_future_s):
        minutes = int((dt - now).total_seconds() // 60)
        raise Invalid(R["ts_future"].format(field=field, ts=dt.isoformat(), minutes=minutes))
    return dt


def from_epoch(value: float, field: str) -> datetime:
    """Unix seconds as an aware UTC time, or Invalid when no date can hold them."""
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise Invalid(R["ts_range"].format(field=field, value=str(value)[:40])) from None


def lonlat_pair(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise Invalid(R["lonlat_pair"])


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None
