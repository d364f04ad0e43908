"""Counselor login (password, or the organisation's OpenID Connect sign-in), log out,
changing one's password, and the check every counselor page starts with."""

from __future__ import annotations

import streamlit as st

from services import StorageError, login
from ui import counselor_session, session
from ui.components import guarded
from ui.text import plain

#: Session state: this browser session's failed logins (services.login.LoginThrottle).
LOGIN_FAILURES_KEY = "login:failures"
LOGIN_REFUSED = (
    "That username and password don't match an account, or there were too many tries. "
    "Please check them, or try again in 15 minutes."
)
UNREACHABLE = "Logging in isn't possible just now. Please try again in a moment."
OIDC_UNVERIFIED = (
    "Your organisation's account didn't confirm your e-mail address, so it can't be used to log in here. "
    "Please use your Spark Check password."
)
OIDC_NO_ACCOUNT = "Your sign-in worked, but no Spark Check counselor account matches your e-mail address."
NOT_LOGGED_OUT = "Logging out didn't go through (the database is busy). Your login is still active: please try again."
FIRST_PASSWORD = "Welcome! Please choose your own password first: the one you were given was only for this login."


def require_counselor(on_couple_page: bool = False, presenting: bool = False) -> session.SessionData:
    """The logged-in counselor's session; else the login (whose success reruns this
    page) or, for a couple's session, a kind message, and nothing else on the page. A
    counselor whose account an admin made changes that first password before anything."""
    state = session.data()
    if state.role != "counselor" or state.counselor_id is None:
        if state.role == "person":
            render_login()
        else:
            st.error("Please log in as a counselor.")
        st.stop()
    if state.counselor_must_change:
        st.title("Choose your password")
        st.info(FIRST_PASSWORD)
        render_change_password(expanded=True)
        st.stop()
    if not on_couple_page:
        state.fresh_links = {}  # one-time links vanish once the counselor leaves the couple's page
    if not presenting:
        if st.session_state.pop("present:left", False):  # back from the shared screen (#20 item 2)
            st.set_page_config(initial_sidebar_state="expanded")  # it was collapsed there
        state.presenting = False
        if session.PRESENT_PARAM in st.query_params:
            del st.query_params[session.PRESENT_PARAM]
    return state


def render_login() -> None:
    st.title("Counselor login")
    st.markdown(
        "For counselors who use Spark Check in sessions. Couples and individuals don't need an account. "
        "Your account is made by whoever runs Spark Check for your practice."
    )
    first_run = None
    with guarded(UNREACHABLE):
        first_run = login.first_run_help(session.store())
    if first_run:
        st.info(first_run)
    if _oidc_configured():
        if _oidc_signed_in():
            _oidc_login()
        st.button("Sign in with your organisation's account", on_click=st.login, key="login:oidc")
        st.caption("Or use a Spark Check password:")
    with st.form("login"):
        username = st.text_input("Username", max_chars=120, autocomplete="username", key="login:username")
        password = st.text_input(
            "Password", type="password", max_chars=256, autocomplete="current-password", key="login:password"
        )
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        throttle = st.session_state.setdefault(LOGIN_FAILURES_KEY, login.LoginThrottle())
        try:
            counselor = login.log_in(session.store(), username, password, throttle)
        except StorageError:
            st.error(UNREACHABLE)
            return
        if counselor is None:
            st.error(LOGIN_REFUSED)
            return
        counselor_session.log_in(counselor)
        st.rerun()


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _oidc_signed_in() -> bool:
    return bool(getattr(st.user, "is_logged_in", False))


def _oidc_login() -> None:
    """Map an OpenID Connect identity to a counselor account of the same e-mail address,
    if the provider says the address is verified (else anyone able to put an address on
    an account at the provider could become that counselor)."""
    if st.user.get("email_verified") is not True:
        st.error(OIDC_UNVERIFIED)
        return
    counselor = None
    with guarded(UNREACHABLE) as outcome:
        counselor = login.sign_in_by_email(session.store(), str(st.user.get("email") or ""))
    if not outcome.ok:
        return
    if counselor is None:
        st.error(OIDC_NO_ACCOUNT)
        return
    counselor_session.log_in(counselor)
    st.rerun()


def _log_out() -> None:
    """The Log out button's callback. An identity from the organisation's sign-in is
    signed out too (its cookie deleted, the provider told), or the login page would
    sign the next person straight back in as this counselor."""
    signed_in = _oidc_configured() and _oidc_signed_in()
    try:
        counselor_session.me().log_out()  # revoked: the browser's token restores nothing
    except StorageError:
        session.data().notices.append(("error", NOT_LOGGED_OUT))
        return
    counselor_session.forget("You're logged out.")
    if signed_in:
        st.logout()  # run as a callback: no rerun follows that could drop its redirect


def render_change_password(expanded: bool = False) -> None:
    """A counselor changes their own password (their current one first, counted like a
    login); every other login of theirs ends."""
    with st.expander("Change my password", expanded=expanded), st.form("change_password", clear_on_submit=True):
        current = st.text_input("Current password", type="password", max_chars=256, autocomplete="current-password")
        new = st.text_input("New password", type="password", max_chars=256, autocomplete="new-password")
        again = st.text_input("New password again", type="password", max_chars=256, autocomplete="new-password")
        if st.form_submit_button("Change password"):
            with counselor_session.acting(), guarded("The password couldn't be changed just now. Please try again."):
                counselor_session.me().change_password(current, new, again)
                session.data().counselor_must_change = False
                session.data().notices.append(("success", "Your password is changed. Your other logins have ended."))
                st.rerun()


def render_logout_button() -> None:
    state = session.data()
    with st.sidebar:
        st.caption(f"Counselor: {plain(state.counselor_name or '')}")
        st.button("Log out", key="counselor:logout", on_click=_log_out)
