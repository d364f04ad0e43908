"""Accessibility: axe-core (through axe-playwright-python, which ships axe's script) on
every page a person, a couple and a counselor reach, on a laptop and on a phone.

No serious or critical violation is allowed. The data is written through storage first
(a person, a finished two-device couple, a counselor with that couple), so each page is
reached directly with its link, as a person coming back would.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.accessibility import violations
from tests.e2e.counselor_flows import log_in, navigate_in_session
from tests.e2e.helpers import open_app
from tests.e2e.seeding import PASSWORD, seed

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.e2e.helpers import StreamlitServerFactory

pytestmark = pytest.mark.e2e

VIEWPORTS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def check(page: Page, where: str, found: dict[str, list[str]]) -> None:
    problems = violations(page)
    if problems:
        found[where] = problems


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_accessibility_violation_on_any_page(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path, viewport: str
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "a11y.sqlite3"
    links = seed(db_path)
    server = streamlit_server(db_path=db_path)
    found: dict[str, list[str]] = {}
    context = browser.new_context(viewport=VIEWPORTS[viewport], is_mobile=viewport == "phone")
    try:
        page = context.new_page()
        # A person alone: the welcome page, then every page of theirs with the resume link.
        open_app(page, server.url)
        check(page, "welcome", found)
        for path in ("worth-it", "intimacy", "results", "my-data", "counselor-login"):
            open_app(page, f"{server.url}/{path}?r={links['person']}")
            check(page, path, found)
        # A partner on their own device, both finished.
        for path in ("", "predictions", "share", "results", "comparison", "my-data"):
            open_app(page, f"{server.url}/{path}?r={links['partner']}")
            check(page, f"couple {path or 'home'}", found)
        # A counselor, in a tab of their own (this one keeps the partner's link): roster, then
        # the pages reached from it.
        page = context.new_page()
        log_in(page, server.url, "ana", PASSWORD)
        check(page, "roster", found)
        navigate_in_session(page, "/export")  # the same session: still logged in
        expect(page.get_by_role("heading", name="Export", level=1)).to_be_visible()
        check(page, "export", found)
        navigate_in_session(page, "/counselors")  # Ana, the first counselor, is an admin
        expect(page.get_by_role("heading", name="Counselors", level=1)).to_be_visible()
        check(page, "counselors", found)
    finally:
        context.close()
    assert found == {}, f"axe-core found serious or critical violations ({viewport}): {found}"
