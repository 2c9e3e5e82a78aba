"""Reading import files: text encoding (UTF-8, GBK/GB18030, UTF-16), CSV and .xlsx sheets, GeoJSON collections."""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from db.importers.vocab import column_map, normalize_header
from db.labels import IMPORT_FIELD, IMPORT_REASON as R

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # legacy .xls
_HEADER_SEARCH = 10   # exported sheets often carry a title row or two above the header
_ACCEPTED_CRS = ("crs84", "4326", "4490")   # WGS-84 lon/lat and CGCS2000 (same at our precision)


class FileProblem(Exception):
    """The file as a whole cannot be used; the message is the reason for a person."""


@dataclass
class Sheet:
    """Data rows of a tabular file keyed by field, with row numbers as the person sees them."""
    rows: list[tuple[int, dict[str, Any]]]
    present: frozenset[str]
    ignored: list[str]
    encoding: str
    problems: list[tuple[int, str]] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """Text and the name of its encoding: UTF-8 (BOM optional) first, strictly, then GB18030 (a superset of GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, name = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise FileProblem(R["utf16"]) from None
    else:
        try:
            text, name = data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as utf8_error:
            try:
                text, name = data.decode("gb18030"), "GBK/GB18030"
            except UnicodeDecodeError as gbk_error:
                raise FileProblem(R["encoding"].format(
                    utf8=data[:utf8_error.start].count(b"\n") + 1,
                    gbk=data[:gbk_error.start].count(b"\n") + 1)) from None
    if "\x00" in text:
        raise FileProblem(R["nul"])
    return text, name


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _csv_records(text: str) -> list[tuple[int, list[Any]]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Excel's "Unicode text" export is tab-separated; some European-locale tools use ';'.
    delimiter = max((",", "\t", ";"), key=first.count)
    # strict: an unclosed quote would otherwise swallow every later row into one cell without a word.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, record))
    except csv.Error:
        raise FileProblem(R["csv"].format(row=len(records) + 1)) from None
    return records


def _xlsx_records(data: bytes) -> list[tuple[int, list[Any]]]:
    import openpyxl   # only .xlsx uploads pay for the import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.active
        records = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)]
        book.close()
    # A damaged upload can fail anywhere inside the zip/XML stack; every such failure means the same to the user.
    except Exception:  # noqa: BLE001
        raise FileProblem(R["xlsx"]) from None
    return records


def map_names(names: Iterable[Any], kind: str) -> tuple[list[str | None], list[str], list[str]]:
    """Field per column (None if unknown), names of ignored columns, and reasons for columns naming one field twice."""
    names = list(names)
    known = column_map(kind)
    fields: list[str | None] = []
    ignored, problems = [], []
    first_at: dict[str, int] = {}
    for position, raw in enumerate(names):
        name = "" if raw is None else str(raw).strip()
        found = known.get(normalize_header(name)) if name else None
        if found in first_at:
            a = first_at[found]
            problems.append(R["duplicate_column"].format(a=a + 1, a_name=str(names[a]).strip(), b=position + 1,
                                                         b_name=name, field=IMPORT_FIELD[found]))
            found = None
        elif found:
            first_at[found] = position
        elif name:
            ignored.append(name)
        fields.append(found)
    return fields, ignored, problems


def _header_index(records: list[tuple[int, list[Any]]], kind: str, required: set[str]) -> int:
    for index, (_, record) in enumerate(records[:_HEADER_SEARCH]):
        if required <= set(map_names(record, kind)[0]):
            return index
    return 0


def read_sheet(data: bytes, kind: str, required: set[str]) -> Sheet:
    """A CSV (any of the accepted encodings) or .xlsx file as rows of field -> cell."""
    if not data.strip():
        raise FileProblem(R["empty"])
    if data.startswith(_OLE):
        raise FileProblem(R["xls"])
    if data.startswith(_ZIP):
        records, encoding = _xlsx_records(data), "xlsx"
    else:
        text, encoding = decode(data)
        records = _csv_records(text)
    records = [(n, r) for n, r in records if not all(_blank(c) for c in r)]
    if not records:
        raise FileProblem(R["empty"])
    at = _header_index(records, kind, required)
    header_row, header = records[at]
    fields, ignored, problems = map_names(header, kind)
    if problems:
        raise FileProblem("；".join(problems))
    missing = [f for f in IMPORT_FIELD if f in required and f not in fields]
    if missing:
        raise FileProblem(R["missing_columns"].format(columns="、".join(IMPORT_FIELD[f] for f in missing),
                                                      row=header_row))
    sheet = Sheet(rows=[], present=frozenset(f for f in fields if f), ignored=ignored, encoding=encoding)
    for number, record in records[at + 1:]:
        if any(not _blank(c) for c in record[len(fields):]):
            sheet.problems.append((number, R["extra_cells"].format(n=len(record), m=len(fields))))
        sheet.rows.append((number, {f: record[i] for i, f in enumerate(fields) if f and i < len(record)}))
    if not sheet.rows:
        raise FileProblem(R["no_rows"])
    return sheet


def _crs_name(doc: dict) -> str | None:
    crs = doc.get("crs")
    if crs is None:
        return None
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    return str(name if name is not None else crs)


def read_features(data: bytes) -> tuple[list[Any], str]:
    """The features of a GeoJSON FeatureCollection in lon/lat, and the file's encoding."""
    if not data.strip():
        raise FileProblem(R["empty"])
    text, encoding = decode(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(R["json"].format(line=exc.lineno, col=exc.colno)) from None
    found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
    if found != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise FileProblem(R["not_collection"].format(found=found))
    crs = _crs_name(doc)
    if crs is not None and not any(ok in crs.lower() for ok in _ACCEPTED_CRS):
        raise FileProblem(R["crs"].format(crs=crs[:80]))
    if not doc["features"]:
        raise FileProblem(R["no_rows"])
    return doc["features"], encoding
