"""The presentation view: a couple's comparison for a shared screen — charts, categories
and conversation starters; no item answers, never a safety answer (what the counselor
may show is ``scoring/visibility.py``'s viewer ``counselor_shared``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from questions.loader import source_titles
from reporting.charts import SHOWN_CATEGORIES, comparison_alt_text, comparison_rows, paired_chart
from scoring.compare import CATEGORY_TITLES
from services import counselor
from services.counselor import NAMES
from ui import session
from ui.components import guarded
from ui.counselor_login_view import require_counselor


def render_presentation() -> None:
    state = require_counselor()
    comparison = None
    with guarded("The presentation can't be shown just now. Please try again in a moment."):
        if state.assessment_id:
            comparison = counselor.shared_comparison(
                session.desk(), session.content(), state.counselor_id or "", state.client_id, state.assessment_id
            )
    if comparison is None:
        state.assessment_id = None  # only ever the open couple's finished assessment on the shared screen
        st.title("Presentation view")
        st.info("Open a finished assessment from a couple's page first.")
        return
    st.title("Where you stand, together")
    for slot, level in comparison.shared.items():
        if level == "nothing":
            st.info(f"{NAMES[slot]}'s results are not shown here.")
    scored = [s for s in comparison.scales if any(v is not None for v in s.scores.values())]
    if scored:
        figure = paired_chart(scored, NAMES)
        figure.update_layout(font={"size": 20}, height=max(480, 80 * len(scored) + 140))
        st.plotly_chart(
            figure, key="present:paired", config={"displayModeBar": False}, alt=comparison_alt_text(scored, NAMES)
        )
        with st.expander("The same as a table"):
            st.dataframe(pd.DataFrame(comparison_rows(comparison.scales, NAMES)), hide_index=True)
        columns = st.columns(2)
        for index, key in enumerate(SHOWN_CATEGORIES):
            titles = [s.title for s in comparison.scales if s.category == key]
            if titles:
                with columns[index % 2], st.container(border=True):
                    st.subheader(CATEGORY_TITLES[key])
                    st.markdown("\n".join(f"- {t}" for t in titles))
    if comparison.starters:
        st.subheader("Things to talk about")
        for starter in comparison.starters:
            st.markdown(f"### “{starter.text}”")
            st.caption(f"{starter.scale_title} — {starter.because} · Source: {source_titles(starter.sources)}")
