"""The trend chart: its title, legend and facet titles each have their own band."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import plotly.graph_objects as go
import pytest

from reporting.trend_chart import trend_chart
from scoring.trends import series as trend_series
from tests.scoring.people import CONTENT

NAMES = {1: "Sam", 2: "Alex"}


def trend(names: dict[int, str], font_size: int = 14) -> go.Figure:
    when = [datetime(2026, 1, 5), datetime(2026, 2, 9)]
    titles = {scale.id: scale.title for scale in CONTENT.questionnaire("intimacy").scales}
    series = {
        scale_id: {slot: trend_series([(day, 40.0 + 20 * slot) for day in when]) for slot in names}
        for scale_id in titles
    }
    return trend_chart(series, titles, names, font_size=font_size)


@pytest.mark.parametrize("font_size", [14, 18])
@pytest.mark.parametrize("names", [NAMES, {1: "A" * 40, 2: "B" * 40}])
def test_the_trend_charts_title_legend_and_facet_titles_each_have_their_own_band(
    names: dict[int, str], font_size: int
) -> None:
    """The legend covered the title and the first facets' titles (issue #20). Measured in
    pixels from the figure's top: the title, then the legend, then the facet titles."""
    figure = trend(names, font_size)
    layout: Any = figure.layout
    height, top = layout.height, layout.margin.t
    assert (layout.title.yref, layout.title.yanchor) == ("container", "top")
    title_top = (1 - layout.title.y) * height
    assert (layout.legend.yref, layout.legend.yanchor, layout.legend.orientation) == ("container", "bottom", "h")
    legend_bottom = (1 - layout.legend.y) * height
    # A line of text is some 1.3 times its size; a legend row adds a symbol and padding, and
    # two long names wrap to two rows on a phone.
    title_line = 1.3 * 1.2 * font_size  # Plotly's title is 1.2 times the figure's font
    legend_rows = 2 * (1.3 * font_size + 12)
    assert title_top >= 0 and title_top + title_line <= legend_bottom - legend_rows
    first_facet_titles = [a for a in layout.annotations if a.y == 1.0]
    assert len(first_facet_titles) == 2 and all(a.yanchor == "bottom" for a in first_facet_titles)
    # The first facets' titles stand on the plot area's top edge (the top margin's bottom).
    assert all(legend_bottom + 1.3 * a.font.size <= top for a in first_facet_titles)
    assert layout.font.size == font_size
    assert len(layout.title.text) <= 32  # fits a phone's width
