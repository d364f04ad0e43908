"""One questionnaire, one section per page, every answer saved as it is given."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from questions.ordering import ordered_items
from questions.schema import Item, Questionnaire
from ui import browser, session
from ui.finished_view import is_locked, render_finished
from ui.pages_registry import RECONNECT_GUARD_EVERY, reconnect_guard, switch_to
from ui.text import plain


def widget_key(questionnaire_id: str, item_id: str, slot: str) -> str:
    """Stable widget key from questionnaire, item and partner (``solo``, ``p1``, ``p2``)."""
    return f"answer:{questionnaire_id}:{item_id}:{slot}"


def section_key(questionnaire_id: str, slot: str) -> str:
    return f"section:{questionnaire_id}:{slot}"


def _on_answer(questionnaire_id: str, item_id: str, key: str) -> None:
    state = session.data()
    value = st.session_state.get(key)
    if value is None or value == []:
        return
    if isinstance(value, list):
        value = sorted(value)
    session.choose(state, questionnaire_id, item_id, value)


@session.fragment(run_every=RECONNECT_GUARD_EVERY)
def _questions(questionnaire_id: str, index: int) -> None:
    """The questions of part ``index``, a fragment: choosing an answer reruns them only, not
    the page around them (docs/PERFORMANCE.md, item 19). Its timer is the page's reconnect
    guard (``pages_registry.reconnect_guard``): one fragment a run, not two."""
    state = session.data()
    questionnaire = session.content().questionnaire(questionnaire_id)
    for item in ordered_items(questionnaire.sections[index], session.order_seed(state)):
        _render_item(questionnaire, item, state)


def _render_item(questionnaire: Questionnaire, item: Item, state: session.SessionData) -> None:
    key = widget_key(questionnaire.id, item.id, state.widget_slot)
    rset = questionnaire.response_set_of(item)
    labels = {o.value: o.label for o in rset.options}
    saved = state.answers.get(questionnaire.id, {})
    if is_locked(state):
        show_answer(item.text, _answer_label(saved.get(item.id), labels))
        return
    if key not in st.session_state and item.id in saved:
        # Restore the saved answer (a resume, or coming back to this section).
        st.session_state[key] = saved[item.id]
    common: dict[str, Any] = {
        "key": key,
        "on_change": _on_answer,
        "args": (questionnaire.id, item.id, key),
        "help": item.help,
    }
    if rset.multi:
        st.pills(
            item.text,
            options=list(labels),
            selection_mode="multi",
            format_func=lambda v: labels[v],
            **common,
        )
    else:
        st.radio(
            item.text,
            options=list(labels),
            index=None,
            horizontal=True,
            format_func=lambda v: labels[v],
            **common,
        )
    if f"{questionnaire.id}.{item.id}" in state.unsaved:
        st.error(
            "This answer was **not saved** — the app couldn't reach its storage. Please choose it again in a moment."
        )


def time_left(questionnaire: Questionnaire, index: int, saved: dict[str, Any]) -> str:
    """How long part ``index`` takes, and what is left after it: true all the while the part
    is answered, since an answer reruns the questions only (``_questions``)."""
    per_question = questionnaire.minutes / len(questionnaire.items)
    part = math.ceil(len(questionnaire.sections[index].items) * per_question)
    later = sum(1 for s in questionnaire.sections[index + 1 :] for i in s.items if i.id not in saved)
    rest = math.ceil(later * per_question)
    told = f"This part takes about {part} minute{'' if part == 1 else 's'}."
    return f"{told} The parts after it take about {rest} minute{'' if rest == 1 else 's'} more." if rest else told


def _answer_label(value: Any, labels: dict[int, str]) -> str | None:
    if isinstance(value, list):
        return ", ".join(labels[v] for v in value if v in labels) or None
    return labels.get(value) if isinstance(value, int) else None


def show_answer(question: str, answer: str | None) -> None:
    """A finished answer, read-only: the question and the answer as text (a disabled
    widget's faded text is hard to read, and nothing here can be changed)."""
    st.markdown(f"{plain(question)}  \n**{plain(answer) if answer else 'Not answered'}**")


#: Where "finish" leads in couple mode: on to the next step of the check-up.
COUPLE_NEXT = {
    "worth_it": ("intimacy", "On to “Is our intimacy fading?” →"),
    "intimacy": ("predictions", "On to how I see my partner →"),
}


def render(questionnaire_id: str) -> None:
    """One part of the questionnaire: its progress, its questions (``_questions``, which alone
    rerun when an answer is chosen) and the buttons that turn the part (a full run)."""
    st.title(session.content().questionnaire(questionnaire_id).title)
    state = session.data()
    if is_locked(state):
        render_finished(state)
        if state.mode == "one_device":  # a shared screen: a finished partner's answers are not even in the session
            reconnect_guard()  # the questions' fragment below would have the timer
            return
    slot = state.widget_slot
    questionnaire = session.content().questionnaire(questionnaire_id)
    sections = questionnaire.sections
    skey = section_key(questionnaire_id, slot)
    if skey not in st.session_state:
        st.session_state[skey] = int(state.progress.get("sections", {}).get(questionnaire_id, 0))
    index = min(max(int(st.session_state[skey]), 0), len(sections) - 1)
    section = sections[index]
    saved = state.answers.get(questionnaire_id, {})
    # A new part starts at the page's title, not where the last part's buttons were.
    browser.scroll_to_top(f"{questionnaire_id}_{slot}_{index}")

    if index == 0:
        st.caption(questionnaire.intro)
    st.progress((index + 1) / len(sections), text=f"Part {index + 1} of {len(sections)}")
    read_only = is_locked(state)
    if not read_only:
        st.caption(
            f"{time_left(questionnaire, index, saved)} You can stop here and come back with your link "
            "(on **My data & downloads**): nothing is lost."
        )
    if section.title != questionnaire.title:
        st.subheader(section.title)
    if section.intro:
        st.caption(section.intro)
    _questions(questionnaire_id, index)

    def go(delta: int) -> None:
        st.session_state[skey] = index + delta
        sections_progress = dict(state.progress.get("sections", {}))
        sections_progress[questionnaire_id] = index + delta
        session.turn_to(state, page=questionnaire_id, sections=sections_progress)

    back, forward = st.columns(2)
    back.button("← Back", on_click=go, args=(-1,), disabled=index == 0, key=f"back:{questionnaire_id}:{slot}")
    if index < len(sections) - 1:
        forward.button("Next →", on_click=go, args=(1,), type="primary", key=f"next:{questionnaire_id}:{slot}")
    else:
        target, label = ("results", "See my results →")
        if state.role == "couple":
            target, label = COUPLE_NEXT.get(questionnaire_id, ("share", "Finish →"))
        if forward.button(label, type="primary", key=f"finish:{questionnaire_id}:{slot}"):
            session.set_progress(state, page=target)
            switch_to(target)
    if not read_only:
        st.caption("Every answer is saved the moment you choose it. You can skip any question.")
