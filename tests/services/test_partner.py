"""services/person.py and services/partner.py: every call checks who is acting (the link
still resolves; on one device, the turn is still this partner's), safety answers are asked
afresh on reopen and the concerns they raised are kept; names and what a couple finds
between sessions."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from questions import default_content
from scoring import visibility
from services import LinkEnded, StorageError, TurnPassed
from services import partner as partners
from services.counselor import Counselor, CouplePage
from services.partner import RETAKE_AFTER, Partner, partner_names
from services.person import Person
from storage import Store
from storage.counselors import CounselorDesk
from storage.models import Person as PersonRow
from storage.sessions import open_session
from storage.tokens import hash_token, new_token

CONTENT = default_content()
ABUSE = ("intimacy", "abuse")  # "Yes" (1) raises a concern
SAFE = ("worth_it", "safe")  # "No" (0) and "Not sure" (1) raise one


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = Store.from_url(f"sqlite:///{tmp_path / 'partner.sqlite3'}")
    yield made
    made.engine.dispose()


def on_device(store: Store, device: str) -> Partner:
    """The partner whose turn it is, as a device link opens them."""
    opened = partners.open_link(store, CONTENT, device, device=True)
    assert isinstance(opened, Partner)
    return opened


def replace_link(store: Store, person_id: str) -> None:
    """What a counselor's "New link for Partner N" does: the old token's hash is replaced."""
    with store.transaction() as session:
        session.execute(update(PersonRow).where(PersonRow.id == person_id).values(token_hash=hash_token(new_token())))


def test_a_stale_tab_on_one_device_never_reads_or_writes_for_the_partner_who_handed_over(store: Store) -> None:
    """#18 finding 2: the tab left on partner 1's questionnaire acts for partner 1 no more
    once the turn has passed; nothing of partner 1's is read, nothing written."""
    first, device = partners.start_one_device(store, CONTENT)
    stale = Partner(store, CONTENT, device=device, slot=1)  # the second tab, opened before the hand-over
    first.save_answer(*ABUSE, 1)
    first.finish("nothing")
    second = first.hand_over()
    assert second.slot == 2 and second.answers() == {}
    for call in (
        stale.answers,
        stale.snapshot,
        lambda: stale.save_answer("worth_it", "respect", 0),
        lambda: stale.set_progress({"page": "intimacy"}),
        stale.comparison,
    ):
        with pytest.raises(TurnPassed) as passed:
            call()
        assert passed.value.args == ("Partner 2",)
    record = second.couple()
    assert store.answers_for(record.partner(1).person_id) == {"intimacy": {"abuse": 1}}  # type: ignore[union-attr]
    # The device's turn decides: the stale tab opened afresh is partner 2, with nothing of partner 1's.
    assert on_device(store, device).slot == 2


def test_a_replaced_link_ends_every_session_opened_with_it(store: Store) -> None:
    """#18 finding 4: after the link is replaced, a person or partner opened with the old
    one reads and writes nothing more (LinkEnded); the new link works."""
    alone = Person.new(store, CONTENT, {})
    alone.save_answer("worth_it", "respect", 2)
    first, code = partners.start_two_devices(store, CONTENT, None)
    _outcome, second = partners.join(store, CONTENT, code, None)
    assert second is not None and second.slot == 2
    for actor in (alone, first, second):
        replace_link(store, actor.id)
        with pytest.raises(LinkEnded):
            actor.save_answer("worth_it", "respect", 0)
        with pytest.raises(LinkEnded):
            actor.answers()
        with pytest.raises(LinkEnded):
            partners.open_link(store, CONTENT, actor.token)
    assert store.answers_for(alone.id) == {"worth_it": {"respect": 2}}
    assert store.answers_for(first.id) == {} and store.answers_for(second.id) == {}


def test_reopening_asks_the_safety_questions_afresh_and_keeps_the_concern_with_when_it_changed(store: Store) -> None:
    """#18 finding 3: a reopened partner's safety answers are cleared (never shown back on a
    shared device), the other answers stay; the concern stays flagged, with when it changed."""
    first, _device = partners.start_one_device(store, CONTENT)
    first.finish("items")
    second = first.hand_over()
    second.save_answer(*SAFE, 0)
    second.save_answer(*ABUSE, 1)
    second.save_answer("worth_it", "respect", 2)
    second.finish("nothing")
    assert second.answers() == {}  # finished, on a shared screen: nothing read back
    raised = store.safety_flags([second.id])[second.id]
    assert [(f.questionnaire_id, f.item_id, f.changed_at) for f in raised] == [(*SAFE, None), (*ABUSE, None)]

    again = second.reopen()
    assert again.answers() == {"worth_it": {"respect": 2}}  # the safety questions start blank
    kept = store.safety_flags([second.id])[second.id]
    assert len(kept) == 2 and all(f.changed_at is not None for f in kept)

    again.save_answer(*SAFE, 0)  # raised anew: a new flag; answering "Yes" closes it, kept
    again.save_answer(*SAFE, 2)
    flags = store.safety_flags([second.id])[second.id]
    assert len(flags) == 3 and all(f.changed_at is not None for f in flags)


def test_once_both_finished_on_one_device_either_partner_may_reopen_and_no_one_before(store: Store) -> None:
    """#20 item 3 under #18's rule: either partner may reopen after both finished (the turn
    becomes theirs); before that, only the partner whose turn it is."""
    first, _device = partners.start_one_device(store, CONTENT)
    first.save_answer(*SAFE, 1)
    first.finish("scores")
    second = first.hand_over()
    with pytest.raises(StorageError):
        second.reopen(1)  # partner 2 is still answering: partner 1's answers stay closed
    second.finish("scores")
    reopened = second.reopen(1)
    assert reopened.slot == 1 and reopened.couple().active_slot == 1
    assert "safe" not in reopened.answers().get("worth_it", {})
    with pytest.raises(TurnPassed):
        second.answers()


def test_names_are_the_same_for_both_and_say_you_only_on_ones_own_screen(store: Store) -> None:
    first, code = partners.start_two_devices(store, CONTENT, None)
    _outcome, second = partners.join(store, CONTENT, code, None)
    assert second is not None
    first.set_nickname("Sam")
    assert partner_names(first.couple()) == {1: "Sam", 2: "Partner 2"}
    assert first.names() == {1: "Sam (you)", 2: "Partner 2"}
    assert second.names() == {1: "Sam", 2: "Partner 2 (you)"}
    shared, _device = partners.start_one_device(store, CONTENT)
    shared.set_nickname("Sam")
    assert shared.names() == {1: "Sam", 2: "Partner 2"}


def test_a_couple_finds_their_plan_the_date_to_come_back_and_their_counselors_homework(store: Store) -> None:
    desk = CounselorDesk(store)
    counselor = desk.add_counselor("ana", "a long enough password 123")
    client = desk.add_client(counselor, "Couple A")
    _couple_id, link, _code = desk.start_homework(counselor, client)
    partner = Partner(store, CONTENT, link)
    wanted = [s.id for s in CONTENT.suggestions[:2]]
    desk.assign_homework(counselor, client, [*wanted, "no-longer-in-the-content"])

    follow = partner.follow_up()
    assert follow.plan == () and follow.retake_on is None
    assert [s.id for s, _step in follow.homework] == wanted  # a step the content dropped is left out

    store.choose_plan(partner.couple_id, [CONTENT.suggestions[2].id])
    follow = partner.follow_up()
    ((suggestion, step),) = follow.plan
    assert suggestion.id == CONTENT.suggestions[2].id
    assert follow.retake_on == (step.since + RETAKE_AFTER).date()


def test_a_kept_plan_hears_about_steps_a_changed_comparison_now_suggests(store: Store) -> None:
    """A partner reopened and changed their answers after the plan was chosen: the couple
    is told the comparison now proposes more steps, and adding them keeps the old ticks."""
    partner, _device = partners.start_one_device(store, CONTENT)
    low = {item.id: 1 for item in CONTENT.questionnaire("intimacy").items if item.kind == "scored"}
    first = visibility.Partner(1, {"intimacy": low}, "items")
    second = visibility.Partner(2, {"intimacy": low}, "items")
    before = visibility.couple_comparison(CONTENT, "self", first, second)
    assert before.plan
    assert partner.follow_up(before).new_steps == ()  # nothing kept yet
    partner.choose_plan(before)
    partner.tick_plan_step(before.plan[0].suggestion_id, True)
    assert partner.follow_up(before).new_steps == ()

    kept = {step.suggestion_id for step in before.plan}
    extra = next(s for s in CONTENT.suggestions if s.id not in kept)
    after = dataclasses.replace(
        before, plan=(*before.plan[1:], dataclasses.replace(before.plan[0], suggestion_id=extra.id))
    )
    assert partner.follow_up(after).new_steps == (extra.id,)

    partner.choose_plan(after)
    follow = partner.follow_up(after)
    assert follow.new_steps == ()
    assert [s.id for s, _ in follow.plan] == [*(step.suggestion_id for step in before.plan), extra.id]
    assert follow.plan[0][1].done_at is not None  # the tick survived


def test_the_counselors_private_panel_keeps_every_safety_concern_with_when_it_changed(store: Store) -> None:
    """#18 finding 3: a concern changed under pressure (reopen, answer "Yes") is not erased
    from the counselor's private panel: it is listed with when it was raised and changed."""
    desk = CounselorDesk(store)
    counselor = desk.add_counselor("ana", "a long enough password 123")
    client = desk.add_client(counselor, "Couple A")
    _couple_id, device = desk.start_in_office(counselor, client)
    first = on_device(store, device)
    first.give_counselor_consent()
    first.save_answer(*SAFE, 0)
    first.finish("nothing")
    first.reopen().save_answer(*SAFE, 2)

    page = CouplePage(Counselor(store, open_session(store, counselor)), CONTENT, client)
    (panel,) = page.private_panels(page.assessments[-1])
    assert panel.concerns == ()  # the answer now says "Yes"
    question = CONTENT.questionnaire("worth_it").item("safe").text
    ((raised_question, raised_at, changed_at),) = [(h.question, h.raised_at, h.changed_at) for h in panel.history]
    assert raised_question == question and changed_at is not None and changed_at >= raised_at


def lookups(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The identity lookups ``store`` is asked for from now on (by the name of the lookup)."""
    made: list[str] = []
    for name in ("person_by_token", "partner_by_token", "couple_by_device_token"):
        original = getattr(store, name)

        def counted(token: str, name: str = name, original: object = original) -> object:
            made.append(name)
            return original(token)  # type: ignore[operator]

        monkeypatch.setattr(store, name, counted)
    return made


def test_one_action_checks_who_is_acting_once_and_every_call_outside_one_checks(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#21: a page's run is one action, with one identity lookup its reads share, the
    fragments it draws included (each opens an action of its own: ui.session.fragment, which
    must not end the page's); outside one, every call looks the identity up again."""
    first, _device = partners.start_one_device(store, CONTENT)
    alone = Person.new(store, CONTENT, {})
    made = lookups(store, monkeypatch)
    for actor in (first, alone):
        made.clear()
        with actor.action():
            actor.check()
            for _fragment in range(3):
                with actor.action():
                    actor.answers()
            actor.snapshot()  # still the page's one lookup: the fragments' actions did not end it
        assert len(made) == 1, made
        made.clear()
        actor.check()
        actor.answers()
        assert len(made) == 2, made


def test_a_check_held_by_an_action_ends_with_it_and_with_a_write_that_changes_it(store: Store) -> None:
    """#21: the check an action holds never outlives it (a link replaced meanwhile ends the
    next action), and a write that changes what it read (a hand-over, a finish) drops it:
    the rest of the action reads what the write made."""
    alone = Person.new(store, CONTENT, {})
    with alone.action():
        alone.check()
        replace_link(store, alone.id)
        alone.answers()  # the action began while the link was live
    with pytest.raises(LinkEnded):
        alone.answers()
    first, _device = partners.start_one_device(store, CONTENT)
    with first.action():
        assert not first.finished()
        first.finish("items")
        assert first.finished()
        first.hand_over()
        with pytest.raises(TurnPassed):
            first.answers()
