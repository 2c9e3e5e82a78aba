"""Building a new case row and its first step (上报) from a report, alert or self-handled registration."""
from __future__ import annotations

from datetime import datetime

from db.enums import CASE_LEVELS, CASE_SOURCES, URGENCIES, WORK_KINDS
from db.workflow.core import HANDLERS, CaseState, Change, build_change, err
from db.workflow.errors import ValidationError
from db.workflow.handlers import clock_fields
from db.workflow.model import Actor
from db.workflow.refdata import RefData

CASE_FIELDS = ("source", "title", "category_code", "description", "lon", "lat", "grid_id", "urgency",
               "reported_at", "source_ref", "photos", "reporter_name", "reporter_phone", "reporter_id_no",
               "address", "level", "work_kind", "district_code")


def _place(ref: RefData, f: dict) -> dict:
    grid_id = f.get("grid_id")
    if grid_id is None and f.get("lon") is not None and f.get("lat") is not None:
        grid_id = ref.locate(float(f["lon"]), float(f["lat"]))
    if grid_id is not None and int(grid_id) not in ref.grids:
        raise ValidationError(err("grid_unknown", value=grid_id))
    grid = ref.grids.get(int(grid_id)) if grid_id is not None else None
    district = f.get("district_code") or (grid and grid["district_code"]) or (
        ref.districts[0] if len(ref.districts) == 1 else None)
    if not district:
        raise ValidationError(err("district_unknown"))
    return {"grid_id": int(grid_id) if grid_id is not None else None, "district_code": district,
            "community_code": grid and grid["community_code"], "street_code": grid and grid["street_code"]}


def _validate(f: dict) -> None:
    if f["source"] not in CASE_SOURCES:
        raise ValidationError(err("bad_source", value=f["source"]))
    if not (f.get("title") or "").strip():
        raise ValidationError(err("title_required"))
    if f["urgency"] not in URGENCIES:
        raise ValidationError(err("bad_urgency"))
    if f["level"] not in CASE_LEVELS:
        raise ValidationError(err("bad_level", value=f["level"]))
    if f["work_kind"] is not None and f["work_kind"] not in WORK_KINDS:
        raise ValidationError(err("bad_work_kind", value=f["work_kind"]))
    for key in ("lon", "lat"):
        if f.get(key) is not None:
            try:
                float(f[key])
            except (TypeError, ValueError):
                raise ValidationError(err("bad_number", param=key)) from None


def case_row(ref: RefData, actor: Actor, at: datetime, f: dict) -> dict:
    """The new case row (without id and code) from open_case's fields."""
    try:
        f["urgency"] = int(f.get("urgency") or 3)
    except (TypeError, ValueError):
        raise ValidationError(err("bad_urgency")) from None
    f.setdefault("level", "grid")
    f["level"] = f["level"] or "grid"
    f.setdefault("work_kind", None)
    _validate(f)
    cat = None
    if f.get("category_code"):
        cat = ref.category(code=f["category_code"])
        if cat is None:
            raise ValidationError(err("category_unknown", value=f["category_code"]))
    work_kind = f["work_kind"] or (cat and cat["work_kind"]) or ("emergency" if f["urgency"] == 1 else "general")
    return {
        "source": f["source"], "source_ref": f.get("source_ref"), "state": None, "level": f["level"],
        "work_kind": work_kind, "urgency": f["urgency"], "category_id": cat and cat["id"],
        "title": f["title"].strip(), "description": f.get("description"), "address": f.get("address"),
        "lon": f.get("lon"), "lat": f.get("lat"), **_place(ref, f), "photos": f.get("photos"),
        "reporter_name": f.get("reporter_name"), "reporter_phone": f.get("reporter_phone"),
        "reporter_id_no": f.get("reporter_id_no"),
        "reported_by_staff_id": actor.staff_id if actor.role == "grid_worker" else None,
        "dept_id": None, **clock_fields(cat, f["urgency"], work_kind, ref),
        "reported_at": f.get("reported_at") or at, "accepted_at": None, "filed_at": None, "dispatched_at": None,
        "closed_at": None, "close_type": None, "step_deadline_at": None, "step_warning_at": None,
        "handle_deadline_at": None, "supervised": False, "supervise_note": None, "satisfaction": None,
        "postpone_count": 0, "rework_count": 0, "return_count": 0, "merged_into_id": None, "version": 0,
        "created_at": at, "updated_at": at, "dept_late": False, "parked_ever": False,
    }


def report_change(row: dict, actor: Actor, at: datetime, ref: RefData) -> tuple[CaseState, Change]:
    """The 上报 step of a new case whose row (with id and code set) is `row`."""
    cs = CaseState(case=row)
    ch = build_change(cs, "report", actor, at, {}, ref)
    return cs, ch


def _report(cs, ch, p, ref):
    ch.detail["source"] = cs.case["source"]


HANDLERS["report"] = _report
