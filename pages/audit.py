"""审计日志 — sign-ins, case actions, imports, user changes and exports, filterable; admins and leaders only."""
import streamlit as st

from dashboard import audit_view as av, auth, cached, clock
from db import labels

auth.require("audit")
url = cached.db_url()
st.title(labels.AUDIT["title"], anchor=False)
av.table(url, av.filters(clock.today()))
