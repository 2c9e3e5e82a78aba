"""Cell parsers for import rows: raw cell in, typed value out, or ValueError carrying a Chinese reason."""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from db.importers.vocab import normalize_word
from db.labels import IMPORT_REASON as R

Parser = Callable[[Any], Any]

_SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]+)?e\+?[0-9]+$", re.IGNORECASE)
_CODE = re.compile(r"^[0-9A-Za-z_.\-]{1,64}$")
_PHONE_CHARS = re.compile(r"^[0-9 ()\-+]+$")
# Excel keeps 15 significant digits: a bigger integral float has already lost digits.
_EXACT_FLOAT = 1e15


def clean(value: Any) -> str | None:
    """The cell as trimmed text; None when blank. JSON numbers arrive as int/float, spreadsheet cells too."""
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise ValueError(R["not_scalar"])
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT:
        value = int(value)
    text = str(value).strip()
    return text or None


def _fold(text: str) -> str:
    """Full-width digits, letters and punctuation typed with a Chinese IME, folded to ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def _blank(required: bool, default: Any = None) -> Any:
    if required:
        raise ValueError(R["required"])
    return default


def text(required: bool = False, max_len: int = 200) -> Parser:
    def parse(value: Any) -> str | None:
        s = clean(value)
        if s is None:
            return _blank(required)
        if len(s) > max_len:
            raise ValueError(R["too_long"].format(n=max_len))
        return s
    return parse


def code(required: bool = True) -> Parser:
    """A free-form identifier (grid, department, staff codes): letters, digits and - _ . only."""
    def parse(value: Any) -> str | None:
        s = clean(value)
        if s is None:
            return _blank(required)
        s = _fold(s)
        if _SCIENTIFIC.match(s):
            raise ValueError(R["excel_sci"])
        if not _CODE.match(s):
            raise ValueError(R["code_chars"])
        return s
    return parse


def digits(n: int, required: bool = True) -> Parser:
    """A fixed-length numeric code kept as text (12-digit area codes, 20-digit GB/T 28181 IDs)."""
    pattern = re.compile(rf"^[0-9]{{{n}}}$")

    def parse(value: Any) -> str | None:
        s = clean(value)
        if s is None:
            return _blank(required)
        s = _fold(s)
        if pattern.match(s):
            return s
        reason = R["digits"].format(n=n)
        if _SCIENTIFIC.match(s):
            reason += "，" + R["excel_sci"]
        raise ValueError(reason)
    return parse


def _number(value: Any) -> float | None:
    s = clean(value)
    if s is None:
        return None
    try:
        number = float(_fold(s).replace(",", ""))
    except ValueError:
        raise ValueError(R["number"]) from None
    if not math.isfinite(number):
        raise ValueError(R["number"])
    return number


def number(lo: float, hi: float, required: bool = False) -> Parser:
    def parse(value: Any) -> float | None:
        x = _number(value)
        if x is None:
            return _blank(required)
        if not lo <= x <= hi:
            raise ValueError(R["range"].format(lo=lo, hi=hi))
        return x
    return parse


def integer(lo: int, hi: int, required: bool = False, default: int | None = None) -> Parser:
    def parse(value: Any) -> int | None:
        try:
            x = _number(value)
        except ValueError:
            raise ValueError(R["integer"]) from None
        if x is None:
            return _blank(required, default)
        if not x.is_integer():
            raise ValueError(R["integer"])
        if not lo <= x <= hi:
            raise ValueError(R["range"].format(lo=lo, hi=hi))
        return int(x)
    return parse


def choice(words: dict[str, Any], options: str, required: bool = False, default: Any = None) -> Parser:
    """An enumeration given as its English code or a Chinese word (see db.importers.vocab)."""
    def parse(value: Any) -> Any:
        s = clean(value)
        if s is None:
            return _blank(required, default)
        found = words.get(normalize_word(s))
        if found is None:
            raise ValueError(R["choice"].format(value=s[:40], options=options))
        return found
    return parse


def phone(required: bool = False) -> Parser:
    """Mobile, landline with extension or short service number; the value itself never goes into a reason."""
    def parse(value: Any) -> str | None:
        s = clean(value)
        if s is None:
            return _blank(required)
        s = _fold(s)
        digit_count = sum(ch.isdigit() for ch in s)
        if not _PHONE_CHARS.match(s) or not 3 <= digit_count <= 20:
            raise ValueError(R["phone"])
        return s
    return parse
