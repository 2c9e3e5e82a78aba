"""我的案件 for grid workers: the cases a worker reported or that lie in grids it covers, as a read-only table."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, and_, case, exists, or_, select

from dashboard.widgets import local
from db import labels
from db.schema import cases, grids, staff_grids

M = labels.MINE
MAX_ROWS = 300
DONE = ("closed", "rejected", "cancelled")


def my_cases(engine: Engine, staff_id: int, open_only: bool, limit: int = MAX_ROWS) -> list[dict]:
    """Newest first; merged cases are left out (their successor carries the work)."""
    own_grid = exists().where(staff_grids.c.staff_id == staff_id, staff_grids.c.grid_id == cases.c.grid_id)
    mine = cases.c.reported_by_staff_id == staff_id
    conds = [or_(mine, own_grid), cases.c.merged_into_id.is_(None)]
    if open_only:
        conds.append(cases.c.state.notin_(DONE))
    stmt = (select(cases.c.code, cases.c.title, cases.c.state, cases.c.step_deadline_at, cases.c.reported_at,
                   grids.c.name.label("grid_name"), case((mine, True), else_=False).label("reported_by_me"))
            .select_from(cases.outerjoin(grids, grids.c.id == cases.c.grid_id))
            .where(and_(*conds)).order_by(cases.c.reported_at.desc(), cases.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def frame(rows: list[dict]) -> pd.DataFrame:
    """Plain cells: titles typed by people stay text (a dataframe never renders Markdown or HTML)."""
    return pd.DataFrame([{
        M["col_code"]: r["code"], M["col_title"]: r["title"],
        M["col_state"]: labels.CASE_STATE.get(r["state"], r["state"]),
        M["col_deadline"]: "" if r["state"] in DONE else local(r["step_deadline_at"]),
        M["col_reported"]: local(r["reported_at"]), M["col_grid"]: r["grid_name"] or "",
        M["col_why"]: M["why_reported"] if r["reported_by_me"] else M["why_grid"],
    } for r in rows], columns=[M[k] for k in ("col_code", "col_title", "col_state", "col_deadline", "col_reported",
                                               "col_grid", "col_why")])


def show(engine: Engine, staff_id: int) -> None:
    open_only = st.toggle(M["open_only"], value=True, key="mine_open_only")
    rows = my_cases(engine, staff_id, open_only)
    st.caption(M["caption"].format(n=MAX_ROWS))
    if not rows:
        st.info(M["none"])
        return
    st.dataframe(frame(rows), hide_index=True, width="stretch")
