"""Spark Check: the entry point. Sets up the session and builds the navigation."""

import streamlit as st

from ui import pages_registry, session

#: How often the reconnect guard below reruns (it draws nothing; any interval would do).
RECONNECT_GUARD_EVERY = "10min"


@st.fragment(run_every=RECONNECT_GUARD_EVERY)
def reconnect_guard() -> None:
    """Draws nothing: its timer alone matters. When its websocket comes back, Streamlit's
    frontend asks for a full run only if the last run was a fragment's or a timer is set.
    After a replica dies (deploy/README.md), the websocket comes back to a new, empty
    session on another replica; without that run, the answers given next would rerun
    fragments the new session does not have, and be dropped unsaved. With it, the new
    session resumes from the link in the address bar first."""


st.set_page_config(page_title="Spark Check", page_icon="✨", layout="centered")

state = session.start()
page = st.navigation(pages_registry.for_role(state))
pages_registry.before_page(state, page)
reconnect_guard()  # an empty block: Streamlit draws nothing for it
page.run()
