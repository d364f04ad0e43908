"""The welcome page."""

from __future__ import annotations

import streamlit as st

from ui import session
from ui.pages_registry import switch_to


def render() -> None:
    state = session.data()
    content = session.content()
    st.title("Spark Check")
    st.markdown(
        "A private check-up for your relationship, in two short questionnaires. "
        "See where things are strong, where they could grow, and two or three small, "
        "concrete things to try next."
    )
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

    st.markdown("#### What this is — and what it isn't")
    st.markdown(
        f"""
- **A reflection tool, not therapy.** {content.guidance.not_therapy}
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
