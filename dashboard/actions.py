"""Thin glue from the action pages to the writers: the case workflow engine, importers, admin edits; clears caches."""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from PIL import Image, UnidentifiedImageError
from sqlalchemy import insert

import db.workflow as wf
from dashboard import cached, cached_cases as cc, queries_admin as qa
from db import importers, labels
from db.config import DATA_DIR, ROOT
from db.engine import get_engine
from db.schema import audit_log

L = labels.ACTION_PAGES
UPLOAD_DIR = DATA_DIR / "uploads"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000       # refuse decompression bombs before Pillow decodes them
# Whistle actions go through the engine's whistle API, which finds the case from the whistle.
WHISTLE_CALLS = {"whistle_checkin": wf.check_in, "whistle_progress": wf.report_progress,
                 "whistle_result": wf.report_result, "whistle_return": wf.return_whistle}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    code: str | None = None


def actor_of(user: dict) -> wf.Actor:
    return wf.Actor(user_id=user["id"], username=user["username"], role=user["role"], dept_id=user.get("dept_id"),
                    staff_id=user.get("staff_id"), display_name=user.get("display_name") or "")


def clear_case_caches() -> None:
    """After a case write: the action pages' caches and the wall's counts, points and whistles."""
    for fn in cc.CASE_CACHES + cached.WALL_CASE_CACHES:
        fn.clear()


def clear_admin_caches() -> None:
    """After an import or an admin edit: reference tables, grid assets, staff lists and the engine's caches."""
    for fn in cc.ADMIN_CACHES + cached.REFERENCE_CACHES:
        fn.clear()
    wf.invalidate_caches()      # the engine caches departments, categories and calendars too


def _done(result: wf.StepResult) -> Outcome:
    return Outcome(True, L["act_done"].format(action=labels.WF_ACTION.get(result.action, result.action),
                                              code=result.code,
                                              state=labels.CASE_STATE.get(result.to_state, result.to_state)),
                   result.code)


def _guarded(call, *args, **kwargs) -> Outcome:
    """Run one engine call; a refusal becomes the engine's Chinese message, never a traceback."""
    try:
        result = call(*args, **kwargs)
    except wf.WorkflowError as refused:
        return Outcome(False, refused.message)
    clear_case_caches()
    if isinstance(result, wf.CaseRef):
        return Outcome(True, L["act_split_done"].format(code=result.code), result.code)
    return _done(result)


def act(url: str, user: dict, case: int | str, action: str, **params) -> Outcome:
    """One case action. params as the engine documents them; pass expected_version to refuse stale views."""
    params = {k: v for k, v in params.items() if v is not None}
    engine, actor = get_engine(url), actor_of(user)
    if action == "whistle":
        return _guarded(wf.blow_whistle, engine, case, actor, **params)
    if action == "merge":
        return _guarded(wf.merge_cases, engine, case, params["other"], actor, params.get("reason") or "")
    if action == "alert_split":
        return _guarded(wf.split_alert, engine, params["alert_id"], actor, params.get("reason") or "")
    return _guarded(wf.perform, engine, case, action, actor, **params)


def whistle_act(url: str, user: dict, action: str, whistle_id: int, dept_id: int, **params) -> Outcome:
    """A department's check-in, progress, result or return on its own whistle row."""
    params = {k: v for k, v in params.items() if v is not None}
    return _guarded(WHISTLE_CALLS[action], get_engine(url), whistle_id, dept_id, actor_of(user), **params)


BATCH_OPS = ("accept", "merge", "cancel")


def batch(url: str, user: dict, rows: list[dict], op: str, reason: str) -> list[tuple[str, Outcome]]:
    """Accept, merge (into the first row) or cancel several cases; each is its own transaction and verdict."""
    if op == "merge":
        keep, others = rows[0], rows[1:]
        return [(r["code"], act(url, user, keep["code"], "merge", other=r["code"], reason=reason)) for r in others]
    out = []
    for r in rows:
        if op == "accept":
            action, params = "accept", {"note": reason or None}
        elif r["state"] in ("reported", "accepted"):
            action, params = "reject", {"reason": reason}       # 不予立案: cancelled before filing
        else:
            action, params = "request_cancel", {"reason": reason}   # later: 作废 needs the dispatcher's approval
        out.append((r["code"], act(url, user, r["code"], action, expected_version=r["version"], **params)))
    return out


# --- uploads ----------------------------------------------------------------------------------------


class UploadRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def save_photo(data: bytes, filename: str) -> str:
    """Check an uploaded photo (size, real image type) and store it under .data/uploads/; returns its path."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRejected(L["upload_too_big"].format(mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind = img.format
            if img.width * img.height > MAX_PIXELS:
                raise UploadRejected(L["upload_bad_type"].format(name=filename))
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadRejected(L["upload_bad_type"].format(name=filename)) from None
    if kind not in IMAGE_TYPES:
        raise UploadRejected(L["upload_bad_type"].format(name=filename))
    day = datetime.now(timezone.utc).strftime("%Y%m%d")
    folder = UPLOAD_DIR / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.{IMAGE_TYPES[kind]}"
    path.write_bytes(data)
    return str(path.relative_to(ROOT))


def save_photos(files) -> tuple[list[str], list[str]]:
    """Stored paths and refusal messages for Streamlit UploadedFile objects."""
    paths, errors = [], []
    for f in files or []:
        try:
            paths.append(save_photo(f.getvalue(), f.name))
        except UploadRejected as refused:
            errors.append(refused.message)
    return paths, errors


# --- basic data ---------------------------------------------------------------------------------------


def run_import(url: str, user: dict, kind: str, data: bytes, filename: str) -> importers.ImportResult:
    result = importers.import_file(get_engine(url), kind, data, filename=filename, actor=user["username"],
                                   user_id=user["id"])
    if result.ok:
        clear_admin_caches()
    return result


def admin_edit(url: str, user: dict, fn_name: str, *args, **kwargs) -> Outcome:
    """update_department, update_category_limits, set/delete_calendar_day, register_camera, map_to_staff,
    map_alert_type from queries_admin, audited there; refusals come back as messages."""
    who = {"user_id": user["id"], "username": user["username"]}
    try:
        getattr(qa, fn_name)(get_engine(url), *args, actor=who, **kwargs)
    except qa.AdminError as refused:
        return Outcome(False, refused.message)
    clear_admin_caches()
    return Outcome(True, L["saved"])


def audit_export(url: str, user: dict, what: str, rows: int) -> None:
    """Exports of case lists are recorded: they may carry personal data out of the system."""
    with get_engine(url).begin() as conn:
        conn.execute(insert(audit_log).values(user_id=user["id"], username=user["username"], action="export",
                                              target_kind=what, detail={"rows": rows}))
