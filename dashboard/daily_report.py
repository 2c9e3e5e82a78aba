"""The daily status report as data, as an Excel workbook (openpyxl) and as a printable HTML page."""
from __future__ import annotations

import io
from datetime import date, datetime
from html import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from dashboard import clock
from db import labels

D, C = labels.DAILY, labels.COMMON
RANK_BYS = ("dept", "street", "grid")


def metric_rows(summary: dict) -> list[tuple[str, str]]:
    """(指标, 数值) pairs shown on the page and in both exports."""
    a, b, i = summary["assessment"], summary["backlog"], summary["intake"]
    rows = [(D["intake"], str(i["total"]))]
    rows += [(f'{D["intake"]} · {labels.CASE_SOURCE.get(s, s)}', str(n)) for s, n in sorted(i["by_source"].items())]
    rows += [(D["due"], str(a["due"])), (D["close_rate"], clock.percent(a["close_rate"])),
             (D["ontime_rate"], clock.percent(a["ontime_close_rate"])),
             (D["rework_rate"], clock.percent(a["rework_rate"])),
             (D["checkin_rate"], clock.percent(a["checkin_ontime_rate"])),
             (D["satisfaction"], clock.percent(a["satisfied_rate"])),
             (D["satisfaction_avg"], C["na"] if a["satisfaction"] is None else f'{a["satisfaction"]:.2f}'),
             (D["backlog"], str(sum(n for s, n in b["by_state"].items() if s != "parked"))),
             (labels.CASE_STATE["parked"], str(b["by_state"].get("parked", 0))),
             (D["overdue"], str(b["overdue"])), (D["warning"], str(b["warning"]))]
    rows += [(f'{D["backlog"]} · {labels.CASE_STATE[s]}', str(n)) for s, n in b["by_state"].items()]
    return rows


def _or_na(value):
    """A figure without a denominator reads "—" in the exports, never a blank that looks like zero."""
    return C["na"] if value is None else value


def ranking_rows(rows: list[dict]) -> list[list]:
    """Graded units first with their rank; units with nothing due follow, marked 无数据."""
    return [[_or_na(r["rank"]), r["name"], _or_na(r["score"]), r["grade"] or D["no_data"], _or_na(r["ontime_rate"]),
             _or_na(r["close_rate"]), _or_na(r["rework_rate"]), r["cases"]] for r in rows]


def trend_rows(trend: list[dict]) -> list[list]:
    return [[r["day"].isoformat(), r["reported"], r["closed"], _or_na(r["ontime_rate"])] for r in trend]


RANK_HEAD = ("col_rank", "col_name", "col_score", "col_grade", "ontime_rate", "close_rate", "rework_rate",
             "col_count")


def _title(district: str, first: date, last: date) -> tuple[str, str]:
    return (D["report_title"].format(district=district),
            D["report_period"].format(start=first.isoformat(), end=last.isoformat()))


def to_xlsx(district: str, first: date, last: date, summary: dict, rankings: dict, trend: list[dict],
            generated: datetime) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = D["sheet_summary"]
    title, period = _title(district, first, last)
    ws.append([title])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([period])
    ws.append([D["report_generated"].format(t=clock.local(generated, "%Y-%m-%d %H:%M"))])
    ws.append([])
    ws.append([D["metric"], D["value"]])
    for label, value in metric_rows(summary):
        ws.append([label, value])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 28, 16
    head_fill = PatternFill("solid", fgColor="DDE7F5")
    for by in RANK_BYS:
        sheet = wb.create_sheet(f'{D["sheet_rankings"]}-{D["by"][by]}')
        sheet.append([D[k] for k in RANK_HEAD])
        for row in ranking_rows(rankings.get(by, [])):
            sheet.append(row)
        sheet.column_dimensions["B"].width = 24
        for cell in sheet[1]:
            cell.font, cell.fill = Font(bold=True), head_fill
    trend_ws = wb.create_sheet(D["sheet_trend"])
    trend_ws.append([D["col_day"], D["trend_intake"], D["trend_closed"], D["trend_ontime"]])
    for row in trend_rows(trend):
        trend_ws.append(row)
    for sheet in (ws, trend_ws):
        for cell in sheet[5 if sheet is ws else 1]:
            cell.font, cell.fill, cell.alignment = Font(bold=True), head_fill, Alignment(horizontal="center")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#111}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 6px;border-left:4px solid #1f6fd1;padding-left:6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #999;padding:3px 6px;text-align:left}
th{background:#e6eef9}.meta{color:#444;font-size:13px}@media print{body{margin:10mm}h2{break-after:avoid}
table{break-inside:auto}tr{break-inside:avoid}}"""


def _table(head: list[str], rows: list[list]) -> str:
    cells = "".join(f"<th>{escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def to_html(district: str, first: date, last: date, summary: dict, rankings: dict, trend: list[dict],
            generated: datetime) -> str:
    title, period = _title(district, first, last)
    parts = [f"<h1>{escape(title)}</h1><div class='meta'>{escape(period)}　"
             f"{escape(D['report_generated'].format(t=clock.local(generated, '%Y-%m-%d %H:%M')))}</div>",
             f"<h2>{escape(D['sheet_summary'])}</h2>",
             _table([D["metric"], D["value"]], [list(r) for r in metric_rows(summary)])]
    for by in RANK_BYS:
        parts += [f"<h2>{escape(D['rankings'])} · {escape(D['by'][by])}</h2>",
                  _table([D[k] for k in RANK_HEAD], ranking_rows(rankings.get(by, [])))]
    parts += [f"<h2>{escape(D['trends'])}</h2>",
              _table([D["col_day"], D["trend_intake"], D["trend_closed"], D["trend_ontime"]],
                     trend_rows(trend))]
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")
