"""Couple mode: the couple's home, predictions, and finishing and sharing (the comparison:
ui/comparison_view.py)."""

from __future__ import annotations

import streamlit as st

from questions.loader import source_titles
from scoring import visibility
from scoring.compare import INTIMACY, predictions_id
from services import NICKNAME_MAX_LENGTH, CoupleRecord, NicknameError, NotActing, StorageError, format_join_code
from services.partner import Partner, partner_names
from ui import session
from ui.components import PAGE_UNAVAILABLE, app_link, guarded
from ui.finished_view import is_locked, render_finished, render_reopen
from ui.pages_registry import switch_to
from ui.questionnaire_view import show_answer
from ui.results_view import render_safety
from ui.text import plain

SHARE_LABELS = {
    "scores": "Share my topic scores",
    "items": "Share my scores and my individual answers",
    "nothing": "Don't share my results this time",
}


def names_for(state: session.SessionData, record: CoupleRecord) -> dict[int, str]:
    """What each partner is called on this screen (``services.partner.partner_names``): on a
    partner's own device their own name says "(you)". Plain text: pass it through plain()."""
    return partner_names(record, state.slot if state.mode == "two_devices" else None)


def _nickname(state: session.SessionData, partner: Partner, record: CoupleRecord) -> None:
    """The partner on this screen may give a first name or nickname, shown to the two of them."""
    me = record.partner(state.slot or 0)
    if me is None:
        return
    label = f"Your name here: {plain(me.nickname)}" if me.nickname else "Your first name or nickname (optional)"
    with st.expander(label, expanded=False):
        with st.form(key=f"nickname:{state.widget_slot}", border=False):
            given = st.text_input(
                "First name or nickname",
                value=me.nickname or "",
                max_chars=NICKNAME_MAX_LENGTH,
                help="Shown to the two of you instead of "
                f"“Partner {me.slot}”. Leave it empty to stay “Partner {me.slot}”.",
            )
            saved = st.form_submit_button("Save name")
        if saved:
            try:
                partner.set_nickname(given)
            except NotActing as exc:
                session.ended(state, exc)
            except NicknameError as error:
                st.error(str(error))
                return
            except StorageError:
                st.error("Your name couldn't be saved just now. Please try again.")
                return
            st.rerun()


def answering_is_safe(state: session.SessionData) -> bool:
    """Whether the partner answering in this session gave no answer of safety concern."""
    return visibility.is_safe(session.content(), state.answers)


def _step_status(state: session.SessionData) -> list[tuple[str, str, str]]:
    content = session.content()
    worth_it = content.questionnaire("worth_it")
    intimacy = content.questionnaire(INTIMACY)
    given = state.answers
    return [
        ("worth_it", worth_it.title, f"{len(given.get('worth_it', {}))} of {len(worth_it.items)} answered"),
        (INTIMACY, intimacy.title, f"{len(given.get(INTIMACY, {}))} of {len(intimacy.items)} answered"),
        (
            "predictions",
            "How I see my partner",
            f"{len(given.get(predictions_id(INTIMACY), {}))} of {len(intimacy.scales)} answered",
        ),
        ("share", "Finish & choose what to share", ""),
    ]


def render_home() -> None:
    with guarded(PAGE_UNAVAILABLE):
        _render_home()


def _render_home() -> None:
    state = session.data()
    partner = state.partner
    if partner is None:
        st.error("This couple space no longer exists. It may have been deleted.")
        return
    record = partner.couple()
    st.title("Our check-up")
    me = record.partner(state.slot or 0)
    if record.client_id is not None and me is not None and not me.counselor_consent:
        _consent(state, partner, plain(names_for(state, record)[me.slot]))
        return
    if state.mode == "one_device":
        _one_device_home(state, record, me is not None and me.finished)
    else:
        _two_device_home(state, record)
    if me is not None and me.finished:
        return
    _nickname(state, partner, record)
    who = plain(names_for(state, record)[partner.slot])
    st.subheader(f"{who}: your steps" if state.mode == "one_device" else "Your steps")
    for number, (page, title, status) in enumerate(_step_status(state), start=1):
        if st.button(f"{number}. {title}", key=f"home:{page}", width="stretch"):
            switch_to(page)
        if status:
            st.caption(status)


def _consent(state: session.SessionData, partner: Partner, name: str) -> None:
    who = name if state.mode == "one_device" else "You"
    st.markdown(
        f"**{who}:** your counselor set up this check-up. With your agreement, your counselor will see the "
        "results you choose to share with your partner, and also your answers to the safety and support "
        "questions — so they can look after you. Your partner never sees those."
    )
    agreed = st.checkbox("I agree to share my results with our counselor", key=f"consent:{state.widget_slot}")
    if st.button("Continue", type="primary", disabled=not agreed, key="consent:go"):
        with guarded("Your agreement couldn't be saved just now. Please try again."):
            partner.give_counselor_consent()
            st.rerun()
    st.caption("If you'd rather not, you can still use Spark Check privately: open it without this link.")


def _one_device_home(state: session.SessionData, record: CoupleRecord, finished: bool) -> None:
    names = {slot: plain(name) for slot, name in names_for(state, record).items()}  # nicknames, once given
    if record.both_finished:
        st.success("You've both finished. Your comparison is ready.")
        if st.button("See our comparison →", type="primary", key="home:comparison"):
            switch_to("comparison")
        st.caption("Both partners' answers are hidden on this screen. Need to change one?")
        render_reopen(state, slots=(1, 2))
        return
    if finished and state.slot == 1:
        st.info(
            f"Thank you, {names[1]} — your answers are saved and now hidden. "
            "Please hand the device to your partner. Nothing of your answers can be seen from here on."
        )
        if st.button(f"I'm {names[2]} — start my turn", type="primary", key="home:handover"):
            with guarded("The hand-over couldn't be saved just now. Please try again."):
                session.become(state.partner.hand_over())  # type: ignore[union-attr]  # a couple's page
                st.rerun()
        st.caption(f"{names[1]}, still holding the device and want to change an answer before handing it over?")
        render_reopen(state)
        return
    st.markdown(
        f"You're answering in turn on this device. **It's {names[state.slot or 1]}'s turn.** "
        "The other partner's answers stay hidden until you've both finished and chosen what to share."
    )
    st.caption(
        "Keep this page's address to come back later: it resumes where you left off. "
        "Each of you answers alone, so please give each other a little privacy."
    )


def _two_device_home(state: session.SessionData, record: CoupleRecord) -> None:
    partner = record.partner(2 if state.slot == 1 else 1)
    if partner is None:
        st.markdown("Invite your partner to join this couple space from their own phone or computer.")
        code = st.session_state.get("join_code")
        if code:
            st.markdown("**Join code** (read it aloud or send it):")
            st.code(format_join_code(code), language=None)
            st.markdown("**Or send this join link:**")
            st.code(app_link(f"{session.JOIN_PARAM}={format_join_code(code)}"), language=None)
            st.caption("The code works once and expires in 24 hours. It locks after a few wrong tries.")
        else:
            st.caption("For your privacy, a join code is shown only once. Make a new one whenever you need it.")
        if st.button("Make a new join code", key="home:new_code"):
            with guarded("A new code couldn't be made just now. Please try again."):
                st.session_state["join_code"] = state.partner.new_join_code()  # type: ignore[union-attr]  # a couple's page
                st.rerun()
    elif record.both_finished:
        st.success("You've both finished. Your comparison is ready.")
        if st.button("See our comparison →", type="primary", key="home:comparison"):
            switch_to("comparison")
    elif partner.finished:
        st.info("Your partner has finished. The comparison opens as soon as you finish too.")
    elif (me := record.partner(state.slot or 0)) is not None and me.finished:
        st.info("You've finished. Your comparison opens as soon as your partner finishes too.")
        if st.button("What happens next →", type="primary", key="home:waiting"):
            switch_to("comparison")
    else:
        st.info("Your partner has joined. Each of you answers on your own device.")
    st.caption("Your own resume link is in the address bar and on *My data & downloads*. Keep it private.")


def _on_prediction(scale_id: str, key: str) -> None:
    value = st.session_state.get(key)
    if value is not None:
        session.choose(session.data(), predictions_id(INTIMACY), scale_id, value)


@session.fragment()
def _prediction_items(rset_id: str, read_only: bool = False) -> None:
    """The guesses, one per topic; a fragment, so a guess reruns only this part of the page."""
    state = session.data()
    questionnaire = session.content().questionnaire(INTIMACY)
    rset = questionnaire.response_sets[rset_id]
    labels = {o.value: o.label for o in rset.options}
    saved = state.answers.get(predictions_id(INTIMACY), {})
    for scale in questionnaire.scales:
        key = f"predict:{INTIMACY}:{scale.id}:{state.widget_slot}"
        if read_only:
            show_answer(scale.prediction_prompt or scale.title, labels.get(saved.get(scale.id, -1)))
            continue
        if key not in st.session_state and scale.id in saved:
            st.session_state[key] = saved[scale.id]
        st.radio(
            scale.prediction_prompt or scale.title,
            options=list(labels),
            index=None,
            horizontal=True,
            format_func=lambda v: labels[v],
            key=key,
            on_change=_on_prediction,
            args=(scale.id, key),
        )
        if f"{predictions_id(INTIMACY)}.{scale.id}" in state.unsaved:
            st.error("This answer was **not saved**. Please choose it again in a moment.")


def render_predictions() -> None:
    with guarded(PAGE_UNAVAILABLE):
        _render_predictions()


def _render_predictions() -> None:
    state = session.data()
    questionnaire = session.content().questionnaire(INTIMACY)
    rset_id = questionnaire.prediction_response_set
    st.title("How I see my partner")
    st.markdown(
        "Couples often stop really *seeing* each other. For each topic, guess how your partner "
        "would rate it. Your comparison will show how closely you read each other — as a prompt to talk, not a test."
    )
    st.caption(f"Source: {source_titles(['002_a6bdd72907629e70.txt'])}")
    if rset_id is None:
        st.info("This questionnaire has no predictions.")
        return
    locked = is_locked(state)
    if locked:
        render_finished(state)
        if state.mode == "one_device":
            return
    _prediction_items(rset_id, locked)
    if st.button("On to finish & share →", type="primary", key="predictions:next"):
        session.set_progress(state, page="share")
        switch_to("share")


#: "I'm done" with fewer than this share of the scored questions answered asks first.
ENOUGH_ANSWERED = 2 / 3


def scored_answered(state: session.SessionData) -> tuple[int, int]:
    """(answered, total) of the questions results are worked out from, across both questionnaires."""
    answered = total = 0
    for questionnaire in session.content().questionnaires.values():
        given = state.answers.get(questionnaire.id, {})
        for item in questionnaire.items:
            if item.kind in ("scored", "verdict"):
                total += 1
                answered += item.id in given
    return answered, total


def render_share() -> None:
    with guarded(PAGE_UNAVAILABLE):
        _render_share()


def _render_share() -> None:
    state = session.data()
    st.title("Finish & share")
    if state.partner is None:
        st.info("Answer a few questions first.")
        return
    record = state.partner.couple()
    me = record.partner(state.slot or 0)
    if me is not None and me.finished:
        if state.mode != "one_device":
            st.success(f"You've finished. You chose: {SHARE_LABELS.get(me.share_level or 'nothing')}.")
        render_finished(state)
        if record.both_finished or state.mode != "one_device":
            if st.button("Our comparison →", type="primary", key="share:to_comparison"):
                switch_to("comparison")
        elif st.button("Hand the device over →", type="primary", key="share:to_home"):
            switch_to("couple_home")
        return
    if state.mode == "one_device":
        # Always the partner whose turn it is now (e.g. after the browser's Back button).
        turn = plain(names_for(state, record)[state.slot or 1])
        st.markdown(f"**It's {turn}'s turn.** Finishing hides your answers on this screen.")
    for _page, title, status in _step_status(state)[:3]:
        st.markdown(f"- **{title}**: {status}")
    unsafe = not answering_is_safe(state)
    options = ["scores", "items", "nothing"]
    default = "scores"
    if unsafe:
        # Private to this person: whatever is chosen, the partner sees them as sharing
        # nothing (scoring/visibility.py), so nothing else is offered.
        render_safety(session.content().guidance)
        default = "nothing"
        options = ["nothing"]
        st.markdown(
            "Because one of your answers says you may not feel safe, your results stay private this time. "
            "Your partner will see only that you chose not to share — exactly what anyone sees when results "
            "aren't shared — and nothing about why."
        )
    st.subheader("What may your partner see?")
    st.caption("Your answer to the safety question is never shown to your partner, whatever you choose.")
    choice = st.radio(
        "Choose what to share",
        options=options,
        index=options.index(default),
        format_func=lambda v: SHARE_LABELS[v],
        key=f"share:choice:{state.widget_slot}",
    )
    answered, total = scored_answered(state)
    few = answered < total * ENOUGH_ANSWERED
    confirm_key = f"share:confirm:{state.widget_slot}"
    if st.button("I'm done", type="primary", key="share:done"):
        if not few:
            _finish(state, choice)
            return
        st.session_state[confirm_key] = True
    if few and st.session_state.get(confirm_key):
        with st.container(border=True):
            st.warning(
                f"You've answered {answered} of the {total} questions your results are worked out from. "
                "With fewer than two thirds, many topics will say “not enough answers”. Finish anyway?"
            )
            if st.button(f"Yes, I'm done with {answered} of {total}", key="share:done_confirm"):
                _finish(state, choice)
            st.caption("Or go back to your questions from the navigation: every answer so far is saved.")


def _finish(state: session.SessionData, choice: str) -> None:
    one_device_first = state.mode == "one_device" and state.slot == 1
    partner = state.partner
    with guarded("Your choice couldn't be saved just now, so nothing changed. Please try again."):
        assert partner is not None  # a couple's page
        both = partner.finish(choice).both_finished
        session.set_progress(state, page="comparison" if both or not partner.one_device else "couple_home")
        if partner.one_device:  # their answers leave the session (and the screen) at once
            session.become(partner)
        state.finished = True
        switch_to("couple_home" if one_device_first else "comparison")
