"""The results page: strengths first, the chart and its table, verdict, next steps."""

from __future__ import annotations

import contextlib
from datetime import date

import pandas as pd
import streamlit as st

from questions.guidance import Guidance
from questions.loader import source_titles
from reporting.charts import chart_alt_text, scale_chart, scale_rows
from scoring.bands import BANDS_NOTE
from scoring.engine import consistency_notes
from scoring.results import Profile
from scoring.visibility import profile_for_self
from services import StorageError
from services import partner as partners
from services.partner import RETAKE_AFTER
from ui import session
from ui.components import guarded, plan_steps, retake_reminder
from ui.memo import answers_key, memo
from ui.pages_registry import switch_to


def render_safety(guidance: Guidance) -> None:
    """Support resources; shown instead of every exercise when safety is in doubt."""
    with st.container(border=True):
        st.subheader(guidance.safety_title)
        st.markdown(guidance.safety_text)
        for resource in guidance.safety_resources:
            line = f"**{resource.title}** — {resource.text}"
            if resource.contact:
                line += f"  \n{resource.contact}"
            st.markdown(line)
            # Tap-to-call links built from our own data (guidance.yaml), never user text.
            for phone in resource.phones:
                st.link_button(f"Call {phone.label}", phone.tel_url)
            if resource.url:
                st.link_button(f"Open {resource.title}", resource.url)
        st.markdown(f"**{guidance.individual_support.title}** — {guidance.individual_support.text}")
        st.caption(f"Source: {source_titles(guidance.individual_support.sources)}")
        st.caption(
            "If someone else uses this device, you may also want to clear your browser history: "
            "Spark Check can't remove earlier pages from it."
        )


def render_profile(profile: Profile, guidance: Guidance, figure_key: str | None = None) -> None:
    if profile.safety_concern:
        render_safety(guidance)
    else:
        for note in consistency_notes(profile):
            st.info(note, icon="💬")

    if profile.strengths:
        st.subheader("What's going well")
        for scale in profile.strengths:
            st.markdown(f"- **{scale.title}** — {scale.score:.0f} of 100")

    worth_it = profile.results.get("worth_it")
    if worth_it is not None and worth_it.answered and not profile.safety_concern:
        st.subheader("Is it worth it?")
        if worth_it.verdict is None:
            st.info("Not enough answers yet for a reading: answer at least four of the six questions.")
        else:
            verdict = worth_it.verdict
            with st.container(border=True):
                st.markdown(f"**{verdict.title}**")
                st.markdown(verdict.text)
                st.caption(
                    f"Yes: {verdict.yes} · Not sure: {verdict.unsure} · No: {verdict.no} · "
                    f"Source: {source_titles(verdict.sources)}"
                )

    intimacy = profile.results.get("intimacy")
    if intimacy is not None and intimacy.answered:
        st.subheader("Is our intimacy fading? — topic by topic")
        scales = intimacy.scales
        if any(s.score is not None for s in scales):
            figure = memo("scale_chart", figure_key, lambda: scale_chart(scales)) if figure_key else scale_chart(scales)
            st.plotly_chart(
                figure,
                config={"displayModeBar": False},
                key="chart:solo:scales",
                alt=chart_alt_text(scales),
            )
            st.caption(BANDS_NOTE)
        with st.expander("The same as a table", expanded=not any(s.score is not None for s in scales)):
            st.dataframe(pd.DataFrame(scale_rows(scales)), hide_index=True)
        missing = [s.title for s in scales if s.score is None]
        if missing:
            st.caption(
                "Not enough answers yet (fewer than two thirds of the questions) for: " + ", ".join(missing) + "."
            )
        for stage in intimacy.stages:
            with st.expander(f"A possible reading: {stage.title}"):
                st.markdown(stage.text)
                st.caption(f"Source: {source_titles(stage.sources)}")

    for reading in profile.readings:
        with st.container(border=True):
            st.markdown(f"**{reading.title}**")
            st.markdown(reading.text)
            st.caption(f"Source: {source_titles(reading.sources)}")

    if profile.discernment:
        discernment = guidance.discernment
        st.subheader(discernment.title)
        st.markdown(discernment.text)
        st.caption(f"Source: {source_titles(discernment.sources)}")

    if profile.next_steps and profile.discernment:
        st.subheader("Next steps — one at a time")
        for number, step in enumerate(profile.next_steps, start=1):
            with st.container(border=True):
                st.markdown(f"**{number}. {step.title}**")
                st.markdown(step.text)
                minutes = f", about {step.minutes} min" if step.minutes else ""
                st.caption(f"{step.effort.capitalize()} effort{minutes} · Source: {source_titles(step.sources)}")
    elif profile.next_steps:
        st.subheader("Next steps — start small")
        st.caption(f"{guidance.start_small.text} (Source: {source_titles(guidance.start_small.sources)})")
        plan_steps(profile.next_steps)

    if profile.professional_help and not profile.safety_concern:
        st.subheader(guidance.professional_help.title)
        st.markdown(guidance.professional_help.text)
        for kind in guidance.help_kinds:
            st.markdown(f"- **{kind.title}** — {kind.text}")
        st.caption(f"Source: {source_titles(guidance.professional_help.sources)}")
        if profile.discernment:
            finding = guidance.discernment.finding_help
            st.markdown(f"**{finding.title}** — {finding.text}")
            st.caption(f"Source: {source_titles(finding.sources)}")

    st.caption(guidance.not_therapy)


def render() -> None:
    state = session.data()
    content = session.content()
    st.title("My results")
    if not any(state.answers.values()):
        st.info("There's nothing to show yet: answer a few questions first.")
        if st.button("Start with “Is it worth it?”", type="primary"):
            switch_to("worth_it")
        return
    if state.actor is not None and state.role == "person" and not state.progress.get("finished"):
        # Reaching results counts as finishing: finished answers are never purged as abandoned.
        with contextlib.suppress(StorageError):
            state.actor.mark_finished()
            state.progress["finished"] = True
    key = answers_key(state.answers)
    profile = memo("profile", key, lambda: profile_for_self(content, state.answers))
    render_profile(profile, content.guidance, figure_key=key)
    st.divider()
    _what_next(state, profile)


def _what_next(state: session.SessionData, profile: Profile) -> None:
    """The next step is on the page, not only behind a sidebar a phone hides: the other
    questionnaire, inviting the partner, then the person's data. Beside a safety concern,
    only the data: no couple step, and no other questionnaire to carry on with."""
    st.subheader("What next?")
    content = session.content()
    for questionnaire_id in ("worth_it", "intimacy"):
        questionnaire = content.questionnaire(questionnaire_id)
        if not state.answers.get(questionnaire_id) and not profile.safety_concern:
            label = f"Take “{questionnaire.title}” next (about {questionnaire.minutes} minutes)"
            if st.button(label, type="primary", key=f"results:next:{questionnaire_id}", width="stretch"):
                switch_to(questionnaire_id)
    if state.role == "person" and not profile.safety_concern:
        st.markdown(
            "**Taking it as a couple?** Invite your partner: each of you answers on your own device, "
            "and you choose what the other may see. Your answers so far come along."
        )
        if st.button("Invite my partner", key="results:invite", width="stretch"):
            with guarded("The couple space couldn't be made just now. Please try again."):
                partner, st.session_state["join_code"] = partners.start_two_devices(
                    session.store(), session.content(), state.actor
                )
                session.act_as(state, partner)
                switch_to("couple_home")
    retake_reminder(date.today() + RETAKE_AFTER, key="results:reminder")
    st.markdown("Your answers are saved. Download a report, or delete everything, on **My data & downloads**.")
    if st.button("Downloads and my data →", key="results:to_data", width="stretch"):
        switch_to("my_data")
