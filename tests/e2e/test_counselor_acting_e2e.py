"""#18 finding 1 in Chromium: a couple's page left open after the counselor was disabled
keeps its 10-second timer running, and that timer (a fragment, which skips the page's
top-of-run checks) shows nothing new: no new results, no private safety answer. It
checks the login itself and turns the page into the login page with a kind line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from storage import Store
from storage.counselors import CounselorDesk
from tests.e2e.counselor_flows import add_couple, log_in, main_text
from tests.e2e.flows import click
from tests.e2e.seeding import unsafe_assessment_finished

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.helpers import StreamlitServerFactory

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"
WAIT_MS = 60_000


def test_a_disabled_counselors_open_page_shows_nothing_new_on_its_timer(
    page: Page, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    desk = CounselorDesk(Store.from_url(f"sqlite:///{server.db_path}"))
    admin = desk.add_counselor("ana", PASSWORD, "Ana")
    dana = desk.add_counselor("dana", PASSWORD, "Dana")
    expect.set_options(timeout=WAIT_MS)
    log_in(page, server.url, "dana", PASSWORD)
    client_id = add_couple(page, "Couple 0317")
    click(page, "Send as homework (two devices)")  # an open assessment: the cards' timer runs
    expect(page.get_by_text("Assessment 1", exact=False)).to_be_visible()

    desk.set_disabled(admin, dana, True)
    unsafe_assessment_finished(desk, dana, client_id)  # new results, with a safety concern

    # No refresh, no click: only the timer reruns, and it finds the login ended.
    expect(page.get_by_role("heading", name="Counselor login", level=1)).to_be_visible()
    expect(page.get_by_text("You're logged out")).to_be_visible()
    text = main_text(page)
    assert "Assessment 2" not in text and "may not be safe" not in text and "Couple 0317" not in text
