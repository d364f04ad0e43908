"""A couple's session: starting (one device or two), joining, handing over, finishing,
reopening, and following what is stored. On one device the session only ever holds
the answers of the partner whose turn it is, and never those of a partner who has finished."""

from __future__ import annotations

import streamlit as st

from services import answers as answers_service
from services import couples
from storage import StorageError
from storage.couples import CoupleRecord, JoinOutcome
from ui import session

#: Wrong join codes one browser session may try before it must ask for a new link.
MAX_JOIN_TRIES_PER_SESSION = 10


def hide_answers(state: session.SessionData) -> None:
    """One device, when the database can't say whose turn it is: keep nothing on screen."""
    session.reset_widgets()
    state.answers = {}
    state.unsaved.clear()
    state.finished = True


def start_one_device() -> session.SessionData:
    """Two partners, one device: partner 1 starts; the device link resumes the couple."""
    couple, device_token = couples.start_one_device(session.store())
    return session.new_turn(session.SessionData(device_token=device_token), couple, 1)


def start_two_devices(state: session.SessionData) -> str:
    """Create a couple space with this person as partner 1; returns the join code."""
    couple_id, person_id, token, code = couples.start_two_devices(session.store(), state.person_id)
    state.role, state.couple_id, state.mode, state.slot = "couple", couple_id, "two_devices", 1
    state.person_id = person_id
    if token is not None:
        state.token = token
    return code


def join(state: session.SessionData, code: str) -> JoinOutcome:
    """Join a partner's couple space with a code, bringing any answers already given."""
    if state.join_failures >= MAX_JOIN_TRIES_PER_SESSION:
        return JoinOutcome.LOCKED
    solo_id = state.person_id if state.couple_id is None else None
    result = couples.join(session.store(), code, person_id=solo_id)
    if result.outcome is not JoinOutcome.JOINED:
        state.join_failures += 1
        return result.outcome
    state.role, state.couple_id, state.mode, state.slot = "couple", result.couple_id, "two_devices", 2
    state.person_id = result.person_id
    if result.token is not None:
        state.token = result.token
    if session.JOIN_PARAM in st.query_params:
        del st.query_params[session.JOIN_PARAM]
    return result.outcome


def couple(state: session.SessionData) -> CoupleRecord | None:
    return couples.couple(session.store(), state.couple_id)


def hand_over(state: session.SessionData) -> None:
    """One device: partner 2's turn. Partner 1's answers leave the session for good."""
    record = couple(state)
    if record is None or state.mode != "one_device":
        return
    couples.hand_over(session.store(), record.id)
    session.new_turn(state, record, 2)


def finish(state: session.SessionData, share_level: str) -> None:
    """This partner is done and has chosen what to share. On one device their answers
    leave the session at once: nothing of them can be seen from this screen any more."""
    if state.person_id is None:
        raise StorageError("no answers yet")
    couples.finish(session.store(), state.person_id, share_level)
    if state.mode != "one_device":
        state.finished = True
        session.set_progress(state, page="comparison")
        return
    try:
        record = couple(state)
        if record is None:
            raise StorageError("no couple")
        session.set_progress(state, page="comparison" if record.both_finished else "couple_home")
        session.new_turn(state, record, record.active_slot)
    except StorageError:
        hide_answers(state)


def reopen(state: session.SessionData) -> None:
    """A finished partner takes their answers back to change them (after confirming who they
    are, on one device). They finish again afterwards; the comparison notes the update."""
    record = couple(state)
    if record is None or state.person_id is None:
        return
    if state.mode == "one_device" and state.slot != record.active_slot:
        return  # only the partner whose turn it is: after the hand-over, partner 1's answers stay hidden
    couples.reopen(session.store(), state.person_id)
    record = couple(state)
    if state.mode == "one_device" and record is not None:
        session.new_turn(state, record, record.active_slot)
    else:
        state.finished = False
        state.answers = answers_service.answers_of(session.store(), state.person_id)


def follow_couple(state: session.SessionData) -> session.SessionData:
    """At the start of each full run of a couple's page: the session follows what is stored.

    Another tab on this device may have finished, handed over or reopened meanwhile.
    On one device the session then starts afresh for the partner whose turn it is, so
    the answers of a partner who has finished (or handed over) never linger in it.
    """
    if state.role != "couple" or state.couple_id is None:
        return state
    try:
        record = couple(state)
    except StorageError:
        return state
    if record is None:
        return state
    me = record.partner(state.slot or 0)
    if state.mode == "one_device":
        stale = record.active_slot != state.slot or me is None or me.finished != state.finished
        if stale or (state.finished and state.answers):
            try:
                return session.new_turn(state, record, record.active_slot)
            except StorageError:
                hide_answers(state)
    elif me is not None:
        state.finished = me.finished
    return state
