"""Sign-in page: the only page an anonymous visitor can reach (app.py serves it under every page URL)."""
import streamlit as st

from dashboard import auth
from db import labels

st.space(120)
_, middle, _ = st.columns([1, 1.1, 1])
with middle:
    st.title(labels.AUTH["title"])
    auth.sign_in_form()
