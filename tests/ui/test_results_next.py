"""The results page leads on: the other questionnaire, inviting the partner, my data."""

from __future__ import annotations

from pathlib import Path

from questions.loader import default_content
from storage.couples import format_join_code
from tests.scoring.personas import personas
from tests.ui.person_app import new_app, state_of, texts


def finish_worth_it(path: Path) -> object:
    app = new_app()
    app.button(key="start:worth_it").click().run()
    for radio in app.radio:
        radio.set_value(2)
    app.run()
    app.button(key="finish:worth_it:solo").click().run()
    assert [t.value for t in app.title] == ["My results"]
    return app


def test_after_one_questionnaire_the_other_is_offered_first(db_path: Path) -> None:
    app = finish_worth_it(db_path)
    keys = [b.key for b in app.button]
    assert "results:next:intimacy" in keys and "results:next:worth_it" not in keys
    assert keys.index("results:next:intimacy") < keys.index("results:to_data")
    app.button(key="results:next:intimacy").click().run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Is our intimacy fading?"]


def test_inviting_the_partner_from_the_results_keeps_the_answers(db_path: Path) -> None:
    app = finish_worth_it(db_path)
    before = dict(state_of(app).answers["worth_it"])
    app.button(key="results:invite").click().run()
    assert not app.exception
    state = state_of(app)
    assert (state.role, state.mode, state.slot) == ("couple", "two_devices", 1)
    assert state.answers["worth_it"] == before
    code = app.session_state["join_code"]
    assert format_join_code(code) in texts(app) + "\n".join(c.value for c in app.code)


def test_the_unsafe_persona_is_offered_no_couple_step_beside_the_safety_text(db_path: Path) -> None:
    # Issue 19, item 8: right under "couples exercises ... may not be the right next step"
    # the page offered "Invite my partner" and the intimacy questionnaire next.
    answers = personas()["unsafe"].answers["worth_it"]
    app = new_app()
    app.button(key="start:worth_it").click().run()
    for radio in app.radio:
        radio.set_value(answers[radio.key.split(":")[2]])
    app.run()
    app.button(key="finish:worth_it:solo").click().run()
    assert not app.exception
    page = texts(app)
    assert default_content().guidance.safety_title in page
    keys = [b.key for b in app.button]
    assert "results:invite" not in keys
    assert not [key for key in keys if key.startswith("results:next:")]
    assert "Invite your partner" not in page
    assert "results:to_data" in keys
