"""A counselor's session in real Chromium: log in, add a couple, run an in-office assessment
on a second tab (partner 1 says the relationship is not safe), look at the presentation
view and the private panel, write a note with HTML in it, re-assess and see the trend,
export the CSV, log out — and check that a second counselor can reach none of it."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from questions import default_content
from storage import Store
from storage.counselors import CounselorDesk
from tests.e2e.counselor_flows import (
    SHARE_ITEMS,
    SHARE_NOTHING,
    SHARE_SCORES,
    add_couple,
    consent,
    go_to_nav,
    log_in,
    main_text,
    navigate_in_session,
    open_couple_from_roster,
    sidebar_nav,
    start_in_office,
    take_turn,
)
from tests.e2e.flows import click
from tests.e2e.helpers import StreamlitServerFactory, open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough password"
#: A label that is a spreadsheet formula: shown literally, neutralised in the CSV.
LABEL = "=SUM(1+1) Rivers"
NOTE = "Talked about chores <img src=x onerror=alert(1)>"
COUNSELOR_PAGES = ("My couples", "Couple", "Presentation view", "Export")
AGREEMENT_LABELS = ("Not at all true", "A little true", "Somewhat true", "Mostly true", "Very true")
#: Partner 2, second visit: every "Talking and feeling heard" item at its best end (50 -> 100).
BEST_COMMUNICATION = {"comm_heard": 5, "comm_honest": 5, "comm_listen": 5, "comm_logistics": 1, "comm_defensive": 1}
#: Partner 1, second visit: safe, but feeling unheard.
UNHEARD = {"comm_heard": 1, "comm_honest": 2}


def assert_no_couple_data(page: Page, label: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="Couple", level=1, exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="My couples", level=1)).to_have_count(0)
    text = main_text(page)
    assert label not in text and "Rivers" not in text
    assert "Assessment 1" not in text and NOTE not in text


def test_counselor_session_privacy_trend_and_isolation(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    content = default_content()
    worth_it = content.questionnaire("worth_it")
    safe_question = worth_it.item("safe").text
    guidance = content.guidance
    server = streamlit_server()
    desk = CounselorDesk(Store.from_url(f"sqlite:///{server.db_path}"))
    desk.add_counselor("ana", PASSWORD, "Ana")
    desk.add_counselor("ben", PASSWORD, "Ben")

    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    other_context = browser.new_context(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    try:
        counselor = context.new_page()
        counselor.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        # Log in, add a couple, start an assessment in the office.
        log_in(counselor, server.url, "ana", PASSWORD)
        client_id = add_couple(counselor, LABEL)
        link = start_in_office(counselor)
        expect(counselor.get_by_text("It is shown only now.", exact=False)).to_be_visible()

        # The couple's turns, on a new tab of the same browser.
        couple = context.new_page()
        couple.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        open_app(couple, link)
        consent(couple, 1)
        offered = take_turn(couple, {"safe": 0}, SHARE_NOTHING)
        # On a shared screen an unsafe answer can't be shared, so "scores" isn't offered.
        assert offered == [SHARE_NOTHING]
        expect(couple.get_by_text("Thank you, Partner 1")).to_be_visible()
        click(couple, "I'm Partner 2 — start my turn")
        consent(couple, 2)
        assert SHARE_ITEMS in take_turn(couple, {}, SHARE_ITEMS, predictions=False)
        expect(couple.get_by_role("heading", name="Our comparison", level=1)).to_be_visible()

        # Back on the counselor's tab (a reload would start a new, logged-out session).
        open_couple_from_roster(counselor, LABEL)
        expect(counselor.get_by_text("2 of 2 partners finished · 2 of 2 agreed to share with you")).to_be_visible()

        # The private panel, on the couple's page only, shows the safety flag.
        counselor.get_by_text("Private to you: safety and support answers").click()
        expect(counselor.get_by_text("Partner 1: an answer says the relationship may not be safe.")).to_be_visible()
        expect(counselor.get_by_text("Partner 2: no safety concern in the answers.")).to_be_visible()

        # The presentation view: scores only, nothing about safety.
        click(counselor, "Presentation view")
        expect(counselor.get_by_role("heading", name="Where you stand, together", level=1)).to_be_visible()
        expect(counselor.get_by_text("Partner 1's results are not shown here.")).to_be_visible()
        expect(counselor.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
        counselor.get_by_text("The same as a table").click()
        wait_for_app_idle(counselor)
        tables = counselor.locator('[data-testid="stDataFrame"]')
        expect(tables).to_have_count(1)  # the scores, as a table; no answer table
        expect(tables.first.locator("table")).to_contain_text("Partner 2")
        # A dataframe is drawn on a canvas: its text is in a hidden table, not in inner_text().
        shown = main_text(counselor) + "\n" + "\n".join(tables.all_text_contents())
        assert content.questionnaire("intimacy").scales[0].title in shown
        for label in AGREEMENT_LABELS:
            assert label not in shown, label
        assert "Is it worth it?" not in shown
        for item in worth_it.items:
            assert item.text not in shown, item.id
        assert safe_question not in shown
        assert "may not be safe" not in shown
        assert guidance.safety_title not in shown
        assert "Private to you" not in shown
        assert "Where your answers differed most" not in shown

        # A note with HTML in it is shown as text, and no image element is made.
        # (Presenting hides the navigation: the way back is the page's own button.)
        click(counselor, "← Back to the couple's page")
        expect(counselor.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
        counselor.get_by_role("tab", name="Notes & homework").click()
        counselor.get_by_role("textbox", name="A private note about this session").fill(NOTE)
        click(counselor, "Save note")
        expect(counselor.get_by_text("Note saved.")).to_be_visible()
        expect(counselor.get_by_text(NOTE, exact=True)).to_be_visible()
        assert counselor.locator("img[src='x']").count() == 0
        assert counselor.locator('[data-testid="stMain"] img').count() == 0

        # Re-assess: a second in-office assessment, answered quickly and differently.
        counselor.get_by_role("tab", name="Assessments").click()
        second_link = start_in_office(counselor)
        assert second_link != link
        couple.close()
        again = context.new_page()
        open_app(again, second_link)
        consent(again, 1)
        take_turn(again, UNHEARD, SHARE_SCORES, worth_it=False, predictions=False)
        click(again, "I'm Partner 2 — start my turn")
        consent(again, 2)
        take_turn(again, BEST_COMMUNICATION, SHARE_ITEMS, worth_it=False, predictions=False)
        expect(again.get_by_role("heading", name="Our comparison", level=1)).to_be_visible()
        again.close()

        open_couple_from_roster(counselor, LABEL)
        expect(counselor.get_by_text("Assessment 2", exact=False)).to_be_visible()
        counselor.get_by_role("tab", name="Trend").click()
        trend = counselor.get_by_role("tabpanel", name="Trend")
        expect(trend.get_by_text("A change is marked ● only when it is 15 points or more")).to_be_visible()
        scales = content.questionnaire("intimacy").scales
        expect(trend.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)  # one chart: topics x partners
        expect(trend.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
        for scale in scales[:2]:
            expect(trend.get_by_text(scale.title).first).to_be_visible()

        # The export: a real download; the formula label neutralised, only shared scores.
        go_to_nav(counselor, "Export", "Export")
        with counselor.expect_download() as download:
            counselor.get_by_role("button", name="All scores (CSV)").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        header, *rows = list(csv.reader(io.StringIO(exported, newline="")))
        assert header == ["Couple", "Assessment", "Assessment date", "Partner", "Topic", "Score (0-100)"]
        communication = scales[0].title
        assert {row[0] for row in rows} == {"'" + LABEL}
        assert sorted((row[1], row[3], row[4]) for row in rows) == [
            ("1", "Partner 2", communication),
            ("2", "Partner 1", communication),  # the second visit only: the first time, nothing was shared
            ("2", "Partner 2", communication),
        ]
        assert sorted(float(row[5]) for row in rows if row[3] == "Partner 2") == [50.0, 100.0]
        assert safe_question not in exported and guidance.safety_title not in exported

        # Opening the couple's address in the session works while logged in (the control
        # for the checks below, which use the same way of opening an address).
        navigate_in_session(counselor, f"/client?client={client_id}")
        expect(counselor.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
        expect(counselor.get_by_text(LABEL, exact=True)).to_be_visible()

        # Log out: the counselor pages leave the navigation, and no URL brings the couple back.
        counselor.get_by_role("button", name="Log out").click()
        wait_for_app_idle(counselor)
        expect(counselor.get_by_text("You're logged out.")).to_be_visible()
        expect(sidebar_nav(counselor).get_by_role("link", name="Counselor login")).to_be_visible()
        for name in COUNSELOR_PAGES:
            expect(sidebar_nav(counselor).get_by_role("link", name=name, exact=True)).to_have_count(0)
        for path in ("/roster", f"/client?client={client_id}", "/presentation", "/export"):
            navigate_in_session(counselor, path)  # same session, just logged out
            assert_no_couple_data(counselor, LABEL)
            open_app(counselor, f"{server.url}{path}")  # a fresh load of the address
            assert_no_couple_data(counselor, LABEL)
        expect(sidebar_nav(counselor).get_by_role("link", name="My couples", exact=True)).to_have_count(0)

        # A second counselor reaches none of the first one's couples.
        ben = other_context.new_page()
        log_in(ben, server.url, "ben", PASSWORD)
        expect(ben.get_by_text("No couples yet.")).to_be_visible()
        search = ben.get_by_role("textbox", name="Search by label")
        for term in ("Rivers", "=SUM", "%", "_", "r"):
            search.fill(term)
            search.press("Enter")
            wait_for_app_idle(ben)
            expect(ben.get_by_text("No couple matches that search.")).to_be_visible()
            assert "Rivers" not in main_text(ben)
        navigate_in_session(ben, f"/client?client={client_id}")
        expect(ben.get_by_role("heading", name="Couple", level=1, exact=True)).to_be_visible()
        expect(ben.get_by_text("No couple found.", exact=False)).to_be_visible()
        assert "Rivers" not in main_text(ben) and "Assessment" not in main_text(ben)
        assert ben.get_by_role("tab", name="Trend").count() == 0
        assert re.search(r"client=", ben.url) is not None  # the id really was asked for
        assert dialogs == []
    finally:
        context.close()
        other_context.close()
