"""我的案件 — a grid worker's own cases (reported by it or in its grids), read only. The case page stays closed to
grid workers: it checks no ownership for them, so a code typed into its URL would show any case."""
import streamlit as st

from dashboard import auth, cached, mine_view
from db import labels
from db.engine import get_engine

user = auth.require("mine")
url = cached.db_url()
st.title(labels.MINE["title"], anchor=False)
mine_view.show(get_engine(url), user["staff_id"])
