"""Spark Check: the entry point. Sets up the session and builds the navigation."""

import streamlit as st

from ui import counselor_session, pages_registry, session

st.set_page_config(page_title="Spark Check", page_icon="✨", layout="centered", initial_sidebar_state="auto")

state = counselor_session.restore(session.start())
page = st.navigation(pages_registry.for_role(state), position=pages_registry.nav_position(state))
pages_registry.run(state, page)
