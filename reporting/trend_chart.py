"""The trend over re-assessments, for a counselor: one faceted Plotly figure (a row per topic,
a column per partner) and its table and words for screen readers and print.

Its colours and title placement are the other charts' (:mod:`reporting.charts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from reporting.charts import FONT, PARTNER_COLOURS, TITLE_AT_TOP
from scoring.trends import TrendPoint

#: Per scale id, per partner slot: their points over time.
Series = Mapping[str, Mapping[int, Sequence[TrendPoint]]]
#: One facet's height in the trend chart, in pixels.
TREND_ROW_HEIGHT = 130
#: The size of a facet's title ("Topic · Partner"), in pixels.
FACET_TITLE_SIZE = 13
#: The trend's legend, placed from the figure's top (its ``y`` in the figure's height).
LEGEND_ABOVE_FACETS: dict[str, object] = {
    "orientation": "h",
    "x": 0,
    "yanchor": "bottom",
    "xref": "container",
    "yref": "container",
}


def trend_chart(series: Series, titles: Mapping[str, str], names: Mapping[int, str], font_size: int = 14) -> go.Figure:
    """One faceted figure: a row per topic (``titles``: scale id → title, in order), a
    column per partner, 0–100 up, the assessments' dates along (every facet labels them,
    none clipped). A marked change (``TrendPoint.marked``) is a large dot.

    From the top, each in its own band of the top margin (sized from ``font_size``): the
    title, the legend (room for two rows: long names wrap on a phone), then the first
    facets' titles: the three never cover one another, on a phone or a wide screen.

    Built as one figure in one go: ``make_subplots`` and ``add_trace`` validate every
    property again on each call, and cost several times as much for 22 facets."""
    scale_ids = [scale_id for scale_id in titles if scale_id in series]
    slots = sorted(names)
    dates = sorted({p.when for scale_id in scale_ids for line in series[scale_id].values() for p in line})
    rows, columns = max(1, len(scale_ids)), len(slots)
    row_gap, column_gap = 0.32 / rows, 0.08
    height = (1.0 - row_gap * (rows - 1)) / rows
    width = (1.0 - column_gap * (columns - 1)) / columns
    span = (dates[-1] - dates[0]) if len(dates) > 1 else None
    pad = span * 0.08 if span else None
    x_range = [dates[0] - pad, dates[-1] + pad] if pad is not None and dates else None
    facet_band = 2 * FACET_TITLE_SIZE
    margin = 2 * font_size + 2 * (font_size + 20) + facet_band  # the title, two legend rows, the facet titles
    total = TREND_ROW_HEIGHT * rows + margin + 30
    legend_at = 1 - (margin - facet_band) / total
    traces: list[dict[str, object]] = []
    layout: dict[str, object] = {
        "title": TITLE_AT_TOP | {"text": "Each topic over time (0–100)", "y": 1 - 6 / total},
        "height": total,
        "margin": {"l": 10, "r": 10, "t": margin, "b": 20},
        "font": {"family": FONT, "size": font_size},
        "legend": LEGEND_ABOVE_FACETS | {"y": legend_at},
        "showlegend": True,
    }
    annotations: list[dict[str, object]] = []
    for row, scale_id in enumerate(scale_ids):
        top = 1.0 - row * (height + row_gap)
        for column, slot in enumerate(slots):
            index = row * columns + column + 1
            suffix = "" if index == 1 else str(index)
            left = column * (width + column_gap)
            line = series[scale_id].get(slot, [])
            traces.append(
                {
                    "type": "scatter",
                    "x": [p.when for p in line],
                    "y": [p.score for p in line],
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "mode": "lines+markers",
                    "name": names[slot],
                    "legendgroup": names[slot],
                    "showlegend": row == 0,
                    "line": {"color": PARTNER_COLOURS[slot], "dash": "solid" if slot == 1 else "dash"},
                    "marker": {"size": [14 if p.marked else 7 for p in line], "symbol": "circle"},
                    "connectgaps": True,
                    "hovertemplate": f"{titles[scale_id]} · {names[slot]}<br>%{{x|%d %b %Y}}: %{{y:.0f}}<extra></extra>",
                }
            )
            layout[f"xaxis{suffix}"] = {
                "domain": [left, left + width],
                "anchor": f"y{suffix}",
                "type": "date",
                "tickvals": dates,
                "tickformat": "%d %b %Y",
                "range": x_range,
                "automargin": True,
                "fixedrange": True,
            }
            layout[f"yaxis{suffix}"] = {
                "domain": [top - height, top],
                "anchor": f"x{suffix}",
                "range": [0, 100],
                "tickvals": [0, 50, 100],
                "fixedrange": True,
            }
            annotations.append(
                {
                    "text": f"{titles[scale_id]} · {names[slot]}",
                    "x": left + width / 2,
                    "y": top,
                    "xref": "paper",
                    "yref": "paper",
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": FACET_TITLE_SIZE},
                }
            )
    layout["annotations"] = annotations
    return go.Figure(data=traces, layout=layout)


def trend_rows(series: Series, titles: Mapping[str, str], names: Mapping[int, str]) -> list[dict[str, object]]:
    """The trend as a table: a row per topic, partner and assessment."""
    return [
        {
            "Topic": title,
            "Partner": names[slot],
            "Date": f"{point.when:%d %b %Y}",
            "Score": round(point.score) if point.score is not None else None,
            "Change": f"{point.change:+.0f}{' ●' if point.marked else ''}" if point.change is not None else "",
        }
        for scale_id, title in titles.items()
        for slot, line in series.get(scale_id, {}).items()
        for point in line
    ]


def trend_alt_text(series: Series, titles: Mapping[str, str], names: Mapping[int, str]) -> str:
    """The trend chart in words: what it shows, and every marked change."""
    marked = [
        f"{titles[scale_id]}, {names[slot]}: {point.change:+.0f} on {point.when:%d %b %Y}"
        for scale_id in titles
        for slot, line in series.get(scale_id, {}).items()
        for point in line
        if point.marked and point.change is not None
    ]
    return (
        f"Each topic's score over time for {' and '.join(names[s] for s in sorted(names))}, one small chart per "
        "topic and partner. "
        + (f"Marked changes: {'; '.join(marked)}." if marked else "No change is large enough to be marked.")
        + " The table below has every score."
    )
