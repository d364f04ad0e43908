"""Couple mode on one device, through AppTest: turns, hand-over, privacy, comparison."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from questions import default_content
from scoring.bands import BANDS_NOTE
from scoring.compare import predictions_id
from services.partner import RETAKE_AFTER
from storage import Store
from tests.ui.couple_app import (
    answer_questionnaire,
    assert_addressed_to_both,
    couple_id_of,
    page_text,
    start_together,
    take_turn,
)
from tests.ui.person_app import APP, TIMEOUT, state_of
from ui import session
from ui.comparison_view import NOT_SHARED_BOTH


def test_one_device_turns_hide_partner_one_and_unlock_the_comparison(db_path: Path) -> None:
    app = start_together()
    state = state_of(app)
    assert state.mode == "one_device" and state.slot == 1
    assert state.link() and session.DEVICE_PARAM not in app.query_params  # never in the address (#18)
    marker = {"comm_heard": 1, "comm_honest": 1}  # partner 1's low answers, to look for later
    app = take_turn(app, {}, marker, share="items")
    assert [t.value for t in app.title] == ["Our check-up"]
    assert "hand the device to your partner" in page_text(app)

    app.button(key="home:handover").click().run()
    state = state_of(app)
    assert state.slot == 2
    # Nothing of partner 1 is left in the session: no answers, no widget values.
    assert state.answers == {}
    for questionnaire in default_content().questionnaires.values():
        for item in questionnaire.items:
            assert f"answer:{questionnaire.id}:{item.id}:p1" not in app.session_state
    app.button(key="home:worth_it").click().run()
    assert all(radio.value is None for radio in app.radio)
    assert all(radio.key.endswith(":p2") for radio in app.radio)

    app = take_turn(app, {}, {}, share="items")
    assert [t.value for t in app.title] == ["Our comparison"]
    text = page_text(app)
    assert "Topic by topic" in text
    assert "Shared strength" in text or "Seen differently" in text
    assert BANDS_NOTE in text  # the bands are said to be conventions, not norms
    assert len(app.get("plotly_chart")) == 2
    assert "Partner 1" in text and "Partner 2" in text
    # Partner 1 answered "Not at all true" where partner 2 said "Very true": a difference to talk about.
    assert "Where your answers differed most" in text


def test_one_device_unsafe_partner_is_kept_private_and_partner_sees_neutral_message(db_path: Path) -> None:
    app = start_together()
    app = take_turn(app, {"safe": 0}, {}, share="nothing")
    app.button(key="home:handover").click().run()
    app = take_turn(app, {}, {}, share="scores")
    text = page_text(app)
    assert "Partner 1 chose not to share results this time" in text
    assert_addressed_to_both(text)
    content = default_content()
    assert content.questionnaire("worth_it").item("safe").text not in text
    assert content.guidance.safety_title not in text
    store = Store.from_url(f"sqlite:///{db_path}")
    record = store.couple(couple_id_of(app))
    assert record is not None and record.partner(1) is not None
    assert record.partner(1).share_level == "nothing"  # type: ignore[union-attr]


def test_unsafe_partner_on_one_device_cannot_share_and_sees_resources(db_path: Path) -> None:
    app = start_together()
    slot = state_of(app).widget_slot
    app.button(key="home:worth_it").click().run()
    answer_questionnaire(app, "worth_it", {"safe": 0})
    app.switch_page("ui/pages/share.py").run()
    choice = app.radio(key=f"share:choice:{slot}")
    assert list(choice.options) == ["Don't share my results this time"]
    assert default_content().guidance.safety_title in page_text(app)


def test_device_link_resumes_the_active_partner_only(db_path: Path) -> None:
    app = start_together()
    app = take_turn(app, {}, {"comm_heard": 1}, share="scores")
    app.button(key="home:handover").click().run()
    app.button(key="home:worth_it").click().run()
    app.radio[0].set_value(2).run()
    device = state_of(app).link()[1]  # type: ignore[index]
    assert device is not None

    resumed = AppTest.from_file(APP, default_timeout=TIMEOUT)
    resumed.query_params[session.DEVICE_PARAM] = device
    resumed.run()
    state = state_of(resumed)
    assert state.slot == 2
    assert set(state.answers) == {"worth_it"} and len(state.answers["worth_it"]) == 1
    assert predictions_id("intimacy") not in state.answers


def test_comparison_is_worked_out_again_when_a_partner_changes_their_share(db_path: Path) -> None:
    # The comparison page keeps its figures in a per-session memo; a later change by
    # either partner (here: sharing nothing after all) must show on the next rerun.
    app = start_together()
    app = take_turn(app, {}, {"comm_heard": 1}, share="items")
    app.button(key="home:handover").click().run()
    app = take_turn(app, {}, {}, share="items")
    assert [t.value for t in app.title] == ["Our comparison"]
    assert len(app.get("plotly_chart")) == 2
    before = page_text(app)
    assert "Where your answers differed most" in before

    store = session.store()  # the app's own store for this database
    record = store.couple(couple_id_of(app))
    assert record is not None
    partner_one = record.partner(1)
    assert partner_one is not None
    store.finish(partner_one.person_id, "nothing")

    app.run()
    assert not app.exception
    after = page_text(app)
    assert "Where your answers differed most" not in after
    assert NOT_SHARED_BOTH.format(name="Partner 1") in after
    assert_addressed_to_both(after)


def test_one_device_in_different_places_shows_only_the_words_for_both(db_path: Path) -> None:
    """Issue 11: one wants out, the other wants to try. On a shared screen no rekindling
    plan, and neither partner's own words (each is addressed to one of them): only the
    note for both."""
    guidance = default_content().guidance
    out = {"respect": 0, "both_willing": 0, "love_foundation": 0, "same_future": 0, "happy_again": 0}
    app = start_together()
    app = take_turn(app, out, {}, share="scores")
    app.button(key="home:handover").click().run()
    app = take_turn(app, {}, {}, share="scores")
    text = page_text(app)
    assert guidance.couple.shared.title in text
    assert guidance.partner_not_on_board.title not in text
    assert guidance.couple.to_partner_stepping_back.title not in text
    assert "Our shared plan" not in text
    assert_addressed_to_both(text)


def test_a_couple_keeps_the_plan_they_chose_ticks_it_off_and_is_told_when_to_come_back(db_path: Path) -> None:
    """Issue 13, item 11: between sessions."""
    app = start_together()
    app = take_turn(app, {}, {"comm_heard": 1, "comm_honest": 1}, share="items")
    app.button(key="home:handover").click().run()
    app = take_turn(app, {}, {}, share="items")
    assert "Our shared plan" in page_text(app)
    assert not [c for c in app.checkbox if c.key.startswith("plan:done:")]
    app.button(key="plan:choose").click().run()
    assert not app.exception
    boxes = [c for c in app.checkbox if c.key.startswith("plan:done:")]
    assert boxes and not any(box.value for box in boxes)
    when = datetime.now(UTC).date() + RETAKE_AFTER
    assert f"around {when.day} {when:%B %Y}" in page_text(app)
    boxes[0].check().run()
    assert not app.exception
    first = boxes[0].key.removeprefix("plan:done:")
    store = Store.from_url(f"sqlite:///{db_path}")
    couple_id = couple_id_of(app)
    done = {step.suggestion_id: step.done_at is not None for step in store.chosen_plan(couple_id)}
    assert done[first] and sum(done.values()) == 1

    # Weeks later, the device link brings them back to their plan, ticks and all.
    device = state_of(app).link()[1]  # type: ignore[index]
    back = AppTest.from_file(APP, default_timeout=TIMEOUT)
    back.query_params[session.DEVICE_PARAM] = device or ""
    back.run()
    back.switch_page("ui/pages/comparison.py").run()
    assert not back.exception
    assert back.checkbox(key=f"plan:done:{first}").value
    back.checkbox(key=f"plan:done:{first}").uncheck().run()
    assert not any(step.done_at for step in store.chosen_plan(couple_id))
