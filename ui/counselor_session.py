"""A counselor's login in this browser session: logging in and out, the login that
survives a refresh (docs/SECURITY.md, "Counselor sessions"), and what a page does when
a call finds the login ended.

The browser keeps the login's token in a cookie (ui/browser.py); a refresh is a new
Streamlit session, which reads it (``st.context.cookies``) before the navigation is
built. Who is acting is checked by the services at every call, fragments and timers
included (``services.counselor.Counselor``); a call that finds the login ended raises
``LoginEnded``, and :func:`acting` turns it into the login page with a kind line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import streamlit as st

from services import LoginEnded, StorageError
from services.admin import Admin
from services.counselor import ENDED, Counselor
from ui import browser, session

NOT_LOGGED_OUT = "Logging out didn't go through (the database is busy). Your login is still active: please try again."


def browser_token() -> str:
    """The session token the browser sent with this page load, or ""."""
    try:
        return str(st.context.cookies.get(browser.LOGIN_COOKIE) or "")
    except Exception:  # no browser behind this run (e.g. a bare script)
        return ""


def me() -> Counselor:
    """The counselor this session acts for; every call re-checks the login."""
    return Counselor(session.store(), session.data().counselor_token or "")


def admin() -> Admin:
    """The same, as an admin: every call also re-checks the admin flag."""
    return Admin(session.store(), session.data().counselor_token or "")


def restore(state: session.SessionData) -> session.SessionData:
    """Run before the navigation is built: a counselor's login checked (ended: logged
    out here), or restored from the browser's token. A refresh of the presentation view
    (its assessment in the URL) stays a shared screen."""
    try:
        if state.role == "counselor":
            record = me().check()
            state.counselor_admin, state.counselor_must_change = record.is_admin, record.must_change_password
        elif _may_restore(state, token := browser_token()):
            state.checked_login_token = token
            counselor = Counselor(session.store(), token)
            counselor.check()
            log_in(counselor)
    except LoginEnded:
        if state.role == "counselor":
            forget(ENDED)
    except StorageError:
        pass  # can't tell now: the page says the database is unreachable
    state = session.data()
    if state.role == "counselor" and st.query_params.get(session.PRESENT_PARAM):
        state.presenting = True
    return state


def _may_restore(state: session.SessionData, token: str) -> bool:
    if not token or token == state.checked_login_token or state.role != "person" or state.person_id:
        return False
    # A link opened in this browser is about someone else.
    return not any(p in st.query_params for p in (session.RESUME_PARAM, session.DEVICE_PARAM, session.JOIN_PARAM))


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
    for param in (session.RESUME_PARAM, session.DEVICE_PARAM, session.JOIN_PARAM):
        if param in st.query_params:
            del st.query_params[param]


def log_out() -> bool:
    """Revoke this login (the browser's token then restores nothing) and forget it here;
    False, with a notice saying so, if it could not be revoked."""
    try:
        me().log_out()
    except StorageError:
        session.data().notices.append(("error", NOT_LOGGED_OUT))
        return False
    forget("You're logged out.")
    return True


def forget(notice: str) -> None:
    """This browser session logged out, with ``notice`` to show once."""
    token = session.data().counselor_token
    session.reset_widgets()
    st.session_state[session.STATE_KEY] = session.SessionData(notices=[("info", notice)], checked_login_token=token)
    st.query_params.clear()


@contextmanager
def acting() -> Iterator[None]:
    """Around a counselor page or fragment: a call that finds the login ended shows the
    login page, with a kind line, instead of anything more of this page."""
    try:
        yield
    except LoginEnded:
        ended()


def ended() -> NoReturn:
    forget(ENDED)
    st.rerun(scope="app")


def keep_in_browser(state: session.SessionData) -> None:
    """On every page: a counselor's token is kept in the browser; anyone else's browser
    forgets a token it still holds (after log out, or one that restores nothing)."""
    if state.role == "counselor" and state.counselor_token:
        browser.remember_login(state.counselor_token)
    elif state.checked_login_token:
        browser.forget_login()
