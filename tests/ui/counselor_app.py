"""The counselor side's AppTest helpers, shared by the ui tests (the database fixture,
``desk``, is in tests/ui/conftest.py): logging in, reading a page, a couple's page and
its tabs, and assessments written through storage (top or low answers)."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from questions import default_content
from storage.counselors import CounselorDesk
from tests.scoring.strategies import bottom_answers
from tests.ui.person_app import APP, TIMEOUT, state_of
from ui import client_view, counselor_session

PASSWORD = "a long enough password"
CONTENT = default_content()


def page_text(app: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "info", "error", "warning", "success", "text", "code")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(app, kind))


def log_in(username: str, password: str = PASSWORD) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.button(key="welcome:counselor").click().run()
    app.text_input(key="login:username").input(username)
    app.text_input(key="login:password").input(password)
    submit = next(b for b in app.button if b.label == "Log in")
    submit.click().run()
    return app


def shown_links(app: AppTest) -> list[str]:
    return [c.value for c in app.code] + [b.proto.url for b in app.get("link_button")]


def counselor_id(desk: CounselorDesk, username: str) -> str:
    record = desk.counselor_by_username(username)
    assert record is not None
    return record.id


def add_couple(app: AppTest, label: str) -> str:
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input(label)
    next(b for b in app.button if b.label == "Add couple").click().run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Couple"]
    client_id = state_of(app).client_id
    assert client_id is not None
    return client_id


def open_tab(app: AppTest, label: str) -> AppTest:
    app.session_state[client_view.TAB_KEY] = label
    return app.run()


def tab(app: AppTest, label: str) -> Any:
    """Open a tab of the couple's page (only the open tab's content runs) and return it."""
    app.session_state[client_view.TAB_KEY] = label
    app.run()
    assert not app.exception
    return next(t for t in app.tabs if t.label == label)


def add_clients(desk: CounselorDesk, username: str, labels: list[str]) -> dict[str, str]:
    owner = counselor_id(desk, username)
    return {label: desk.add_client(owner, label) for label in labels}


def top_answers() -> dict[str, dict[str, Any]]:
    """Every single-choice item answered at its 'best' end: every scale scores 100."""
    answers: dict[str, dict[str, Any]] = {}
    for questionnaire in (CONTENT.questionnaire("worth_it"), CONTENT.questionnaire("intimacy")):
        for item in questionnaire.items:
            rset = questionnaire.response_set_of(item)
            if rset.multi:
                continue
            low = item.reverse or item.kind == "checklist"
            answers.setdefault(questionnaire.id, {})[item.id] = rset.min_value if low else rset.max_value
    return answers


def low_answers() -> dict[str, dict[str, Any]]:
    """Every intimacy topic at its lowest, safe: the comparison has a shared plan."""
    intimacy = CONTENT.questionnaire("intimacy")
    answers: dict[str, Any] = {}
    for scale in intimacy.scales:
        answers.update(bottom_answers(intimacy, scale.id))
    answers.pop("abuse", None)
    return {"intimacy": answers}


def finished_assessment(
    desk: CounselorDesk, owner: str, client_id: str, share: dict[int, str], consent: set[int], finish: bool = True
) -> str:
    couple_id, _token = desk.start_in_office(owner, client_id)
    record = desk.store.couple(couple_id)
    assert record is not None
    versions = {qid: q.version for qid, q in CONTENT.questionnaires.items()}
    for partner in record.partners:
        if partner.slot in consent:
            desk.store.give_counselor_consent(partner.person_id)
        desk.store.save_answers(partner.person_id, top_answers(), versions)
        if finish:
            desk.store.finish(partner.person_id, share[partner.slot])
    return couple_id


def refresh(monkeypatch: pytest.MonkeyPatch, token: str, page: str | None = None, **query: str) -> AppTest:
    """A page load in a browser that holds ``token`` in its cookie."""
    monkeypatch.setattr(counselor_session, "browser_token", lambda: token)
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in query.items():
        app.query_params[name] = value
    if page:
        app.switch_page(page)
    return app.run()
