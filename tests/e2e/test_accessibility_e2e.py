"""Accessibility: axe-core (through axe-playwright-python, which ships axe's script) on
every page a person, a couple and a counselor reach, on a laptop and on a phone.

No serious or critical violation is allowed. The data is written through storage first
(a person, a finished two-device couple, a counselor with that couple), so each page is
reached directly with its link, as a person coming back would.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from questions import default_content
from storage import Store
from storage.counselors import CounselorDesk
from tests.e2e.counselor_flows import log_in, navigate_in_session
from tests.e2e.helpers import open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.e2e.helpers import StreamlitServerFactory

pytestmark = pytest.mark.e2e

CONTENT = default_content()
VIEWPORTS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")
PASSWORD = "a long enough test password"


def middle_answers() -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {}
    for questionnaire in CONTENT.questionnaires.values():
        for item in questionnaire.items:
            rset = questionnaire.response_set_of(item)
            if rset.multi:
                continue
            if item.safety or item.kind == "checklist":
                value = next(v for v in rset.values if v not in item.unsafe_values) if item.safety else 0
            else:
                value = rset.options[len(rset.options) // 2].value
            answers.setdefault(questionnaire.id, {})[item.id] = value
    return answers


def seed(db_path: Path) -> dict[str, str]:
    """A person alone, a finished two-device couple and a counselor; their links."""
    store = Store.from_url(f"sqlite:///{db_path}")
    versions = {qid: q.version for qid, q in CONTENT.questionnaires.items()}
    person_id, person_token = store.create_person()
    store.save_answers(person_id, middle_answers(), versions)

    couple_id, first_id, first_token, code = store.create_couple_two_devices()
    joined = store.join_couple(code)
    assert first_token is not None and joined.person_id is not None
    for partner_id in (first_id, joined.person_id):
        store.save_answers(partner_id, middle_answers(), versions)
        store.finish(partner_id, "items")

    desk = CounselorDesk(store)
    desk.add_counselor("ana", PASSWORD, "Ana")
    store.engine.dispose()
    return {"person": person_token, "partner": first_token, "couple": couple_id}


def violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    wait_for_app_idle(page)
    result = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node['html'][:120]}"
        for v in result.response["violations"]
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


def check(page: Page, where: str, found: dict[str, list[str]]) -> None:
    problems = violations(page)
    if problems:
        found[where] = problems


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_accessibility_violation_on_any_page(
    browser: Browser, streamlit_server: StreamlitServerFactory, tmp_path: Path, viewport: str
) -> None:
    from playwright.sync_api import expect

    db_path = tmp_path / "a11y.sqlite3"
    links = seed(db_path)
    server = streamlit_server(db_path=db_path)
    found: dict[str, list[str]] = {}
    context = browser.new_context(viewport=VIEWPORTS[viewport], is_mobile=viewport == "phone")
    try:
        page = context.new_page()
        # A person alone: the welcome page, then every page of theirs with the resume link.
        open_app(page, server.url)
        check(page, "welcome", found)
        for path in ("worth-it", "intimacy", "results", "my-data", "counselor-login"):
            open_app(page, f"{server.url}/{path}?r={links['person']}")
            check(page, path, found)
        # A partner on their own device, both finished.
        for path in ("", "predictions", "share", "results", "comparison", "my-data"):
            open_app(page, f"{server.url}/{path}?r={links['partner']}")
            check(page, f"couple {path or 'home'}", found)
        # A counselor: roster, then the pages reached from it.
        log_in(page, server.url, "ana", PASSWORD)
        check(page, "roster", found)
        navigate_in_session(page, "/export")  # the same session: still logged in
        expect(page.get_by_role("heading", name="Export", level=1)).to_be_visible()
        check(page, "export", found)
        navigate_in_session(page, "/counselors")  # Ana, the first counselor, is an admin
        expect(page.get_by_role("heading", name="Counselors", level=1)).to_be_visible()
        check(page, "counselors", found)
    finally:
        context.close()
    assert found == {}, f"axe-core found serious or critical violations ({viewport}): {found}"
