"""A couple's session: starting (one device or two), joining, handing over, finishing,
reopening, and following the turn. The use cases are ``services.partner``'s; this keeps
the session in step: on one device it only ever holds the answers of the partner whose
turn it is, and never those of a partner who has finished."""

from __future__ import annotations

import streamlit as st

from services import JoinOutcome, NotActing, StorageError
from services import partner as partners
from ui import session

#: Wrong join codes one browser session may try before it must ask for a new link.
MAX_JOIN_TRIES_PER_SESSION = 10


def start_one_device() -> None:
    """Two partners, one device: partner 1 starts; the device link resumes the couple."""
    session.become(partners.start_one_device(session.store(), session.content())[0])


def start_two_devices(state: session.SessionData) -> str:
    """Create a couple space with this person (and their answers) as partner 1; returns the join code."""
    state.actor, code = partners.start_two_devices(session.store(), session.content(), state.actor)
    state.role = "couple"
    session.keep_link_in_url(state)
    return code


def join(state: session.SessionData, code: str) -> JoinOutcome:
    """Join a partner's couple space with a code, bringing any answers already given."""
    if state.join_failures >= MAX_JOIN_TRIES_PER_SESSION:
        return JoinOutcome.LOCKED
    outcome, partner = partners.join(session.store(), session.content(), code, state.actor)
    if partner is None:
        state.join_failures += 1
        return outcome
    state.actor, state.role = partner, "couple"
    if session.JOIN_PARAM in st.query_params:
        del st.query_params[session.JOIN_PARAM]
    session.keep_link_in_url(state)
    return outcome


def hand_over(state: session.SessionData) -> None:
    """One device: partner 2's turn. Partner 1's answers leave the session for good."""
    if state.partner is not None:
        session.become(state.partner.hand_over())


def finish(state: session.SessionData, share_level: str) -> None:
    """This partner is done and has chosen what to share. On one device their answers
    leave the session at once: nothing of them can be seen from this screen any more."""
    if state.partner is None:
        raise StorageError("no answers yet")
    record = state.partner.finish(share_level)
    page = "comparison" if record.both_finished or not state.partner.one_device else "couple_home"
    session.set_progress(state, page=page)
    if state.partner.one_device:
        session.become(state.partner)
    else:
        state.finished = True


def reopen(state: session.SessionData, slot: int | None = None) -> None:
    """A finished partner (on one device once both finished, either: ``slot``) takes their
    answers back to change them; the safety questions start blank again."""
    if state.partner is not None:
        session.become(state.partner.reopen(slot))


def follow_couple(state: session.SessionData) -> session.SessionData:
    """At the start of each full run of a couple's page: the session follows what is stored.

    Another tab may have finished, handed over or reopened meanwhile, or the link may have
    been replaced: the session then starts afresh for whoever holds the turn (or ends), so the
    answers of a partner who has finished (or handed over) never linger in it."""
    partner = state.partner
    if partner is None:
        return state
    try:
        finished = partner.finished()
        if finished != state.finished or (partner.one_device and finished and state.answers):
            return session.become(partner)
    except NotActing as exc:
        session.ended(state, exc)
    except StorageError:
        if partner.one_device:  # the database can't say whose turn it is: keep nothing on screen
            session.reset_widgets()
            state.answers, state.finished = {}, True
    return session.data()
