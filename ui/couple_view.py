"""Couple mode: the couple's home, predictions, finishing and sharing, and the comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from reporting.charts import comparison_alt_text, comparison_rows, divergence_chart, paired_chart
from reporting.couple_report import comparison_json, couple_report, prediction_rows
from scoring import visibility
from scoring.compare import CATEGORY_TITLES, CoupleComparison, ScaleComparison, predictions_id
from storage import StorageError
from storage.repository import CoupleRecord, format_join_code
from ui import session
from ui.finished_view import is_locked, render_finished, render_reopen
from ui.memo import memo
from ui.pages_registry import switch_to
from ui.questionnaire_view import show_answer
from ui.results_view import render_safety

INTIMACY = "intimacy"
SHARE_LABELS = {
    "scores": "Share my topic scores",
    "items": "Share my scores and my individual answers",
    "nothing": "Don't share my results this time",
}
NOT_SHARED = (
    "{name} chose not to share results this time. That's always all right, and it says nothing about you. "
    "What was shared is below."
)
WAIT_SECONDS = 3


def names_for(state: session.SessionData) -> dict[int, str]:
    if state.mode == "one_device" or state.slot is None:
        return {1: "Partner 1", 2: "Partner 2"}
    other = 2 if state.slot == 1 else 1
    return {state.slot: "You", other: "Your partner"}


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
    state = session.data()
    record = session.couple(state)
    if record is None:
        st.error("This couple space no longer exists. It may have been deleted.")
        return
    st.title("Our check-up")
    me = record.partner(state.slot or 0)
    if record.client_id is not None and me is not None and not me.counselor_consent:
        _consent(state, me.person_id)
        return
    if state.mode == "one_device":
        _one_device_home(state, record, me is not None and me.finished)
    else:
        _two_device_home(state, record)
    if me is not None and me.finished:
        return
    st.subheader(f"{names_for(state)[state.slot or 1]}: your steps" if state.mode == "one_device" else "Your steps")
    for number, (page, title, status) in enumerate(_step_status(state), start=1):
        if st.button(f"{number}. {title}", key=f"home:{page}", width="stretch"):
            switch_to(page)
        if status:
            st.caption(status)


def _consent(state: session.SessionData, person_id: str) -> None:
    who = f"Partner {state.slot}" if state.mode == "one_device" else "You"
    st.markdown(
        f"**{who}:** your counselor set up this check-up. With your agreement, your counselor will see the "
        "results you choose to share with your partner, and also your answers to the safety and support "
        "questions — so they can look after you. Your partner never sees those."
    )
    agreed = st.checkbox("I agree to share my results with our counselor", key=f"consent:{state.widget_slot}")
    if st.button("Continue", type="primary", disabled=not agreed, key="consent:go"):
        try:
            session.store().give_counselor_consent(person_id)
        except StorageError:
            st.error("Your agreement couldn't be saved just now. Please try again.")
        else:
            st.rerun()
    st.caption("If you'd rather not, you can still use Spark Check privately: open it without this link.")


def _one_device_home(state: session.SessionData, record: CoupleRecord, finished: bool) -> None:
    if record.both_finished:
        st.success("You've both finished. Your comparison is ready.")
        if st.button("See our comparison →", type="primary", key="home:comparison"):
            switch_to("comparison")
        st.caption(f"Partner {state.slot}'s answers are hidden on this screen. Need to change one?")
        render_reopen(state)
        return
    if finished and state.slot == 1:
        st.info(
            "Thank you, Partner 1 — your answers are saved and now hidden. "
            "Please hand the device to your partner. Nothing of your answers can be seen from here on."
        )
        if st.button("I'm Partner 2 — start my turn", type="primary", key="home:handover"):
            try:
                session.hand_over(state)
            except StorageError:
                st.error("The hand-over couldn't be saved just now. Please try again.")
            else:
                st.rerun()
        st.caption("Partner 1, still holding the device and want to change an answer before handing it over?")
        render_reopen(state)
        return
    st.markdown(
        f"You're answering in turn on this device. **It's Partner {state.slot}'s turn.** "
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
            base = st.context.url.split("?", 1)[0].rstrip("/") if st.context.url else ""
            root = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
            st.markdown("**Join code** (read it aloud or send it):")
            st.code(format_join_code(code), language=None)
            st.markdown("**Or send this join link:**")
            st.code(f"{root}/?{session.JOIN_PARAM}={format_join_code(code)}", language=None)
            st.caption("The code works once and expires in 24 hours. It locks after a few wrong tries.")
        else:
            st.caption("For your privacy, a join code is shown only once. Make a new one whenever you need it.")
        if st.button("Make a new join code", key="home:new_code"):
            try:
                st.session_state["join_code"] = session.store().new_join_code(record.id)
            except StorageError:
                st.error("A new code couldn't be made just now. Please try again.")
            st.rerun()
    elif record.both_finished:
        st.success("You've both finished. Your comparison is ready.")
        if st.button("See our comparison →", type="primary", key="home:comparison"):
            switch_to("comparison")
    elif partner.finished:
        st.info("Your partner has finished. The comparison opens as soon as you finish too.")
    else:
        st.info("Your partner has joined. Each of you answers on your own device.")
    st.caption("Your own resume link is in the address bar and on *My data & downloads*. Keep it private.")


def _on_prediction(scale_id: str, key: str) -> None:
    value = st.session_state.get(key)
    if value is not None:
        session.save_answer(session.data(), predictions_id(INTIMACY), scale_id, value)


@st.fragment
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
    state = session.data()
    questionnaire = session.content().questionnaire(INTIMACY)
    rset_id = questionnaire.prediction_response_set
    st.title("How I see my partner")
    st.markdown(
        "Couples often stop really *seeing* each other. For each topic, guess how your partner "
        "would rate it. Your comparison will show how closely you read each other — as a prompt to talk, not a test."
    )
    st.caption("Source: 002_a6bdd72907629e70.txt")
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
    state = session.data()
    record = session.couple(state)
    st.title("Finish & share")
    if record is None or state.person_id is None:
        st.info("Answer a few questions first.")
        return
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
        st.markdown(f"**It's Partner {state.slot}'s turn.** Finishing hides your answers on this screen.")
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
    try:
        session.finish(state, choice)
    except StorageError:
        st.error("Your choice couldn't be saved just now, so nothing changed. Please try again.")
        return
    switch_to("couple_home" if one_device_first else "comparison")


def _partners(record: CoupleRecord) -> list[visibility.Partner]:
    return [
        visibility.Partner(
            slot=partner.slot,
            answers=session.store().answers_for(partner.person_id),
            share_level=partner.share_level,  # type: ignore[arg-type]
            counselor_consent=partner.counselor_consent,
        )
        for partner in record.partners
    ]


@dataclass(frozen=True)
class ComparisonView:
    """What the comparison page draws, worked out once per change of either partner."""

    comparison: CoupleComparison
    scored: list[ScaleComparison]
    paired: go.Figure | None
    divergence: go.Figure | None
    table: pd.DataFrame
    predictions: pd.DataFrame | None
    worth_it: pd.DataFrame | None


def _comparison_view(record: CoupleRecord, names: dict[int, str], viewer_slot: int | None) -> ComparisonView:
    first, second = _partners(record)
    # What a partner may see (scoring/visibility.py). On one device the screen is shared:
    # no viewer slot, so exercises are offered only when both partners are safe.
    comparison = visibility.couple_comparison(session.content(), "partner", first, second, viewer_slot)
    scored = [s for s in comparison.scales if any(v is not None for v in s.scores.values())]
    apart = [s for s in scored if s.gap is not None]
    predictions = prediction_rows(comparison, names)
    return ComparisonView(
        comparison=comparison,
        scored=scored,
        paired=paired_chart(scored, names) if scored else None,
        divergence=divergence_chart(apart, names) if apart else None,
        table=pd.DataFrame(comparison_rows(comparison.scales, names)),
        predictions=pd.DataFrame(predictions) if predictions else None,
        worth_it=_worth_it_table(comparison, names),
    )


def _comparison_key(record: CoupleRecord, names: dict[int, str], viewer_slot: int | None) -> tuple[Any, ...]:
    # Any change by either partner (an answer, the share level, finishing) moves
    # their updated_at, so the partners' stamps say when to work it out again.
    partners = tuple(
        (p.slot, p.person_id, p.share_level, p.finished, p.counselor_consent, p.updated_at) for p in record.partners
    )
    return (record.id, partners, tuple(sorted(names.items())), viewer_slot)


def render_comparison() -> None:
    state = session.data()
    record = session.couple(state)
    st.title("Our comparison")
    if record is None:
        st.info("There's no couple space here yet.")
        return
    if not record.both_finished:
        if state.mode == "one_device":
            st.info(f"The comparison opens when you've both finished. It's Partner {state.slot}'s turn now.")
        else:
            _waiting(state)
        return
    names = names_for(state)
    viewer_slot = state.slot if state.mode == "two_devices" else None
    for partner in record.partners:
        if partner.reopened:
            st.info(
                f"{names[partner.slot]} reopened and updated answers after finishing. This comparison uses the newest answers."
            )
    # Per session (st.session_state), never shared: see ui/memo.py.
    view = memo(
        "comparison",
        _comparison_key(record, names, viewer_slot),
        lambda: _comparison_view(record, names, viewer_slot),
    )
    # Resources for the person on their own device only; a shared screen shows none of it.
    unsafe = state.mode == "two_devices" and not answering_is_safe(state)
    _render_comparison(view, names, unsafe)
    _downloads(view.comparison, names, unsafe)


@st.fragment(run_every=WAIT_SECONDS)
def _waiting(state: session.SessionData) -> None:
    record = session.couple(state)
    if record is not None and record.both_finished:
        st.rerun()  # the whole page: the comparison is ready
    st.info("Waiting for your partner to finish… This page updates by itself.", icon=":material/hourglass_top:")
    me = record.partner(state.slot or 0) if record else None
    if me is None or not me.finished:
        st.markdown("You haven't finished yet either: choose what to share on **Finish & share**.")


def _render_comparison(view: ComparisonView, names: dict[int, str], unsafe: bool) -> None:
    comparison = view.comparison
    guidance = session.content().guidance
    if unsafe:
        render_safety(guidance)
    for slot, level in comparison.shared.items():
        if level == "nothing":
            st.info(NOT_SHARED.format(name=names[slot]))
    if view.paired is not None:
        st.subheader("Topic by topic")
        st.plotly_chart(
            view.paired,
            config={"displayModeBar": False},
            key="chart:couple:paired",
            alt=comparison_alt_text(view.scored, names),
        )
        if view.divergence is not None:
            st.plotly_chart(
                view.divergence,
                config={"displayModeBar": False},
                key="chart:couple:divergence",
                alt="How far apart the two scores are for each topic.",
            )
        with st.expander("The same as a table"):
            st.dataframe(view.table, hide_index=True)
        for key in ("shared_strength", "seen_differently", "shared_growth", "in_between"):
            titles = [s.title for s in comparison.scales if s.category == key]
            if titles:
                st.markdown(f"**{CATEGORY_TITLES[key]}:** {', '.join(titles)}")
        st.caption(
            "Seen differently: 25 or more points apart. Shared strength: both 70 or more. "
            "Shared growth area: both under 50."
        )
    if view.predictions is not None:
        st.subheader("How well you read each other")
        st.caption("A gentle prompt to talk: “What did I miss?” (Source: 002_a6bdd72907629e70.txt)")
        st.dataframe(view.predictions, hide_index=True)
    _worth_it(comparison, names, view.worth_it)
    if comparison.starters or comparison.differences:
        st.subheader("Things to talk about" if comparison.exercises else "Where your answers differed most")
        if comparison.exercises:
            st.markdown(f"**{guidance.weekly_checkin.title}.** {guidance.weekly_checkin.text}")
            st.caption(f"Source: {', '.join(guidance.weekly_checkin.sources)}")
        for starter in comparison.starters:
            with st.container(border=True):
                st.markdown(f"**{starter.scale_title}** — {starter.because}")
                st.markdown(f"“{starter.text}”")
                st.caption(f"Source: {', '.join(starter.sources)}")
        if comparison.differences:
            if comparison.exercises:
                st.markdown("**Where your answers differed most**")
            for difference in comparison.differences:
                with st.container(border=True):
                    st.markdown(f"“{difference.text}” — *{difference.scale_title}*")
                    st.markdown(f"{names[1]}: **{difference.labels[1]}** · {names[2]}: **{difference.labels[2]}**")
                    if difference.starter:
                        st.markdown(f"Try saying: “{difference.starter}”")
        if comparison.exercises:
            st.caption(f"{guidance.i_statements.title}: {guidance.i_statements.text}")
    if unsafe:
        st.caption("No exercises are suggested to you this time: safety first.")
    # Words for both, then (own device only: scoring/visibility.py keeps just the viewer's)
    # words for this partner alone.
    notes = [comparison.shared_guidance, *comparison.personal_guidance.values()]
    for note in (n for n in notes if n is not None and not unsafe):
        st.subheader(note.title)
        st.markdown(note.text)
        st.caption(f"Source: {', '.join(note.sources)}")
    if comparison.plan and not unsafe:
        st.subheader("Our shared plan — start small")
        for number, step in enumerate(comparison.plan, start=1):
            with st.container(border=True):
                st.markdown(f"**{number}. {step.title}**")
                st.markdown(step.text)
                minutes = f", about {step.minutes} min" if step.minutes else ""
                whose = f" · First of all for {names[step.whose]}" if step.whose in names else ""
                st.caption(f"{step.effort.capitalize()} effort{minutes}{whose} · Source: {', '.join(step.sources)}")
    if comparison.professional_help and not unsafe:
        st.subheader(guidance.professional_help.title)
        st.markdown(guidance.professional_help.text)
        for kind in guidance.help_kinds:
            st.markdown(f"- **{kind.title}** — {kind.text}")
    st.caption(guidance.not_therapy)


def _worth_it_table(comparison: CoupleComparison, names: dict[int, str]) -> pd.DataFrame | None:
    sides = comparison.worth_it
    if len(sides) != 2 or not all(side.answers for side in sides.values()):
        return None
    rows: list[dict[str, Any]] = [
        {
            "Question": text,
            names[1]: sides[1].answers.get(item_id, "—"),
            names[2]: sides[2].answers.get(item_id, "—"),
        }
        for item_id, text in comparison.worth_it_questions.items()
    ]
    return pd.DataFrame(rows)


def _worth_it(comparison: CoupleComparison, names: dict[int, str], table: pd.DataFrame | None) -> None:
    if not comparison.worth_it:
        return
    st.subheader("Is it worth it? — side by side")
    for slot, side in sorted(comparison.worth_it.items()):
        st.markdown(f"- **{names[slot]}:** {side.verdict_title or 'not enough answers yet'}")
    if table is not None:
        st.dataframe(table, hide_index=True)


def _downloads(comparison: CoupleComparison, names: dict[int, str], unsafe: bool) -> None:
    content = session.content()
    st.divider()
    left, right = st.columns(2)
    left.download_button(
        "Couple report (printable HTML)",
        data=lambda: couple_report(content, comparison, names, viewer_safety_concern=unsafe),
        file_name="spark-check-couple-report.html",
        mime="text/html",
        on_click="ignore",
        key="download:couple_report",
    )
    right.download_button(
        "Comparison (JSON)",
        data=lambda: comparison_json(comparison, names),
        file_name="spark-check-comparison.json",
        mime="application/json",
        on_click="ignore",
        key="download:comparison_json",
    )
