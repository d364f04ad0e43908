"""In Chromium at 1920×1080: the presentation view fills the screen, with no sidebar and
nothing of the counselor (name, log out, roster), and one button leads back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from storage import Store
from storage.counselors import CounselorDesk
from tests.e2e.counselor_flows import add_couple, log_in, main_text, sidebar_nav
from tests.e2e.flows import click
from tests.e2e.helpers import StreamlitServerFactory, wait_for_app_idle
from tests.ui.counselor_app import finished_assessment

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"
WAIT_MS = 60_000


def test_the_presentation_view_is_wide_with_nothing_of_the_counselor(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    desk = CounselorDesk(Store.from_url(f"sqlite:///{server.db_path}"))
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        log_in(page, server.url, "ana", PASSWORD)
        expect.set_options(timeout=WAIT_MS)
        client_id = add_couple(page, "Couple 0317")
        for _ in range(2):
            finished_assessment(desk, ana, client_id, {1: "scores", 2: "scores"}, {1, 2})
        page.reload(wait_until="domcontentloaded")  # the login survives it
        wait_for_app_idle(page, timeout_ms=WAIT_MS)
        page.get_by_role("button", name="Presentation view").first.click()
        wait_for_app_idle(page, timeout_ms=WAIT_MS)
        expect(page.get_by_role("heading", name="Where you stand, together", level=1)).to_be_visible()
        expect(page.get_by_text("How it has changed since you started")).to_be_visible()
        expect(page.get_by_role("navigation", name="App pages")).to_have_count(0)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.count() == 0 or not sidebar.inner_text().strip()
        expect(page.locator('[data-testid="stSidebar"][aria-expanded="true"]')).to_have_count(0)
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
        page.screenshot(path="/tmp/presentation_1920.png")
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)
        assert "Ana" not in page.locator("body").inner_text()
        width = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        assert width is not None and width["width"] > 1400, width  # wide, not a narrow column

        # A refresh keeps the assessment (its opaque id in the URL) and the shared screen.
        assert "present=" in page.url
        page.reload(wait_until="domcontentloaded")
        wait_for_app_idle(page, timeout_ms=WAIT_MS)
        expect(page.get_by_role("heading", name="Where you stand, together", level=1)).to_be_visible()
        expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
        expect(page.get_by_role("navigation", name="App pages")).to_have_count(0)
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)
        expect(page.get_by_text("Page not found")).to_have_count(0)
        assert "Ana" not in page.locator("body").inner_text()

        click(page, "← Back to the couple's page")
        expect(page.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
        # #20 item 2: the sidebar is open again, with the navigation and Log out in view.
        expect(page.locator('[data-testid="stSidebar"][data-collapsed="false"]')).to_have_count(1)
        expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
        expect(sidebar_nav(page)).to_be_in_viewport()
        assert "Couple 0317" in main_text(page)
    finally:
        context.close()
