"""Basic-data page tabs: browse tables, small safe edits, imports with row errors, unknown devices, ingest health."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import actions, cached_cases as cc, queries_admin as qa, widgets as w
from dashboard.widgets import L
from db import enums, labels

IMPORT_TYPES = ["csv", "xlsx", "geojson", "json"]
REPLAY_COMMAND = "python -m ingest replay-dead-letters"
HEALTH_WINDOW_MIN = 15


def _show(outcome: actions.Outcome | None) -> None:
    if outcome is not None:
        st.session_state["admin_outcome"] = (outcome.ok, outcome.message)
        st.rerun()


def show_outcome() -> None:
    found = st.session_state.pop("admin_outcome", None)
    if found:
        (st.success if found[0] else st.error)(found[1])


def browse(url: str, name: str, columns: dict[str, str], formats: dict | None = None) -> list[dict]:
    """A reference table with Chinese headers; formats maps a column to a function for its cells."""
    rows = cc.admin_table(url, name)
    formats = formats or {}
    df = pd.DataFrame([{label: formats.get(col, lambda v: v)(r.get(col)) for col, label in columns.items()}
                       for r in rows], columns=list(columns.values()))
    st.caption(L["adm_rows"].format(n=len(rows)))
    st.dataframe(df, hide_index=True, width="stretch", height=360)
    return rows


def department_editor(url: str, user: dict, rows: list[dict]) -> None:
    names = {r["id"]: w.name_code(r["name"], r["code"]) for r in rows}
    dept_id = st.selectbox(L["adm_edit_dept"], list(names), index=None, key="adm_dept",
                           format_func=lambda i: names[i], placeholder=L["choose"])
    if dept_id is None:
        return
    row = next(r for r in rows if r["id"] == dept_id)
    with st.form(f"adm_dept_{dept_id}"):
        phone = st.text_input(L["adm_duty_phone"], value=row["duty_phone"] or "", max_chars=32)
        minutes = st.number_input(L["adm_checkin_minutes"], min_value=1, max_value=60 * 24 * 7,
                                  value=row["checkin_minutes"], step=5)
        active = st.checkbox(L["adm_active"], value=row["active"])
        if st.form_submit_button(L["save"]):
            _show(actions.admin_edit(url, user, "update_department", dept_id, {
                "duty_phone": phone.strip() or None, "checkin_minutes": minutes, "active": active}))


def category_editor(url: str, user: dict, rows: list[dict]) -> None:
    names = {r["id"]: f"{r['code']} {r['name']}" for r in rows if r["level"] != "major"}
    cat_id = st.selectbox(L["adm_edit_limits"], list(names), index=None, key="adm_cat",
                          format_func=lambda i: names[i], placeholder=L["choose"])
    if cat_id is None:
        return
    row = next(r for r in rows if r["id"] == cat_id)
    with st.form(f"adm_cat_{cat_id}"):
        st.caption(L["adm_limits_note"].format(clock=labels.CLOCK_MODE[row["clock_mode"]]))
        cols = st.columns(len(qa.LIMIT_COLUMNS))
        limits = {c: cols[i].number_input(L["adm_" + c], min_value=1, max_value=60 * 24 * 365, value=row[c])
                  for i, c in enumerate(qa.LIMIT_COLUMNS)}
        if st.form_submit_button(L["save"]):
            _show(actions.admin_edit(url, user, "update_category_limits", cat_id, limits))


def calendars(url: str, user: dict) -> None:
    cals, days = cc.calendars(url)
    st.dataframe(pd.DataFrame([{L["adm_calendar"]: w.name_code(c["name"], c["code"]), L["adm_tz"]: c["timezone"],
                                L["adm_periods"]: L["list_sep"].join("–".join(p) for p in c["work_periods"]),
                                L["adm_default"]: L["yes"] if c["is_default"] else ""} for c in cals]),
                 hide_index=True, width="stretch")
    st.dataframe(pd.DataFrame([{L["adm_calendar"]: d["calendar_code"], L["adm_day"]: d["day"].isoformat(),
                                L["adm_day_kind"]: L["adm_kind_" + d["kind"]], L["adm_day_name"]: d["name"] or ""}
                               for d in days], columns=[L["adm_calendar"], L["adm_day"], L["adm_day_kind"],
                                                        L["adm_day_name"]]),
                 hide_index=True, width="stretch", height=240)
    if not cals:
        return
    with st.form("adm_day"):
        c1, c2, c3, c4 = st.columns(4)
        code = c1.selectbox(L["adm_calendar"], [c["code"] for c in cals])
        day = c2.date_input(L["adm_day"])
        kind = c3.selectbox(L["adm_day_kind"], enums.CALENDAR_DAY_KINDS, format_func=lambda k: L["adm_kind_" + k])
        name = c4.text_input(L["adm_day_name"], max_chars=40)
        add, remove = st.columns(2)
        if add.form_submit_button(L["adm_day_set"]):
            _show(actions.admin_edit(url, user, "set_calendar_day", code, day, kind, name.strip() or None))
        if remove.form_submit_button(L["adm_day_delete"]):
            _show(actions.admin_edit(url, user, "delete_calendar_day", code, day))


def imports(url: str, user: dict) -> None:
    kind = st.selectbox(L["adm_import_kind"], list(labels.IMPORT_KIND), key="adm_import_kind",
                        format_func=lambda k: labels.IMPORT_KIND[k])
    upload = st.file_uploader(L["adm_import_file"], type=IMPORT_TYPES, key="adm_import_file")
    if upload is None or not st.button(L["adm_import_go"], type="primary", key="adm_import_go"):
        return
    result = actions.run_import(url, user, kind, upload.getvalue(), upload.name)
    if result.ok:
        st.success(L["adm_import_ok"].format(rows=result.rows, ins=result.inserted, upd=result.updated))
    else:
        st.error(L["adm_import_failed"].format(n=len(result.errors)))
        st.dataframe(pd.DataFrame([{L["adm_row"]: e.row if e.row is not None else L["adm_whole_file"],
                                    L["reason"]: e.reason} for e in result.errors]),
                     hide_index=True, width="stretch")
    if result.ignored_columns:
        st.caption(L["adm_ignored"].format(cols=L["list_sep"].join(result.ignored_columns)))


def unregistered(url: str, user: dict) -> None:
    rows = cc.unregistered(url)
    if not rows:
        st.success(L["adm_unreg_none"])
        return
    event = st.dataframe(pd.DataFrame([{
        L["adm_unreg_kind"]: L["adm_ukind_" + r["kind"]], L["adm_source"]: r["source"],
        L["adm_external_id"]: r["external_id"], L["adm_seen"]: r["seen_count"],
        L["adm_first_seen"]: w.local(r["first_seen"]), L["adm_last_seen"]: w.local(r["last_seen"]),
        L["adm_topic"]: r["last_topic"] or ""} for r in rows]),
        key="adm_unreg", on_select="rerun", selection_mode="single-row", hide_index=True, width="stretch")
    if not event.selection.rows or event.selection.rows[0] >= len(rows):
        st.caption(L["adm_unreg_pick"])
        return
    register_form(url, user, rows[event.selection.rows[0]])


def register_form(url: str, user: dict, row: dict) -> None:
    uid, kind = row["id"], row["kind"]
    if kind == "camera":
        cams = {c["id"]: w.name_code(c["name"], c["code"]) for c in cc.admin_table(url, "cameras")}
        existing = st.selectbox(L["adm_map_camera"], [None, *cams], key=f"adm_cam_{uid}",
                                format_func=lambda i: L["adm_new_camera"] if i is None else cams[i])
        with st.form(f"adm_reg_{uid}"):
            code = st.text_input(L["adm_camera_code_in"], value=row["external_id"][:20], max_chars=20,
                                 disabled=existing is not None)
            name = st.text_input(L["adm_camera_name"], max_chars=60, disabled=existing is not None)
            if st.form_submit_button(L["adm_register"]):
                _show(actions.admin_edit(url, user, "register_camera", uid, device_id=existing, code=code,
                                         name=name))
    elif kind in ("staff", "device"):
        people = {s["id"]: w.name_code(s["name"], s["code"]) for s in cc.admin_table(url, "staff") if s["active"]}
        with st.form(f"adm_reg_{uid}"):
            staff_id = st.selectbox(L["adm_map_staff"], list(people), format_func=lambda i: people[i])
            if st.form_submit_button(L["adm_register"]):
                _show(actions.admin_edit(url, user, "map_to_staff", uid, staff_id))
    elif kind == "alert_type":
        types = dict(cc.alert_type_choices(url))
        with st.form(f"adm_reg_{uid}"):
            code = st.selectbox(L["adm_map_type"], list(types), format_func=lambda c: w.name_code(types[c], c))
            if st.form_submit_button(L["adm_register"]):
                _show(actions.admin_edit(url, user, "map_alert_type", uid, code))
    else:
        st.info(L["adm_unreg_import"].format(kind=L["adm_ukind_" + kind]))


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _source_status(r: dict) -> str:
    key = "status_stale" if r["stale"] else "status_down" if r["failures"] else "status_ok"
    return labels.SOURCES_ADMIN[key]


def sql_sources(url: str) -> None:
    """SQL sources' poll state (ingest.sources writes it after every cycle); error texts carry no row values."""
    S = labels.SOURCES_ADMIN
    st.subheader(S["title"])
    rows = cc.source_health(url)
    if not rows:
        st.caption(S["none"])
        return
    st.dataframe(pd.DataFrame([{
        S["col_source"]: r["source"], S["col_kind"]: labels.SOURCES_KIND.get(r["kind"], r["kind"] or ""),
        S["col_status"]: _source_status(r), S["col_last_success"]: w.local(r["last_success_at"], "%m-%d %H:%M:%S"),
        S["col_lag"]: "" if r["lag_s"] is None else f"{r['lag_s']:.0f}", S["col_rows"]: r["rows_total"],
        S["col_dead"]: r["dead_total"], S["col_errors"]: r["errors_total"], S["col_failures"]: r["failures"],
        S["col_next"]: w.local(r["next_attempt_at"], "%H:%M:%S"), S["col_last_error"]: r["last_error"] or "",
        S["col_watermark"]: f"{(r['wm'] or '')[2:]} / {(r['tb'] or '')[2:]}", S["col_worker"]: r["worker"] or ""}
        for r in rows]), hide_index=True, width="stretch")


def ingest_health(url: str, user: dict) -> None:
    rows = cc.ingest_health(url, HEALTH_WINDOW_MIN, cc.now_minute())
    st.caption(L["adm_health_window"].format(m=HEALTH_WINDOW_MIN))
    if rows:
        st.dataframe(pd.DataFrame([{
            L["adm_worker"]: r["worker"], L["adm_received_s"]: r["received_per_s"],
            L["adm_received_n"]: r["received"], L["adm_stored_n"]: r["stored"], L["adm_duplicates"]: r["duplicates"],
            L["adm_rejected_n"]: r["rejected"], L["adm_lag_p95"]: _ms(r["lag_p95_ms"]),
            L["adm_lag_max"]: _ms(r["lag_max_ms"]), L["adm_last_report"]: w.local(r["last_at"], "%m-%d %H:%M:%S")}
            for r in rows]),
            hide_index=True, width="stretch")
    else:
        st.warning(L["adm_no_ingest"].format(m=HEALTH_WINDOW_MIN))
    sql_sources(url)
    only_open = st.toggle(L["adm_dl_open_only"], value=True, key="adm_dl_open")
    letters, counts = cc.dead_letters(url, only_open)
    st.markdown(L["adm_dl_counts"].format(total=counts["total"], open=counts["unreplayed"]))
    event = st.dataframe(pd.DataFrame([{
        L["adm_dl_id"]: r["id"], L["adm_received"]: w.local(r["received_at"], "%m-%d %H:%M:%S"),
        L["adm_source"]: r["source"],
        L["adm_topic"]: r["topic"] or "", L["reason"]: r["reason"], L["adm_size"]: r["payload_size"],
        L["adm_seen"]: r["seen_count"], L["adm_replayed"]: w.local(r["replayed_at"]),
        L["adm_replay_result"]: (L["adm_replay_waiting"] if r["replay_requested_at"] else r["replay_result"] or ""),
        L["adm_preview"]: r["preview"]} for r in letters],
        columns=[L[k] for k in ("adm_dl_id", "adm_received", "adm_source", "adm_topic", "reason", "adm_size",
                                "adm_seen", "adm_replayed", "adm_replay_result", "adm_preview")]),
        key="adm_dead", on_select="rerun", selection_mode="multi-row", hide_index=True, width="stretch",
        height=min(300, 38 + 35 * max(len(letters), 1)))
    ids = [letters[i]["id"] for i in event.selection.rows if i < len(letters)]
    # The ingest owns replay (pages may not import it): the page records the request and the worker, which
    # polls for requests, replays them; the command line stays for bulk work on the server.
    if st.button(L["adm_replay_button"].format(n=len(ids)), key="adm_replay", disabled=not ids, type="primary"):
        _show(actions.admin_edit(url, user, "request_replay", ids))
    st.markdown(L["adm_replay_how"])
    st.code(REPLAY_COMMAND + ("".join(f" --id {i}" for i in ids) if ids else " --dry-run"), language="bash")
