"""The trend chart drawn by Plotly in Chromium, at a phone's width, a laptop's and a shared
screen's: its title, legend and first facet titles never cover one another (issue #20)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from questions import default_content
from reporting.trend_chart import trend_chart
from scoring.trends import series as trend_series
from tests.e2e.measure import chart_collisions

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

#: The chart's width on a phone (390 px less the page's padding), in a laptop's centred
#: column, and in the presentation view on a 1920 px screen (with its larger font).
WIDTHS = {"phone": (358, 14), "laptop": (704, 14), "presentation": (1880, 18)}
LONG_NAMES = {1: "Alexandria-Marie Constantinople", 2: "Bartholomew Fitzgerald-Worthington"}


@pytest.mark.parametrize("names", [{1: "Partner 1", 2: "Partner 2"}, LONG_NAMES], ids=["short", "long"])
@pytest.mark.parametrize("screen", list(WIDTHS))
def test_the_trend_charts_legend_covers_neither_its_title_nor_a_facet(
    browser: Browser, tmp_path: Path, screen: str, names: dict[int, str]
) -> None:
    width, font_size = WIDTHS[screen]
    titles = {scale.id: scale.title for scale in default_content().questionnaire("intimacy").scales}
    when = [datetime(2026, 1, 5), datetime(2026, 2, 9), datetime(2026, 3, 16)]
    series = {
        scale_id: {slot: trend_series([(day, 30.0 * slot + 10 * n) for n, day in enumerate(when)]) for slot in names}
        for scale_id in titles
    }
    figure = trend_chart(series, titles, names, font_size=font_size)
    path = tmp_path / "trend.html"
    path.write_text(figure.to_html(include_plotlyjs=True, full_html=True, default_width=f"{width}px"), "utf-8")
    context = browser.new_context(viewport={"width": width + 32, "height": 900}, is_mobile=screen == "phone")
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        chart = page.locator(".js-plotly-plot")
        chart.locator(".legend").wait_for()
        assert chart_collisions(chart) == []
    finally:
        context.close()
