"""On a phone (Chromium with a phone's screen, touch and user agent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    from tests.e2e.helpers import StreamlitServerFactory

pytestmark = pytest.mark.e2e

#: A phone: its screen, touch and a mobile user agent (as Playwright's "Pixel 7"). The user
#: agent matters: Streamlit closes its sidebar menu after a choice on a mobile device only.
PHONE: dict[str, object] = {
    "viewport": {"width": 412, "height": 839},
    "device_scale_factor": 2.625,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Mobile Safari/537.36"
    ),
}


def phone(browser: Browser) -> BrowserContext:
    return browser.new_context(**PHONE)  # type: ignore[arg-type]


def test_the_sidebar_menu_closes_when_a_page_is_chosen(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    context = phone(browser)
    try:
        page = context.new_page()
        open_app(page, server.url)
        page.get_by_test_id("stExpandSidebarButton").click()
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav).to_be_visible()
        nav.get_by_role("link", name="Is it worth it?").click()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Is it worth it?", level=1)).to_be_visible()
        # The menu is out of the way: the page's content is what the person sees.
        expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()
        expect(nav).not_to_be_in_viewport()
    finally:
        context.close()
