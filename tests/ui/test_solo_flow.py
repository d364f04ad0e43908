"""The solo flow, page by page, through Streamlit's AppTest."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from questions import default_content
from scoring.engine import CONSISTENCY_NOTES
from storage import StorageError, Store
from tests.ui.person_app import new_app, state_of, texts, walk_intimacy
from ui import session


def test_welcome_says_what_it_is_and_is_not(db_path: Path) -> None:
    app = new_app()
    assert not app.exception
    page = texts(app)
    assert "not therapy" in page
    assert "Private" in page
    assert "delete" in page
    assert state_of(app).person_id is None


def test_worth_it_answers_are_saved_as_given_and_give_a_verdict(db_path: Path) -> None:
    app = new_app()
    app.button(key="start:worth_it").click().run()
    assert [t.value for t in app.title] == ["Is it worth it?"]
    radios = {r.key.split(":")[2]: r for r in app.radio}
    assert set(radios) == {"respect", "both_willing", "love_foundation", "same_future", "safe", "happy_again"}
    for item_id, radio in radios.items():
        radio.set_value(0 if item_id == "same_future" else 2)
    app.run()
    assert not app.exception
    state = state_of(app)
    store = Store.from_url(f"sqlite:///{db_path}")
    saved = store.answers_for(state.person_id or "")
    assert saved["worth_it"] == {
        "respect": 2,
        "both_willing": 2,
        "love_foundation": 2,
        "same_future": 0,
        "safe": 2,
        "happy_again": 2,
    }
    assert state.actor and session.RESUME_PARAM not in app.query_params  # never in the address (#18)
    app.button(key="finish:worth_it:solo").click().run()
    page = texts(app)
    assert "My results" in page
    assert "Yes: 5 · Not sure: 0 · No: 1" in page
    verdict = default_content().questionnaire("worth_it").verdict
    assert verdict is not None and verdict.worth_fighting_for.title in page


def test_intimacy_one_section_per_page_then_results_with_strengths_and_steps(db_path: Path) -> None:
    app = new_app()
    app = walk_intimacy(app, pick="min")
    state = state_of(app)
    intimacy = default_content().questionnaire("intimacy")
    answerable = [i for i in intimacy.items if not intimacy.response_set_of(i).multi]
    assert len(state.answers["intimacy"]) == len(answerable)
    app.button(key="finish:intimacy:solo").click().run()
    assert not app.exception
    page = texts(app)
    assert "Next steps" in page
    assert "Source:" in page
    assert len(app.get("plotly_chart")) == 1
    assert len(app.dataframe) == 1
    assert not any(note in page for note in CONSISTENCY_NOTES.values())


def test_every_part_says_how_long_it_takes_and_that_one_can_stop_and_come_back(db_path: Path) -> None:
    intimacy = default_content().questionnaire("intimacy")
    per_question = intimacy.minutes / len(intimacy.items)
    app = new_app()
    app.button(key="start:intimacy").click().run()
    for index, section in enumerate(intimacy.sections):
        later = [i for s in intimacy.sections[index + 1 :] for i in s.items]
        rest = math.ceil(len(later) * per_question)
        told = f"This part takes about {math.ceil(len(section.items) * per_question)} minute"
        captions = "\n".join(c.value for c in app.caption)
        assert told in captions
        assert (f"The parts after it take about {rest} minute" in captions) == bool(later)
        assert "You can stop here and come back with your link" in captions
        assert "nothing is lost" in captions
        radio = app.radio[0]
        radio.set_value(1).run()  # an answer reruns its question only: the line must stay true
        assert not app.exception
        assert "\n".join(c.value for c in app.caption) == captions
        if index < len(intimacy.sections) - 1:
            app.button(key="next:intimacy:solo").click().run()
    assert len(state_of(app).answers["intimacy"]) == len(intimacy.sections)
    # Coming back to the first part: what is left after it counts the questions not answered.
    for _ in intimacy.sections[1:]:
        app.button(key="back:intimacy:solo").click().run()
    unanswered = [i for s in intimacy.sections[1:] for i in s.items if i.id not in state_of(app).answers["intimacy"]]
    rest = math.ceil(len(unanswered) * per_question)
    assert any(f"The parts after it take about {rest} minutes more." in c.value for c in app.caption)
    # "Is it worth it?" is one part: nothing after it.
    app = new_app()
    app.button(key="start:worth_it").click().run()
    assert any(c.value.startswith("This part takes about 2 minutes. You can stop here") for c in app.caption)


def test_the_same_answer_everywhere_is_told_kindly_the_profile_may_not_fit(db_path: Path) -> None:
    app = walk_intimacy(new_app(), pick="straight")
    app.button(key="finish:intimacy:solo").click().run()
    assert not app.exception
    assert CONSISTENCY_NOTES["same_answers"] in texts(app)


def test_back_keeps_answers_and_resume_link_restores_answers_and_page(db_path: Path) -> None:
    app = new_app()
    app.button(key="start:intimacy").click().run()
    first = {r.key: r for r in app.radio}
    chosen = {}
    for key, radio in first.items():
        chosen[key] = 2
        radio.set_value(2)
    app.run()
    app.button(key="next:intimacy:solo").click().run()
    assert {r.key for r in app.radio}.isdisjoint(first)
    app.button(key="back:intimacy:solo").click().run()
    assert {r.key: r.value for r in app.radio} == chosen
    app.button(key="next:intimacy:solo").click().run()
    token = state_of(app).link()[1]  # type: ignore[index]
    assert token is not None

    # A new browser session (refresh, closed tab, server restart) with the link.
    resumed = new_app({session.RESUME_PARAM: token})
    assert not resumed.exception
    assert "Welcome back" in texts(resumed)
    # The page the link opened stays until the tab took the link out of the address and
    # reloaded (ui/link_carrier.py); then the person is back where they were.
    assert [t.value for t in resumed.run().title] == ["Is our intimacy fading?"]
    assert state_of(resumed).answers["intimacy"] == {k.split(":")[2]: v for k, v in chosen.items()}
    resumed.button(key="back:intimacy:solo").click().run()
    assert {r.key: r.value for r in resumed.radio} == chosen


def test_unknown_resume_link_is_told_kindly(db_path: Path) -> None:
    app = new_app({session.RESUME_PARAM: "not-a-real-token"})
    assert not app.exception
    assert "doesn't match any saved answers" in texts(app)
    assert "start afresh below" not in texts(app)  # the link may open a page with nothing to start
    assert "start afresh from **Welcome**" in texts(app)
    assert state_of(app).person_id is None


def test_unsafe_answer_in_the_checklist_replaces_every_exercise(db_path: Path) -> None:
    app = walk_intimacy(new_app(), pick="min", unsafe=True)
    app.button(key="finish:intimacy:solo").click().run()
    page = texts(app)
    guidance = default_content().guidance
    assert guidance.safety_title in page
    assert guidance.individual_support.title in page
    assert "Next steps" not in page
    for suggestion in default_content().suggestions:
        assert suggestion.title not in page
    assert guidance.professional_help.title not in page  # couples counselling is not the step here


def test_not_feeling_safe_in_worth_it_shows_support_resources(db_path: Path) -> None:
    app = new_app()
    app.button(key="start:worth_it").click().run()
    for radio in app.radio:
        radio.set_value(0 if radio.key.split(":")[2] == "safe" else 2)
    app.run()
    app.button(key="finish:worth_it:solo").click().run()
    page = texts(app)
    guidance = default_content().guidance
    assert guidance.safety_title in page
    assert all(r.title in page for r in guidance.safety_resources)
    call_links = {b.proto.url for b in app.get("link_button")}
    assert {p.tel_url for r in guidance.safety_resources for p in r.phones} <= call_links


def test_delete_removes_everything_for_good(db_path: Path) -> None:
    app = new_app()
    app.button(key="start:worth_it").click().run()
    app.radio[0].set_value(2).run()
    person_id = state_of(app).person_id
    assert person_id is not None
    app.switch_page("ui/pages/my_data.py").run()
    assert app.button(key="delete:go").disabled
    app.checkbox(key=f"delete:confirm:{person_id}").check().run()
    app.button(key="delete:go").click().run()
    assert not app.exception
    # The page stays open; its confirmation box is unticked again and the button off. It is a
    # new box (another key): a browser would otherwise keep showing the old one ticked.
    assert [(box.key, box.value) for box in app.checkbox] == [("delete:confirm:none", False)]
    assert app.button(key="delete:go").disabled
    store = Store.from_url(f"sqlite:///{db_path}")
    assert not store.person_exists(person_id)
    assert store.answers_for(person_id) == {}
    assert state_of(app).person_id is None
    assert "deleted for good" in texts(app)


def test_an_answer_that_cannot_be_saved_says_so(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = new_app()
    app.button(key="start:worth_it").click().run()
    app.radio[0].set_value(2).run()  # creates the person

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise StorageError("disk I/O error")

    monkeypatch.setattr(Store, "save_answers", refuse)
    app.radio[1].set_value(2).run()
    assert not app.exception
    assert any("not saved" in e.value for e in app.error)
    assert app.radio[1].key.split(":")[2] not in state_of(app).answers["worth_it"]
