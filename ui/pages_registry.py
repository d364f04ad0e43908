"""The app's pages, per role, and moving between them."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import streamlit as st

from ui import session

PAGES_DIR = "ui/pages"


def _page(name: str, title: str, icon: str, url_path: str | None = None, default: bool = False) -> st.Page:
    if default:
        return st.Page(f"{PAGES_DIR}/{name}.py", title=title, icon=icon, default=True)
    return st.Page(f"{PAGES_DIR}/{name}.py", title=title, icon=icon, url_path=url_path or name.replace("_", "-"))


#: Page factories by name; st.Page objects are cheap and made per run.
PAGES: dict[str, Callable[[], st.Page]] = {
    "welcome": lambda: _page("welcome", "Welcome", ":material/favorite:", default=True),
    "worth_it": lambda: _page("worth_it", "Is it worth it?", ":material/balance:"),
    "intimacy": lambda: _page("intimacy", "Is our intimacy fading?", ":material/local_fire_department:"),
    "results": lambda: _page("results", "My results", ":material/insights:"),
    "my_data": lambda: _page("my_data", "My data & downloads", ":material/lock:"),
}

ROLE_PAGES: dict[session.Role, tuple[str, ...]] = {
    "person": ("welcome", "worth_it", "intimacy", "results", "my_data"),
    "couple": ("welcome", "worth_it", "intimacy", "results", "my_data"),
    "counselor": ("welcome",),
}


def for_role(role: session.Role) -> list[st.Page]:
    return [PAGES[name]() for name in ROLE_PAGES[role]]


def switch_to(name: str) -> NoReturn:
    state = session.data()
    params = {session.RESUME_PARAM: state.token} if state.token else None
    st.switch_page(PAGES[name](), query_params=params)


def before_page(state: session.SessionData, page: st.Page) -> None:
    """A resume link opens the app's root: go back to where the person was. Then
    show any one-off notices at the top of whichever page runs."""
    target = state.resume_page
    state.resume_page = None
    if target in PAGES and target != "welcome" and page.url_path == "":
        switch_to(target)
    session.show_notices(state)
