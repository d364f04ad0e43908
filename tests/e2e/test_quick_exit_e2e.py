"""The quick exit: on every page a person or partner sees, first in keyboard order, on
screen on a phone, and leaving nothing behind — the links never stay in the address bar or
the history, so after "Exit this page" Back and Forward show no answers and no results
(issue #18, finding 7)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from questions import default_content
from tests.e2e.devices import DEVICES, PHONE
from tests.e2e.flows import choose, click
from tests.e2e.helpers import LINK_IN_URL, StreamlitServerFactory, open_app, wait_for_app_idle
from tests.e2e.seeding import PASSWORD, one_device_couple, person, practice, two_device_couple
from ui.quick_exit import EXIT_URL

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

pytestmark = pytest.mark.e2e

WAIT_MS = 60_000
GUIDANCE = default_content().guidance
#: What a page holding someone's answers or results says; none of it may come back after the exit.
PRIVATE = ("Welcome back", "Your answers are restored", GUIDANCE.safety_title, "Waiting for your partner")


def neutral(route: Route) -> None:
    # The machine has no internet: answer for the neutral site locally.
    route.fulfill(status=200, body="<h1>Weather</h1>", content_type="text/html")


def no_link_in(url: str) -> bool:
    return LINK_IN_URL.search(url) is None


def test_quick_exit_is_first_in_keyboard_order_and_leaves(page: Page, streamlit_server: StreamlitServerFactory) -> None:
    from playwright.sync_api import expect

    page.route(f"{EXIT_URL}**", neutral)
    worth_it = default_content().questionnaire("worth_it")
    server = streamlit_server()
    open_app(page, server.url)
    click(page, "Start “Is it worth it?”")
    choose(page, worth_it.item("safe").text, "No")
    click(page, "See my results →")
    expect(page.get_by_text(GUIDANCE.safety_title)).to_be_visible()
    results_url = page.url
    exit_link = page.locator("#spark-quick-exit")
    expect(exit_link).to_be_visible()

    # Arriving on the page (here: a reload of it), the first Tab lands on the exit.
    page.reload(wait_until="domcontentloaded")
    wait_for_app_idle(page)
    expect(page.get_by_text(GUIDANCE.safety_title)).to_be_visible(timeout=WAIT_MS)  # a refresh resumes
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement && document.activeElement.id") == "spark-quick-exit"

    page.keyboard.press("Enter")
    page.wait_for_url(f"{EXIT_URL}**")
    expect(page.get_by_role("heading", name="Weather")).to_be_visible()
    page.go_back()
    page.wait_for_timeout(500)
    assert page.url != results_url, "Back must not return to the page with the safety resources"


def test_three_shift_presses_leave_too(page: Page, streamlit_server: StreamlitServerFactory) -> None:
    page.route(f"{EXIT_URL}**", neutral)
    worth_it = default_content().questionnaire("worth_it")
    server = streamlit_server()
    open_app(page, server.url)
    click(page, "Start “Is it worth it?”")
    choose(page, worth_it.item("safe").text, "Not sure")
    click(page, "See my results →")
    page.locator("#spark-quick-exit").wait_for()
    wait_for_app_idle(page)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(f"{EXIT_URL}**")


def test_resume_link_leaves_the_address_bar(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "links.sqlite3"
    token = person(db_path, safe=False)
    device = one_device_couple(db_path)
    server = streamlit_server(db_path=db_path)
    context = browser.new_context(**DEVICES["laptop"])
    expect.set_options(timeout=WAIT_MS)
    try:
        page = context.new_page()
        seen: list[str] = []
        page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
        entries = page.evaluate("history.length")
        open_app(page, f"{server.url}/results?r={token}")
        expect(page.get_by_text(GUIDANCE.safety_title)).to_be_visible()
        assert no_link_in(page.url) and token not in page.url
        assert page.evaluate("history.length") == entries + 1, "the entry the link opened was replaced"
        # A refresh resumes (the tab hands its link back in a 30-second cookie).
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_text(GUIDANCE.safety_title)).to_be_visible()
        # The link is still shown to the person who holds it, to copy and keep.
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="My data & downloads").click()
        expect(page.locator(".st-key-resume_link code")).to_contain_text(f"r={token}")
        assert token not in page.url
        # Nor does any other tab or window hold it: a new tab of this browser starts afresh.
        other = context.new_page()
        open_app(other, f"{server.url}/results")
        other.wait_for_timeout(1500)
        wait_for_app_idle(other)
        assert not [words for words in PRIVATE if words in other.locator("body").inner_text()]
        other.close()

        # A device link on one device, and a join code, leave the address bar as well.
        open_app(page, f"{server.url}/?d={device}")
        expect(page.get_by_role("heading", name="Our check-up")).to_be_visible()
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Our check-up")).to_be_visible()
        open_app(page, f"{server.url}/?join=ABCD-EFG234")
        expect(page.get_by_role("heading", name="Join your partner")).to_be_visible()
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Join your partner")).to_be_visible()
        wait_for_app_idle(page)
        links = [url for url in seen if not no_link_in(url)]
        assert links == [
            f"{server.url}/results?r={token}",
            f"{server.url}/?d={device}",
            f"{server.url}/?join=ABCD-EFG234",
        ]
        assert no_link_in(page.url)
        # Closing the tab leaves its link in the cookie for 30 seconds: a tab opened at once
        # gets it, sees it is not its own, and opens afresh.
        open_app(page, f"{server.url}/results?r={token}")
        page.close(run_before_unload=True)
        page.wait_for_event("close")
        assert [c for c in context.cookies() if c["name"] == "spark_link"], "the closed tab left its link for 30 s"
        late = context.new_page()
        open_app(late, f"{server.url}/results")
        late.wait_for_timeout(1500)
        wait_for_app_idle(late)
        assert not [words for words in PRIVATE if words in late.locator("body").inner_text()]
        assert "spark_link" not in late.evaluate("document.cookie")
    finally:
        context.close()


@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_back_after_quick_exit_shows_no_answers(
    device: str, browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "exit.sqlite3"
    token = person(db_path, safe=False)
    server = streamlit_server(db_path=db_path)
    context = browser.new_context(**DEVICES[device])
    expect.set_options(timeout=WAIT_MS)
    try:
        page = context.new_page()
        page.route(f"{EXIT_URL}**", neutral)
        open_app(page, f"{server.url}/?r={token}")
        expect(page.get_by_text("Your answers are restored")).to_be_visible()
        for name in ("My results", "My data & downloads", "My results"):
            if device == "phone":
                page.get_by_test_id("stExpandSidebarButton").click()
            page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name).click()
            expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
            wait_for_app_idle(page)
        expect(page.get_by_text(GUIDANCE.safety_title)).to_be_visible()
        hint = page.get_by_text("or press Shift three times")
        if device == "phone":
            expect(hint).to_be_hidden()
        else:
            expect(hint).to_be_visible()
        page.locator("#spark-quick-exit").click()
        page.wait_for_url(f"{EXIT_URL}**")

        visited = []
        for step in ["back"] * 5 + ["forward"] * 5:
            (page.go_back if step == "back" else page.go_forward)(wait_until="domcontentloaded")
            if page.url.startswith(server.url):
                wait_for_app_idle(page)
                page.wait_for_timeout(1500)  # time for a tab that held a link to reload with it
                wait_for_app_idle(page)
                text = page.locator("body").inner_text()
                assert not [words for words in PRIVATE if words in text], (step, page.url)
                assert token not in page.content() and no_link_in(page.url)
            visited.append(page.url)
        assert any(url.startswith(server.url) for url in visited), visited
    finally:
        context.close()


def test_exit_stays_on_screen_on_a_phone_on_every_page(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "pages.sqlite3"
    alone = person(db_path, safe=False)
    waiting = two_device_couple(db_path, finished=(1,), unsafe=(1,))
    device = one_device_couple(db_path)
    server = streamlit_server(db_path=db_path)
    pages = [
        ("", ""),
        (f"?r={alone}", "worth-it"),
        (f"?r={alone}", "intimacy"),
        (f"?r={alone}", "results"),
        (f"?r={alone}", "my-data"),
        (f"?r={waiting.tokens[1]}", ""),  # the unsafe partner's waiting screen (their home)
        (f"?r={waiting.tokens[1]}", "comparison"),  # … and the comparison that waits
        (f"?r={waiting.tokens[2]}", "predictions"),
        (f"?r={waiting.tokens[2]}", "share"),
        (f"?d={device}", ""),
        (f"?d={device}", "intimacy"),
    ]
    context = browser.new_context(**PHONE)
    expect.set_options(timeout=WAIT_MS)
    try:
        page = context.new_page()
        for link, path in pages:
            open_app(page, f"{server.url}/{path}{link}")
            wait_for_app_idle(page)
            exit_link = page.locator("#spark-quick-exit")
            expect(exit_link).to_be_visible()
            page.evaluate(
                "document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 1e6); window.scrollTo(0, 1e6)"
            )
            page.wait_for_timeout(200)
            box = exit_link.bounding_box()
            assert box is not None, path
            assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["viewport"]["height"], (path, box)
            assert box["height"] >= 44 and box["width"] >= 44
            expect(page.get_by_text("or press Shift three times")).to_be_hidden()
    finally:
        context.close()


def test_a_join_link_in_a_counselors_browser_stays_an_invitation(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from tests.e2e.counselor_flows import log_in

    db_path = tmp_path / "join.sqlite3"
    practice(db_path)
    server = streamlit_server(db_path=db_path)
    context = browser.new_context(**DEVICES["laptop"])
    expect.set_options(timeout=WAIT_MS)
    try:
        log_in(context.new_page(), server.url, "ana", PASSWORD)
        page = context.new_page()
        # The tab takes the code out of the address and reloads: the login cookie is sent, the
        # code is not in the address any more, and still the invitation is what opens.
        for _ in range(2):
            open_app(page, f"{server.url}/?join=ABCD-EFG234")
            expect(page.get_by_role("heading", name="Join your partner")).to_be_visible()
            expect(page.get_by_role("heading", name="My couples")).to_have_count(0)
            page.reload(wait_until="domcontentloaded")
            wait_for_app_idle(page)
            expect(page.get_by_role("heading", name="Join your partner")).to_be_visible()
    finally:
        context.close()
