"""Which counselor this browser session acts for, and their login surviving a refresh
(docs/SECURITY.md, "Counselor sessions"): the token sits in a cookie (ui/browser.py),
read before the navigation is built. The services re-check it at every call, fragments
included; :func:`acting` turns a ``LoginEnded`` into the login page with a kind line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from services import LoginEnded, StorageError
from services.admin import Admin
from services.counselor import ENDED, Counselor
from ui import browser, link_carrier, session

LINKS = (session.RESUME_PARAM, session.DEVICE_PARAM, session.JOIN_PARAM)


def browser_token() -> str:
    """The session token the browser sent with this page load, or ""."""
    try:
        return str(st.context.cookies.get(browser.LOGIN_COOKIE) or "")
    except Exception:  # no browser behind this run (e.g. a bare script)
        return ""


def me() -> Counselor:
    return Counselor(session.store(), session.data().counselor_token or "")


def admin() -> Admin:
    return Admin(session.store(), session.data().counselor_token or "")


def restore(state: session.SessionData) -> session.SessionData:
    """Before the navigation: a counselor's login checked (ended: logged out here), or
    restored from the browser's token, unless a link in the address bar (or this tab's join
    code) is someone else's.
    A refreshed presentation view (its assessment in the URL) stays a shared screen."""
    token = browser_token()
    unchecked = token and token != state.checked_login_token and state.role == "person" and not state.person_id
    try:
        if state.role == "counselor":
            record = me().check()
            state.counselor_admin, state.counselor_must_change = record.is_admin, record.must_change_password
        elif unchecked and not link_carrier.invitation() and not any(param in st.query_params for param in LINKS):
            state.checked_login_token = token
            (counselor := Counselor(session.store(), token)).check()
            log_in(counselor)
    except LoginEnded:
        if state.role == "counselor":
            forget(ENDED)
    except StorageError:
        pass  # can't tell now: the page says the database is unreachable
    state = session.data()
    state.presenting |= state.role == "counselor" and bool(st.query_params.get(session.PRESENT_PARAM))
    return state


def log_in(counselor: Counselor) -> None:
    """A counselor's session starts clean: nothing of anyone else's stays in it."""
    record = counselor.record
    assert record is not None  # a login opened or checked
    session.reset_widgets()
    st.session_state[session.STATE_KEY] = session.SessionData(
        role="counselor",
        counselor_id=record.id,
        counselor_name=record.display_name,
        counselor_admin=record.is_admin,
        counselor_must_change=record.must_change_password,
        counselor_token=counselor.token,
        checked_login_token=counselor.token,
    )
    for param in LINKS:
        if param in st.query_params:
            del st.query_params[param]


def forget(notice: str) -> None:
    """This browser session logged out, with ``notice`` to show once."""
    token = session.data().counselor_token
    session.reset_widgets()
    st.session_state[session.STATE_KEY] = session.SessionData(notices=[("info", notice)], checked_login_token=token)
    st.query_params.clear()


@contextmanager
def acting() -> Iterator[None]:
    """Around a counselor page or fragment: once a call finds the login ended, nothing
    more of the page; the login page instead, saying so."""
    try:
        yield
    except LoginEnded:
        forget(ENDED)
        st.rerun(scope="app")


def keep_in_browser(state: session.SessionData) -> None:
    """On every page: a counselor's token is kept in the browser; anyone else's browser
    forgets a token it still holds (after log out, or one that restores nothing)."""
    if state.role == "counselor" and state.counselor_token:
        browser.remember_login(state.counselor_token)
    elif state.checked_login_token:
        browser.forget_login()
