"""Display helpers for the action pages: countdowns, badges, masked personal data, timelines, photos, map snippet."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard.clock import tz
from db import labels
from db.config import DATA_DIR, ROOT

L = labels.ACTION_PAGES
# Who needs reporters' names, phones and ID numbers: the people who take the call and dispatch it.
PERSONAL_DATA_ROLES = frozenset({"operator", "dispatcher"})
# Translucent, so rows stay readable on the dark command-room theme and on a light one alike.
WARN_COLOR, OVERDUE_COLOR = "rgba(255, 176, 32, 0.28)", "rgba(230, 57, 70, 0.35)"


def local(ts: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp as local (Asia/Shanghai) text; empty for None."""
    if ts is None or pd.isna(ts):
        return ""
    return ts.astimezone(tz()).strftime(fmt)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: str | None) -> str:
    """User text made inert inside Markdown: no emphasis, links, HTML, directives or emoji codes."""
    return _MD_SPECIAL.sub(r"\\\1", str(text or ""))


def name_code(name, code) -> str:
    return L["name_code"].format(name=name, code=code)


def can_see_personal(role: str | None) -> bool:
    return role in PERSONAL_DATA_ROLES


def mask_phone(phone: str | None) -> str:
    """138****1234: the first three and last four digits stay, the rest is hidden."""
    if not phone:
        return ""
    p = str(phone).strip()
    if len(p) <= 4:
        return "*" * len(p)
    if len(p) <= 7:
        return p[:1] + "*" * (len(p) - 3) + p[-2:]
    return p[:3] + "*" * (len(p) - 7) + p[-4:]


def mask_name(name: str | None) -> str:
    """张** : only the family name stays."""
    if not name:
        return ""
    n = str(name).strip()
    return n[:1] + "*" * max(len(n) - 1, 1)


def mask_id_no(id_no: str | None) -> str:
    """110***********1234: region prefix and the last four stay (enough to match a caller, not to identify)."""
    if not id_no:
        return ""
    s = str(id_no).strip()
    if len(s) <= 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def personal(row: dict, role: str | None) -> dict:
    """Reporter fields as the role may see them."""
    keys = ("reporter_name", "reporter_phone", "reporter_id_no")
    if can_see_personal(role):
        return {k: row.get(k) or "" for k in keys}
    return {"reporter_name": mask_name(row.get("reporter_name")),
            "reporter_phone": mask_phone(row.get("reporter_phone")),
            "reporter_id_no": mask_id_no(row.get("reporter_id_no"))}


def format_duration(seconds: float | None) -> str:
    """2天3小时 / 1小时05分 / 12分 (seconds dropped: deadlines are minutes)."""
    if seconds is None or pd.isna(seconds):
        return ""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return L["dur_days"].format(d=days, h=hours)
    if hours:
        return L["dur_hours"].format(h=hours, m=mins)
    return L["dur_minutes"].format(m=mins)


def countdown(deadline: datetime | None, now: datetime | None = None) -> str:
    """剩余 1小时05分 before the deadline, 超时 2天3小时 after it."""
    if deadline is None or pd.isna(deadline):
        return L["no_deadline"]
    now = now or datetime.now(timezone.utc)
    left = (deadline - now).total_seconds()
    key = "left" if left >= 0 else "overdue_by"
    return L[key].format(d=format_duration(left))


def due_badge(due: str | None) -> str:
    return {"overdue": L["badge_overdue"], "warning": L["badge_warning"]}.get(due or "", "")


def style_due(df: pd.DataFrame, due_col: str = "_due"):
    """Row colours for warning/overdue; the helper column stays hidden via column_order."""
    def paint(row):
        color = {"overdue": OVERDUE_COLOR, "warning": WARN_COLOR}.get(row[due_col], "")
        return [f"background-color: {color}" if color else ""] * len(row)
    return df.style.apply(paint, axis=1)


def badge_markdown(case: dict) -> list[str]:
    """Markdown badges for warning/overdue and supervision (labels only: no user text goes into markdown)."""
    out = []
    if case.get("due") == "overdue":
        out.append(f":red-badge[{L['badge_overdue']}]")
    elif case.get("due") == "warning":
        out.append(f":orange-badge[{L['badge_warning']}]")
    if case.get("supervised"):
        out.append(f":violet-badge[{L['badge_supervised']}]")
    return out


def timeline_frame(steps: list[dict]) -> pd.DataFrame:
    """One row per step of db.workflow.timeline(): who, when, time used (wall clock and case clock), on time."""
    rows = []
    for s in steps:
        rows.append({
            L["col_seq"]: s["seq"], L["col_action"]: s["action_label"], L["col_to_state"]: s["state_label"],
            L["col_actor"]: s.get("actor_name") or "", L["col_dept"]: s.get("dept_name") or "",
            L["col_started"]: local(s["started_at"]),
            L["col_ended"]: L["open_step"] if s["open"] else local(s["ended_at"]),
            L["col_duration"]: "" if s["event"] else format_duration(s["elapsed_minutes"] * 60),
            L["col_work_minutes"]: "" if s["event"] or s["working_minutes"] is None else str(s["working_minutes"]),
            L["col_deadline"]: local(s["deadline_at"]), L["col_on_time"]: s.get("status_label") or "",
            L["col_note"]: s.get("note") or "",
        })
    return pd.DataFrame(rows)


def photo_urls(value) -> list[str]:
    """URLs/paths from a photos JSONB value (a list of strings or of {url: ...} objects)."""
    if not value:
        return []
    items = value if isinstance(value, list) else [value]
    urls = []
    for item in items:
        url = item.get("url") if isinstance(item, dict) else item
        if isinstance(url, str) and url:
            urls.append(url)
    return urls


def displayable(url: str) -> str | None:
    """An http(s) URL for the browser to fetch, or a stored upload; anything else (other local paths) is refused."""
    if url.startswith(("http://", "https://")):
        return url
    path = (ROOT / url).resolve()
    uploads = (DATA_DIR / "uploads").resolve()
    return str(path) if path.is_relative_to(uploads) and path.is_file() else None


def show_thumbnails(urls: list[str], captions: list[str] | None = None, width: int = 160) -> None:
    """Thumbnails by URL (the browser fetches them) or from .data/uploads/; never bytes from the database."""
    if not urls:
        st.caption(L["no_photos"])
        return
    cols = st.columns(min(len(urls), 4))
    for i, url in enumerate(urls):
        with cols[i % len(cols)]:
            target = displayable(url)
            if target is None:
                st.caption(L["photo_missing"].format(url=md(url)))
            else:
                st.image(target, width=width, caption=(captions[i] if captions else None))


def case_map(lon: float | None, lat: float | None, workers: list[dict] | None = None,
             boundary: dict | None = None) -> pdk.Deck | None:
    """A small map with no base map (offline on a government network): the case, its grid, nearby workers."""
    if lon is None or lat is None:
        return None
    layers = []
    if boundary:
        layers.append(pdk.Layer("GeoJsonLayer", data={"type": "Feature", "geometry": boundary, "properties": {}},
                                stroked=True, filled=True, get_fill_color=[60, 120, 200, 40],
                                get_line_color=[60, 120, 200], line_width_min_pixels=1))
    if workers:
        layers.append(pdk.Layer("ScatterplotLayer", data=[{"lon": w["lon"], "lat": w["lat"], "name": w["name"]}
                                                          for w in workers],
                                get_position=["lon", "lat"], get_fill_color=[30, 150, 60], radius_min_pixels=5))
    layers.append(pdk.Layer("ScatterplotLayer", data=[{"lon": lon, "lat": lat, "name": L["this_case"]}],
                            get_position=["lon", "lat"], get_fill_color=[220, 40, 40], radius_min_pixels=8))
    view = pdk.ViewState(longitude=lon, latitude=lat, zoom=15)
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip={"text": "{name}"})
