"""A partner who has finished: their answers are hidden (one device) or read-only (two
devices), and the one deliberate way back to them, "Reopen my answers"."""

from __future__ import annotations

import streamlit as st

from ui import session
from ui.components import guarded
from ui.text import plain

#: Set while the "are you really Partner N?" confirmation is on screen.
ASKED_KEY = "reopen:asked"


def is_locked(state: session.SessionData) -> bool:
    """This couple partner has finished: their answers can't be changed (or, on one device, seen)."""
    return state.role == "couple" and state.finished


def _name(state: session.SessionData) -> str:
    """One device: what the partner on this screen is called (their nickname, else "Partner N"), for Markdown."""
    names = state.partner.names() if state.partner is not None else {}
    return plain(names.get(state.slot or 1, f"Partner {state.slot}"))


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


def render_reopen(state: session.SessionData, slots: tuple[int, ...] = ()) -> None:
    """ "Reopen my answers", behind a confirmation that names the partner (as the hand-over
    does); on one device once both have finished, either partner (``slots``)."""
    if not st.session_state.get(ASKED_KEY):
        if st.button("Reopen my answers", key="reopen:ask"):
            st.session_state[ASKED_KEY] = True
            st.rerun()
        return
    with st.container(border=True):
        if state.partner is not None and state.partner.one_device:
            names = state.partner.names()
            for slot in slots or (state.slot or 1,):
                who = plain(names[slot])
                st.markdown(
                    f"**Only {who} should go on.** Reopening shows {who}'s answers on this screen again so they "
                    f"can be changed; the safety questions start blank. {who} then finishes again, and the "
                    "comparison will say the answers were updated after finishing."
                )
                key = f"reopen:confirm:{slot}" if slots else "reopen:confirm"
                _confirm(state, f"I'm {who} — reopen my answers", key, slot)
        else:
            st.markdown(
                "Reopening lets you change your answers; the safety questions start blank. You then finish "
                "again, and your comparison will say your answers were updated after finishing."
            )
            _confirm(state, "Yes, reopen my answers", "reopen:confirm", None)
        if st.button("Cancel", key="reopen:cancel"):
            st.session_state.pop(ASKED_KEY, None)
            st.rerun()


def _confirm(state: session.SessionData, label: str, key: str, slot: int | None) -> None:
    if st.button(label, type="primary", key=key):
        with guarded("Your answers couldn't be reopened just now. Please try again."):
            session.become(state.partner.reopen(slot))  # type: ignore[union-attr]  # a couple's page
            st.rerun()
