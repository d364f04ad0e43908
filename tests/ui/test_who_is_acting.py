"""Every action checks who is acting (#18), through AppTest: a tab opened with a link that
was replaced saves nothing more and says so kindly, with no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from storage import Store
from storage.counselors import CounselorDesk
from storage.models import Person
from storage.tokens import hash_token, new_token
from tests.ui.person_app import APP, new_app
from ui import pages_registry, session


def page_text(app: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "error", "warning", "success")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(app, kind))


def test_a_tab_opened_with_a_replaced_link_saves_nothing_more(db_path: Path) -> None:
    """#18 finding 4 (the partner's side): the counselor issues a new link; the tab still
    open with the old one writes no answer more, and says the link was replaced."""
    desk = CounselorDesk(session.store())
    counselor = desk.add_counselor("ana", "a long enough password", "Ana")
    _couple_id, link, _code = desk.start_homework(counselor, desk.add_client(counselor, "Couple A"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params[session.RESUME_PARAM] = link
    app.run()
    app.checkbox(key="consent:p1").check().run()
    app.button(key="consent:go").click().run()
    app.switch_page(pages_registry.SPECS["worth_it"].script).run()
    app.radio(key="answer:worth_it:respect:p1").set_value(2).run()
    state: session.SessionData = app.session_state[session.STATE_KEY]
    person_id = state.person_id or ""
    assert session.store().answers_for(person_id) == {"worth_it": {"respect": 2}}

    with session.store().transaction() as db:  # what "New link for Partner 1" does to the old link
        db.execute(update(Person).where(Person.id == person_id).values(token_hash=hash_token(new_token())))
    app.radio(key="answer:worth_it:both_willing:p1").set_value(2).run()
    assert not app.exception
    assert "This link was replaced" in page_text(app)
    assert session.store().answers_for(person_id) == {"worth_it": {"respect": 2}}  # nothing more written
    state = app.session_state[session.STATE_KEY]
    assert state.actor is None and not state.answers


def test_a_page_run_looks_up_who_is_acting_once(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """#21: a page's full run is one action: one identity lookup, which the page and its
    fragments share (services.person.Person.action), for a partner on one device too."""
    app = new_app()
    app.button(key="couple:one_device").click().run()
    app.button(key="home:worth_it").click().run()
    app.radio(key="answer:worth_it:respect:p1").set_value(2).run()
    made: list[str] = []
    for name in ("person_by_token", "partner_by_token", "couple_by_device_token"):
        original = getattr(Store, name)

        def counted(store: Store, token: str, name: str = name, original: object = original) -> object:
            made.append(name)
            return original(store, token)  # type: ignore[operator]

        monkeypatch.setattr(Store, name, counted)
    app.run()
    assert not app.exception and [t.value for t in app.title] == ["Is it worth it?"]
    assert made == ["couple_by_device_token"]


def couple_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, each one-device couple's identity lookup is listed in the list returned."""
    made: list[str] = []
    original = Store.couple_by_device_token

    def counted(store: Store, token: str) -> object:
        made.append("couple_by_device_token")
        return original(store, token)

    monkeypatch.setattr(Store, "couple_by_device_token", counted)
    return made


def test_an_answer_is_saved_under_its_run_s_one_lookup(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """#21: the answer widget's callback runs before its run has checked who acts, so the
    answer waits for that check and is saved under it: one lookup an answer, not two."""
    app = new_app()
    app.button(key="couple:one_device").click().run()
    app.button(key="home:worth_it").click().run()
    made = couple_lookups(monkeypatch)
    app.radio(key="answer:worth_it:respect:p1").set_value(2).run()
    state: session.SessionData = app.session_state[session.STATE_KEY]
    assert not app.exception and made == ["couple_by_device_token"]
    assert session.store().answers_for(state.person_id or "") == {"worth_it": {"respect": 2}}
    assert state.answers == {"worth_it": {"respect": 2}} and not state.pending


def test_a_page_turn_is_saved_under_its_run_s_one_lookup(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """#21: "Next" (a callback, like an answer) keeps where the partner is, and the run's own
    check saves it: one lookup a page turn, and the new part is where a resume lands."""
    app = new_app()
    app.button(key="couple:one_device").click().run()
    app.button(key="home:intimacy").click().run()
    made = couple_lookups(monkeypatch)
    app.button(key="next:intimacy:p1").click().run()
    state: session.SessionData = app.session_state[session.STATE_KEY]
    assert not app.exception and made == ["couple_by_device_token"]
    assert state.partner is not None and not state.progress_pending
    stored = session.store().person(state.partner.check())
    assert stored is not None and stored.progress["sections"] == {"intimacy": 1}
    assert stored.progress["page"] == "intimacy"
