"""案件队列 page (AppTest over the seeded demo district) and the shared helpers of the action-page tests."""
from __future__ import annotations

import io
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

import db.workflow as wf
from dashboard import actions, queue_view
from dashboard.queries_cases import CaseFilter
from db import accounts, config, labels
from db.engine import get_engine
from db.schema import grids, users

APP = str(Path(__file__).resolve().parents[1] / "app.py")
L = labels.ACTION_PAGES
OPEN = "state NOT IN ('closed', 'rejected', 'cancelled') AND merged_into_id IS NULL"
SETUP = {role: wf.Actor(None, f"test-{role}", role, display_name=f"测试{role}")
         for role in ("operator", "dispatcher", "admin")}


# --- helpers shared by tests/test_dashboard_*.py ------------------------------------------------------

@pytest.fixture
def dash(demo_db_url, monkeypatch):
    """The demo district as the app's database (DATABASE_URL), with settings re-read."""
    monkeypatch.setenv("DATABASE_URL", demo_db_url)
    config.settings.cache_clear()
    yield demo_db_url
    get_engine(demo_db_url).dispose()
    config.settings.cache_clear()


def account(url: str, role: str, dept_id: int | None = None) -> dict:
    """The session user (as dashboard/auth.py keeps it) of the first demo account with that role."""
    stmt = select(users.c.id).where(users.c.role == role, users.c.active)
    if dept_id is not None:
        stmt = stmt.where(users.c.dept_id == dept_id)
    with get_engine(url).connect() as conn:
        user = accounts.load_user(conn, conn.execute(stmt.order_by(users.c.id).limit(1)).scalar_one())
    return {k: user[k] for k in ("id", "username", "display_name", "role", "dept_id", "staff_id", "credential_tag")}


def open_page(script: str, user: dict, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["auth_user"] = user
    at.session_state["auth_last_active"] = time.time()
    for key, value in query.items():
        at.query_params[key] = value
    return at.switch_page(script).run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    """Everything a person could read on the page, tables included."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "error", "success",
                 "warning", "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(t.value) for t in at.text_input]
    return "\n".join(parts)


def scalar(url: str, sql: str, **params):
    with get_engine(url).connect() as conn:
        return conn.execute(text(sql), params).scalar()


def a_grid(url: str) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(grids.c.id).order_by(grids.c.id)).scalars().first()


def new_case(url: str, title: str = "测试案件", **fields) -> str:
    """A fresh case in 上报 state, opened through the workflow engine."""
    ref = wf.open_case(get_engine(url), SETUP["operator"], source=fields.pop("source", "hotline"), title=title,
                       grid_id=fields.pop("grid_id", a_grid(url)), **fields)
    actions.clear_case_caches()
    return ref.code


def push(url: str, code: str, *steps) -> None:
    """Walk a case forward through the engine: steps are (role, action, params)."""
    for role, action, params in steps:
        actor = SETUP.get(role) or role
        wf.perform(get_engine(url), code, action, actor, **params)
    actions.clear_case_caches()     # the pages cache for a few seconds; these changes bypassed the pages


def state_of(url: str, code: str) -> str:
    return scalar(url, "SELECT state FROM cases WHERE code = :c", c=code)


def last_step(url: str, code: str) -> tuple[str, str]:
    with get_engine(url).connect() as conn:
        row = conn.execute(text("SELECT s.action, s.to_state FROM case_steps s JOIN cases c ON c.id = s.case_id "
                                "WHERE c.code = :c ORDER BY s.seq DESC LIMIT 1"), {"c": code}).one()
    return tuple(row)


def select_rows(at: AppTest, key: str, codes: list[str], column: str = L["col_code"]) -> AppTest:
    """Select table rows by case code (AppTest sets a dataframe's selection through session state)."""
    table = next(df for df in at.dataframe if df.proto.id.endswith(key) or key in df.proto.id)
    shown = list(table.value[column])
    at.session_state[key] = {"selection": {"rows": [shown.index(c) for c in codes], "columns": [], "cells": []}}
    return at.run()


def widget(items, label: str):
    return next(w for w in items if w.label.rstrip(" *") == label)


def click(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


# --- the queue ----------------------------------------------------------------------------------------

def _metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label))


@pytest.mark.parametrize("role", ["operator", "dispatcher", "leader", "admin"])
def test_queue_renders_with_counts_matching_sql(dash, role):
    at = ok(open_page("pages/queue.py", account(dash, role)))
    total = scalar(dash, f"SELECT count(*) FROM cases WHERE {OPEN}")
    overdue_sql = f"SELECT count(*) FROM cases WHERE {OPEN} AND step_deadline_at < date_trunc('minute', now())"
    assert total > 100
    assert _metric(at, L["m_total"]) == total
    # the page counts at the start of its minute: a deadline may pass between the page and this query
    assert scalar(dash, overdue_sql) - 3 <= _metric(at, L["m_overdue"]) <= scalar(dash, overdue_sql)
    shown = at.dataframe[0].value
    assert len(shown) == min(total, 500)
    # least time left first: overdue rows on top, the first row's deadline is the earliest
    first = scalar(dash, f"SELECT code FROM cases WHERE {OPEN} ORDER BY step_deadline_at NULLS LAST, urgency, "
                         "reported_at LIMIT 1")
    assert shown[L["col_code"]].iloc[0] == first
    assert shown[L["col_time_left"]].iloc[0].startswith("超时")
    assert "超时" in set(shown[L["col_badge"]])
    assert shown[L["col_open"]].iloc[0] == f"case?code={first}"
    assert len(at.get("download_button")) == 2


@pytest.mark.parametrize("role", ["department", "wall", "grid_worker"])
def test_queue_refused_for_other_roles(dash, role):
    at = ok(open_page("pages/queue.py", account(dash, role)))
    assert not at.dataframe
    assert any("无权访问" in e.value for e in at.error)


def test_filters_treat_sql_and_html_as_plain_text(dash):
    code = new_case(dash, title="<script>alert(1)</script> 占道", description="'; DROP TABLE cases; --")
    at = ok(open_page("pages/queue.py", account(dash, "operator")))

    def search(value: str) -> list[str]:
        widget(at.text_input, L["search"]).set_value(value)
        ok(at.run())
        return list(at.dataframe[0].value[L["col_code"]]) if at.dataframe else []

    assert search("<script>") == [code]
    assert at.dataframe[0].value[L["col_title"]].iloc[0] == "<script>alert(1)</script> 占道"
    assert search("'; DROP TABLE cases; --") == [code]                # found in the description, as text
    assert scalar(dash, "SELECT count(*) FROM cases") > 100
    assert search("100%") == [] and any(i.value == L["queue_empty"] for i in at.info)  # % is not a wildcard
    assert search("_") == []


def test_due_and_state_filters(dash):
    at = ok(open_page("pages/queue.py", account(dash, "dispatcher")))
    widget(at.selectbox, L["due"]).set_value("overdue")
    ok(at.run())
    overdue = _metric(at, L["m_total"])
    assert overdue == _metric(at, L["m_overdue"]) > 0
    assert set(at.dataframe[0].value[L["col_badge"]].str.split().str[0]) == {L["badge_overdue"]}
    widget(at.selectbox, L["due"]).set_value("")
    widget(at.multiselect, L["col_state"]).set_value(["parked"])
    ok(at.run())
    assert _metric(at, L["m_total"]) == scalar(dash, "SELECT count(*) FROM cases WHERE state = 'parked' "
                                                     "AND merged_into_id IS NULL")


def test_batch_accept_merge_and_cancel(dash):
    codes = [new_case(dash, title=f"批量{i}") for i in range(5)]
    user = account(dash, "operator")
    at = ok(open_page("pages/queue.py", user))
    widget(at.multiselect, L["col_state"]).set_value(["reported"])
    ok(at.run())
    at = select_rows(at, "queue_table", codes[:2])
    widget(at.selectbox, L["batch_op"]).set_value("accept")
    ok(click(at, L["batch_go"]))
    assert [state_of(dash, c) for c in codes[:2]] == ["accepted", "accepted"]
    assert last_step(dash, codes[0]) == ("accept", "accepted")
    assert sum("受理" in s.value for s in at.success) == 2

    at = select_rows(at, "queue_table", codes[2:4])
    widget(at.selectbox, L["batch_op"]).set_value("merge")
    widget(at.text_input, L["reason"]).set_value("同一地点重复上报")
    ok(click(at, L["batch_go"]))
    kept = at.dataframe[0].value
    assert scalar(dash, "SELECT merged_into_id = (SELECT id FROM cases WHERE code = :k) FROM cases WHERE code = :c",
                  k=codes[2], c=codes[3])
    assert state_of(dash, codes[3]) == "cancelled" and codes[3] not in set(kept[L["col_code"]])

    at = select_rows(at, "queue_table", [codes[4]])
    widget(at.selectbox, L["batch_op"]).set_value("cancel")
    ok(click(at, L["batch_go"]))
    assert any(e.value == L["batch_need_reason"] for e in at.error) and state_of(dash, codes[4]) == "reported"
    at = select_rows(at, "queue_table", [codes[4]])
    widget(at.text_input, L["reason"]).set_value("误报")
    ok(click(at, L["batch_go"]))
    assert state_of(dash, codes[4]) == "rejected"
    assert last_step(dash, codes[4]) == ("reject", "rejected")


def test_export_keeps_personal_data_for_the_desk_only(dash):
    code = new_case(dash, title="=HYPERLINK(\"http://x\")", reporter_name="张三丰", reporter_phone="13812341234",
                    reporter_id_no="110101199001011234")
    only = CaseFilter(text=code)
    operator = pd.read_csv(io.BytesIO(queue_view.export_bytes(dash, account(dash, "operator"), only, "csv")),
                           encoding="utf-8-sig", dtype=str)
    leader_csv = queue_view.export_bytes(dash, account(dash, "leader"), only, "csv")
    leader = pd.read_csv(io.BytesIO(leader_csv), encoding="utf-8-sig", dtype=str)
    assert list(operator[L["col_code"]]) == [code] and operator[L["col_reporter_phone"]].iloc[0] == "13812341234"
    assert L["col_reporter_phone"] not in leader and "13812341234" not in leader_csv.decode("utf-8-sig")
    assert leader[L["col_title"]].iloc[0].startswith("'=")              # no formula runs in Excel
    assert leader_csv.startswith("\ufeff".encode())                      # Excel reads the UTF-8 headers
    book = openpyxl.load_workbook(io.BytesIO(queue_view.export_bytes(dash, account(dash, "operator"), only, "xlsx")))
    assert book.active.cell(2, 1).value == code
    assert scalar(dash, "SELECT count(*) FROM audit_log WHERE action = 'export'") == 3
    everything = queue_view.export_bytes(dash, account(dash, "leader"), CaseFilter(), "csv")
    assert len(pd.read_csv(io.BytesIO(everything), encoding="utf-8-sig")) == scalar(
        dash, f"SELECT count(*) FROM cases WHERE {OPEN}")
