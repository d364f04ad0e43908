"""Plotly figures and their table twins (for screen readers and print).

Colours are from the Okabe-Ito palette, readable with every common colour
vision deficiency; each bar also carries its number as text, so colour is
never the only cue.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from scoring.engine import GROWTH_THRESHOLD, STRENGTH_THRESHOLD
from scoring.results import ScaleScore

BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREY = "#999999"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def band_of(score: float | None) -> str:
    if score is None:
        return "not enough answers"
    if score >= STRENGTH_THRESHOLD:
        return "strength"
    if score < GROWTH_THRESHOLD - 30:
        return "needs care"
    return "room to grow"


BAND_COLOURS = {"strength": BLUE, "room to grow": ORANGE, "needs care": VERMILLION, "not enough answers": GREY}


def scale_chart(scales: Sequence[ScaleScore], title: str = "Where things stand (0–100)") -> go.Figure:
    """Horizontal bars, one per scale; scales without enough answers show as a note."""
    ordered = list(reversed(scales))  # Plotly draws the first bar at the bottom
    scores = [s.score if s.score is not None else 0 for s in ordered]
    texts = [f"{s.score:.0f}" if s.score is not None else "not enough answers" for s in ordered]
    colours = [BAND_COLOURS[band_of(s.score)] for s in ordered]
    figure = go.Figure(
        go.Bar(
            x=scores,
            y=[s.title for s in ordered],
            orientation="h",
            marker={"color": colours},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": title},
        xaxis={"range": [0, 115], "tickvals": [0, 25, 50, 75, 100], "title": None, "fixedrange": True},
        yaxis={"automargin": True, "fixedrange": True},
        height=max(260, 42 * len(scales) + 90),
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        font={"family": FONT, "size": 14},
        showlegend=False,
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def scale_rows(scales: Sequence[ScaleScore]) -> list[dict[str, object]]:
    """The chart's data as rows, with words for the colours."""
    return [
        {
            "Topic": s.title,
            "Score (0–100)": round(s.score) if s.score is not None else None,
            "Reading": band_of(s.score),
            "Questions answered": f"{s.answered} of {s.total}",
            "Matters to me (1–5)": s.importance,
        }
        for s in scales
    ]


def chart_alt_text(scales: Sequence[ScaleScore]) -> str:
    parts = [f"{s.title} {s.score:.0f}" if s.score is not None else f"{s.title}: not enough answers" for s in scales]
    return "Bar chart of scores from 0 to 100: " + "; ".join(parts) + "."
