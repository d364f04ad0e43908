"""Measurements the browser tests share: what covers what in a Plotly chart, and tap targets
smaller than a fingertip."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

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


#: The roles of what a person taps. An expander's header (``<summary>``) has no ARIA role:
#: :func:`small_targets` finds it by its element.
TAPPED_ROLES = ("button", "link", "tab", "checkbox", "radio", "switch", "textbox", "combobox")
#: WCAG 2.5.5 (Target Size): at least 44 x 44 CSS px.
TARGET_PX = 44

_UNDERSIZED = """(elements, [role, least]) => elements.flatMap(element => {
  // What a finger lands on: a checkbox's or radio's label (its input is hidden), a select's box.
  const target = (element.tagName === "INPUT" && element.closest("label, .react-aria-ComboBox [role=group]")) || element;
  const box = target.getBoundingClientRect();
  // Not there to tap: hidden until focused by a keyboard (the skip link), or beside the screen (a closed menu).
  if (box.width <= 1 || box.height <= 1 || box.right <= 0 || box.left >= innerWidth) { return []; }
  if (getComputedStyle(target).visibility === "hidden") { return []; }
  // A link inside a sentence: WCAG 2.5.5's "inline" exception.
  if (role === "link" && element.closest("[data-testid=stMarkdownContainer] :is(p, li)")) { return []; }
  if (box.width >= least && box.height >= least) { return []; }
  const name = (element.getAttribute("aria-label") || target.innerText || "").trim().replace(/\\s+/g, " ");
  return [`${role} "${name.slice(0, 60)}": ${Math.round(box.width)} x ${Math.round(box.height)}`];
})"""


def small_targets(page: Page) -> list[str]:
    """Every visible control on the page, found by its role, whose tap target is smaller than
    44 x 44 CSS px: ``'button "Next →": 64 x 40'``."""
    found: list[str] = []
    for role in TAPPED_ROLES:
        found += page.get_by_role(role).evaluate_all(_UNDERSIZED, [role, TARGET_PX])
    found += page.locator("details > summary").evaluate_all(_UNDERSIZED, ["expander", TARGET_PX])
    return found
