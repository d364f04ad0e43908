"""Every action checks who is acting (#18), in real Chromium: a stale tab on one device,
left on partner 1's questionnaire, shows nothing of partner 1's after the hand-over, even
from inside the questionnaire's fragment (which reruns without the page's own checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from questions import default_content
from tests.e2e.flows import answer_visible_section, click, finish_with_few_answers
from tests.e2e.helpers import StreamlitServerFactory, held_link, open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e


def go_to(page: Page, link: str) -> None:
    """Open a page from the sidebar's navigation."""
    from playwright.sync_api import expect

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name=link, level=1)).to_be_visible()


def test_a_stale_tab_on_one_device_never_shows_the_partner_who_handed_over(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    """#18 finding 2: partner 2 pressing "Next →" in a tab left on partner 1's questionnaire."""
    from playwright.sync_api import expect

    intimacy = default_content().questionnaire("intimacy")
    server = streamlit_server()
    context = browser.new_context()
    try:
        stale = context.new_page()
        open_app(stale, server.url)
        click(stale, "Start together on this device")
        device_link = f"{server.url}/?{held_link(stale)}"  # the tab's link, never in the address (#18)
        go_to(stale, "Is our intimacy fading?")
        main = stale.locator('[data-testid="stMain"]')
        # Partner 1 answers two parts, then goes back to the first: the second holds answers.
        answer_visible_section(stale, "intimacy")
        click(stale, "Next →")
        expect(stale.get_by_role("heading", name=intimacy.sections[1].title)).to_be_visible()
        answer_visible_section(stale, "intimacy")
        click(stale, "← Back")
        expect(stale.get_by_role("heading", name=intimacy.sections[0].title)).to_be_visible()

        # In another tab of the device, partner 1 finishes and hands over.
        other = context.new_page()
        open_app(other, device_link)
        go_to(other, "Finish & share")
        finish_with_few_answers(other)
        click(other, "I'm Partner 2 — start my turn")
        expect(other.get_by_text("It's Partner 2's turn.")).to_be_visible()

        # Partner 2 takes the stale tab and presses "Next →": none of partner 1's answers.
        click(stale, "Next →")
        expect(stale.get_by_text("It's Partner 2's turn now on this device.")).to_be_visible(timeout=30_000)
        wait_for_app_idle(stale)
        expect(main.get_by_role("radio", checked=True)).to_have_count(0)
        expect(stale.get_by_role("heading", name=intimacy.sections[1].title)).to_have_count(0)
    finally:
        context.close()
