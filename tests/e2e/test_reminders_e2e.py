"""What brings a couple back (issue #20): "take it again around <date>" as a calendar file on
the results, the comparison and the counselor's homework; and, with permission, a
notification when the other partner finishes while the waiting page is in the background."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from services.partner import RETAKE_AFTER
from tests.e2e.devices import DEVICES
from tests.e2e.flows import click
from tests.e2e.helpers import open_app
from tests.e2e.seeding import finish, person, practice, two_device_couple

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.e2e.helpers import StreamlitServerFactory

pytestmark = pytest.mark.e2e

WAIT_MS = 60_000
REMINDER = "Add a reminder to my calendar (.ics)"
READY = "Your partner has finished — your comparison is ready"
#: Records every notification the page makes and every permission request, and lets the
#: test send the page to the background (document.hidden), as switching tabs would.
WATCH_NOTIFICATIONS = """
window.__notes = []; window.__asked = 0; window.__hidden = false;
Object.defineProperty(Document.prototype, "hidden", { get() { return window.__hidden; }, configurable: true });
const Real = window.Notification;
if (Real) {
  const Watched = function (title, options) { window.__notes.push(title); return new Real(title, options); };
  Object.defineProperty(Watched, "permission", { get: () => Real.permission });
  Watched.requestPermission = (...args) => { window.__asked += 1; return Real.requestPermission(...args); };
  window.Notification = Watched;
}
"""


def reminder_on(page: Page, day: date) -> str:
    """The page says when to take it again; its calendar file is for that day. The file's text."""
    from playwright.sync_api import expect

    expect(page.get_by_text(f"around {day.day} {day:%B %Y}")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name=REMINDER).click()
    assert download.value.suggested_filename == "spark-check-reminder.ics"
    text = Path(download.value.path()).read_bytes().decode("utf-8")  # as is: CRLF line ends
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\n" in text and "SUMMARY:Take Spark Check again\r\n" in text
    return text


@pytest.mark.parametrize("device", list(DEVICES))
def test_take_it_again_is_a_calendar_file_on_results_comparison_and_homework(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path, device: str
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "reminders.sqlite3"
    alone = person(db_path)
    couple = two_device_couple(db_path, finished=(1, 2))
    office = practice(db_path)
    server = streamlit_server(db_path=db_path)
    context = browser.new_context(**DEVICES[device], accept_downloads=True)
    expect.set_options(timeout=WAIT_MS)
    try:
        page = context.new_page()
        # A person alone: on their results, a few weeks from today.
        open_app(page, f"{server.url}/results?r={alone}")
        text = reminder_on(page, date.today() + RETAKE_AFTER)
        assert alone not in text  # no link (nor anything else of theirs) in the file

        # A couple on two devices: once they choose their plan, a few weeks from then.
        open_app(page, f"{server.url}/comparison?r={couple.tokens[1]}")
        click(page, "We'll try this plan")
        expect(page.get_by_role("heading", name="The plan you chose")).to_be_visible()
        reminder_on(page, (datetime.now(UTC) + RETAKE_AFTER).date())

        # A couple whose counselor set homework: a few weeks after it was set.
        open_app(page, f"{server.url}/comparison?d={office.device_token}")
        expect(page.get_by_role("heading", name="Homework from your counselor")).to_be_visible()
        reminder_on(page, (datetime.now(UTC) + RETAKE_AFTER).date())
    finally:
        context.close()


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_partner_waiting_in_the_background_is_notified_when_the_other_finishes(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path, device: str
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "waiting.sqlite3"
    couple = two_device_couple(db_path, finished=(1,))
    server = streamlit_server(db_path=db_path)
    context = browser.new_context(**DEVICES[device])
    context.add_init_script(WATCH_NOTIFICATIONS)
    expect.set_options(timeout=WAIT_MS)
    try:
        page = context.new_page()
        open_app(page, f"{server.url}/comparison?r={couple.tokens[1]}")
        expect(page.get_by_text("Waiting for your partner to finish")).to_be_visible()
        offer = page.get_by_role("button", name="Notify me when my partner finishes")
        if device == "phone":
            # A phone's browser can't show a notification from a page: nothing is offered.
            expect(offer).to_be_hidden()
        else:
            expect(offer).to_be_visible()
            assert page.evaluate("window.__asked") == 0  # no permission asked before the click
            context.grant_permissions(["notifications"], origin=server.url)  # the person will say yes
            offer.click()
            expect(page.get_by_role("status").filter(has_text="You'll get a notification")).to_be_visible()
            assert page.evaluate("window.__asked") == 1
            expect(offer).to_be_hidden()
        page.evaluate("window.__hidden = true")  # the person switches to another tab
        finish(db_path, couple.people[2])
        expect(page.get_by_role("heading", name="Topic by topic")).to_be_visible()  # the comparison
        if device == "laptop":
            page.wait_for_function("window.__notes.length > 0", timeout=WAIT_MS)
        assert page.evaluate("window.__notes") == ([] if device == "phone" else [READY])
    finally:
        context.close()
