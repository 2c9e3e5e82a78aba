"""Streamlit entry point: sign-in first, then st.navigation over the pages the signed-in role may open (dashboard/nav.py)."""
from __future__ import annotations

import streamlit as st

import dashboard
from dashboard import auth, cached, kiosk, nav, theme
from db import labels

dashboard.freeze_heap()

st.set_page_config(page_title=labels.APP["name"], layout="wide",
                   initial_sidebar_state="collapsed" if kiosk.is_kiosk(st.query_params) else "auto")


def _no_pages() -> None:
    user = auth.current_user()
    if user is None:
        st.rerun()
    st.info(labels.APP["no_pages"].format(role=labels.USER_ROLE.get(user["role"], user["role"])))
    auth.account_box(user)


def main() -> None:
    in_kiosk = kiosk.is_kiosk(st.query_params)
    theme.apply(kiosk=in_kiosk)
    try:
        cached.db_url()
    except RuntimeError as exc:             # no DATABASE_URL and ./start.sh has not run: say so
        st.error(str(exc))
        return
    user = auth.current_user(touch=True)
    if user is None:
        # An anonymous visitor gets the sign-in form under every page URL: a bookmarked link still works
        # after signing in, and no URL reaches a page's content. "signin", not "login": see PageEntry.url.
        login = [st.Page(auth.LOGIN_SCRIPT, title=labels.PAGE_TITLE["login"], url_path="signin", default=True)]
        login += [st.Page(auth.LOGIN_SCRIPT, title=labels.PAGE_TITLE["login"], url_path=e.url)
                  for e in nav.PAGES]
        page = st.navigation(login, position="hidden")
        st.session_state[auth.REQUESTED_PAGE] = page.url_path
        page.run()
        return
    entries = nav.pages_for(user["role"])
    if not entries:
        st.navigation([st.Page(_no_pages, title=labels.PAGE_TITLE["no_pages"], url_path="none")],
                      position="hidden").run()
        return
    sections: dict[str, list] = {}
    for i, e in enumerate(entries):
        sections.setdefault(labels.NAV_SECTION[e.section], []).append(
            st.Page(e.script, title=e.title, url_path=e.url, default=(i == 0)))
    if not in_kiosk:
        with st.sidebar:
            auth.account_box(user)
    if notice := st.session_state.pop(auth.TOAST, None):
        st.toast(notice)
    hidden = in_kiosk or len(entries) == 1
    st.navigation(sections, position="hidden" if hidden else "sidebar").run()


with cached.database_errors():
    main()
