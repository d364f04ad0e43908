"""Measurements the browser tests share: what covers what in a Plotly chart, and tap targets
smaller than a fingertip."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator

#: The boxes of a Plotly chart's title, legend and first row of facet titles, top to bottom.
_CHART_BANDS = """chart => {
  const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; };
  const title = chart.querySelector('.gtitle');
  const legend = chart.querySelector('.legend');
  const notes = [...chart.querySelectorAll('.annotation')].map(box);
  const first = notes.length ? Math.min(...notes.map(n => n.top)) : null;
  return {title: title && box(title), legend: legend && box(legend), chart: box(chart),
          facets: notes.filter(n => n.top === first)};
}"""


def chart_collisions(chart: Locator) -> list[str]:
    """What covers what at the top of a Plotly chart (its title, its legend, the first row of
    facet titles); empty when each has its own band, all inside the chart."""
    bands = chart.evaluate(_CHART_BANDS)
    title, legend = bands["title"], bands["legend"]
    assert title is not None and legend is not None, bands
    found = []
    if title["top"] < bands["chart"]["top"]:
        found.append(f"the title starts above the chart: {bands}")
    if title["bottom"] > legend["top"]:
        found.append(f"the legend covers the title: {bands}")
    found += [
        f"the legend covers a facet's title: {bands}" for facet in bands["facets"] if legend["bottom"] > facet["top"]
    ]
    return found
