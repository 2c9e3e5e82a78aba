"""Page registry: every Streamlit page, its sidebar section and the roles that may open it (app.py builds st.navigation from it)."""
from __future__ import annotations

from dataclasses import dataclass

from db import labels

DESK = frozenset({"operator", "dispatcher", "admin"})


@dataclass(frozen=True)
class PageEntry:
    key: str                  # the name a page passes to auth.require(); its title is labels.PAGE_TITLE[key]
    script: str               # relative to the repository root
    section: str              # key of labels.NAV_SECTION
    roles: frozenset[str]
    # Must differ from the script's file name: Streamlit's legacy pages-folder mode maps a URL path equal to
    # a file name in pages/ straight to that file, skipping app.py (sign-in, navigation) on a server's
    # first request and in AppTest.
    url: str

    @property
    def title(self) -> str:
        return labels.PAGE_TITLE[self.key]


# Order matters: a role lands on the first page it may open. Add a page = add one entry here (its title
# goes into labels.PAGE_TITLE; its URL path must not equal its file name, see PageEntry.url).
# No page icons: Streamlit turns a page's material icon into the browser tab's favicon fetched from
# fonts.gstatic.com, an outside request a government network must not make.
PAGES: list[PageEntry] = [
    PageEntry("wall", "pages/wall.py", "overview", DESK | {"leader", "wall"}, "command"),
    PageEntry("daily", "pages/daily.py", "overview", DESK | {"leader"}, "status"),
    PageEntry("positions", "pages/positions.py", "overview", DESK | {"leader"}, "staff-map"),
    PageEntry("queue", "pages/queue.py", "work", DESK | {"leader"}, "cases"),
    # The desk before the case page: a department user lands on its own desk.
    PageEntry("desk", "pages/desk.py", "work", DESK | {"leader", "department"}, "department"),
    PageEntry("case", "pages/case.py", "work", DESK | {"leader", "department"}, "case-detail"),
    PageEntry("admin", "pages/admin.py", "admin", frozenset({"admin"}), "settings"),
    PageEntry("audit", "pages/audit.py", "admin", frozenset({"admin", "leader"}), "audit-log"),
    # Grid workers report from their terminals; on the web they only follow their own cases (read only).
    PageEntry("mine", "pages/mine.py", "work", frozenset({"grid_worker"}), "my-cases"),
]


def pages_for(role: str | None) -> list[PageEntry]:
    return [p for p in PAGES if role in p.roles]


def entry(key: str) -> PageEntry:
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(key)


def allowed(key: str, role: str | None) -> bool:
    return role in entry(key).roles
