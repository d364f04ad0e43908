"""Two partners on two devices in real Chromium: create a space, join with the
code (after a wrong and an expired one), both finish, both see the comparison;
partner 2's page, report and export hold neither partner 1's safety answer nor
partner 1's unshared item answers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import update

from questions import default_content
from reporting.charts import PARTNER_COLOURS
from storage import Store
from storage.models import Couple, utcnow
from tests.e2e.flows import click, join_code_on, take_part
from tests.e2e.helpers import StreamlitServerFactory, held_link, open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e


def test_two_devices_join_compare_and_keep_private_what_was_not_shared(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    content = default_content()
    safe_question = content.questionnaire("worth_it").item("safe").text
    server = streamlit_server()
    store = Store.from_url(f"sqlite:///{server.db_path}")
    first_context, second_context = browser.new_context(), browser.new_context(accept_downloads=True)
    first, second = first_context.new_page(), second_context.new_page()
    try:
        # Partner 1 makes a couple space and gets a code.
        open_app(first, server.url)
        first.get_by_role("tab", name="On two devices").click()
        click(first, "Make a couple space")
        expect(first.get_by_role("heading", name="Our check-up", level=1)).to_be_visible()
        code = join_code_on(first)

        # Partner 2: a wrong code, then an expired one, each with a clear message.
        open_app(second, f"{server.url}/?join=ABCD-EFG234")
        click(second, "Join my partner")
        expect(second.get_by_text("That code doesn't match a couple space")).to_be_visible()
        with store.engine.begin() as connection:
            connection.execute(update(Couple).values(join_expires_at=utcnow() - timedelta(minutes=1)))
        open_app(second, f"{server.url}/?join={code}")
        click(second, "Join my partner")
        expect(second.get_by_text("That code has expired")).to_be_visible()

        # Partner 1 makes a new code; partner 2 joins with the link.
        click(first, "Make a new join code")
        expect(first.locator('[data-testid="stCode"]').first).not_to_have_text(code)
        new_code = join_code_on(first)
        assert new_code != code
        open_app(second, f"{server.url}/?join={new_code}")
        click(second, "Join my partner")
        expect(second.get_by_role("heading", name="Our check-up", level=1)).to_be_visible()
        expect(second.get_by_text("You've joined your partner's couple space.")).to_be_visible()
        first.reload()
        wait_for_app_idle(first)
        expect(first.get_by_text("Your partner has joined.")).to_be_visible()

        # Partner 1 gives a nickname: both devices and both downloads then say "Sam".
        first.get_by_text("Your first name or nickname (optional)").click()
        first.get_by_role("textbox", name="First name or nickname").fill("Sam")
        click(first, "Save name")
        expect(first.get_by_text("Your name here: Sam")).to_be_visible()

        # Partner 1 says the relationship is not safe: their results stay private (the only choice).
        take_part(first, {"safe": 0}, "Don't share my results this time")
        expect(first.get_by_role("heading", name="Our comparison", level=1)).to_be_visible()
        expect(first.get_by_text("Waiting for your partner to finish")).to_be_visible()

        # Partner 2 answers and shares everything.
        take_part(second, {}, "Share my scores and my individual answers")
        expect(second.get_by_role("heading", name="Topic by topic")).to_be_visible()

        # Partner 1's waiting view updates by itself; the safety resources stay private to them.
        expect(first.get_by_role("heading", name="Topic by topic")).to_be_visible(timeout=20_000)
        expect(first.get_by_text(content.guidance.safety_title)).to_be_visible(timeout=20_000)
        expect(first.get_by_role("heading", name="Our shared plan — start small")).to_have_count(0)

        # Partner 2's page: exactly what anyone sees when results aren't shared; no safety
        # answer, no safety resources, nothing of partner 1's, so no shared plan either.
        page_text = second.locator('[data-testid="stMain"]').inner_text()
        assert "Sam chose not to share results this time." in page_text
        assert "Your partner" not in page_text
        # The chart (its legend): the same partner names and slot colours on both screens, "(you)" on one's own.
        for page, names in ((first, ("Sam (you)", "Partner 2")), (second, ("Sam", "Partner 2 (you)"))):
            page.wait_for_function(
                "() => document.querySelector('.js-plotly-plot') && document.querySelector('.js-plotly-plot').data",
                timeout=30_000,
            )
            colours = page.evaluate(
                "() => Object.fromEntries(document.querySelector('.js-plotly-plot').data"
                ".map(t => [t.name, t.marker.color]))"
            )
            assert colours == {names[0]: PARTNER_COLOURS[1], names[1]: PARTNER_COLOURS[2]}, colours
        assert safe_question not in page_text
        assert content.guidance.safety_title not in page_text
        assert "Where your answers differed most" not in page_text
        expect(second.get_by_role("heading", name="Our shared plan — start small")).to_have_count(0)

        with second.expect_download() as report_download:
            second.get_by_role("button", name="Couple report (printable HTML)").click()
        report = Path(report_download.value.path()).read_text(encoding="utf-8")
        with second.expect_download() as json_download:
            second.get_by_role("button", name="Comparison (JSON)").click()
        exported = Path(json_download.value.path()).read_text(encoding="utf-8")
        document = json.loads(exported)
        for text in (report, exported):
            assert safe_question not in text
            assert '"safe"' not in text
            assert content.guidance.safety_title not in text
        assert document["partners"] == {"1": "Sam", "2": "Partner 2"}  # the same file for both partners
        assert "Sam" in report and "(you)" not in report
        comparison = document["comparison"]
        assert comparison["shared"] == {"1": "nothing", "2": "items"}
        assert "1" not in comparison["worth_it"]
        assert comparison["differences"] == [] and comparison["plan"] == []
        assert all(s["scores"]["1"] is None for s in comparison["scales"])
        assert any(s["scores"]["2"] is not None for s in comparison["scales"])
    finally:
        first_context.close()
        second_context.close()


#: The one-device navigation, by link text (each page's heading is the same), "Finish & share" last.
ONE_DEVICE_NAVIGATION = (
    "Our check-up",
    "Is it worth it?",
    "Is our intimacy fading?",
    "How I see my partner",
    "Our comparison",
    "My data & downloads",
    "Finish & share",
)


def go_to(page: Page, link: str) -> None:
    """Open a page from the sidebar's navigation."""
    from playwright.sync_api import expect

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name=link, level=1)).to_be_visible()


def assert_no_sidebar_page_shows_answers(page: Page, hidden: list[str]) -> None:
    """Open every page from the sidebar: no chosen answer anywhere, none of ``hidden`` in the text."""
    from playwright.sync_api import expect

    main = page.locator('[data-testid="stMain"]')
    for link in ONE_DEVICE_NAVIGATION:
        go_to(page, link)
        expect(main.get_by_role("radio", checked=True)).to_have_count(0)
        text = main.inner_text()
        for words in hidden:
            assert words not in text, (link, words)


def test_one_device_no_page_shows_a_finished_partners_answers(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    content = default_content()
    safe_question = content.questionnaire("worth_it").item("safe").text
    server = streamlit_server()
    context, fresh_context = browser.new_context(), browser.new_context()
    try:
        page = context.new_page()
        open_app(page, server.url)
        click(page, "Start together on this device")
        expect(page.get_by_role("heading", name="Our check-up", level=1)).to_be_visible()
        assert "d=" not in page.url  # the tab keeps the link, never the address
        device_link = f"{server.url}/?{held_link(page)}"
        assert "?d=" in device_link

        # Partner 1 finishes: before the hand-over, no page shows their answers.
        take_part(page, {}, "Share my topic scores")
        expect(page.get_by_text("Thank you, Partner 1")).to_be_visible()
        assert_no_sidebar_page_shows_answers(page, [safe_question])  # ends on Finish & share
        go_to(page, "Our check-up")
        click(page, "I'm Partner 2 — start my turn")

        # The browser's Back button: partner 2's own Finish & share, never partner 1's.
        page.go_back()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Finish & share", level=1)).to_be_visible()
        expect(page.get_by_text("It's Partner 2's turn.")).to_be_visible()
        click(page, "I'm done")
        scored = sum(
            i.kind in ("scored", "verdict") for q in default_content().questionnaires.values() for i in q.items
        )
        expect(page.get_by_text(f"You've answered 0 of the {scored} questions")).to_be_visible()
        go_to(page, "Our check-up")

        # Partner 2 says "No" to feeling safe and finishes: no page shows it, here or with
        # the device link in a new browser.
        take_part(page, {"safe": 0}, "Don't share my results this time")
        expect(page.get_by_role("heading", name="Our comparison", level=1)).to_be_visible()
        hidden = [safe_question, content.guidance.safety_title, "may not be safe"]
        assert_no_sidebar_page_shows_answers(page, hidden)
        fresh = fresh_context.new_page()
        open_app(fresh, device_link)
        assert_no_sidebar_page_shows_answers(fresh, hidden)
    finally:
        context.close()
        fresh_context.close()
