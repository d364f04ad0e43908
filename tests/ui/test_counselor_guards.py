"""A database hiccup during any counselor action shows one kind line, never a traceback,
and changes nothing (ui/components.py ``guarded`` around every service call)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from questions import default_content
from services import counselor
from storage import StorageError, Store
from storage.counselors import CounselorDesk
from tests.ui.counselor_app import PASSWORD, log_in, low_answers, open_tab, state_of

CONTENT = default_content()


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CounselorDesk]:
    path = tmp_path / "guards.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    desk = CounselorDesk(Store.from_url(f"sqlite:///{path}"))
    desk.add_counselor("ana", PASSWORD, "Ana")
    yield desk


def finished_couple(desk: CounselorDesk, owner: str, label: str) -> str:
    client_id = desk.add_client(owner, label)
    couple_id, _token = desk.start_in_office(owner, client_id)
    record = desk.store.couple(couple_id)
    assert record is not None
    versions = {qid: q.version for qid, q in CONTENT.questionnaires.items()}
    for partner in record.partners:
        desk.store.give_counselor_consent(partner.person_id)
        desk.store.save_answers(partner.person_id, low_answers(), versions)
        desk.store.finish(partner.person_id, "scores")
    return client_id


def failing(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """Make ``services.counselor.Counselor.<name>`` fail as the database would; returns its calls."""
    calls: list[str] = []

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        calls.append(name)
        raise StorageError("OperationalError")

    monkeypatch.setattr(counselor.Counselor, name, broken)
    return calls


def assert_kind_error(app: AppTest, words: str) -> None:
    assert not app.exception, app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and words in errors[0] and "OperationalError" not in errors[0], errors


def test_every_counselor_action_survives_a_storage_error(desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    ana = desk.counselor_by_username("ana")
    assert ana is not None
    client_id = finished_couple(desk, ana.id, "Couple G")
    app = log_in("ana")

    with monkeypatch.context() as patch:  # adding a couple
        calls = failing(patch, "add_client")
        next(t for t in app.text_input if t.label.startswith("Add a couple")).input("New couple")
        next(b for b in app.button if b.label == "Add couple").click().run()
        assert calls and [t.value for t in app.title] == ["My couples"]
        assert_kind_error(app, "couldn't be added")
    assert desk.clients(ana.id)[1] == 1

    app.query_params["client"] = client_id
    app.switch_page("ui/pages/client.py").run()
    assert [t.value for t in app.title] == ["Couple"]
    for action, key in (("start_in_office", "client:in_office"), ("start_homework", "client:homework")):
        with monkeypatch.context() as patch:
            calls = failing(patch, action)
            open_tab(app, "Assessments").button(key=key).click().run()
            assert calls == [action]
            assert_kind_error(app, "couldn't be started")
            assert state_of(app).fresh_links == {}
    assert len(desk.assessments(ana.id, client_id)) == 1

    open_tab(app, "Notes & homework")
    with monkeypatch.context() as patch:
        calls = failing(patch, "add_note")
        app.text_area(key="note:body").input("A private note")
        next(b for b in app.button if b.label == "Save note").click().run()
        assert calls == ["add_note"]
        assert_kind_error(app, "note wasn't saved")
    assert desk.notes(ana.id, client_id) == []

    plan = list(app.multiselect(key="homework:choose").options)
    assert plan
    with monkeypatch.context() as patch:
        calls = failing(patch, "assign_homework")
        app.multiselect(key="homework:choose").select(plan[0]).run()
        app.button(key="homework:assign").click().run()
        assert calls == ["assign_homework"]
        assert_kind_error(app, "homework wasn't set")
    assert desk.homework(ana.id, client_id) == []

    app.button(key="homework:assign").click().run()  # now for real
    (step,) = desk.homework(ana.id, client_id)
    with monkeypatch.context() as patch:
        calls = failing(patch, "set_homework_done")
        open_tab(app, "Notes & homework").checkbox(key=f"homework:{step.id}").check().run()
        assert calls == ["set_homework_done"]
        assert_kind_error(app, "couldn't be checked off")
    assert desk.homework(ana.id, client_id)[0].done_at is None

    with monkeypatch.context() as patch:
        calls = failing(patch, "delete_client")
        open_tab(app, "Manage").checkbox(key="client:delete_confirm").check().run()
        app.button(key="client:delete").click().run()
        assert calls == ["delete_client"]
        assert_kind_error(app, "couldn't be removed")
    assert desk.client(ana.id, client_id) is not None

    with monkeypatch.context() as patch:  # the page's own reads
        failing(patch, "notes")
        open_tab(app, "Notes & homework")
        assert_kind_error(app, "can't be shown just now")


def test_the_roster_and_the_presentation_say_kindly_when_their_read_fails(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = desk.counselor_by_username("ana")
    assert ana is not None
    client_id = finished_couple(desk, ana.id, "Couple R")
    (record,) = desk.assessments(ana.id, client_id)
    app = log_in("ana")
    with monkeypatch.context() as patch:
        failing(patch, "roster_page")
        app.run()
        assert_kind_error(app, "roster can't be shown")
    app.query_params["client"] = client_id
    app.switch_page("ui/pages/client.py").run()
    failing(monkeypatch, "shared_comparison")
    open_tab(app, "Assessments").button(key=f"client:present:{record.couple.id}").click().run()
    assert [t.value for t in app.title] == ["Presentation view"]
    assert_kind_error(app, "presentation can't be shown")
