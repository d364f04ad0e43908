"""A partner who has finished: their answers are hidden (one device) or read-only (two
devices), and the one deliberate way back to them, "Reopen my answers"."""

from __future__ import annotations

import streamlit as st

from ui import couple_session, session
from ui.components import guarded
from ui.text import plain

#: Set while the "are you really Partner N?" confirmation is on screen.
ASKED_KEY = "reopen:asked"


def is_locked(state: session.SessionData) -> bool:
    """This couple partner has finished: their answers can't be changed (or, on one device, seen)."""
    return state.role == "couple" and state.finished


def _name(state: session.SessionData) -> str:
    """One device: what the partner on this screen is called (their nickname, else "Partner N"), for Markdown."""
    record = couple_session.couple(state)
    me = record.partner(state.slot or 0) if record is not None else None
    return plain(me.nickname) if me is not None and me.nickname else f"Partner {state.slot}"


def render_finished(state: session.SessionData) -> None:
    """Instead of a finished partner's answers: a kind word, and the way to reopen them."""
    if state.mode == "one_device":
        st.info(
            f"{_name(state)} has finished — your answers are saved and hidden on this screen. "
            "Nothing of them can be seen here.",
            icon=":material/lock:",
        )
    else:
        st.info(
            "You've finished — your answers are saved and read-only now. Reopen them if you'd like to change any.",
            icon=":material/lock:",
        )
    render_reopen(state)


def render_reopen(state: session.SessionData) -> None:
    """ "Reopen my answers", behind a confirmation that names the partner (as the hand-over does)."""
    if not st.session_state.get(ASKED_KEY):
        if st.button("Reopen my answers", key="reopen:ask"):
            st.session_state[ASKED_KEY] = True
            st.rerun()
        return
    with st.container(border=True):
        if state.mode == "one_device":
            who = _name(state)
            st.markdown(
                f"**Only {who} should go on.** Reopening shows {who}'s answers on this screen again so they "
                f"can be changed. {who} then finishes again, and the comparison will say the answers were "
                "updated after finishing."
            )
            label = f"I'm {who} — reopen my answers"
        else:
            st.markdown(
                "Reopening lets you change your answers. You then finish again, and your comparison will say "
                "your answers were updated after finishing."
            )
            label = "Yes, reopen my answers"
        go, cancel = st.columns(2)
        if go.button(label, type="primary", key="reopen:confirm"):
            with guarded("Your answers couldn't be reopened just now. Please try again."):
                couple_session.reopen(state)
                st.session_state.pop(ASKED_KEY, None)
                st.rerun()
        if cancel.button("Cancel", key="reopen:cancel"):
            st.session_state.pop(ASKED_KEY, None)
            st.rerun()
