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
    "couple_home": lambda: _page("couple_home", "Our check-up", ":material/favorite:", default=True),
    "worth_it": lambda: _page("worth_it", "Is it worth it?", ":material/balance:"),
    "intimacy": lambda: _page("intimacy", "Is our intimacy fading?", ":material/local_fire_department:"),
    "predictions": lambda: _page("predictions", "How I see my partner", ":material/visibility:"),
    "share": lambda: _page("share", "Finish & share", ":material/how_to_reg:"),
    "results": lambda: _page("results", "My results", ":material/insights:"),
    "comparison": lambda: _page("comparison", "Our comparison", ":material/compare_arrows:"),
    "my_data": lambda: _page("my_data", "My data & downloads", ":material/lock:"),
    "counselor_login": lambda: _page("counselor_login", "Counselor login", ":material/badge:"),
    "roster": lambda: _page("roster", "My couples", ":material/groups:", default=True),
    "client": lambda: _page("client", "Couple", ":material/diversity_1:"),
    "presentation": lambda: _page("presentation", "Presentation view", ":material/co_present:"),
    "export": lambda: _page("export", "Export", ":material/download:"),
}

SOLO_PAGES = ("welcome", "worth_it", "intimacy", "results", "my_data", "counselor_login")
#: Counselor pages exist in the navigation only after login.
COUNSELOR_PAGES = ("roster", "client", "presentation", "export")
TWO_DEVICE_PAGES = ("couple_home", "worth_it", "intimacy", "predictions", "share", "results", "comparison", "my_data")
#: On one device there is no private results page: the screen is shared.
ONE_DEVICE_PAGES = ("couple_home", "worth_it", "intimacy", "predictions", "share", "comparison", "my_data")


def page_names(state: session.SessionData) -> tuple[str, ...]:
    if state.role == "counselor":
        return COUNSELOR_PAGES
    if state.role == "couple":
        return ONE_DEVICE_PAGES if state.mode == "one_device" else TWO_DEVICE_PAGES
    return SOLO_PAGES


def for_role(state: session.SessionData) -> list[st.Page]:
    return [PAGES[name]() for name in page_names(state)]


def switch_to(name: str) -> NoReturn:
    state = session.data()
    link = state.link()
    st.switch_page(PAGES[name](), query_params=dict([link]) if link else None)


def before_page(state: session.SessionData, page: st.Page) -> None:
    """A resume link opens the app's root: go back to where the person was. Then
    show any one-off notices at the top of whichever page runs."""
    target = state.resume_page
    state.resume_page = None
    if target in page_names(state) and page.url_path == "" and target not in ("welcome", "couple_home"):
        switch_to(target)
    session.show_notices(state)
    if state.role == "counselor":
        from ui.counselor_view import render_logout_button

        render_logout_button()
    elif state.role == "couple" and page.url_path not in ("", "my-data") and needs_consent(state):
        # A counselor's assessment: each partner agrees to share with the counselor first.
        switch_to("couple_home")


def needs_consent(state: session.SessionData) -> bool:
    record = session.couple(state)
    if record is None or record.client_id is None:
        return False
    me = record.partner(state.slot or 0)
    return me is not None and not me.counselor_consent
