"""The printable reports in Chromium: they fit a phone without sideways scrolling, no
number is clipped, and they print on A4 and Letter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from questions.loader import default_content
from reporting.couple_report import couple_report
from reporting.html_report import solo_report
from scoring import visibility
from tests.scoring.people import NAMES, NOW, partner, person

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

CONTENT = default_content()
PHONE = {"width": 390, "height": 844}


def reports() -> dict[str, str]:
    # Partner 2 at 100 on every topic, partner 1 at 0: the widest labels and bars.
    first = visibility.Partner(1, person("safe", points=0.0), "items")
    second = visibility.Partner(2, person("safe", points=100.0), "items")
    comparison = visibility.couple_comparison(CONTENT, "partner", first, second)
    return {
        "solo": solo_report(CONTENT, person("safe", points=100.0), now=NOW),
        "couple": couple_report(CONTENT, comparison, NAMES, now=NOW),
        "couple-nothing-shared": couple_report(
            CONTENT,
            visibility.couple_comparison(
                CONTENT, "partner", partner(1, "safe", "items"), partner(2, "safe", "nothing")
            ),
            NAMES,
            now=NOW,
        ),
    }


@pytest.mark.parametrize("name", ["solo", "couple", "couple-nothing-shared"])
def test_a_report_fits_a_phone_and_prints(browser: Browser, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.html"
    path.write_text(reports()[name], encoding="utf-8")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # Every bar's number is drawn whole inside the screen ("100" was clipped).
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('.bar-value')]
                .map(e => e.getBoundingClientRect())
                .filter(r => r.width === 0 || r.left < 0 || r.right > window.innerWidth).length"""
        )
        assert clipped == 0
        for paper in ("A4", "Letter"):
            page.emulate_media(media="print")
            pdf = page.pdf(format=paper, print_background=True)
            assert pdf.startswith(b"%PDF")
            page.emulate_media(media="screen")
    finally:
        context.close()
