"""The app's Plotly figures: title, legend and labels never collide, and colours are explained."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import pytest

from reporting.charts import PARTNER_COLOURS, divergence_chart, paired_chart
from scoring import visibility
from scoring.couple_data import ScaleComparison
from tests.scoring.people import CONTENT, person

NAMES = {1: "Sam", 2: "Alex"}


def scales(low: float, high: float) -> list[ScaleComparison]:
    first = visibility.Partner(1, person("safe", points=low), "items")
    second = visibility.Partner(2, person("safe", points=high), "items")
    return list(visibility.couple_comparison(CONTENT, "partner", first, second).scales)


def figures() -> list[go.Figure]:
    wide, mixed = scales(0.0, 100.0), scales(100.0, 25.0)
    return [paired_chart(wide, NAMES), divergence_chart(wide, NAMES), divergence_chart(mixed, NAMES)]


@pytest.mark.parametrize("figure", figures())
def test_the_legend_sits_between_the_title_and_the_plot(figure: go.Figure) -> None:
    layout: Any = figure.layout
    # The title is pinned to the top of the whole figure; the legend stands on the plot
    # area's top edge, inside a top margin tall enough for both (two legend rows on a phone).
    assert (layout.title.yref, layout.title.yanchor) == ("container", "top")
    assert layout.legend.yanchor == "bottom" and layout.legend.y >= 1.0
    assert layout.legend.orientation == "h"
    assert layout.margin.t >= 90
    assert layout.showlegend is not False


@pytest.mark.parametrize("figure", figures())
def test_value_labels_have_room_outside_the_longest_bar(figure: go.Figure) -> None:
    layout: Any = figure.layout
    low, high = layout.xaxis.range
    for trace in figure.data:
        assert trace.textposition == "outside" and trace.cliponaxis is False
        for x in trace.x:
            # A label needs some 15 axis units past its bar's end, clear of the axis end.
            assert x <= high - 15 if x >= 0 else x >= low + 15
    # Topic names end with a gap before the plot, so "Sexual closeness" never touches "100".
    assert layout.yaxis.ticksuffix.endswith(" ")


def test_the_divergence_chart_says_which_colour_is_whose() -> None:
    figure = divergence_chart(scales(100.0, 25.0) + scales(0.0, 100.0), NAMES)
    named = {trace.name: trace.marker.color for trace in figure.data}
    assert named == {"Sam scored higher": PARTNER_COLOURS[1], "Alex scored higher": PARTNER_COLOURS[2]}
    assert len(figure.layout.title.text) <= 32  # fits a phone's width


def test_partner_one_comes_first_in_the_legend_and_on_top_of_each_pair() -> None:
    figure = paired_chart(scales(0.0, 100.0), NAMES)
    assert [trace.name for trace in figure.data] == ["Alex", "Sam"]  # drawn bottom-up
    assert figure.layout.legend.traceorder == "reversed"
    assert {trace.name: trace.marker.color for trace in figure.data} == {
        "Sam": PARTNER_COLOURS[1],
        "Alex": PARTNER_COLOURS[2],
    }
