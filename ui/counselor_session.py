"""A counselor's login that survives a page refresh (docs/SECURITY.md, "Counselor sessions").

At login the server opens a session (storage/sessions.py) and gives the browser its
random token, which a constant snippet (ui/browser.py) keeps in a cookie. A page
refresh is a new Streamlit session: it reads the cookie (``st.context.cookies``) and,
if the token still names a live session, the counselor is logged in again before the
navigation is built, so the page they were on exists. Every run of a logged-in page
checks the session is still live (log out, idle and absolute timeouts end it).
"""

from __future__ import annotations

import streamlit as st

from storage import StorageError
from storage import sessions as counselor_sessions
from ui import browser, link_carrier, session

ENDED = "Your login has ended (it was unused for a while, or ended elsewhere). Please log in again."


def browser_token() -> str:
    """The session token the browser sent with this page load, or ""."""
    try:
        return str(st.context.cookies.get(browser.LOGIN_COOKIE) or "")
    except Exception:  # no browser behind this run (e.g. a bare script)
        return ""


def restore(state: session.SessionData) -> session.SessionData:
    """Run before the navigation is built: restore a counselor's login from the browser's
    token, or end a login the server no longer knows. A refresh of the presentation view
    (its assessment in the URL) stays a shared screen: no navigation, nothing of the
    counselor (the page itself checks the assessment is theirs)."""
    state = _restore_login(state)
    if state.role == "counselor" and st.query_params.get(session.PRESENT_PARAM):
        state.presenting = True
    return state


def _restore_login(state: session.SessionData) -> session.SessionData:
    if state.role == "counselor":
        try:
            live = counselor_sessions.session_counselor(session.store(), state.counselor_token or "")
        except StorageError:
            return state  # can't tell now: the page says the database is unreachable
        if live is None or live.id != state.counselor_id:
            session.log_out(ENDED)
        else:
            state.counselor_admin = live.is_admin  # made or stopped being an admin meanwhile
        return session.data()
    token = browser_token()
    if not token or token == state.checked_login_token or state.role != "person" or state.person_id:
        return state
    if link_carrier.invitation() or any(p in st.query_params for p in (session.RESUME_PARAM, session.DEVICE_PARAM)):
        return state  # a link opened in this browser (or this tab's join code) is about someone else
    state.checked_login_token = token
    try:
        counselor = counselor_sessions.session_counselor(session.store(), token)
    except StorageError:
        return state
    if counselor is not None:
        session.log_in_counselor(counselor.id, counselor.display_name, token=token, admin=counselor.is_admin)
    return session.data()


def keep_in_browser(state: session.SessionData) -> None:
    """On every page: a counselor's token is kept in the browser; anyone else's browser
    forgets a token it still holds (after log out, or one that restores nothing)."""
    if state.role == "counselor" and state.counselor_token:
        browser.remember_login(state.counselor_token)
    elif state.checked_login_token:
        browser.forget_login()
