"""The solo flow in a real browser: answer, reload, resume from the link after a
server kill, finish, and check the results and both downloads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from questions import default_content
from storage import Store
from tests.e2e.flows import answer_visible_section, choose, click, radio_for
from tests.e2e.helpers import StreamlitServerFactory, held_link, open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_solo_flow_survives_reload_and_server_kill(
    page: Page, streamlit_server: StreamlitServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    content = default_content()
    worth_it = content.questionnaire("worth_it")
    server = streamlit_server()
    open_app(page, server.url)
    expect(page.get_by_role("heading", name="Spark Check", level=1)).to_be_visible()

    click(page, "Start “Is it worth it?”")
    expect(page.get_by_role("heading", name="Is it worth it?", level=1)).to_be_visible()
    first_three = worth_it.items[:3]
    for item in first_three:
        choose(page, item.text, "Yes")
    # The resume link is the tab's, never the address bar's (docs/SECURITY.md, "How links are carried").
    assert "r=" not in page.url
    link = held_link(page)
    assert link.startswith("r=")
    token = link[2:]

    # A refresh mid-way keeps every answer.
    page.reload(wait_until="domcontentloaded")
    wait_for_app_idle(page)
    for item in first_three:
        expect(radio_for(page, item.text).get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    resume_url = f"{server.url}/worth-it?r={token}"

    # The server dies (SIGKILL) and comes back; the link restores everything.
    server.kill()
    server.restart()
    resumed = page.context.browser.new_context()  # type: ignore[union-attr]
    other = resumed.new_page()
    open_app(other, resume_url)
    expect(other.get_by_text("Welcome back. Your answers are restored.")).to_be_visible()
    expect(other.get_by_role("heading", name="Is it worth it?", level=1)).to_be_visible()
    for item in first_three:
        expect(radio_for(other, item.text).get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    for item in worth_it.items[3:]:
        choose(other, item.text, "Yes")
    click(other, "See my results →")
    expect(other.get_by_role("heading", name="My results", level=1)).to_be_visible()
    assert worth_it.verdict is not None
    expect(other.get_by_text(worth_it.verdict.worth_fighting_for.title)).to_be_visible()

    # The intimacy questionnaire, one section per page.
    other.goto(re.sub(r"/results", "/intimacy", other.url), wait_until="domcontentloaded")
    wait_for_app_idle(other)
    intimacy = content.questionnaire("intimacy")
    chosen: dict[str, int] = {}
    for index, section in enumerate(intimacy.sections):
        expect(other.get_by_role("heading", name=section.title)).to_be_visible()
        chosen.update(answer_visible_section(other, "intimacy"))
        if index < len(intimacy.sections) - 1:
            click(other, "Next →")
    click(other, "See my results →")
    expect(other.get_by_role("heading", name="Next steps — start small")).to_be_visible()
    expect(other.locator('[data-testid="stPlotlyChart"]')).to_have_count(1, timeout=20_000)
    titles = "|".join(re.escape(title) for title in default_content().guidance.source_titles.values())
    expect(other.get_by_text(re.compile(f"Source: ({titles})")).first).to_be_visible()

    # Every answer is in the database exactly as given.
    store = Store.from_url(f"sqlite:///{server.db_path}")
    record = store.person_by_token(token)
    assert record is not None
    saved = store.answers_for(record.id)
    assert saved["worth_it"] == {item.id: 2 for item in worth_it.items}
    assert saved["intimacy"] == chosen

    # Downloads: the printable report and the result file.
    click(other, "Downloads and my data →")
    expect(other.get_by_role("heading", name="My data & downloads", level=1)).to_be_visible()
    with other.expect_download() as report_info:
        other.get_by_role("button", name="Report (printable HTML)").click()
    report_path = tmp_path / "report.html"
    report_info.value.save_as(report_path)
    report = report_path.read_text(encoding="utf-8")
    assert report.startswith("<!doctype html>")
    assert "chart bars" in report and "<script" not in report, "the report draws its charts with no script"
    assert "Next steps" in report and "Source: " in report and "001_c9d6df4d0b5d511b.txt" not in report
    assert worth_it.item("safe").text not in report

    with other.expect_download() as json_info:
        other.get_by_role("button", name="Result file (JSON)").click()
    json_path = tmp_path / "result.json"
    json_info.value.save_as(json_path)
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert document["format"] == "spark-check-result"
    assert document["questionnaires"]["intimacy"]["answers"] == chosen
    assert document["questionnaires"]["worth_it"]["answers"] == saved["worth_it"]
    resumed.close()


def test_after_a_deletion_the_confirmation_box_is_unticked(
    page: Page, streamlit_server: StreamlitServerFactory
) -> None:
    """Issue 13: the "Yes, delete" box stayed ticked after deleting, on the page that stays open."""
    from playwright.sync_api import expect

    server = streamlit_server()
    open_app(page, server.url)
    click(page, "Start “Is it worth it?”")
    choose(page, default_content().questionnaire("worth_it").items[0].text, "Yes")
    page.get_by_role("link", name="My data & downloads").click()
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name="Delete my answers")).to_be_visible()
    box = page.get_by_role("checkbox", name="Yes, delete all my answers")
    box.check(force=True)
    wait_for_app_idle(page)
    click(page, "Delete my answers")
    expect(page.get_by_text("Your answers have been deleted for good.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Yes, delete all my answers")).not_to_be_checked()
    expect(page.get_by_role("button", name="Delete my answers")).to_be_disabled()
