"""Case action forms for the detail page and the desk: which actions to offer now, and each action's inputs."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard import actions
from dashboard.widgets import md
from db import enums, labels
from db.workflow import allowed_actions, settings as wf_settings
from db.workflow.table import APPROVAL_OF, DEPT_OWNED, REQUEST_OF

L = labels.ACTION_PAGES
# Offered elsewhere (whistle panel, alert list) or never by hand.
NOT_IN_MENU = {"report", "self_handle", "merge_into", "alert_split", "whistle_checkin", "whistle_progress",
               "whistle_result", "whistle_return", "whistle_reassign"}
REASON_ONLY = {"reject", "rework", "escalate", "request_return", "request_park", "request_cancel", "request_reopen"}
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp"]
# The usual next step first; rarer and heavier actions later in the menu.
MENU_ORDER = ("accept", "file", "dispatch", "whistle", "sign", "start", "progress", "feedback", "check", "verify",
              "close", "approve_postpone", "approve_return", "approve_park", "approve_cancel", "approve_reopen",
              "refuse_request", "supervise", "rework", "request_postpone", "request_return", "request_park",
              "request_cancel", "request_reopen", "unpark", "merge", "escalate", "reject")


@dataclass(frozen=True)
class Context:
    case: dict
    user: dict
    options: dict               # cached_cases.options(): departments, categories...
    requests: list[dict]        # the case's requests (all statuses)
    whistles: list[dict]        # the case's whistle rows


def pending(ctx: Context) -> list[dict]:
    return [r for r in ctx.requests if r["status"] == "pending"]


def offered(ctx: Context) -> list[str]:
    """What the signed-in role may do on this case right now (the engine checks again on submit)."""
    kinds = {r["kind"] for r in pending(ctx)}
    open_whistle = any(w["whistle_state"] == "open" for w in ctx.whistles)
    own = ctx.user["role"] != "department" or ctx.case["dept_id"] == ctx.user.get("dept_id")
    out = []
    for a in allowed_actions(ctx.case["state"], ctx.user["role"]):
        if a in NOT_IN_MENU or (a in APPROVAL_OF and APPROVAL_OF[a] not in kinds) or (a == "whistle" and open_whistle):
            continue
        if (a == "refuse_request" and not kinds) or (a in REQUEST_OF and REQUEST_OF[a] in kinds):
            continue
        if a in DEPT_OWNED and not own:
            continue
        out.append(a)
    return sorted(out, key=lambda a: MENU_ORDER.index(a) if a in MENU_ORDER else len(MENU_ORDER))


def _text(label: str, key: str, required: bool) -> str | None:
    value = st.text_area(label + (" *" if required else ""), key=key, max_chars=1000, height=80).strip()
    return value or None


def _dept_select(label: str, depts: list[tuple], key: str, default_id: int | None = None):
    ids = [d[0] for d in depts]
    names = {d[0]: d[1] for d in depts}
    index = ids.index(default_id) if default_id in ids else None
    return st.selectbox(label, ids, index=index, key=key, format_func=lambda i: names[i],
                        placeholder=L["choose"])


def _photos(key: str) -> list:
    return st.file_uploader(L["photos"], type=PHOTO_TYPES, accept_multiple_files=True, key=key,
                            max_upload_size=actions.MAX_UPLOAD_BYTES // (1024 * 1024))


def checkin_minutes(dept: tuple) -> int | None:
    """Tier 1: 30 min, tier 2: 2 h (workflow config); tier 3: the department's own minutes."""
    _, _, tier, own = dept
    return wf_settings.whistle_minutes(tier) or own


def _whistle_inputs(ctx: Context, key: str) -> dict:
    depts = ctx.options["departments"]
    by_id = {d[0]: d for d in depts}
    lead = _dept_select(L["whistle_lead"], depts, f"{key}_lead", ctx.case.get("dept_id"))
    co = st.multiselect(L["whistle_co"], [d[0] for d in depts if d[0] != lead], key=f"{key}_co",
                        format_func=lambda i: by_id[i][1], placeholder=L["choose"])
    reason = st.selectbox(L["whistle_reason"], enums.WHISTLE_REASONS, key=f"{key}_reason",
                          format_func=lambda r: labels.WHISTLE_REASON[r])
    deadlines = {}
    for dept_id in ([lead] if lead is not None else []) + list(co):
        dept = by_id[dept_id]
        deadlines[dept_id] = st.number_input(
            L["whistle_deadline"].format(dept=dept[1], tier=labels.DEPT_TIER[dept[2]]), min_value=1,
            max_value=60 * 24 * 30, value=checkin_minutes(dept), step=5, key=f"{key}_dl_{dept_id}")
    return {"lead_dept_id": lead, "co_dept_ids": list(co), "reason": reason, "deadlines": deadlines,
            "note": _text(L["note"], f"{key}_note", False)}


def _file_inputs(ctx: Context, key: str) -> dict:
    cats = ctx.options["categories"]
    ids, names = [c[0] for c in cats], {c[0]: c[1] for c in cats}
    current = ctx.case.get("category_id")
    cat = st.selectbox(L["category"], ids, index=ids.index(current) if current in ids else None,
                       format_func=lambda i: names[i], key=f"{key}_cat", placeholder=L["choose"])
    urgency = st.selectbox(L["urgency"], enums.URGENCIES, index=enums.URGENCIES.index(ctx.case["urgency"]),
                           format_func=lambda u: labels.URGENCY[u], key=f"{key}_urg")
    kind = st.selectbox(L["work_kind"], enums.WORK_KINDS, index=enums.WORK_KINDS.index(ctx.case["work_kind"]),
                        format_func=lambda k: labels.WORK_KIND[k], key=f"{key}_kind")
    return {"category_id": cat, "urgency": urgency, "work_kind": kind, "note": _text(L["note"], f"{key}_note", False)}


def _request_summary(ctx: Context, kind: str) -> None:
    for r in pending(ctx):
        if r["kind"] == kind:
            extra = L["extra"].format(m=r["extra_minutes"]) if r.get("extra_minutes") else ""
            st.info(L["request_line"].format(kind=labels.REQUEST_KIND[kind], dept=md(r.get("dept_name")),
                                             reason=md(r["reason"]), extra=extra))


def inputs(action: str, ctx: Context, key: str) -> dict:
    """The action's input widgets; returns the parameters as entered (validated by `missing`)."""
    if action in REASON_ONLY:
        return {"reason": _text(L["reason"], f"{key}_reason", True)}
    if action == "file":
        return _file_inputs(ctx, key)
    if action == "dispatch":
        return {"dept_id": _dept_select(L["dept"], ctx.options["departments"], f"{key}_dept",
                                        ctx.options["default_dept"].get(ctx.case.get("category_id"))),
                "note": _text(L["note"], f"{key}_note", False)}
    if action == "whistle":
        return _whistle_inputs(ctx, key)
    if action == "close":
        sat = st.select_slider(L["satisfaction"], options=[None, 1, 2, 3, 4, 5], value=5, key=f"{key}_sat",
                               format_func=lambda v: L["not_asked"] if v is None else L["sat_levels"][v - 1])
        return {"satisfaction": sat, "special": st.checkbox(L["special_close"], key=f"{key}_special"),
                "note": _text(L["note"], f"{key}_note", False)}
    if action == "verify":
        passed = st.radio(L["verify_result"], [True, False], key=f"{key}_passed", horizontal=True,
                          format_func=lambda v: L["verify_pass"] if v else L["verify_fail"])
        return {"passed": passed, "note": _text(L["note"], f"{key}_note", False), "photos": _photos(f"{key}_ph")}
    if action in ("progress", "feedback"):
        return {"note": _text(L["note"], f"{key}_note", action == "progress"), "photos": _photos(f"{key}_ph")}
    if action == "request_postpone":
        return {"reason": _text(L["reason"], f"{key}_reason", True),
                "extra_minutes": st.number_input(L["extra_minutes"], 30, 60 * 24 * 30, 480, 30, key=f"{key}_min")}
    if action == "supervise":
        return {"note": _text(L["note"], f"{key}_note", True)}
    if action == "merge":
        return {"other": st.text_input(L["merge_other"], key=f"{key}_other", max_chars=32).strip() or None,
                "reason": _text(L["reason"], f"{key}_reason", True)}
    if action == "refuse_request":
        reqs = pending(ctx)
        rid = st.selectbox(L["request"], [r["id"] for r in reqs], key=f"{key}_req", format_func=lambda i: next(
            L["pair"].format(label=labels.REQUEST_KIND[r["kind"]], value=r["reason"]) for r in reqs if r["id"] == i))
        return {"request_id": rid, "note": _text(L["note"], f"{key}_note", True)}
    if action in APPROVAL_OF:
        _request_summary(ctx, APPROVAL_OF[action])
    return {"note": _text(L["note"], f"{key}_note", False)}


REQUIRED = {"reason", "dept_id", "lead_dept_id", "category_id", "other", "request_id"}


def missing(action: str, params: dict) -> list[str]:
    """Names (Chinese) of required inputs left empty."""
    need = {k for k in REQUIRED if k in params}
    if action in ("supervise", "progress", "refuse_request"):
        need.add("note")
    return [L["field_" + k] for k in sorted(need) if params.get(k) in (None, "", [])]


def submit(url: str, ctx: Context, action: str, params: dict) -> actions.Outcome:
    """Store photos, then hand the action to the engine (with the version the user saw)."""
    photos = params.pop("photos", None)
    if photos:
        paths, errors = actions.save_photos(photos)
        if errors:
            return actions.Outcome(False, L["msg_sep"].join(errors))
        params["photos"] = paths
    if action != "merge":           # merge_cases locks both cases itself
        params["expected_version"] = ctx.case["version"]
    return actions.act(url, ctx.user, ctx.case["code"], action, **params)


def _clicked(key: str, case_id: int, action: str, version: int) -> None:
    st.session_state[f"{key}_clicked"] = (case_id, action, version)


def action_panel(url: str, ctx: Context, key: str = "act") -> actions.Outcome | None:
    """The menu of offered actions and the chosen one's form; returns the outcome once submitted."""
    case = ctx.case
    clicked = st.session_state.pop(f"{key}_clicked", None)    # set by the button's callback, before this rerun
    choices = offered(ctx)
    action = st.selectbox(L["choose_action"], choices, key=f"{key}_{case['id']}_which",
                          format_func=lambda a: labels.WF_ACTION.get(a, a)) if choices else None
    pressed = False
    if action is None:
        st.caption(L["no_actions"])
    else:
        form_key = f"{key}_{case['id']}_{action}"
        params = inputs(action, ctx, form_key)
        pressed = st.button(labels.WF_ACTION.get(action, action), type="primary", key=f"{form_key}_go",
                            on_click=_clicked, args=(key, case["id"], action, case["version"]))
    if not pressed:
        if clicked and clicked[0] == case["id"]:
            # The case moved on between the page the user saw and the click: the engine says by whom.
            return actions.act(url, ctx.user, case["code"], clicked[1], expected_version=clicked[2])
        return None
    absent = missing(action, params)
    if absent:
        return actions.Outcome(False, L["fill_in"].format(fields=L["list_sep"].join(absent)))
    return submit(url, ctx, action, params)
