"""A partner who has finished, through AppTest: on one device, no page reachable from the
screen (the navigation, the buttons, the device link in a fresh browser) holds or shows
any of their answers; finishing with few answers asks first; reopening is deliberate and
the comparison says so; on two devices finished answers are read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from questions import default_content
from storage import AnswersLocked
from storage.counselors import CounselorDesk
from tests.ui.couple_app import answer_questionnaire, couple_id_of, page_text, start_together, take_turn
from tests.ui.person_app import APP, TIMEOUT, state_of
from ui import pages_registry, session
from ui.finished_view import ASKED_KEY

CONTENT = default_content()
SAFE_QUESTION = CONTENT.questionnaire("worth_it").item("safe").text
ABUSE_QUESTION = CONTENT.questionnaire("intimacy").item("abuse").text
#: (worth-it answers, intimacy answers, share level) of each kind of partner; the rest
#: of the answers are the top values (bottom for reverse-keyed and checklist items).
PARTNERS = {
    "safe": ({}, {"comm_heard": 1}, "scores"),
    # "No" to feeling safe, "Yes" to abuse: on one device they can share nothing.
    "unsafe": ({"safe": 0}, {"abuse": 1}, "nothing"),
}
ANSWER_KEYS = ("answer:", "predict:")


def open_page(app: AppTest, name: str) -> AppTest:
    app.switch_page(pages_registry.SPECS[name].script).run()
    assert not app.exception, (name, app.exception)
    # AppTest asks for a switch_page() target on every later run; a browser asks for the
    # page it is on. Empty: later runs stay where the app went (as benchmarks/apptest_flows.py).
    app._page_hash = ""
    return app


def device_link_in_a_fresh_browser(device_token: str) -> AppTest:
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT)
    fresh.query_params[session.DEVICE_PARAM] = device_token
    fresh.run()
    assert not fresh.exception
    return fresh


def counts_of(answers: dict[str, dict[str, object]]) -> list[str]:
    """The "n of m answered" lines a partner's own progress would show."""
    lines = []
    for questionnaire in CONTENT.questionnaires.values():
        given = len(answers.get(questionnaire.id, {}))
        if given:
            lines.append(f"{given} of {len(questionnaire.items)} answered")
    return lines


def assert_no_page_shows(app: AppTest, finished: set[int], hidden: list[str]) -> None:
    """Walk every page of the navigation: no widget of a finished partner, no answer held
    by the session or shown by a widget, and none of ``hidden`` in the page's text."""
    for name in pages_registry.page_names(state_of(app)):
        open_page(app, name)
        state = state_of(app)
        assert state.answers == {}, name
        widgets = [*app.radio, *app.pills]
        for slot in finished:
            assert not [w.key for w in widgets if w.key.endswith(f":p{slot}")], name
            assert not [k for k in app.session_state if str(k).endswith(f":p{slot}")], name
        shown = {w.key: w.value for w in widgets if w.key.startswith(ANSWER_KEYS)}
        assert all(value in (None, []) for value in shown.values()), (name, shown)
        kept = {k: app.session_state[k] for k in app.session_state if str(k).startswith(ANSWER_KEYS)}
        assert all(value in (None, []) for value in kept.values()), (name, kept)
        text = "\n".join([page_text(app), *(w.label for w in widgets)])
        for words in hidden:
            assert words not in text, (name, words)


@pytest.mark.parametrize("kind", ["safe", "unsafe"])
def test_no_page_shows_a_finished_partners_answers_on_one_device(db_path: Path, kind: str) -> None:
    worth_it, intimacy, share = PARTNERS[kind]
    app = start_together()
    device = state_of(app).link()[1]  # type: ignore[index]
    assert device is not None

    # Partner 1 finishes: before the hand-over, nothing of theirs is on any page.
    app = take_turn(app, worth_it, intimacy, share)
    record = session.store().couple(couple_id_of(app))
    assert record is not None and record.partner(1).finished  # type: ignore[union-attr]
    first = session.store().answers_for(record.partner(1).person_id)  # type: ignore[union-attr]
    hidden = [SAFE_QUESTION, ABUSE_QUESTION, CONTENT.guidance.safety_title, *counts_of(first)]
    assert_no_page_shows(app, {1}, hidden)
    assert_no_page_shows(device_link_in_a_fresh_browser(device), {1}, hidden)

    # The hand-over: partner 2 sees none of partner 1's answers either.
    open_page(app, "couple_home")
    app.button(key="home:handover").click().run()
    assert state_of(app).slot == 2
    assert_no_page_shows(app, {1}, [CONTENT.guidance.safety_title, *counts_of(first)])

    # Partner 2 finishes: now nothing of either partner is on any page but the comparison
    # they chose, here or with the device link in a fresh browser.
    open_page(app, "couple_home")
    app = take_turn(app, worth_it, intimacy, share)
    assert [t.value for t in app.title] == ["Our comparison"]
    second = session.store().answers_for(record.partner(2).person_id)  # type: ignore[union-attr]
    hidden = [SAFE_QUESTION, ABUSE_QUESTION, CONTENT.guidance.safety_title, *counts_of(first), *counts_of(second)]
    if kind == "unsafe":
        hidden += ["Where your answers differed most", "may not be safe"]
    assert_no_page_shows(app, {1, 2}, hidden)
    assert_no_page_shows(device_link_in_a_fresh_browser(device), {1, 2}, hidden)


def test_an_in_office_assessment_hides_a_finished_partner_too(db_path: Path) -> None:
    """A counselor's assessment in the office is the same one-device flow, with consent."""
    desk = CounselorDesk(session.store())
    counselor = desk.add_counselor("ana", "a long enough password", "Ana")
    _couple_id, device = desk.start_in_office(counselor, desk.add_client(counselor, "Couple A"))
    app = device_link_in_a_fresh_browser(device)
    app.checkbox(key="consent:p1").check().run()
    app.button(key="consent:go").click().run()
    worth_it, intimacy, share = PARTNERS["unsafe"]
    app = take_turn(app, worth_it, intimacy, share)
    hidden = [SAFE_QUESTION, ABUSE_QUESTION, CONTENT.guidance.safety_title]
    assert_no_page_shows(app, {1}, hidden)
    assert_no_page_shows(device_link_in_a_fresh_browser(device), {1}, hidden)
    open_page(app, "couple_home")
    app.button(key="home:handover").click().run()
    app.checkbox(key="consent:p2").check().run()
    app.button(key="consent:go").click().run()
    assert_no_page_shows(app, {1}, [CONTENT.guidance.safety_title])


def test_finishing_with_few_answers_asks_first(db_path: Path) -> None:
    app = start_together()
    app.button(key="home:worth_it").click().run()
    app.radio[0].set_value(2).run()
    open_page(app, "share")
    app.button(key="share:done").click().run()
    assert not app.exception
    record = session.store().couple(couple_id_of(app))
    assert record is not None and not record.partner(1).finished  # type: ignore[union-attr]
    scored = sum(i.kind in ("scored", "verdict") for q in CONTENT.questionnaires.values() for i in q.items)
    assert f"You've answered 1 of the {scored} questions" in page_text(app)
    confirm = app.button(key="share:done_confirm")
    assert confirm.label == f"Yes, I'm done with 1 of {scored}"
    confirm.click().run()
    assert [t.value for t in app.title] == ["Our check-up"]
    record = session.store().couple(couple_id_of(app))
    assert record is not None and record.partner(1).finished  # type: ignore[union-attr]


def test_enough_answers_finish_at_once(db_path: Path) -> None:
    app = start_together()
    app.button(key="home:worth_it").click().run()
    answer_questionnaire(app, "worth_it", {})
    app.button(key="finish:worth_it:p1").click().run()
    answer_questionnaire(app, "intimacy", {})  # every question: well over two thirds
    open_page(app, "share")
    app.button(key="share:done").click().run()
    assert [t.value for t in app.title] == ["Our check-up"]
    assert not any(b.key == "share:done_confirm" for b in app.button)


def test_after_the_hand_over_the_share_page_is_partner_twos_and_asks_before_finishing_with_nothing(
    db_path: Path,
) -> None:
    app = start_together()
    app = take_turn(app, {"safe": 0}, {}, share="nothing")
    app.button(key="home:handover").click().run()
    # The browser's Back button goes to the last page partner 1 saw: Finish & share.
    open_page(app, "share")
    text = page_text(app)
    assert "It's Partner 2's turn." in text
    assert "You've finished" not in text and "Partner 1 has finished" not in text
    assert CONTENT.guidance.safety_title not in text
    assert "0 of 6 answered" in text
    app.button(key="share:done").click().run()
    record = session.store().couple(couple_id_of(app))
    assert record is not None and not record.partner(2).finished  # type: ignore[union-attr]
    scored = sum(i.kind in ("scored", "verdict") for q in CONTENT.questionnaires.values() for i in q.items)
    assert f"You've answered 0 of the {scored} questions" in page_text(app)


def test_reopening_is_deliberate_and_the_comparison_says_so(db_path: Path) -> None:
    app = start_together()
    app = take_turn(app, {}, {"comm_heard": 1}, share="items")
    couple_id = couple_id_of(app)

    open_page(app, "worth_it")
    assert not app.radio
    assert "Partner 1 has finished — your answers are saved and hidden on this screen." in page_text(app)
    app.button(key="reopen:ask").click().run()
    assert "Only Partner 1 should go on." in page_text(app)
    assert app.button(key="reopen:confirm").label == "I'm Partner 1 — reopen my answers"
    app.button(key="reopen:cancel").click().run()
    assert not app.radio and ASKED_KEY not in app.session_state
    app.button(key="reopen:ask").click().run()
    app.button(key="reopen:confirm").click().run()
    assert not app.exception
    record = session.store().couple(couple_id)
    assert record is not None and not record.partner(1).finished  # type: ignore[union-attr]
    assert state_of(app).answers["worth_it"]["respect"] == 2
    assert app.radio(key="answer:worth_it:respect:p1").value == 2  # shown again, to partner 1
    app.radio(key="answer:worth_it:respect:p1").set_value(0).run()
    assert session.store().answers_for(record.partner(1).person_id)["worth_it"]["respect"] == 0  # type: ignore[union-attr]

    open_page(app, "share")
    app.button(key="share:done").click().run()
    assert [t.value for t in app.title] == ["Our check-up"]
    app.button(key="home:handover").click().run()
    # After the hand-over, partner 1's answers can't be reopened on this device.
    assert not any(b.key == "reopen:ask" for b in app.button)
    app = take_turn(app, {}, {}, share="items")
    assert [t.value for t in app.title] == ["Our comparison"]
    text = page_text(app)
    assert "Partner 1 reopened and updated answers after finishing." in text
    assert "Partner 2 reopened" not in text

    # Both finished: either partner may reopen (#20 item 3), after naming themselves.
    open_page(app, "couple_home")
    app.button(key="reopen:ask").click().run()
    assert app.button(key="reopen:confirm:1").label == "I'm Partner 1 — reopen my answers"
    assert app.button(key="reopen:confirm:2").label == "I'm Partner 2 — reopen my answers"


def test_reopen_on_a_shared_device_asks_the_safety_questions_afresh_and_keeps_the_concern(db_path: Path) -> None:
    """#18 finding 3: after both finished on one device, reopening never shows a partner's
    safety answer back (it is asked afresh, blank), and changing it does not erase the
    concern it raised: the flag stays, with when it changed."""
    app = start_together()
    app = take_turn(app, {}, {}, share="items")
    app.button(key="home:handover").click().run()
    app = take_turn(app, {"safe": 0}, {}, share="nothing")
    record = session.store().couple(couple_id_of(app))
    assert record is not None and record.both_finished
    second = record.partner(2).person_id  # type: ignore[union-attr]
    assert [f.changed_at for f in session.store().safety_flags([second])[second]] == [None]

    for slot in (1, 2):  # either partner may reopen; neither sees a safety answer again
        open_page(app, "couple_home")
        app.button(key="reopen:ask").click().run()
        app.button(key=f"reopen:confirm:{slot}").click().run()
        assert not app.exception and state_of(app).slot == slot
        assert "safe" not in state_of(app).answers.get("worth_it", {})
        open_page(app, "worth_it")
        assert app.radio(key=f"answer:worth_it:safe:p{slot}").value is None  # asked afresh, blank
        assert app.radio(key=f"answer:worth_it:respect:p{slot}").value is not None  # the rest is back
        app.radio(key=f"answer:worth_it:safe:p{slot}").set_value(2).run()  # "Yes"
        open_page(app, "share")
        app.button(key="share:done").click().run()
        assert not app.exception

    flags = session.store().safety_flags([second])[second]
    assert len(flags) == 1 and flags[0].changed_at is not None  # kept, with when it changed
    assert session.store().answers_for(second)["worth_it"]["safe"] == 2


def test_on_two_devices_finished_answers_are_read_only_until_reopened(db_path: Path) -> None:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.button(key="couple:two_devices").click().run()
    assert state_of(app).mode == "two_devices"
    app = take_turn(app, {}, {}, share="scores")
    assert state_of(app).finished

    open_page(app, "worth_it")
    assert "You've finished — your answers are saved and read-only now." in page_text(app)
    # Read-only: each question with its answer as text, no widget to change it.
    assert not app.radio
    respect = CONTENT.questionnaire("worth_it").item("respect").text
    assert f"{respect}  \n**Yes**" in [m.value for m in app.markdown]
    person_id = state_of(app).person_id or ""
    with pytest.raises(AnswersLocked):
        session.store().save_answer(person_id, "worth_it", 1, "respect", 0)
    open_page(app, "predictions")
    assert not app.radio

    open_page(app, "share")
    assert "You've finished. You chose: Share my topic scores." in page_text(app)
    app.button(key="reopen:ask").click().run()
    assert app.button(key="reopen:confirm").label == "Yes, reopen my answers"
    app.button(key="reopen:confirm").click().run()
    assert not state_of(app).finished
    open_page(app, "worth_it")
    assert app.radio and not any(radio.disabled for radio in app.radio)
    app.radio(key="answer:worth_it:respect:p1").set_value(0).run()
    assert session.store().answers_for(person_id)["worth_it"]["respect"] == 0
