"""In Chromium: a counselor stays logged in across a page refresh (also on a couple's
page, with no "Page not found"), and after "Log out" a refresh is logged out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from storage import Store
from storage.counselors import CounselorDesk
from tests.e2e.counselor_flows import add_couple, log_in
from tests.e2e.flows import click
from tests.e2e.helpers import StreamlitServerFactory, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"
#: Generous: the machine is shared.
WAIT_MS = 60_000


def test_a_refresh_keeps_the_login_and_log_out_ends_it(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    CounselorDesk(Store.from_url(f"sqlite:///{server.db_path}")).add_counselor("ana", PASSWORD, "Ana")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        log_in(page, server.url, "ana", PASSWORD)
        expect.set_options(timeout=WAIT_MS)
        add_couple(page, "The Rivers")
        expect(page.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
        # The token reaches the cookie (a constant snippet copies it there).
        page.wait_for_function("document.cookie.indexOf('spark_counselor=') >= 0", timeout=WAIT_MS)

        page.reload(wait_until="domcontentloaded")
        wait_for_app_idle(page, timeout_ms=WAIT_MS)
        expect(page.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
        expect(page.get_by_text("The Rivers", exact=True)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        expect(page.get_by_text("Counselor: Ana")).to_be_visible()

        click(page, "Log out")
        expect(page.get_by_text("You're logged out.")).to_be_visible()
        page.reload(wait_until="domcontentloaded")
        wait_for_app_idle(page, timeout_ms=WAIT_MS)
        # Still the couple's address: logged out, it shows the login (issue 13, item 4).
        expect(page.get_by_role("heading", name="Counselor login", level=1)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        assert "The Rivers" not in page.locator("body").inner_text()
        expect(page.get_by_text("Counselor: Ana")).to_have_count(0)
        expect(page.get_by_role("heading", name="My couples", level=1)).to_have_count(0)
    finally:
        context.close()


def test_a_couples_page_loaded_logged_out_shows_the_login_then_the_couple(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    """Issue 13, item 4: a refresh of a counselor's page in a browser that isn't logged in
    (a fresh context: no cookie) shows the login, not "Page not found", then the page."""
    from playwright.sync_api import expect

    server = streamlit_server()
    desk = CounselorDesk(Store.from_url(f"sqlite:///{server.db_path}"))
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    client_id = desk.add_client(ana, "The Rivers")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        expect.set_options(timeout=WAIT_MS)
        page.goto(f"{server.url}/client?client={client_id}", wait_until="domcontentloaded")
        wait_for_app_idle(page, timeout_ms=WAIT_MS)
        page.reload(wait_until="domcontentloaded")
        wait_for_app_idle(page, timeout_ms=WAIT_MS)
        expect(page.get_by_role("heading", name="Counselor login", level=1)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        assert "The Rivers" not in page.locator("body").inner_text()
        page.get_by_role("textbox", name="Username").fill("ana")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        click(page, "Log in")
        expect(page.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
        expect(page.get_by_text("The Rivers", exact=True)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
    finally:
        context.close()


def test_the_couples_page_updates_by_itself_while_an_assessment_is_open(
    browser: Browser, streamlit_server: StreamlitServerFactory
) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    store = Store.from_url(f"sqlite:///{server.db_path}")
    desk = CounselorDesk(store)
    counselor_id = desk.add_counselor("ana", PASSWORD, "Ana")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        log_in(page, server.url, "ana", PASSWORD)
        expect.set_options(timeout=WAIT_MS)
        client_id = add_couple(page, "The Rivers")
        click(page, "Start in the office (one device)")
        expect(page.get_by_text("0 of 2 partners finished", exact=False)).to_be_visible()

        (record,) = desk.assessments(counselor_id, client_id)
        for partner in record.couple.partners:
            store.finish(partner.person_id, "scores")

        # No reload, no click: the card catches up by itself.
        expect(page.get_by_text("2 of 2 partners finished", exact=False)).to_be_visible()
    finally:
        context.close()


def test_the_cookie_snippets_use_the_apps_base_url_path(browser: Browser) -> None:
    """The constant snippets, run in Chromium on a page like the app's under
    ``server.baseUrlPath = "spark"``: the cookie is for /spark only, and is deleted there."""
    from ui import browser as snippets

    hex_path = snippets.cookie_path("spark").encode().hex()
    token = "T" * 43
    pages = {
        "remember": f'<div class="st-key-{snippets.LOGIN_TOKEN_KEY}{hex_path}_{token} x"></div>'
        + snippets.REMEMBER_LOGIN,
        "forget": f'<div class="st-key-{snippets.FORGET_KEY}{hex_path}"></div>' + snippets.FORGET_LOGIN,
    }
    context = browser.new_context()
    try:
        context.route(
            "http://spark.test/**",
            lambda route: route.fulfill(content_type="text/html", body=pages[route.request.url.rsplit("/", 1)[1]]),
        )
        page = context.new_page()
        page.goto("http://spark.test/spark/remember")
        (cookie,) = context.cookies()
        assert (cookie["name"], cookie["value"], cookie["path"]) == ("spark_counselor", token, "/spark")
        assert cookie["sameSite"] == "Strict"
        page.goto("http://spark.test/spark/forget")
        assert context.cookies() == []
    finally:
        context.close()
