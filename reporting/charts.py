"""Plotly figures and their table twins (for screen readers and print).

Colours are from the Okabe-Ito palette, readable with every common colour
vision deficiency; each bar also carries its number as text, so colour is
never the only cue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from scoring.bands import band_of
from scoring.compare import CATEGORY_TITLES
from scoring.couple_data import Category, ScaleComparison
from scoring.results import ScaleScore

BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREY = "#999999"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
#: Every bar chart's look: the font, no plot background.
PLAIN: dict[str, object] = {"font": {"family": FONT, "size": 14}, "plot_bgcolor": "rgba(0,0,0,0)"}
#: A 0–100 score axis with room for a label outside the longest bar.
SCORE_AXIS: dict[str, object] = {"range": [0, 115], "tickvals": [0, 25, 50, 75, 100], "fixedrange": True}


BAND_COLOURS = {"strength": BLUE, "room to grow": ORANGE, "needs care": VERMILLION, "not enough answers": GREY}


def scale_chart(scales: Sequence[ScaleScore], title: str = "Where things stand (0–100)") -> go.Figure:
    """Horizontal bars, one per scale; scales without enough answers show as a note."""
    ordered = list(reversed(scales))  # Plotly draws the first bar at the bottom
    scores = [s.score if s.score is not None else 0 for s in ordered]
    texts = [f"{s.score:.0f}" if s.score is not None else "not enough answers" for s in ordered]
    colours = [BAND_COLOURS[band_of(s.score)] for s in ordered]
    return _figure(
        [
            _bars(
                x=scores,
                y=[s.title for s in ordered],
                marker={"color": colours},
                text=texts,
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        ],
        title={"text": title},
        xaxis=SCORE_AXIS | {"title": None},
        yaxis={"automargin": True, "fixedrange": True},
        height=max(260, 42 * len(scales) + 90),
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        showlegend=False,
        **PLAIN,
    )


def _bars(**trace: object) -> go.Bar:
    """Horizontal bars, each with its number outside it (colour is never the only cue)."""
    return go.Bar(orientation="h", textposition="outside", cliponaxis=False, **trace)


def _figure(data: list[go.Bar], **layout: object) -> go.Figure:
    """A figure with its layout given up front: the same figure as ``update_layout``
    after the fact, for a quarter of the time (update_layout walks every property
    path again; it was most of a rerun of the results page, docs/PERFORMANCE.md)."""
    return go.Figure(data=data, layout=layout)


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


# Couples -----------------------------------------------------------------

PARTNER_COLOURS = {1: BLUE, 2: ORANGE}
#: The categories a comparison sorts topics into, in the order pages and reports show them.
SHOWN_CATEGORIES: tuple[Category, ...] = ("shared_strength", "seen_differently", "shared_growth", "in_between")
#: The title in the top margin and the legend under it, both inside the margin: the
#: legend never covers the title (it did, on every side-by-side chart), on a phone too.
TITLE_AT_TOP: dict[str, object] = {"x": 0, "xanchor": "left", "y": 0.99, "yanchor": "top", "yref": "container"}
LEGEND_UNDER_TITLE: dict[str, object] = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "yref": "paper"}
MARGIN_WITH_LEGEND: dict[str, int] = {"l": 10, "r": 10, "t": 96, "b": 30}
#: Topic names with a gap before the plot, so a value label never runs into a name.
CATEGORY_AXIS: dict[str, object] = {"automargin": True, "fixedrange": True, "ticksuffix": "  "}


def paired_chart(scales: Sequence[ScaleComparison], names: Mapping[int, str]) -> go.Figure:
    """Both partners on every scale, side by side; a missing side is simply absent."""
    ordered = list(reversed(scales))
    traces = []
    # Plotly stacks a group's bars from the bottom: partner 2 first puts partner 1 on top,
    # and the reversed legend lists partner 1 first too.
    for slot in (2, 1):
        values = [s.scores.get(slot) for s in ordered]
        traces.append(
            _bars(
                name=names[slot],
                x=[v if v is not None else 0 for v in values],
                y=[s.title for s in ordered],
                marker={"color": PARTNER_COLOURS[slot], "pattern": {"shape": "" if slot == 1 else "/"}},
                text=[f"{v:.0f}" if v is not None else "—" for v in values],
                hovertemplate=f"{names[slot]} · %{{y}}: %{{text}}<extra></extra>",
            )
        )
    return _figure(
        traces,
        title=TITLE_AT_TOP | {"text": "Each of us, topic by topic (0–100)"},
        barmode="group",
        xaxis=SCORE_AXIS,
        yaxis=CATEGORY_AXIS,
        height=max(340, 56 * len(scales) + 140),
        margin=MARGIN_WITH_LEGEND,
        legend=LEGEND_UNDER_TITLE | {"traceorder": "reversed"},
        **PLAIN,
    )


def divergence_chart(scales: Sequence[ScaleComparison], names: Mapping[int, str]) -> go.Figure:
    """How far apart we are per topic: partner 2 minus partner 1, from 0. One trace per
    direction, so the legend says what each colour means."""
    ordered = [s for s in reversed(scales) if s.gap is not None]
    differences = {s.scale_id: (s.scores[2] or 0.0) - (s.scores[1] or 0.0) for s in ordered}
    traces = []
    for slot, sign in ((1, -1), (2, 1)):  # partner 1 scored higher where the difference is below 0
        shown = [s for s in ordered if sign * differences[s.scale_id] > 0]
        traces.append(
            _bars(
                name=f"{names[slot]} scored higher",
                x=[differences[s.scale_id] for s in shown],
                y=[s.title for s in shown],
                marker={"color": PARTNER_COLOURS[slot]},
                text=[f"{abs(differences[s.scale_id]):.0f}" for s in shown],
                hovertemplate="%{y}: %{text} points apart<extra></extra>",
                showlegend=True,
            )
        )
    return _figure(
        traces,
        title=TITLE_AT_TOP | {"text": "Where we differ (points apart)"},
        # Room beyond ±100 for a label outside the longest bar, clear of the topic names.
        xaxis={
            "range": [-135, 135],
            "tickvals": [-100, -50, 0, 50, 100],
            "ticktext": ["100", "50", "0", "50", "100"],
            "zeroline": True,
            "zerolinewidth": 2,
            "fixedrange": True,
        },
        yaxis=CATEGORY_AXIS | {"categoryorder": "array", "categoryarray": [s.title for s in ordered]},
        barmode="overlay",
        height=max(300, 40 * len(ordered) + 140),
        margin=MARGIN_WITH_LEGEND,
        legend=LEGEND_UNDER_TITLE,
        **PLAIN,
    )


def comparison_rows(scales: Sequence[ScaleComparison], names: Mapping[int, str]) -> list[dict[str, object]]:
    return [
        {
            "Topic": s.title,
            names[1]: round(v1) if (v1 := s.scores.get(1)) is not None else None,
            names[2]: round(v2) if (v2 := s.scores.get(2)) is not None else None,
            "Points apart": round(s.gap) if s.gap is not None else None,
            "Together": CATEGORY_TITLES[s.category],
        }
        for s in scales
    ]


def comparison_alt_text(scales: Sequence[ScaleComparison], names: Mapping[int, str]) -> str:
    parts = []
    for s in scales:
        values = [
            f"{names[slot]} {v:.0f}" if (v := s.scores.get(slot)) is not None else f"{names[slot]} —" for slot in (1, 2)
        ]
        parts.append(f"{s.title}: {', '.join(values)}")
    return "Paired bar chart, scores from 0 to 100: " + "; ".join(parts) + "."


# Static bars for the printable reports ----------------------------------------
# The same data and colours as the figures above, drawn by bars.html.j2 in plain
# HTML and CSS: a report needs no script (it was 4.8 MB with Plotly's bundle
# inlined), fits a phone and prints as it looks.


def score_bars(scales: Sequence[ScaleScore]) -> list[dict[str, object]]:
    return [
        {
            "label": s.title,
            "width": round(s.score, 1) if s.score is not None else 0,
            "colour": BAND_COLOURS[band_of(s.score)],
            "text": f"{s.score:.0f}" if s.score is not None else "—",
        }
        for s in scales
    ]


def partner_legend(names: Mapping[int, str]) -> list[dict[str, object]]:
    return [{"name": names[slot], "colour": PARTNER_COLOURS[slot], "striped": slot == 2} for slot in (1, 2)]


def paired_bars(scales: Sequence[ScaleComparison]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for s in scales:
        bars = []
        for slot in (1, 2):
            value = s.scores.get(slot)
            bars.append(
                {
                    "width": round(value, 1) if value is not None else 0,
                    "colour": PARTNER_COLOURS[slot],
                    "striped": slot == 2,
                    "text": f"{value:.0f}" if value is not None else "—",
                }
            )
        rows.append({"label": s.title, "bars": bars})
    return rows


def divergence_legend(names: Mapping[int, str]) -> list[dict[str, object]]:
    return [{"name": f"{names[slot]} scored higher", "colour": PARTNER_COLOURS[slot]} for slot in (1, 2)]


def divergence_bars(scales: Sequence[ScaleComparison]) -> list[dict[str, object]]:
    """Partner 1 higher to the left of the middle line, partner 2 higher to the right."""
    rows: list[dict[str, object]] = []
    for s in scales:
        if s.gap is None:
            continue
        difference = (s.scores[2] or 0.0) - (s.scores[1] or 0.0)
        half = round(abs(difference) / 2, 1)  # 100 points apart fills half the track
        rows.append(
            {
                "label": s.title,
                "left": 50 if difference >= 0 else round(50 - half, 1),
                "width": half,
                "colour": PARTNER_COLOURS[2] if difference > 0 else PARTNER_COLOURS[1],
                "text": f"{abs(difference):.0f}",
            }
        )
    return rows
