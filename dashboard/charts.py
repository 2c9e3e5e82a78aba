"""Ranking tables (composite score and grade A–E) and 30-day trend charts, shared by the wall and the daily page."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import cached, clock
from db import labels

D = labels.DAILY


def ranking_frame(rows: list[dict]) -> pd.DataFrame:
    """Graded rows from queries_daily.rankings as a table with Chinese headers, best first; a rate without a
    denominator reads "—" (st.dataframe would print "None", and 0% or 100% would be a claim)."""
    frame = pd.DataFrame([{
        D["col_rank"]: r["rank"], D["col_name"]: r["name"], D["col_score"]: r["score"], D["col_grade"]: r["grade"],
        D["ontime_rate"]: clock.percent(r["ontime_rate"]), D["close_rate"]: clock.percent(r["close_rate"]),
        D["rework_rate"]: clock.percent(r["rework_rate"]), D["col_count"]: r["cases"],
    } for r in rows])
    frame[D["col_score"]] = pd.to_numeric(frame[D["col_score"]])
    return frame


def ungraded_note(rows: list[dict], most: int = 12) -> str | None:
    """The units with nothing due in the period, named after the table (they get no score and no grade)."""
    names = [str(r["name"]) for r in rows if r["score"] is None]
    if not names:
        return None
    shown = labels.ACTION_PAGES["list_sep"].join(names[:most])
    return D["ungraded"].format(names=shown if len(names) <= most else D["and_more"].format(names=shown,
                                                                                             n=len(names)))


def ranking_table(rows: list[dict], height: int | str = "auto") -> None:
    if not rows:
        st.caption(D["none"])
        return
    graded = [r for r in rows if r["score"] is not None]
    if graded:
        st.dataframe(ranking_frame(graded), hide_index=True, width="stretch", height=height, column_config={
            D["col_score"]: st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.1f")})
    note = ungraded_note(rows)
    if note:
        st.caption(note)


def rankings_block(url: str, first: date, last: date, bys: tuple[str, ...], height: int | str = "auto") -> None:
    """One ranking table per dimension (dept / street / grid), side by side."""
    ranked = cached.rankings(url, first, last, tuple(bys))
    for col, by in zip(st.columns(len(bys)), bys):
        with col:
            st.subheader(D["by"][by])
            ranking_table(ranked[by], height=height)


def trend_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({D["col_day"]: [r["day"].strftime("%m-%d") for r in rows],
                         D["trend_intake"]: [r["reported"] for r in rows],
                         D["trend_closed"]: [r["closed"] for r in rows],
                         D["trend_ontime"]: [r["ontime_rate"] for r in rows]}).set_index(D["col_day"])


def trend_block(rows: list[dict], height: int = 300, stacked_rows: bool = False) -> None:
    """Intake and closures per day (bars), 按期结案率 per day (line); side by side, or one above the other."""
    frame = trend_frame(rows)
    left, right = (st.container(), st.container()) if stacked_rows else st.columns(2)
    with left:
        st.bar_chart(frame[[D["trend_intake"], D["trend_closed"]]], stack=False, height=height,
                     color=["#3aa0ff", "#4be3a4"])
    with right:
        st.line_chart(frame[[D["trend_ontime"]]], height=height, color=["#ffb020"])
