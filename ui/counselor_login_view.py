"""Counselor login (password, or the organisation's OpenID Connect sign-in), log out,
and the check every counselor page starts with."""

from __future__ import annotations

import time

import streamlit as st

from services import counselor as counselor_service
from storage import StorageError
from storage.counselors import LOCK_TIME, decoy_verification
from ui import session
from ui.components import guarded
from ui.text import plain


def require_counselor(on_couple_page: bool = False, presenting: bool = False) -> session.SessionData:
    """The logged-in counselor's session; else the login (whose success reruns this
    page) or, for a couple's session, a kind message, and nothing else on the page."""
    state = session.data()
    if state.role != "counselor" or state.counselor_id is None:
        if state.role == "person":
            render_login()
        else:
            st.error("Please log in as a counselor.")
        st.stop()
    if not on_couple_page:
        state.fresh_links = {}  # one-time links vanish once the counselor leaves the couple's page
    if not presenting:
        state.presenting = False
        if session.PRESENT_PARAM in st.query_params:
            del st.query_params[session.PRESENT_PARAM]
    return state


# Login --------------------------------------------------------------------
#
# The policy (docs/SECURITY.md, "Counselor login"): every refused attempt -- unknown
# username, wrong password, locked account, throttled session -- gets the same message
# after the same work (one Argon2 check) and the same wait. Each browser session may
# fail SESSION_MAX_FAILURES times in SESSION_THROTTLE_S; after that its attempts are
# refused unchecked and count against no account, so one browser alone can never lock
# an account (storage locks it after MAX_FAILED_LOGINS).

#: Every refused login answers no sooner than this after it was sent: slows guessing,
#: and unknown, wrong, locked and throttled take the same time.
FAILED_LOGIN_DELAY_S = 1.0
#: Failed logins one browser session may make in SESSION_THROTTLE_S before its attempts
#: are refused unchecked. Fewer than the account's MAX_FAILED_LOGINS.
SESSION_MAX_FAILURES = 3
SESSION_THROTTLE_S = LOCK_TIME.total_seconds()
#: Session state: the times (time.monotonic) of this session's failed logins.
LOGIN_FAILURES_KEY = "login:failures"
LOGIN_REFUSED = (
    "That username and password don't match an account, or there were too many tries. "
    "Please check them, or try again in 15 minutes."
)
OIDC_UNVERIFIED = (
    "Your organisation's account didn't confirm your e-mail address, so it can't be used to log in here. "
    "Please use your Spark Check password."
)
OIDC_NO_ACCOUNT = "Your sign-in worked, but no Spark Check counselor account matches your e-mail address."


def render_login() -> None:
    st.title("Counselor login")
    st.markdown(
        "For counselors who use Spark Check in sessions. Couples and individuals don't need an account. "
        "Your account is made by whoever runs Spark Check for your practice."
    )
    with guarded("Logging in isn't possible just now. Please try again in a moment.") as outcome:
        first_run = not counselor_service.has_counselors(session.desk())
    if outcome.ok and first_run:
        st.info(
            "No counselor account exists yet. Whoever runs this server makes the first one on that machine:\n\n"
            '`python -m storage add-counselor NAME --display-name "Your Name"`\n\n'
            "That first counselor is an admin: they add the others here, in the app."
        )
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
        _password_login(username, password)


def _password_login(username: str, password: str) -> None:
    deadline = time.monotonic() + FAILED_LOGIN_DELAY_S
    failures = _recent_failures()
    try:
        if len(failures) >= SESSION_MAX_FAILURES:
            decoy_verification(password)  # throttled: refused unchecked, after the same work
            counselor = None
        else:
            counselor = counselor_service.authenticate(session.desk(), username, password)
    except StorageError:
        st.error("Logging in isn't possible just now. Please try again in a moment.")
        return
    if counselor is None:
        if len(failures) < SESSION_MAX_FAILURES:
            st.session_state[LOGIN_FAILURES_KEY] = [*failures, time.monotonic()]
        time.sleep(max(0.0, deadline - time.monotonic()))
        st.error(LOGIN_REFUSED)
        return
    session.log_in_counselor(counselor.id, counselor.display_name, admin=counselor.is_admin)
    st.rerun()


def _recent_failures() -> list[float]:
    """This session's failed logins in the last SESSION_THROTTLE_S."""
    since = time.monotonic() - SESSION_THROTTLE_S
    return [t for t in st.session_state.get(LOGIN_FAILURES_KEY, []) if t > since]


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
    email = str(st.user.get("email") or "")
    counselor = None
    with guarded("Logging in isn't possible just now. Please try again in a moment.") as outcome:
        counselor = counselor_service.counselor_by_username(session.desk(), email) if email else None
    if not outcome.ok:
        return
    if counselor is None:
        st.error(OIDC_NO_ACCOUNT)
        return
    session.log_in_counselor(counselor.id, counselor.display_name, admin=counselor.is_admin)
    st.rerun()


def _log_out() -> None:
    """The Log out button's callback. An identity from the organisation's sign-in is
    signed out too (its cookie deleted, the provider told), or the login page would
    sign the next person straight back in as this counselor."""
    signed_in = _oidc_configured() and _oidc_signed_in()
    session.log_out()
    if signed_in:
        st.logout()  # run as a callback: no rerun follows that could drop its redirect


def render_change_password() -> None:
    """A counselor changes their own password (their current one first)."""
    state = session.data()
    with st.expander("Change my password"), st.form("change_password", clear_on_submit=True):
        current = st.text_input("Current password", type="password", max_chars=256, autocomplete="current-password")
        new = st.text_input("New password", type="password", max_chars=256, autocomplete="new-password")
        again = st.text_input("New password again", type="password", max_chars=256, autocomplete="new-password")
        if st.form_submit_button("Change password"):
            if new != again:
                st.error("The two new passwords aren't the same.")
                return
            with guarded("The password couldn't be changed just now. Please try again.") as outcome:
                counselor_service.change_password(session.desk(), state.counselor_id or "", current, new)
            if outcome.ok:
                st.success("Your password is changed.")


def render_logout_button() -> None:
    state = session.data()
    with st.sidebar:
        st.caption(f"Counselor: {plain(state.counselor_name or '')}")
        st.button("Log out", key="counselor:logout", on_click=_log_out)
