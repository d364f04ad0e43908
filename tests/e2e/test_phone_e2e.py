"""On a phone (Chromium with a phone's screen, touch and user agent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

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


def main_scroll(page: Page) -> float:
    return float(page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollTop"))


def test_next_and_back_start_the_new_part_at_its_title(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    for context in (phone(browser), browser.new_context(viewport={"width": 1280, "height": 700})):
        try:
            page = context.new_page()
            open_app(page, f"{server.url}/intimacy")
            title = page.get_by_role("heading", name="Is our intimacy fading?", level=1)
            for button, part in (("Next →", "Part 2 of"), ("Next →", "Part 3 of"), ("← Back", "Part 2 of")):
                page.get_by_role("button", name=button).scroll_into_view_if_needed()
                assert main_scroll(page) > 0  # the buttons sit below the first screen
                page.get_by_role("button", name=button).click()
                wait_for_app_idle(page)
                expect(page.get_by_text(part)).to_be_visible()
                # The new part starts at the top: the page's title is on screen, not its buttons.
                page.wait_for_function("document.querySelector('[data-testid=\"stMain\"]').scrollTop === 0")
                expect(title).to_be_in_viewport()
        finally:
            context.close()


def test_an_answer_scale_is_one_column_of_full_size_targets_on_a_phone(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    context = phone(browser)
    try:
        page = context.new_page()
        open_app(page, f"{server.url}/intimacy")
        groups = page.get_by_role("radiogroup")
        expect(groups.first).to_be_visible()
        assert groups.count() >= 4
        for index in range(groups.count()):
            boxes = [o.bounding_box() for o in groups.nth(index).locator('[data-testid="stRadioOption"]').all()]
            assert all(box is not None for box in boxes)
            lefts = {round(box["x"]) for box in boxes if box}
            tops = [box["y"] for box in boxes if box]
            assert len(lefts) == 1, "every option starts on the same left edge: one column"
            assert tops == sorted(tops), "the options stay in their order, top to bottom"
            assert all(box["height"] >= 44 for box in boxes if box), "tap targets of at least 44 px"
    finally:
        context.close()


def test_the_resume_link_is_shown_whole_with_a_copy_button(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    from tests.e2e.flows import choose

    server = streamlit_server()
    context = phone(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    try:
        page = context.new_page()
        open_app(page, f"{server.url}/worth-it")
        choose(page, "Do we still treat each other with respect, even when things get hard?", "Yes")
        open_app(page, f"{server.url}/my-data")  # the tab keeps the link
        code = page.locator(".st-key-resume_link code")
        expect(code).to_be_visible()
        link = code.inner_text().strip()
        assert "?r=" in link
        box = code.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]  # type: ignore[index]
        button = page.get_by_role("button", name="Copy link")
        expect(button).to_be_visible()  # visible without hovering
        button.tap()
        expect(page.locator("#spark-copy-status")).to_have_text("Copied. Keep it somewhere private.")
        assert page.evaluate("navigator.clipboard.readText()") == link
    finally:
        context.close()
