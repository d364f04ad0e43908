"""The presentation view: a couple's comparison for a shared screen — charts, categories
and conversation starters; no item answers, never a safety answer (what the counselor
may show is ``scoring/visibility.py``'s viewer ``counselor_shared``), and the trend
across the couple's assessments as the couple may see it.

Made for a 1920×1080 shared screen: wide, no navigation, nothing of the counselor
(name, log out, roster), large topic labels, and one button back to the couple's page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from questions.loader import source_titles
from reporting.charts import SHOWN_CATEGORIES, comparison_alt_text, comparison_rows, paired_chart
from reporting.trend_chart import trend_alt_text, trend_chart
from scoring.bands import BANDS_NOTE
from scoring.compare import CATEGORY_NOTE, CATEGORY_TITLES, CoupleComparison
from scoring.trends import trends
from services.counselor import NAMES, CouplePage
from ui import counselor_session, session
from ui.components import guarded
from ui.counselor_login_view import require_counselor
from ui.pages_registry import switch_to
from ui.text import plain

#: The topic labels on a shared screen, readable from across the room.
LABEL_SIZE = 22


#: Session state: the shared screen was just left; the next page opens the sidebar again.
LEFT = "present:left"


def _stop_presenting() -> None:
    # Before the run: the navigation and sidebar come back.
    session.data().presenting = False
    st.session_state[LEFT] = True
    if session.PRESENT_PARAM in st.query_params:
        del st.query_params[session.PRESENT_PARAM]


def render_presentation() -> None:
    st.set_page_config(layout="wide", initial_sidebar_state="collapsed")
    state = require_counselor(presenting=True)
    if st.button("← Back to the couple's page", key="present:back", on_click=_stop_presenting):
        switch_to("client")
    requested = st.query_params.get(session.PRESENT_PARAM)
    if requested and requested != state.assessment_id:  # a refresh: the URL says which
        state.assessment_id, state.client_id = requested, None
    comparison, names = None, dict(NAMES)
    with counselor_session.acting(), guarded("The presentation can't be shown just now. Please try again in a moment."):
        if state.assessment_id:  # only ever an assessment of this counselor's
            shared = counselor_session.me().shared_comparison(session.content(), state.client_id, state.assessment_id)
            if shared is not None:
                state.client_id, comparison, names = shared.client_id, shared.comparison, shared.names
    if comparison is None:
        state.assessment_id = None  # only ever the open couple's finished assessment on the shared screen
        state.presenting = False
        if session.PRESENT_PARAM in st.query_params:
            del st.query_params[session.PRESENT_PARAM]
        st.title("Presentation view")
        if requested:
            st.info("That assessment can't be found. Open a finished assessment from one of your couples' pages.")
        else:
            st.info("Open a finished assessment from a couple's page first.")
        return
    if state.assessment_id:
        st.query_params[session.PRESENT_PARAM] = state.assessment_id  # a refresh keeps it
    st.title("Where you stand, together")
    for slot, level in comparison.shared.items():
        if level == "nothing":
            st.info(f"{plain(names[slot])}'s results are not shown here.")
    scored = [s for s in comparison.scales if any(v is not None for v in s.scores.values())]
    chart_side, words_side = st.columns([3, 2], gap="large")
    if scored:
        figure = paired_chart(scored, names)
        figure.update_layout(font={"size": LABEL_SIZE}, height=max(480, 56 * len(scored) + 140))
        chart_side.plotly_chart(
            figure, key="present:paired", config={"displayModeBar": False}, alt=comparison_alt_text(scored, names)
        )
        chart_side.caption(f"{CATEGORY_NOTE} {BANDS_NOTE}")
        with chart_side.expander("The same as a table"):
            st.dataframe(pd.DataFrame(comparison_rows(comparison.scales, names)), hide_index=True)
        columns = words_side.columns(2)
        for index, key in enumerate(SHOWN_CATEGORIES):
            titles = [s.title for s in comparison.scales if s.category == key]
            if titles:
                with columns[index % 2], st.container(border=True):
                    st.subheader(CATEGORY_TITLES[key])
                    st.markdown("\n".join(f"- **{t}**" for t in titles))
    with words_side:
        _starters(comparison)
    with counselor_session.acting(), guarded("The trend can't be shown just now."):
        _trend(state, names)


def _trend(state: session.SessionData, names: dict[int, str]) -> None:
    """The couple's topics across their assessments, as the couple may see them."""
    page = CouplePage(counselor_session.me(), session.content(), state.client_id or "")
    points = page.trend_points("counselor_shared")
    if len(points) < 2:
        return
    questionnaire = session.content().questionnaire("intimacy")
    titles = {scale.id: scale.title for scale in questionnaire.scales}
    series = trends(points, list(titles))
    st.subheader("How it has changed since you started")
    figure = trend_chart(series, titles, names, font_size=LABEL_SIZE - 4)
    st.plotly_chart(
        figure, key="present:trend", config={"displayModeBar": False}, alt=trend_alt_text(series, titles, names)
    )


def _starters(comparison: CoupleComparison) -> None:
    if comparison.starters:
        st.subheader("Things to talk about")
        for starter in comparison.starters:
            st.markdown(f"### “{starter.text}”")
            st.caption(f"{starter.scale_title} — {starter.because} · Source: {source_titles(starter.sources)}")
