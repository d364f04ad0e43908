"""The welcome page."""

from __future__ import annotations

import streamlit as st

from services import JoinOutcome, StorageError
from services import partner as partners
from ui import link_carrier, session
from ui.components import guarded
from ui.pages_registry import switch_to

#: Wrong join codes one browser session may try before it must ask for a new link.
MAX_JOIN_TRIES_PER_SESSION = 10
JOIN_MESSAGES = {
    JoinOutcome.UNKNOWN: "That code doesn't match a couple space. Please check it with your partner — "
    "codes look like ABCD-EFG234.",
    JoinOutcome.WRONG: "That code doesn't match a couple space. Please check it with your partner — "
    "codes look like ABCD-EFG234.",
    JoinOutcome.EXPIRED: "That code has expired (codes last 24 hours). Ask your partner to make a new one "
    "on their “Our check-up” page.",
    JoinOutcome.USED: "That code has already been used — each code works once. Ask your partner for a new one.",
    JoinOutcome.LOCKED: "That code is locked after too many wrong tries. Ask your partner to make a new one.",
}


def render() -> None:
    state = session.data()
    content = session.content()
    st.title("Spark Check")
    st.markdown(
        "A private check-up for your relationship, in two short questionnaires. "
        "See where things are strong, where they could grow, and two or three small, "
        "concrete things to try next."
    )
    invited = link_carrier.invitation()
    if invited:
        st.subheader("Join your partner")
        st.markdown(
            "Your partner has invited you to take Spark Check together. Each of you answers on your own device."
        )
        _join_form(state, invited)
    else:
        _start_buttons(state)
        _couple_options(state)
    _about(content.guidance.not_therapy)
    st.divider()
    if st.button("I'm a counselor — log in", type="tertiary", key="welcome:counselor"):
        switch_to("counselor_login")


def _start_buttons(state: session.SessionData) -> None:
    content = session.content()
    worth_it = content.questionnaire("worth_it")
    intimacy = content.questionnaire("intimacy")
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.subheader(worth_it.title)
        st.caption(f"About {worth_it.minutes} minutes · six yes-or-no questions")
        if st.button("Start “Is it worth it?”", type="primary", key="start:worth_it"):
            switch_to("worth_it")
    with right, st.container(border=True):
        st.subheader(intimacy.title)
        st.caption(f"About {intimacy.minutes} minutes · one short part per topic")
        if st.button("Start “Is our intimacy fading?”", type="primary", key="start:intimacy"):
            switch_to("intimacy")
    if state.answers and st.button("See my results so far", key="start:results"):
        switch_to("results")


def _about(not_therapy: str) -> None:
    st.markdown("#### What this is — and what it isn't")
    st.markdown(
        f"""
- **A reflection tool, not therapy.** {not_therapy}
- **Private.** No account, no name, no email. Your answers stay on the server this app runs on,
  and you can delete them at any time from *My data*.
- **Nothing lost.** Each answer is saved the moment you choose it. A resume link in your
  address bar brings you back to where you were, even after closing the tab.
- **Kind.** Results are invitations to talk, not verdicts on anyone.
"""
    )
    st.info(
        "If you ever feel unsafe with your partner, your safety comes first. "
        "Answer honestly: the app will then show support resources instead of exercises.",
        icon=":material/shield:",
    )


def _couple_options(state: session.SessionData) -> None:
    st.markdown("#### Taking it as a couple?")
    st.markdown(
        "Each of you answers alone; then you see, side by side, where you agree, where you see things "
        "differently, and what to try together. Each of you chooses what the other may see."
    )
    together, space, join = st.tabs(["On this device", "On two devices", "I have a code"])
    with together:
        st.markdown("Answer in turn on this device. While one of you answers, the other's answers stay hidden.")
        if st.button("Start together on this device", key="couple:one_device"):
            with guarded("The couple space couldn't be made just now. Please try again."):
                session.become(partners.start_one_device(session.store(), session.content())[0])
                st.rerun()
    with space:
        st.markdown(
            "Make a couple space and send your partner a join code or link. You each answer on your own device."
        )
        label = "Invite my partner (keeps my answers)" if state.person_id else "Make a couple space"
        if st.button(label, key="couple:two_devices"):
            with guarded("The couple space couldn't be made just now. Please try again."):
                partner, st.session_state["join_code"] = partners.start_two_devices(
                    session.store(), session.content(), state.actor
                )
                session.act_as(state, partner)
                st.rerun()
    with join:
        _join_form(state, "")


def _join_form(state: session.SessionData, prefill: str) -> None:
    with st.form("join"):
        code = st.text_input("Join code from your partner", value=prefill, max_chars=24, key="join:code")
        submitted = st.form_submit_button("Join my partner", type="primary")
    if submitted:
        _join(state, code)


def _join(state: session.SessionData, code: str) -> None:
    if not code.strip():
        st.warning("Type the code your partner gave you first.")
        return
    if state.join_failures >= MAX_JOIN_TRIES_PER_SESSION:
        st.error("Too many tries from this browser. Please ask your partner for a fresh join link.")
        return
    try:
        outcome, partner = partners.join(session.store(), session.content(), code, state.actor)
    except StorageError:
        st.error("Joining didn't work just now. Please try again in a moment.")
        return
    if partner is not None:
        session.act_as(state, partner)
        state.notices.append(("success", "You've joined your partner's couple space."))
        st.rerun()
    state.join_failures += 1
    st.error(JOIN_MESSAGES[outcome])
