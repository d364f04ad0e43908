"""A counselor's roster of couples (search, paging, adding one) and the CSV export.

Labels are the counselor's own words: they are shown as plain text.
"""

from __future__ import annotations

import streamlit as st

from services.counselor import ClientRecord
from ui import counselor_session, session
from ui.components import download, guarded
from ui.counselor_login_view import render_change_password, require_counselor
from ui.pages_registry import switch_to
from ui.text import plain

PAGE_KEY = "roster:page"
#: A label that is already on the roster, waiting for the counselor's choice.
DUPLICATE_KEY = "roster:duplicate"


def render_roster() -> None:
    state = require_counselor()
    with counselor_session.acting():
        _roster(state)


def _roster(state: session.SessionData) -> None:
    st.title("My couples")
    st.caption(f"Logged in as {plain(state.counselor_name or '')}. Only you can see this roster.")
    with st.form("add_client", clear_on_submit=True):
        label = st.text_input("Add a couple (a label or pseudonym — no real names needed)", max_chars=80)
        if st.form_submit_button("Add couple"):
            st.session_state.pop(DUPLICATE_KEY, None)
            with guarded("The couple couldn't be added just now. Please try again."):
                existing = counselor_session.me().client_with_label(label)
                if existing is None:
                    _add(state, label)
                else:
                    st.session_state[DUPLICATE_KEY] = (label, existing.id)
    _duplicate_choice(state)
    render_change_password()
    search = st.text_input("Search by label", max_chars=80, key="roster:search", on_change=_first_page)
    with guarded("The roster can't be shown just now. Please try again in a moment."):
        page = int(st.session_state.get(PAGE_KEY, 1))
        roster = counselor_session.me().roster_page(search, page)
        if roster.page != page:  # the roster shrank (a search, a removal): its last page instead
            st.session_state[PAGE_KEY] = roster.page
        if roster.total == 0:
            st.info("No couples yet." if not search else "No couple matches that search.")
            return
        st.caption(f"{roster.total} couple{'s' if roster.total != 1 else ''}")
        for client in roster.clients:
            _roster_row(state, client)
        if roster.pages > 1:
            st.pagination(roster.pages, default=min(roster.page, roster.pages), key=PAGE_KEY)


def _add(state: session.SessionData, label: str) -> None:
    st.session_state.pop(DUPLICATE_KEY, None)
    state.client_id = counselor_session.me().add_client(label)
    switch_to("client")


def _duplicate_choice(state: session.SessionData) -> None:
    """A label already on the roster: open that couple, or add another one anyway."""
    pending = st.session_state.get(DUPLICATE_KEY)
    if not pending:
        return
    label, existing_id = pending
    st.warning(f"You already have a couple called “{plain(' '.join(label.split()))}”. Open it, or add another?")
    left, right = st.columns(2)
    if left.button("Open the existing couple", key="roster:open_existing", type="primary"):
        st.session_state.pop(DUPLICATE_KEY, None)
        state.client_id = existing_id
        switch_to("client")
    if right.button("Add another with this label", key="roster:add_anyway"):
        with guarded("The couple couldn't be added just now. Please try again."):
            _add(state, label)


def _first_page() -> None:
    st.session_state[PAGE_KEY] = 1


def _roster_row(state: session.SessionData, client: ClientRecord) -> None:
    left, middle, right = st.columns([3, 2, 1], vertical_alignment="center")
    left.text(client.label)
    middle.caption(f"{client.assessments} assessment(s) · active {client.updated_at:%d %b %Y}")
    if right.button("Open", key=f"roster:open:{client.id}", help=f"Open {plain(client.label)}"):
        state.client_id = client.id
        switch_to("client")


def render_export() -> None:
    require_counselor()
    st.title("Export")
    st.markdown(
        "A CSV of every score of your couples — only partners who agreed to share with you, and only what they "
        "chose to share. Cells that could run as spreadsheet formulas are neutralised."
    )
    counselor, content = counselor_session.me(), session.content()
    download(
        "All scores (CSV)",
        lambda: counselor.scores_csv(content),
        "spark-check-scores.csv",
        key="export:csv",
    )
