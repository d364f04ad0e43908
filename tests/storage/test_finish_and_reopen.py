"""A partner who has finished (SQLite file and PostgreSQL): their answers are read-only
until they reopen them; reopening is recorded for good, so the comparison can say so."""

from __future__ import annotations

import pytest

from storage import AnswersLocked, StorageError, Store

ANSWERS = {"worth_it": {"respect": 2, "safe": 0}}
VERSIONS = {"worth_it": 1, "intimacy": 1}


def test_a_finished_partner_cannot_change_an_answer_until_they_reopen(store: Store) -> None:
    couple_id, _, (first, _) = store.create_couple_one_device()
    store.save_answers(first, ANSWERS, VERSIONS)
    store.finish(first, "nothing")

    with pytest.raises(AnswersLocked):
        store.save_answer(first, "worth_it", 1, "safe", 2)
    with pytest.raises(AnswersLocked):
        store.save_answers(first, {"worth_it": {}}, VERSIONS, replace=True)
    assert store.answers_for(first) == ANSWERS

    store.reopen(first)
    partner = store.couple(couple_id).partner(1)  # type: ignore[union-attr]
    assert partner is not None and not partner.finished and partner.reopened
    assert partner.share_level is None  # chosen anew when they finish again
    store.save_answer(first, "worth_it", 1, "safe", 2)
    assert store.answers_for(first)["worth_it"]["safe"] == 2

    store.finish(first, "scores")
    partner = store.couple(couple_id).partner(1)  # type: ignore[union-attr]
    assert partner is not None and partner.finished and partner.reopened


def test_reopening_an_unfinished_partner_changes_nothing(store: Store) -> None:
    couple_id, _, (first, _) = store.create_couple_one_device()
    store.reopen(first)
    partner = store.couple(couple_id).partner(1)  # type: ignore[union-attr]
    assert partner is not None and not partner.finished and not partner.reopened
    with pytest.raises(StorageError):
        store.reopen("0" * 32)
    solo, _ = store.create_person()
    with pytest.raises(StorageError):
        store.reopen(solo)


def test_a_person_alone_who_saw_their_results_still_answers_and_is_no_finished_partner(store: Store) -> None:
    solo, _ = store.create_person()
    store.save_answers(solo, ANSWERS, VERSIONS)
    store.mark_finished(solo)
    store.save_answer(solo, "worth_it", 1, "respect", 1)  # alone, finishing locks nothing
    couple_id, person_id, _, _ = store.create_couple_two_devices(solo)
    partner = store.couple(couple_id).partner(1)  # type: ignore[union-attr]
    assert person_id == solo and partner is not None and not partner.finished
    store.save_answer(solo, "worth_it", 1, "respect", 2)
    assert store.answers_for(solo)["worth_it"]["respect"] == 2


def test_an_unknown_person_is_still_an_unknown_person(store: Store) -> None:
    with pytest.raises(StorageError) as raised:
        store.save_answer("0" * 32, "worth_it", 1, "respect", 1)
    assert not isinstance(raised.value, AnswersLocked)


def test_safety_flags_are_raised_closed_and_kept_through_a_reopen(store: Store) -> None:
    """A concern raises a flag in the answer's own transaction; an answer that no longer
    raises it closes the flag (``changed_at``), as does a reopen that clears the answer;
    the flag itself stays, and a reopen on one device takes the turn (#18 finding 3)."""
    couple_id, _, (first, second) = store.create_couple_one_device()
    store.save_answers(first, ANSWERS, VERSIONS, safety={("worth_it", "safe"): True})
    store.save_answers(first, {"worth_it": {"safe": 1}}, VERSIONS, safety={("worth_it", "safe"): True})
    (flag,) = store.safety_flags([first, second])[first]
    assert (flag.questionnaire_id, flag.item_id, flag.changed_at) == ("worth_it", "safe", None)  # one, still open

    store.finish(first, "nothing")
    store.finish(second, "nothing")
    store.set_active_slot(couple_id, 2)
    store.reopen(first, clear=[("worth_it", "safe")], take_turn=True)
    assert store.answers_for(first) == {"worth_it": {"respect": 2}}  # asked afresh
    assert store.couple(couple_id).active_slot == 1  # type: ignore[union-attr]
    (flag,) = store.safety_flags([first])[first]
    assert flag.changed_at is not None and flag.changed_at >= flag.raised_at

    store.save_answers(first, {"worth_it": {"safe": 2}}, VERSIONS, safety={("worth_it", "safe"): False})
    assert len(store.safety_flags([first])[first]) == 1 and store.safety_flags([second]) == {}
