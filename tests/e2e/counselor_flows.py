"""Steps of the counselor's browser tests: logging in, a couple's page, an in-office turn,
and moving to a URL inside the same Streamlit session."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

from questions import default_content
from tests.e2e.flows import answer_visible_section, choose, click, finish_with_few_answers
from tests.e2e.helpers import open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

SHARE_NOTHING = "Don't share my results this time"
SHARE_SCORES = "Share my topic scores"
SHARE_ITEMS = "Share my scores and my individual answers"


def main_text(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def sidebar_nav(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebarNav"]')


def go_to_nav(page: Page, name: str, heading: str) -> None:
    """Follow a sidebar navigation link (same session) and wait for the page's title."""
    from playwright.sync_api import expect

    sidebar_nav(page).get_by_role("link", name=name, exact=True).click()
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name=heading, level=1, exact=True)).to_be_visible()


def navigate_in_session(page: Page, path: str) -> None:
    """Go to ``path`` (with its query string) the way the browser's history would:
    the same tab, the same Streamlit session, so a logged-in counselor stays logged in.
    (A page.goto() or reload starts a new session, which is never logged in.)"""
    page.evaluate(
        "path => { history.pushState({}, '', path); window.dispatchEvent(new PopStateEvent('popstate')); }",
        path,
    )
    page.wait_for_timeout(150)
    wait_for_app_idle(page)


def log_in(page: Page, url: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    open_app(page, url)
    click(page, "I'm a counselor — log in")
    expect(page.get_by_role("heading", name="Counselor login", level=1)).to_be_visible()
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    click(page, "Log in")
    expect(page.get_by_role("heading", name="My couples", level=1)).to_be_visible()


def add_couple(page: Page, label: str) -> str:
    """Add a couple from the roster; returns its client id (from the couple page's URL)."""
    from playwright.sync_api import expect

    page.get_by_role("textbox", name=re.compile(r"^Add a couple")).fill(label)
    click(page, "Add couple")
    expect(page.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
    expect(page.get_by_text(label, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]client=[0-9a-f]{32}"))
    return parse_qs(urlparse(page.url).query)["client"][0]


def open_couple_from_roster(page: Page, label: str) -> None:
    """Back to the roster and open the couple again: a fresh look at the database, same session."""
    from playwright.sync_api import expect

    go_to_nav(page, "My couples", "My couples")
    page.get_by_role("button", name="Open").first.click()  # the most recently active couple
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
    expect(page.get_by_text(label, exact=True)).to_be_visible()


def start_in_office(page: Page) -> str:
    """Start an in-office assessment; returns the questionnaire link it shows (once)."""
    from playwright.sync_api import expect

    click(page, "Start in the office (one device)")
    link = page.get_by_role("link", name="Open the questionnaire for the couple")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href is not None and "?d=" in href, href
    return href


def consent(page: Page, slot: int) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text(re.compile(rf"^Partner {slot}: your counselor set up this check-up"))).to_be_visible()
    page.get_by_text("I agree to share my results with our counselor").click()
    wait_for_app_idle(page)
    click(page, "Continue")
    expect(page.get_by_role("button", name="1. Is it worth it?")).to_be_visible()


def take_turn(
    page: Page,
    overrides: dict[str, int],
    share_label: str,
    *,
    worth_it: bool = True,
    intimacy_sections: int = 1,
    predictions: bool = True,
) -> list[str]:
    """One partner's turn on the shared device; returns the share options that were offered."""
    from playwright.sync_api import expect

    content = default_content()
    if worth_it:
        click(page, "1. Is it worth it?")
        expect(page.get_by_role("heading", name="Is it worth it?", level=1)).to_be_visible()
        last = content.questionnaire("worth_it").items[-1].text
        expect(page.get_by_role("radiogroup", name=last, exact=True)).to_be_visible()
        answer_visible_section(page, "worth_it", overrides)
        click(page, "On to “Is our intimacy fading?” →")
    else:
        click(page, "2. Is our intimacy fading?")
    for section in content.questionnaire("intimacy").sections[:intimacy_sections]:
        expect(page.get_by_role("heading", name=section.title)).to_be_visible()
        expect(page.get_by_role("radiogroup", name=section.items[-1].text, exact=True)).to_be_visible()
        answer_visible_section(page, "intimacy", overrides)
        click(page, "Next →")
    next_page = "predictions" if predictions else "share"
    page.goto(re.sub(r"/intimacy", f"/{next_page}", page.url), wait_until="domcontentloaded")
    wait_for_app_idle(page)
    if predictions:
        expect(page.get_by_role("heading", name="How I see my partner", level=1)).to_be_visible()
        for scale in content.questionnaire("intimacy").scales:
            choose(page, scale.prediction_prompt or scale.title, "In the middle")
        click(page, "On to finish & share →")
    expect(page.get_by_role("heading", name="Finish & share", level=1)).to_be_visible()
    options = page.locator('label[data-testid="stRadioOption"]')
    expect(options.first).to_be_visible()
    offered = [text.strip() for text in options.all_inner_texts()]
    options.filter(has_text=share_label).click()
    wait_for_app_idle(page)
    finish_with_few_answers(page)
    return offered
