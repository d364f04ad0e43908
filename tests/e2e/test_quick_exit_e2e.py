"""The quick exit on pages with safety resources: first in keyboard order, and it
leaves for a neutral page without leaving the safety page in the history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from questions import default_content
from tests.e2e.flows import choose, click
from tests.e2e.helpers import StreamlitServerFactory, open_app, wait_for_app_idle
from ui.quick_exit import EXIT_URL

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.e2e


def test_quick_exit_is_first_in_keyboard_order_and_leaves(page: Page, streamlit_server: StreamlitServerFactory) -> None:
    from playwright.sync_api import expect

    # The machine has no internet: answer for the neutral site locally.
    page.route(
        f"{EXIT_URL}**", lambda route: route.fulfill(status=200, body="<h1>Weather</h1>", content_type="text/html")
    )
    worth_it = default_content().questionnaire("worth_it")
    server = streamlit_server()
    open_app(page, server.url)
    click(page, "Start “Is it worth it?”")
    choose(page, worth_it.item("safe").text, "No")
    click(page, "See my results →")
    expect(page.get_by_text(default_content().guidance.safety_title)).to_be_visible()
    results_url = page.url
    exit_link = page.locator("#spark-quick-exit")
    expect(exit_link).to_be_visible()

    # Arriving on the page (here: a reload of it), the first Tab lands on the exit.
    page.reload(wait_until="domcontentloaded")
    wait_for_app_idle(page)
    expect(exit_link).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement && document.activeElement.id") == "spark-quick-exit"

    page.keyboard.press("Enter")
    page.wait_for_url(f"{EXIT_URL}**")
    expect(page.get_by_role("heading", name="Weather")).to_be_visible()
    page.go_back()
    page.wait_for_timeout(500)
    assert page.url != results_url, "Back must not return to the page with the safety resources"


def test_three_shift_presses_leave_too(page: Page, streamlit_server: StreamlitServerFactory) -> None:
    def neutral(route: Route) -> None:
        route.fulfill(status=200, body="<h1>Weather</h1>", content_type="text/html")

    page.route(f"{EXIT_URL}**", neutral)
    worth_it = default_content().questionnaire("worth_it")
    server = streamlit_server()
    open_app(page, server.url)
    click(page, "Start “Is it worth it?”")
    choose(page, worth_it.item("safe").text, "Not sure")
    click(page, "See my results →")
    page.locator("#spark-quick-exit").wait_for()
    wait_for_app_idle(page)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(f"{EXIT_URL}**")
