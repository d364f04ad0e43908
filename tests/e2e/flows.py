"""Steps shared by the browser tests: choosing answers, clicking, walking sections, a
partner's join code and a partner's whole part (answers, guesses, finish)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from questions import default_content
from tests.e2e.helpers import wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

INTIMACY_SECTIONS_TO_ANSWER = 3


def radio_for(page: Page, question: str) -> Locator:
    return page.get_by_role("radiogroup", name=question, exact=True)


def choose(page: Page, question: str, option: str) -> None:
    from playwright.sync_api import expect

    group = radio_for(page, question)
    group.locator('label[data-testid="stRadioOption"]').filter(has_text=re.compile(rf"^{re.escape(option)}$")).click()
    wait_for_app_idle(page)
    expect(group.get_by_role("radio", name=option, exact=True)).to_be_checked()


def click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    wait_for_app_idle(page)


def answer_visible_section(
    page: Page, questionnaire_id: str, overrides: dict[str, int] | None = None
) -> dict[str, int]:
    """Answer every question on the page (middle option unless overridden); return what was chosen."""
    questionnaire = default_content().questionnaire(questionnaire_id)
    chosen: dict[str, int] = {}
    for item in questionnaire.items:
        rset = questionnaire.response_set_of(item)
        if rset.multi or radio_for(page, item.text).count() == 0:
            continue
        if overrides and item.id in overrides:
            option = next(o for o in rset.options if o.value == overrides[item.id])
        elif item.safety:
            option = next(o for o in rset.options if o.value not in item.unsafe_values)
        elif item.kind == "checklist":
            # "No" to each sign that it may be time for help: a person with no such sign.
            option = next(o for o in rset.options if o.value == rset.min_value)
        else:
            option = rset.options[len(rset.options) // 2]
        choose(page, item.text, option.label)
        chosen[item.id] = option.value
    return chosen


def finish_with_few_answers(page: Page) -> None:
    """Click "I'm done" with fewer than two thirds of the questions answered: the app asks
    first, showing how many are answered; confirm."""
    from playwright.sync_api import expect

    click(page, "I'm done")
    confirm = page.get_by_role("button", name=re.compile(r"^Yes, I'm done with \d+ of \d+$"))
    expect(confirm).to_be_visible()
    confirm.click()
    wait_for_app_idle(page)


JOIN_CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{6}\b")


def join_code_on(page: Page) -> str:
    """The join code the page shows, once it shows one (on a busy machine it may come after the heading)."""
    from playwright.sync_api import expect

    code = page.locator('[data-testid="stCode"]').filter(has_text=JOIN_CODE).first
    expect(code).to_be_visible()
    found = JOIN_CODE.search(code.inner_text())
    assert found, code.inner_text()
    return found.group()


def take_part(page: Page, overrides: dict[str, int], share_label: str) -> None:
    """Answer worth-it, a few intimacy sections and the predictions, then finish."""
    from playwright.sync_api import expect

    click(page, "1. Is it worth it?")
    expect(page.get_by_role("heading", name="Is it worth it?", level=1)).to_be_visible()
    expect(
        page.get_by_role("radiogroup", name=default_content().questionnaire("worth_it").items[-1].text)
    ).to_be_visible()
    answer_visible_section(page, "worth_it", overrides)
    click(page, "On to “Is our intimacy fading?” →")
    for section in default_content().questionnaire("intimacy").sections[:INTIMACY_SECTIONS_TO_ANSWER]:
        expect(page.get_by_role("heading", name=section.title)).to_be_visible()
        expect(page.get_by_role("radiogroup", name=section.items[-1].text, exact=True)).to_be_visible()
        answer_visible_section(page, "intimacy", overrides)
        click(page, "Next →")
    page.goto(re.sub(r"/intimacy", "/predictions", page.url), wait_until="domcontentloaded")
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name="How I see my partner", level=1)).to_be_visible()
    for scale in default_content().questionnaire("intimacy").scales:
        choose(page, scale.prediction_prompt or scale.title, "In the middle")
    click(page, "On to finish & share →")
    expect(page.get_by_role("heading", name="Finish & share", level=1)).to_be_visible()
    page.locator('label[data-testid="stRadioOption"]').filter(has_text=share_label).click()
    wait_for_app_idle(page)
    finish_with_few_answers(page)
