"""Counselor accounts in the app, for admin counselors: add a counselor, disable one (they
can't log in, and every login of theirs ends at once) or re-enable them. Storage checks
the admin in every call; the navigation shows this page to admins only.

Names and usernames are the counselors' own words: they are shown as plain text.
"""

from __future__ import annotations

import streamlit as st

from services.counselor import MIN_PASSWORD_LENGTH, CounselorAccount
from ui import counselor_session, session
from ui.components import guarded
from ui.counselor_login_view import require_counselor
from ui.text import plain

UNAVAILABLE = "Counselor accounts can't be shown just now. Please try again in a moment."


NOT_ADMIN = "Only an admin counselor can add or disable counselor accounts. Your couples are on the Roster page."


def render_counselors() -> None:
    state = require_counselor()
    st.title("Counselors")
    if not state.counselor_admin:
        st.info(NOT_ADMIN)
        return
    admin_id = state.counselor_id or ""
    accounts: list[CounselorAccount] = []
    with counselor_session.acting(), guarded(UNAVAILABLE) as outcome:
        accounts = counselor_session.admin().accounts()
    if not outcome.ok:
        return
    _add_form()
    st.subheader("Accounts")
    for account in accounts:
        _account_row(admin_id, account)


def _add_form() -> None:
    with st.expander("Add a counselor"), st.form("add_counselor", clear_on_submit=True):
        username = st.text_input("Username (e.g. their e-mail address)", max_chars=120, key="accounts:username")
        display_name = st.text_input("Name shown in the app", max_chars=120, key="accounts:display_name")
        password = st.text_input(
            f"First password (at least {MIN_PASSWORD_LENGTH} characters; they change it after logging in)",
            type="password",
            max_chars=256,
            autocomplete="new-password",
            key="accounts:password",
        )
        make_admin = st.checkbox("Admin: may add, disable and re-enable counselors", key="accounts:admin")
        if st.form_submit_button("Add counselor"):
            with (
                counselor_session.acting(),
                guarded("The counselor couldn't be added just now. Please try again.") as outcome,
            ):
                counselor_session.admin().add_counselor(username, password, display_name, make_admin)
            if outcome.ok:  # shown above the list, which now has them
                message = f"Added {plain(username.strip().lower())}. Give them their first password in person: they choose their own at their first login."
                session.data().notices.append(("success", message))
                st.rerun()


def _account_row(admin_id: str, account: CounselorAccount) -> None:
    left, middle, right = st.columns([3, 3, 2], vertical_alignment="center")
    left.text(f"{account.display_name} ({account.username})")
    status = ["admin"] if account.is_admin else []
    status.append("disabled" if account.disabled else "active")
    if account.last_login_at:
        status.append(f"last login {account.last_login_at:%d %b %Y}")
    middle.caption(" · ".join(status))
    if account.id == admin_id:
        right.caption("That's you. Another admin can disable your account if it's ever needed.")
        return
    label = "Re-enable" if account.disabled else "Disable"
    if right.button(label, key=f"accounts:toggle:{account.id}"):
        with counselor_session.acting(), guarded("That change couldn't be made just now. Please try again.") as outcome:
            counselor_session.admin().set_disabled(account.id, not account.disabled)
        if outcome.ok:
            st.rerun()
