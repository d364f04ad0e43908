"""The comparison on a phone and a laptop (issue #20): the summary leads, so the plan's button
is within the first two screens (item 9); the guesses are cards that fit the screen, with no
cut-off cell and no inner scroll (item 1); the partner who finished first has a way on (item 8)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scoring.compare import predictions_id
from tests.e2e.accessibility import violations
from tests.e2e.devices import DEVICES
from tests.e2e.flows import click
from tests.e2e.helpers import open_app
from tests.e2e.seeding import CONTENT, VERSIONS, middle_answers, store_at

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from tests.e2e.helpers import StreamlitServerFactory

pytestmark = pytest.mark.e2e

WAIT_MS = 60_000
INTIMACY = CONTENT.questionnaire("intimacy")


def couple_with_guesses(db_path: Path, finished: tuple[int, ...]) -> dict[int, str]:
    """Two devices, both partners answered and guessed every topic, those in ``finished`` done
    sharing item by item; each partner's resume token. Partner 1 gave the middle option
    everywhere; partner 2 the same, but the lowest on three topics: seen differently there."""
    rset = INTIMACY.response_sets[INTIMACY.prediction_response_set or ""]
    answers = middle_answers() | {
        predictions_id("intimacy"): {s.id: rset.options[len(rset.options) // 2].value for s in INTIMACY.scales}
    }
    lower = {
        item.id: INTIMACY.response_set_of(item).max_value if item.reverse else INTIMACY.response_set_of(item).min_value
        for item in INTIMACY.items
        if item.kind == "scored" and item.scale in [scale.id for scale in INTIMACY.scales[:3]]
    }
    apart = answers | {"intimacy": answers["intimacy"] | lower}
    versions = VERSIONS | {predictions_id("intimacy"): INTIMACY.version}
    with store_at(db_path) as store:
        _couple_id, first, first_token, code = store.create_couple_two_devices()
        joined = store.join_couple(code)
        assert first_token and joined.person_id and joined.token
        for slot, person_id in ((1, first), (2, joined.person_id)):
            store.save_answers(person_id, answers if slot == 1 else apart, versions)
            if slot in finished:
                store.finish(person_id, "items")
    return {1: first_token, 2: joined.token}


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_summary_leads_and_the_guesses_fit_the_screen(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path, device: str
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "comparison.sqlite3"
    tokens = couple_with_guesses(db_path, finished=(1, 2))
    server = streamlit_server(db_path=db_path)
    context = browser.new_context(**DEVICES[device])
    expect.set_options(timeout=WAIT_MS)
    try:
        page = context.new_page()
        open_app(page, f"{server.url}/comparison?r={tokens[1]}")
        plan = page.get_by_role("button", name="We'll try this plan")
        expect(plan).to_be_visible()
        screen = DEVICES[device]["viewport"]["height"]
        box = plan.bounding_box()  # the page is at its top: this is the distance from it
        assert box is not None and box["y"] + box["height"] <= 2 * screen, (box, screen)
        details = page.get_by_role("heading", name="Topic by topic")
        assert (details.bounding_box() or {"y": 0})["y"] > box["y"]  # the details come after

        heading = page.get_by_role("heading", name="How well you read each other")
        heading.scroll_into_view_if_needed()
        topics = len(INTIMACY.scales)  # partner 1 guessed the middle: three of partner 2's scores are far lower
        expect(page.get_by_text(f"Partner 1 (you) read {topics - 3} of {topics} topics closely.")).to_be_visible()
        page.get_by_text("Each topic, guess by guess").click()
        cards = page.get_by_text("Your (Partner 1's) guess: 50")
        expect(cards).to_have_count(len(INTIMACY.scales))
        width = page.viewport_size["width"] if page.viewport_size else 0
        for index in range(cards.count()):
            line = cards.nth(index)
            line.scroll_into_view_if_needed()
            card = line.bounding_box()
            # Whole on the screen, never cut off or scrolled inside a box of its own.
            assert card is not None and card["x"] >= 0 and card["x"] + card["width"] <= width, card
            assert line.evaluate("e => e.scrollWidth <= e.clientWidth"), index
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert violations(page) == []
        plan.scroll_into_view_if_needed()
        click(page, "We'll try this plan")
        expect(page.get_by_role("heading", name="The plan you chose")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("device", list(DEVICES))
def test_the_partner_who_finished_first_can_close_the_page_or_see_their_results(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path, device: str
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "waiting.sqlite3"
    tokens = couple_with_guesses(db_path, finished=(1,))
    server = streamlit_server(db_path=db_path)
    context = browser.new_context(**DEVICES[device])
    expect.set_options(timeout=WAIT_MS)
    try:
        page = context.new_page()
        open_app(page, f"{server.url}/comparison?r={tokens[1]}")
        expect(
            page.get_by_text("when Partner 2 finishes, your comparison opens on this page by itself")
        ).to_be_visible()
        expect(page.get_by_text("You can close this page now")).to_be_visible()
        expect(page.get_by_role("link", name="Exit this page")).to_be_visible()
        assert violations(page) == []
        click(page, "See my own results →")
        expect(page.get_by_role("heading", name="Is our intimacy fading?").first).to_be_visible()
        assert "/results" in page.url and tokens[1] not in page.url  # the tab keeps their link, not the address (#18)
    finally:
        context.close()
