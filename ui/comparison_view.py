"""A couple's comparison (what a partner may see of the other is ``scoring/visibility.py``'s
viewer ``partner``), or the wait for the partner to finish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from questions.loader import source_titles
from reporting.charts import (
    SHOWN_CATEGORIES,
    comparison_alt_text,
    comparison_rows,
    divergence_chart,
    paired_chart,
)
from reporting.couple_report import (
    comparison_json,
    couple_report,
    guess_cards,
    guesses_in_short,
    guesses_not_shown,
)
from scoring.bands import BANDS_NOTE
from scoring.compare import CATEGORY_NOTE, CATEGORY_TITLES, CoupleComparison
from scoring.couple_data import ScaleComparison
from scoring.talk import Starter
from services import CoupleRecord
from services.partner import RETAKE_AFTER, Partner, partner_names
from ui import browser, session
from ui.components import PAGE_UNAVAILABLE, download, guarded, plan_steps, retake_reminder
from ui.couple_view import answering_is_safe, names_for
from ui.memo import memo
from ui.pages_registry import switch_to
from ui.results_view import render_safety
from ui.text import plain

#: To the other partner, on their own device.
NOT_SHARED = (
    "{name} chose not to share results this time. That's always all right, and it says nothing about you. "
    "What was shared is below."
)
#: On a shared screen (and to the partner who chose it): words for both.
NOT_SHARED_BOTH = "{name} chose not to share results this time. That's always all right. What was shared is below."
WAIT_SECONDS = 3
#: The categories the summary leads with (where you agree, and where not); the rest is with the charts.
AT_A_GLANCE = ("shared_strength", "seen_differently", "shared_growth")


@dataclass(frozen=True)
class ComparisonView:
    """What the comparison page draws, worked out once per change of either partner."""

    comparison: CoupleComparison
    scored: list[ScaleComparison]
    paired: go.Figure | None
    divergence: go.Figure | None
    table: pd.DataFrame
    worth_it: pd.DataFrame | None


def _comparison_view(partner: Partner, names: dict[int, str]) -> ComparisonView:
    # What a partner may see (scoring/visibility.py). On one device the screen is shared:
    # no viewer slot, so exercises are offered only when both partners are safe.
    comparison = partner.comparison()
    scored = [s for s in comparison.scales if any(v is not None for v in s.scores.values())]
    apart = [s for s in scored if s.gap is not None]
    return ComparisonView(
        comparison=comparison,
        scored=scored,
        paired=paired_chart(scored, names) if scored else None,
        divergence=divergence_chart(apart, names) if apart else None,
        table=pd.DataFrame(comparison_rows(comparison.scales, names)),
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
    with guarded(PAGE_UNAVAILABLE):
        _comparison_page()


def _comparison_page() -> None:
    state = session.data()
    st.title("Our comparison")
    partner = state.partner
    if partner is None:
        st.info("There's no couple space here yet.")
        return
    record = partner.couple()
    if not record.both_finished:
        if state.mode == "one_device":
            turn = plain(names_for(state, record)[state.slot or 1])
            st.info(f"The comparison opens when you've both finished. It's {turn}'s turn now.")
        else:  # the quick exit is on every page (pages_registry.before_page)
            _waiting(state)
            _while_you_wait(state, record)
        return
    names = names_for(state, record)
    viewer_slot = state.slot if state.mode == "two_devices" else None
    if viewer_slot is not None:
        browser.notify_partner_finished()
    for them in record.partners:
        if them.reopened:
            st.info(
                f"{plain(names[them.slot])} reopened and updated answers after finishing. This comparison uses the newest answers."
            )
    # Per session (st.session_state), never shared: see ui/memo.py.
    view = memo(
        "comparison",
        _comparison_key(record, names, viewer_slot),
        lambda: _comparison_view(partner, names),
    )
    # Resources for the person on their own device only; a shared screen shows none of it.
    unsafe = state.mode == "two_devices" and not answering_is_safe(state)
    # The summary first (where you agree, what to talk about first, the plan and its
    # button), then the details.
    _summary(view.comparison, names, unsafe, viewer_slot)
    if not unsafe:
        _between_sessions(partner, view.comparison)
    _details(view, names, unsafe, viewer_slot)
    # The downloads name the partners as both see them: no "(you)".
    _downloads(view.comparison, partner_names(record), unsafe)


@session.fragment(run_every=WAIT_SECONDS)
def _waiting(state: session.SessionData) -> None:
    record = None
    with guarded(PAGE_UNAVAILABLE) as outcome:  # a timer runs outside the page's guard
        record = state.partner.couple() if state.partner else None
    if not outcome.ok:
        return
    if record is not None and record.both_finished:
        st.rerun()  # the whole page: the comparison is ready
    st.info("Waiting for your partner to finish… This page updates by itself.", icon=":material/hourglass_top:")
    browser.offer_notification()
    me = record.partner(state.slot or 0) if record else None
    if me is None or not me.finished:
        st.markdown("You haven't finished yet either: choose what to share on **Finish & share**.")


def _while_you_wait(state: session.SessionData, record: CoupleRecord) -> None:
    """A partner who finished first: what happens next, and what they may see meanwhile."""
    me = record.partner(state.slot or 0)
    if me is None or not me.finished:
        return
    partner = plain(names_for(state, record)[2 if state.slot == 1 else 1])
    st.markdown(
        f"**What happens next:** when {partner} finishes, your comparison opens on this page by itself. "
        "You can close this page now and come back any time by your own link. It is in the address bar "
        "and on *My data & downloads*. Nothing you gave is lost."
    )
    if st.button("See my own results →", type="primary", key="waiting:results"):
        switch_to("results")


def _summary(comparison: CoupleComparison, names: dict[int, str], unsafe: bool, viewer_slot: int | None) -> None:
    guidance = session.content().guidance
    if unsafe:
        render_safety(guidance)
    for slot, level in comparison.shared.items():
        if level == "nothing":
            words = NOT_SHARED if viewer_slot is not None and viewer_slot != slot else NOT_SHARED_BOTH
            st.info(words.format(name=plain(names[slot])))
    if any(s.category in AT_A_GLANCE for s in comparison.scales):
        st.subheader("At a glance")
        _categories(comparison, AT_A_GLANCE)
    if comparison.starters:
        st.subheader("Talk about this first")
        _starter(comparison.starters[0])
    # Words for both, then (own device only: scoring/visibility.py keeps just the viewer's)
    # words for this partner alone.
    notes = [comparison.shared_guidance, *comparison.personal_guidance.values()]
    for note in (n for n in notes if n is not None and not unsafe):
        st.subheader(note.title)
        st.markdown(note.text)
        st.caption(f"Source: {source_titles(note.sources)}")
    if comparison.plan and not unsafe:
        st.subheader("Our shared plan — start small")
        plan_steps(comparison.plan, names, folded=True)
    if comparison.professional_help and not unsafe:
        st.subheader(guidance.professional_help.title)
        st.markdown(guidance.professional_help.text)
        for kind in guidance.help_kinds:
            st.markdown(f"- **{kind.title}** — {kind.text}")


def _details(view: ComparisonView, names: dict[int, str], unsafe: bool, viewer_slot: int | None) -> None:
    comparison = view.comparison
    guidance = session.content().guidance
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
        _categories(comparison, tuple(key for key in SHOWN_CATEGORIES if key not in AT_A_GLANCE))
        st.caption(f"{CATEGORY_NOTE} {BANDS_NOTE}")
    _guesses(comparison, names, viewer_slot, bool(view.scored))
    _worth_it(comparison, names, view.worth_it)
    starters = comparison.starters[1:]  # the first is in the summary
    if starters or comparison.differences:
        st.subheader("More to talk about" if comparison.exercises else "Where your answers differed most")
        if comparison.exercises:
            st.markdown(f"**{guidance.weekly_checkin.title}.** {guidance.weekly_checkin.text}")
            st.caption(f"Source: {source_titles(guidance.weekly_checkin.sources)}")
        for starter in starters:
            _starter(starter)
        if comparison.differences:
            if comparison.exercises:
                st.markdown("**Where your answers differed most**")
            for difference in comparison.differences:
                with st.container(border=True):
                    st.markdown(f"“{difference.text}” — *{difference.scale_title}*")
                    st.markdown(
                        f"{plain(names[1])}: **{difference.labels[1]}** · {plain(names[2])}: **{difference.labels[2]}**"
                    )
                    if difference.starter:
                        st.markdown(f"Try saying: “{difference.starter}”")
        if comparison.exercises:
            st.caption(f"{guidance.i_statements.title}: {guidance.i_statements.text}")
    if unsafe:
        st.caption("No exercises are suggested to you this time: safety first.")
    st.caption(guidance.not_therapy)


def _starter(starter: Starter) -> None:
    with st.container(border=True):
        st.markdown(f"**{starter.scale_title}** — {starter.because}")
        st.markdown(f"“{starter.text}”")
        st.caption(f"Source: {source_titles(starter.sources)}")


def _categories(comparison: CoupleComparison, keys: tuple[str, ...]) -> None:
    for key in keys:
        titles = [s.title for s in comparison.scales if s.category == key]
        if titles:
            st.markdown(f"**{CATEGORY_TITLES[key]}:** {', '.join(titles)}")


def _guesses(comparison: CoupleComparison, names: dict[int, str], viewer_slot: int | None, scored: bool) -> None:
    """How each partner read the other: a card per topic (a table is cut off on a phone), and
    in plain words whose guesses are not shown, and why."""
    cards = guess_cards(comparison, names)
    if not cards and not scored:
        return
    st.subheader("How well you read each other")
    st.caption(f"A gentle prompt to talk: “What did I miss?” (Source: {source_titles(['002_a6bdd72907629e70.txt'])})")
    for line in [*guesses_in_short(comparison, names), *guesses_not_shown(comparison, names, viewer_slot)]:
        st.markdown(plain(line))
    if cards:
        with st.expander("Each topic, guess by guess"):
            for topic, lines in cards:
                with st.container(border=True):
                    st.markdown(f"**{topic}**")
                    for line in lines:
                        st.markdown(plain(line))


def _on_tick(partner: Partner, suggestion_id: str, key: str) -> None:
    with guarded("That tick couldn't be saved just now. Please try again."):
        partner.tick_plan_step(suggestion_id, bool(st.session_state.get(key)))


def _between_sessions(partner: Partner, comparison: CoupleComparison) -> None:
    """The plan the couple chose (to tick off, and when to take Spark Check again), and the
    homework their counselor set. Not beside a safety concern (the caller checks)."""
    follow = partner.follow_up(comparison)
    if not follow.plan and comparison.plan:
        st.caption("Like this plan? Keep it: you can tick its steps off whenever you come back.")
        if st.button("We'll try this plan", type="primary", key="plan:choose"):
            with guarded("The plan couldn't be saved just now. Please try again."):
                partner.choose_plan(comparison)
                st.rerun()
    if follow.plan:
        st.subheader("The plan you chose")
        if follow.new_steps:
            st.info(
                "Your answers changed after you chose this plan, and the comparison now suggests "
                f"{len(follow.new_steps)} more step(s). Your ticks stay as they are.",
                icon=":material/update:",
            )
            if st.button("Add them to our plan", key="plan:add_new"):
                with guarded("The plan couldn't be saved just now. Please try again."):
                    partner.choose_plan(comparison)
                    st.rerun()
        for suggestion, step in follow.plan:
            key = f"plan:done:{suggestion.id}"
            st.session_state[key] = step.done_at is not None  # what is stored, on every run
            st.checkbox(suggestion.title, key=key, on_change=_on_tick, args=(partner, suggestion.id, key))
        if follow.retake_on is not None:
            retake_reminder(follow.retake_on, key="plan:reminder")
    if follow.homework:
        st.subheader("Homework from your counselor")
        planned = {step.suggestion_id for step in comparison.plan}
        for suggestion, step in follow.homework:
            mark = "✓ " if step.done_at is not None else ""
            # A step of the plan above is named, not written out a second time.
            more = " (in your plan above)" if suggestion.id in planned else f" — {suggestion.text}"
            st.markdown(f"- {mark}**{suggestion.title}**{more}")
        if follow.retake_on is None:  # the plan's date, else a few weeks after the homework was set
            retake_reminder(
                (min(step.since for _, step in follow.homework) + RETAKE_AFTER).date(), key="homework:reminder"
            )


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
        st.markdown(f"- **{plain(names[slot])}:** {side.verdict_title or 'not enough answers yet'}")
    if table is not None:
        st.dataframe(table, hide_index=True)


def _downloads(comparison: CoupleComparison, names: dict[int, str], unsafe: bool) -> None:
    content = session.content()
    st.divider()
    left, right = st.columns(2)
    download(
        "Couple report (printable HTML)",
        lambda: couple_report(content, comparison, names, viewer_safety_concern=unsafe),
        "spark-check-couple-report.html",
        key="download:couple_report",
        where=left,
    )
    download(
        "Comparison (JSON)",
        lambda: comparison_json(comparison, names),
        "spark-check-comparison.json",
        key="download:comparison_json",
        where=right,
    )
