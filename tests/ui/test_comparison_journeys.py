"""Issue #20, what a person expects of the comparison and the couple's screens: their own
guesses shown to them and a plain reason for those that are not (1), words that are true (3),
homework said once and confirmed (6), a way on from the waiting screen (8), and the summary
before the details (9)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from questions import default_content
from scoring.compare import predictions_id
from storage import Store
from storage.counselors import CounselorDesk
from tests.ui.counselor_app import PASSWORD, log_in, low_answers, open_tab
from tests.ui.couple_app import page_text, start_together, take_turn
from tests.ui.person_app import new_app
from ui import client_view, session

CONTENT = default_content()
INTIMACY = CONTENT.questionnaire("intimacy")
VERSIONS = {qid: q.version for qid, q in CONTENT.questionnaires.items()} | {
    predictions_id("intimacy"): INTIMACY.version
}
PRIVATE_GUESSES = "Partner 1 chose to share topic scores only, so their guesses stay private."


def shown(app: AppTest) -> str:
    """The page's words as a person reads them (Markdown escapes resolved)."""
    assert not app.exception, app.exception
    return re.sub(r"\\(.)", r"\1", page_text(app))


def answers_with_guesses() -> dict[str, dict[str, Any]]:
    given = low_answers()
    rset = INTIMACY.response_sets[INTIMACY.prediction_response_set or ""]
    given[predictions_id("intimacy")] = {scale.id: rset.options[-1].value for scale in INTIMACY.scales}
    return given


def finish_both(store: Store, people: dict[int, str], levels: dict[int, str]) -> None:
    for slot, person_id in people.items():
        store.save_answers(person_id, answers_with_guesses(), VERSIONS)
        store.finish(person_id, levels[slot])


def comparison(query: dict[str, str]) -> AppTest:
    app = new_app(query)
    app.switch_page("ui/pages/comparison.py").run()
    assert [t.value for t in app.title] == ["Our comparison"], shown(app)
    return app


def test_own_guesses_are_shown_and_hidden_ones_say_why(db_path: Path) -> None:
    """Item 1: partner 1 shared topic scores only, partner 2 everything; both guessed."""
    store = Store.from_url(f"sqlite:///{db_path}")
    _couple_id, first, first_token, code = store.create_couple_two_devices()
    joined = store.join_couple(code)
    assert first_token and joined.person_id and joined.token
    finish_both(store, {1: first, 2: joined.person_id}, {1: "scores", 2: "items"})
    topics = len(INTIMACY.scales)

    # Partner 1, on their own device: their own guesses, beside partner 2's scores, as cards.
    mine = comparison({"r": first_token})
    text = shown(mine)
    assert "How well you read each other" in text
    assert text.count("Your (Partner 1's) guess: 100 (their own score: ") == topics
    assert text.count("Partner 2's guess: 100 (their own score: ") == topics
    assert "guess: —" not in text and "stay private" not in text
    assert all("guess" not in " ".join(map(str, frame.value.columns)) for frame in mine.dataframe)  # no table

    # Partner 2: partner 1's guesses stay private, and the page says so, once.
    theirs = shown(comparison({"r": joined.token}))
    assert theirs.count(PRIVATE_GUESSES) == 1
    assert "Partner 1's guess" not in theirs
    assert theirs.count("Your (Partner 2's) guess: 100") == topics

    # One device: the shared screen shows what both shared, and says why the rest is not there.
    _id, device_token, people = store.create_couple_one_device()
    finish_both(store, dict(enumerate(people, start=1)), {1: "scores", 2: "items"})
    together = shown(comparison({"d": device_token}))
    assert together.count(PRIVATE_GUESSES) == 1 and "Partner 1's guess" not in together
    assert together.count("Partner 2's guess: 100") == topics
    store.engine.dispose()


def test_the_summary_comes_before_the_details(db_path: Path) -> None:
    """Item 9: where you agree, what to talk about first and the plan, then the charts and the rest."""
    store = Store.from_url(f"sqlite:///{db_path}")
    _couple_id, first, first_token, code = store.create_couple_two_devices()
    joined = store.join_couple(code)
    assert first_token and joined.person_id
    finish_both(store, {1: first, 2: joined.person_id}, {1: "items", 2: "items"})
    store.engine.dispose()
    app = comparison({"r": first_token})
    headings = [h.value for h in app.subheader]
    summary = ["At a glance", "Talk about this first", "Our shared plan — start small"]
    details = ["Topic by topic", "How well you read each other"]
    assert [h for h in headings if h in summary + details] == summary + details, headings
    # The plan's button comes with the plan, before the details (the tree in page order).
    order = [getattr(node, "label", None) or getattr(node, "value", None) for node in walk(app.main)]
    assert order.index("We'll try this plan") < order.index("Topic by topic")


def walk(node: Any) -> list[Any]:
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in walk(children[key])]


def test_a_partner_who_finished_first_is_told_what_next_and_can_see_their_results(db_path: Path) -> None:
    """Item 8: the waiting screen says what happens next, that the page may be closed and how
    to come back, offers their own results and the quick exit."""
    store = Store.from_url(f"sqlite:///{db_path}")
    _couple_id, first, first_token, code = store.create_couple_two_devices()
    store.join_couple(code)
    store.save_answers(first, answers_with_guesses(), VERSIONS)
    store.finish(first, "items")
    store.engine.dispose()

    home = new_app({"r": first_token})
    home.switch_page("ui/pages/couple_home.py").run()
    assert "You've finished. Your comparison opens as soon as your partner finishes too." in shown(home)
    home.button(key="home:waiting").click().run()
    assert [t.value for t in home.title] == ["Our comparison"]

    app = comparison({"r": first_token})
    text = shown(app)
    assert "Waiting for your partner to finish" in text
    assert "when Partner 2 finishes, your comparison opens on this page by itself" in text
    assert "You can close this page now and come back any time by your own link" in text
    assert any("Exit this page" in str(element.proto) for element in app.get("html"))
    app.button(key="waiting:results").click().run()
    assert not app.exception
    assert app.title and app.title[0].value != "Our comparison"
    assert "Is our intimacy fading?" in shown(app)  # their own results


def test_a_first_visit_is_welcomed_and_a_return_is_welcomed_back(db_path: Path) -> None:
    """Item 3: a counselor's link and an office start open with a greeting that is true."""
    desk = CounselorDesk(Store.from_url(f"sqlite:///{db_path}"))
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    client_id = desk.add_client(ana, "Couple W")
    _couple, token, _code = desk.start_homework(ana, client_id)
    _office, device_token = desk.start_in_office(ana, client_id)
    for query in ({"r": token}, {"d": device_token}):
        app = new_app(query)
        greetings = [s.value for s in app.success]
        assert session.FIRST_VISIT in greetings and session.WELCOME_BACK not in greetings, greetings
    person = desk.store.person_by_token(token)
    assert person is not None
    desk.store.save_answers(person.id, {"worth_it": {"respect": 2}}, VERSIONS)
    assert session.WELCOME_BACK in [s.value for s in new_app({"r": token}).success]
    desk.store.engine.dispose()


def test_one_device_screens_use_the_nickname(db_path: Path) -> None:
    """Item 3: once partner 1 gave a nickname, no screen says "Partner 1" for them."""
    app = start_together()
    next(t for t in app.text_input if t.label == "First name or nickname").input("Sam")
    next(b for b in app.button if b.label == "Save name").click().run()
    assert "It's Sam's turn." in shown(app)
    link = app.session_state[session.STATE_KEY].link()  # the tab's, never in the address (#18)
    assert "It's Sam's turn now." in shown(comparison({"d": link[1]}))
    take_turn(app, {}, {}, share="items")
    text = shown(app)
    assert "Thank you, Sam" in text and "Partner 1" not in text
    assert any(b.label == "I'm Partner 2 — start my turn" for b in app.button)


def test_homework_is_confirmed_and_not_written_out_twice(db_path: Path) -> None:
    """Item 6: "Set as homework" says it is done; its label claims no choice of the couple's;
    on the couple's comparison a step of the plan is named, not repeated word for word."""
    desk = CounselorDesk(Store.from_url(f"sqlite:///{db_path}"))
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    client_id = desk.add_client(ana, "Couple H")
    couple_id, device_token = desk.start_in_office(ana, client_id)
    record = desk.store.couple(couple_id)
    assert record is not None
    for partner in record.partners:
        desk.store.give_counselor_consent(partner.person_id)
        desk.store.save_answers(partner.person_id, low_answers(), VERSIONS)
        desk.store.finish(partner.person_id, "scores")

    app = log_in("ana")
    app.query_params["client"] = client_id
    app.switch_page("ui/pages/client.py").run()
    open_tab(app, "Notes & homework")
    choose = app.multiselect(key="homework:choose")
    assert "chose" not in choose.label
    step = choose.options[0]
    choose.select(step).run()
    app.button(key="homework:assign").click().run()
    assert not app.exception
    assert [s.value for s in app.success] == ["Homework set. The couple sees it with their comparison."]
    assert client_view.HOMEWORK_SET_KEY not in app.session_state
    app.run()
    assert not app.success  # said once

    couple = comparison({"d": device_token})
    text = shown(couple)
    assert "Homework from your counselor" in text and "(in your plan above)" in text
    (suggestion,) = [s for s in CONTENT.suggestions if s.title == step or s.id == step]
    assert text.count(suggestion.text) == 1
    desk.store.engine.dispose()
