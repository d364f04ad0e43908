"""services/couples.py: names the same for both partners, and what a couple finds between sessions."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from questions import default_content
from scoring import visibility
from services import couples
from storage import Store
from storage.counselors import CounselorDesk

CONTENT = default_content()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    made = Store.from_url(f"sqlite:///{tmp_path / 'couples.sqlite3'}")
    yield made
    made.engine.dispose()


def test_names_are_the_same_for_both_and_say_you_only_on_ones_own_screen(store: Store) -> None:
    couple_id, _token, (first, _second) = store.create_couple_one_device()
    store.set_nickname(first, "Sam")
    record = store.couple(couple_id)
    assert record is not None
    assert couples.partner_names(record) == {1: "Sam", 2: "Partner 2"}
    assert couples.names_for_viewer(record, None) == {1: "Sam", 2: "Partner 2"}
    assert couples.names_for_viewer(record, 1) == {1: "Sam (you)", 2: "Partner 2"}
    assert couples.names_for_viewer(record, 2) == {1: "Sam", 2: "Partner 2 (you)"}


def test_a_couple_finds_their_plan_the_date_to_come_back_and_their_counselors_homework(store: Store) -> None:
    desk = CounselorDesk(store)
    counselor = desk.add_counselor("ana", "a long enough password 123")
    client = desk.add_client(counselor, "Couple A")
    couple_id, _link, _code = desk.start_homework(counselor, client)
    wanted = [s.id for s in CONTENT.suggestions[:2]]
    desk.assign_homework(counselor, client, [*wanted, "no-longer-in-the-content"])
    record = store.couple(couple_id)
    assert record is not None

    follow = couples.follow_up(store, CONTENT, record)
    assert follow.plan == () and follow.retake_on is None
    assert [s.id for s, _step in follow.homework] == wanted  # a step the content dropped is left out

    store.choose_plan(couple_id, [CONTENT.suggestions[2].id])
    follow = couples.follow_up(store, CONTENT, record)
    ((suggestion, step),) = follow.plan
    assert suggestion.id == CONTENT.suggestions[2].id
    assert follow.retake_on == (step.since + couples.RETAKE_AFTER).date()


def test_a_kept_plan_hears_about_steps_a_changed_comparison_now_suggests(store: Store) -> None:
    """A partner reopened and changed their answers after the plan was chosen: the couple
    is told the comparison now proposes more steps, and adding them keeps the old ticks."""
    couple_id, _token, _people = store.create_couple_one_device()
    record = store.couple(couple_id)
    assert record is not None
    low = {item.id: 1 for item in CONTENT.questionnaire("intimacy").items if item.kind == "scored"}
    first = visibility.Partner(1, {"intimacy": low}, "items")
    second = visibility.Partner(2, {"intimacy": low}, "items")
    before = visibility.couple_comparison(CONTENT, "self", first, second)
    assert before.plan
    assert couples.follow_up(store, CONTENT, record, before).new_steps == ()  # nothing kept yet
    couples.choose_plan(store, record, before)
    store.set_plan_step_done(couple_id, before.plan[0].suggestion_id, True)
    assert couples.follow_up(store, CONTENT, record, before).new_steps == ()

    kept = {step.suggestion_id for step in before.plan}
    extra = next(s for s in CONTENT.suggestions if s.id not in kept)
    after = dataclasses.replace(
        before, plan=(*before.plan[1:], dataclasses.replace(before.plan[0], suggestion_id=extra.id))
    )
    assert couples.follow_up(store, CONTENT, record, after).new_steps == (extra.id,)

    couples.choose_plan(store, record, after)
    follow = couples.follow_up(store, CONTENT, record, after)
    assert follow.new_steps == ()
    assert [s.id for s, _ in follow.plan] == [*(step.suggestion_id for step in before.plan), extra.id]
    assert follow.plan[0][1].done_at is not None  # the tick survived
