"""Couples in the Store (SQLite file and PostgreSQL): one device, two devices and join codes.

Join codes are the one door into someone else's couple space, so they get the
hardest look: single use, expiring, locked after a few wrong secrets, never
stored in clear, and safe against two people joining at once.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from scoring.visibility import SHARE_LEVELS
from storage import couples, nicknames
from storage.couples import (
    JOIN_ALPHABET,
    JOIN_CODE_LIFETIME,
    JOIN_MAX_FAILURES,
    JOIN_PREFIX_LENGTH,
    JOIN_SECRET_LENGTH,
    JoinOutcome,
    JoinResult,
    format_join_code,
)
from storage.errors import StorageError
from storage.models import Answer, Couple, Person, PlanStep, utcnow
from storage.repository import Store
from storage.tokens import hash_token

COUPLES = Couple.__table__
PEOPLE = Person.__table__
ANSWERS = Answer.__table__
CODE_LENGTH = JOIN_PREFIX_LENGTH + JOIN_SECRET_LENGTH
SAMPLE_ANSWERS: dict[str, dict[str, int | list[int]]] = {
    "intimacy": {"comm_heard": 4, "pressures": [1, 3]},
    "worth_it": {"respect": 2},
}
VERSIONS = {"intimacy": 1, "worth_it": 1}


# --------------------------------------------------------------------------- helpers


def _rows(engine: Engine, table: Any, **where: Any) -> list[dict[str, Any]]:
    statement = select(table)
    for column, value in where.items():
        statement = statement.where(table.c[column] == value)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(statement)]


def _count(engine: Engine, table: Any, **where: Any) -> int:
    statement = select(func.count()).select_from(table)
    for column, value in where.items():
        statement = statement.where(table.c[column] == value)
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def _stored_text(engine: Engine) -> list[str]:
    """Every value of every row of the three tables, as text."""
    return [
        str(value) for table in (COUPLES, PEOPLE, ANSWERS) for row in _rows(engine, table) for value in row.values()
    ]


def _couple_answers(engine: Engine, couple_id: str) -> int:
    people = select(Person.id).where(Person.couple_id == couple_id)
    with engine.connect() as connection:
        statement = select(func.count()).select_from(ANSWERS).where(ANSWERS.c.person_id.in_(people))
        return int(connection.execute(statement).scalar_one())


def _token_bytes(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def _other_secret(code: str) -> str:
    """The same prefix with a different (wrong) secret."""
    secret = code[JOIN_PREFIX_LENGTH:]
    while (wrong := "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_SECRET_LENGTH))) == secret:
        pass
    return code[:JOIN_PREFIX_LENGTH] + wrong


def _other_prefix(code: str) -> str:
    prefix = code[:JOIN_PREFIX_LENGTH]
    while (other := "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_PREFIX_LENGTH))) == prefix:
        pass
    return other + code[JOIN_PREFIX_LENGTH:]


def _failed_attempts(store: Store, couple_id: str) -> int:
    (row,) = _rows(store.engine, COUPLES, id=couple_id)
    return int(row["join_failed_attempts"])


# --------------------------------------------------------------------------- one device


def test_one_device_couple_has_two_partners_in_slots_1_and_2(store: Store) -> None:
    couple_id, device_token, (first, second) = store.create_couple_one_device()
    record = store.couple(couple_id)
    assert record is not None
    assert record.mode == "one_device"
    assert record.active_slot == 1
    assert [(p.person_id, p.slot) for p in record.partners] == [(first, 1), (second, 2)]
    assert record.partner(1) is not None and record.partner(1).person_id == first  # type: ignore[union-attr]
    assert record.partner(3) is None
    assert all(p.share_level is None and not p.finished for p in record.partners)
    assert not record.both_finished
    assert record.join_open is False
    assert first != second
    assert device_token


def test_the_device_token_resumes_the_couple(store: Store) -> None:
    couple_id, device_token, people = store.create_couple_one_device()
    other_id, other_token, _ = store.create_couple_one_device()
    record = store.couple_by_device_token(device_token)
    assert record is not None
    assert record.id == couple_id
    assert tuple(p.person_id for p in record.partners) == people
    found = store.couple_by_device_token(other_token)
    assert found is not None and found.id == other_id


@pytest.mark.parametrize("token", ["", "nope", "x" * 257])
def test_an_unknown_empty_or_huge_device_token_finds_nothing(store: Store, token: str) -> None:
    store.create_couple_one_device()
    assert store.couple_by_device_token(token) is None


def test_a_device_token_with_one_character_changed_finds_nothing(store: Store) -> None:
    _, device_token, _ = store.create_couple_one_device()
    changed = device_token[:-1] + ("A" if device_token[-1] != "A" else "B")
    assert store.couple_by_device_token(changed) is None


def test_the_device_token_is_long_and_only_its_hash_is_stored(store: Store) -> None:
    couple_id, device_token, people = store.create_couple_one_device()
    assert _token_bytes(device_token) * 8 >= 128
    (row,) = _rows(store.engine, COUPLES, id=couple_id)
    assert row["device_token_hash"] == hash_token(device_token)
    assert not any(device_token in str(value) for value in row.values())
    assert not any(device_token in text for text in _stored_text(store.engine))
    # The device token is not a resume token of either partner.
    assert store.person_by_token(device_token) is None
    assert all(store.person_exists(person_id) for person_id in people)


def test_device_tokens_are_distinct(store: Store) -> None:
    tokens = {store.create_couple_one_device()[1] for _ in range(20)}
    assert len(tokens) == 20


def test_set_active_slot_round_trips(store: Store) -> None:
    couple_id, device_token, _ = store.create_couple_one_device()
    store.set_active_slot(couple_id, 2)
    assert store.couple(couple_id).active_slot == 2  # type: ignore[union-attr]
    assert store.couple_by_device_token(device_token).active_slot == 2  # type: ignore[union-attr]
    store.set_active_slot(couple_id, 1)
    assert store.couple(couple_id).active_slot == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("slot", [0, 3, -1, 12])
def test_an_invalid_slot_is_refused_and_changes_nothing(store: Store, slot: int) -> None:
    couple_id, _, _ = store.create_couple_one_device()
    store.set_active_slot(couple_id, 2)
    with pytest.raises(StorageError):
        store.set_active_slot(couple_id, slot)
    assert store.couple(couple_id).active_slot == 2  # type: ignore[union-attr]


def test_set_active_slot_of_an_unknown_couple_fails(store: Store) -> None:
    with pytest.raises(StorageError):
        store.set_active_slot("0" * 32, 1)


def test_an_unknown_couple_is_none(store: Store) -> None:
    assert store.couple("0" * 32) is None


def test_a_one_device_couple_has_no_join_code(store: Store) -> None:
    couple_id, _, _ = store.create_couple_one_device()
    with pytest.raises(StorageError):
        store.new_join_code(couple_id)
    (row,) = _rows(store.engine, COUPLES, id=couple_id)
    assert row["join_prefix"] is None and row["join_secret_hash"] is None


# --------------------------------------------------------------------------- two devices: the code


def test_the_join_code_is_ten_readable_characters(store: Store) -> None:
    for _ in range(10):
        couple_id, person_id, token, code = store.create_couple_two_devices()
        assert len(code) == CODE_LENGTH == 10
        assert set(code) <= set(JOIN_ALPHABET)
        assert not set(code) & set("01OIL")
        assert format_join_code(code) == f"{code[:4]}-{code[4:]}"
        record = store.couple(couple_id)
        assert record is not None
        assert record.mode == "two_devices"
        assert record.join_open is True
        assert [(p.person_id, p.slot) for p in record.partners] == [(person_id, 1)]
        assert token is not None
        creator = store.person_by_token(token)
        assert creator is not None and (creator.id, creator.couple_id, creator.slot) == (person_id, couple_id, 1)


def test_join_codes_are_distinct(store: Store) -> None:
    codes = [store.create_couple_two_devices()[3] for _ in range(30)]
    assert len(set(codes)) == len(codes)
    assert len({code[:JOIN_PREFIX_LENGTH] for code in codes}) == len(codes)


def test_the_join_code_expires_after_its_lifetime(store: Store) -> None:
    before = utcnow()
    couple_id, _, _, _ = store.create_couple_two_devices()
    expires = store.couple(couple_id).join_expires_at  # type: ignore[union-attr]
    assert expires is not None
    assert before + JOIN_CODE_LIFETIME <= expires <= utcnow() + JOIN_CODE_LIFETIME


def test_no_join_code_or_secret_is_stored_in_clear(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    secret = code[JOIN_PREFIX_LENGTH:]
    (row,) = _rows(store.engine, COUPLES, id=couple_id)
    assert row["join_secret_hash"] == hash_token(secret)
    for text in _stored_text(store.engine):
        assert code not in text
        assert format_join_code(code) not in text
        assert secret not in text
    # Only the public prefix is kept as such, to find the couple.
    assert row["join_prefix"] == code[:JOIN_PREFIX_LENGTH]


# --------------------------------------------------------------------------- joining


def _spellings(code: str) -> list[str]:
    dashed = format_join_code(code)
    return [
        code,
        dashed,
        code.lower(),
        dashed.lower(),
        f"  {code[:3]} {code[3:7]} {code[7:]}  ",
        f" {dashed.lower()} ",
        "\t".join(code),
    ]


@pytest.mark.parametrize("spelling", range(7))
def test_join_accepts_the_code_with_or_without_dash_in_any_case_with_spaces(store: Store, spelling: int) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    result = store.join_couple(_spellings(code)[spelling])
    assert result.outcome is JoinOutcome.JOINED
    assert result.couple_id == couple_id


def test_joining_makes_partner_2_with_a_token_of_their_own(store: Store) -> None:
    couple_id, creator_id, creator_token, code = store.create_couple_two_devices()
    result = store.join_couple(code)
    assert result.outcome is JoinOutcome.JOINED
    assert result.couple_id == couple_id
    assert result.person_id is not None and result.person_id != creator_id
    assert result.token is not None and result.token != creator_token
    assert _token_bytes(result.token) * 8 >= 128
    joined = store.person_by_token(result.token)
    assert joined is not None
    assert (joined.id, joined.couple_id, joined.slot) == (result.person_id, couple_id, 2)
    record = store.couple(couple_id)
    assert record is not None
    assert [(p.person_id, p.slot) for p in record.partners] == [(creator_id, 1), (result.person_id, 2)]
    assert record.join_open is False
    assert not any(result.token in text for text in _stored_text(store.engine))


def test_a_code_is_single_use(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    assert store.join_couple(code).outcome is JoinOutcome.JOINED
    again = store.join_couple(code)
    assert again == JoinResult(JoinOutcome.USED)
    assert len(store.couple(couple_id).partners) == 2  # type: ignore[union-attr]
    assert _count(store.engine, PEOPLE, couple_id=couple_id) == 2


def test_no_new_code_once_both_have_joined(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    store.join_couple(code)
    with pytest.raises(StorageError):
        store.new_join_code(couple_id)


def test_a_wrong_secret_is_wrong_and_reveals_nothing(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    result = store.join_couple(_other_secret(code))
    assert result == JoinResult(JoinOutcome.WRONG)
    assert _failed_attempts(store, couple_id) == 1
    assert store.couple(couple_id).join_open is True  # type: ignore[union-attr]
    assert store.join_couple(code).outcome is JoinOutcome.JOINED


def test_too_many_wrong_secrets_lock_the_code_for_good(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    outcomes = [store.join_couple(_other_secret(code)).outcome for _ in range(JOIN_MAX_FAILURES)]
    assert outcomes == [JoinOutcome.WRONG] * (JOIN_MAX_FAILURES - 1) + [JoinOutcome.LOCKED]
    assert store.couple(couple_id).join_open is False  # type: ignore[union-attr]
    # Even the right code is refused now, and refusing it counts for nothing more.
    assert store.join_couple(code) == JoinResult(JoinOutcome.LOCKED)
    assert store.join_couple(format_join_code(code).lower()) == JoinResult(JoinOutcome.LOCKED)
    assert store.join_couple(_other_secret(code)).outcome is JoinOutcome.LOCKED
    assert _failed_attempts(store, couple_id) == JOIN_MAX_FAILURES
    assert _count(store.engine, PEOPLE, couple_id=couple_id) == 1


def test_brute_force_evaluates_at_most_the_allowed_failures(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    evaluated: list[str] = []
    real_compare: Callable[[str, str], bool] = hmac.compare_digest

    def counting_compare(a: str, b: str) -> bool:
        evaluated.append(a)
        return real_compare(a, b)

    monkeypatch.setattr(couples.hmac, "compare_digest", counting_compare)
    outcomes = [store.join_couple(_other_secret(code)).outcome for _ in range(1000)]
    assert len(evaluated) <= JOIN_MAX_FAILURES
    assert JoinOutcome.JOINED not in outcomes
    assert set(outcomes[JOIN_MAX_FAILURES:]) == {JoinOutcome.LOCKED}
    assert outcomes.count(JoinOutcome.WRONG) == JOIN_MAX_FAILURES - 1
    assert _count(store.engine, PEOPLE, couple_id=couple_id) == 1
    assert _failed_attempts(store, couple_id) == JOIN_MAX_FAILURES


@pytest.mark.parametrize(
    "make_code",
    [
        _other_prefix,
        lambda code: "",
        lambda code: "-",
        lambda code: code[: JOIN_PREFIX_LENGTH - 1],
        lambda code: "!!!!" + code[JOIN_PREFIX_LENGTH:],
    ],
    ids=["other-prefix", "empty", "dash", "short", "punctuation"],
)
def test_an_unknown_prefix_is_unknown_and_counts_against_no_one(store: Store, make_code: Callable[[str], str]) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    assert store.join_couple(make_code(code)) == JoinResult(JoinOutcome.UNKNOWN)
    assert _failed_attempts(store, couple_id) == 0


def test_an_expired_code_is_expired(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    later = utcnow() + JOIN_CODE_LIFETIME + timedelta(seconds=1)
    assert store.join_couple(code, now=later) == JoinResult(JoinOutcome.EXPIRED)
    assert _count(store.engine, PEOPLE, couple_id=couple_id) == 1
    assert store.join_couple(code).outcome is JoinOutcome.JOINED  # still good before it expires


def test_a_code_works_until_just_before_it_expires(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    expires = store.couple(couple_id).join_expires_at  # type: ignore[union-attr]
    assert expires is not None
    assert store.join_couple(code, now=expires) == JoinResult(JoinOutcome.EXPIRED)
    assert store.join_couple(code, now=expires - timedelta(seconds=1)).outcome is JoinOutcome.JOINED


def test_a_wrong_secret_on_an_expired_code_is_still_only_wrong(store: Store) -> None:
    # Expiry is only told to someone holding the right secret.
    _, _, _, code = store.create_couple_two_devices()
    later = utcnow() + JOIN_CODE_LIFETIME + timedelta(hours=1)
    assert store.join_couple(_other_secret(code), now=later) == JoinResult(JoinOutcome.WRONG)


def test_a_new_code_replaces_the_old_one_and_resets_the_failures(store: Store) -> None:
    couple_id, _, _, old = store.create_couple_two_devices()
    for _ in range(JOIN_MAX_FAILURES):
        store.join_couple(_other_secret(old))
    assert store.couple(couple_id).join_open is False  # type: ignore[union-attr]
    new = store.new_join_code(couple_id)
    assert new != old
    assert len(new) == CODE_LENGTH and set(new) <= set(JOIN_ALPHABET)
    assert _failed_attempts(store, couple_id) == 0
    assert store.couple(couple_id).join_open is True  # type: ignore[union-attr]
    stale = store.join_couple(old).outcome
    assert stale in (JoinOutcome.UNKNOWN, JoinOutcome.WRONG)
    # Failures start from zero again: the allowance minus one, and the new code still works.
    for _ in range(JOIN_MAX_FAILURES - 2):
        assert store.join_couple(_other_secret(new)).outcome is JoinOutcome.WRONG
    result = store.join_couple(new)
    assert result.outcome is JoinOutcome.JOINED
    assert result.couple_id == couple_id


def test_a_new_code_renews_the_expiry(store: Store) -> None:
    couple_id, _, _, old = store.create_couple_two_devices()
    new = store.new_join_code(couple_id)
    assert store.join_couple(old).outcome in (JoinOutcome.UNKNOWN, JoinOutcome.WRONG)
    much_later = utcnow() + JOIN_CODE_LIFETIME + timedelta(seconds=1)
    assert store.join_couple(new, now=much_later).outcome is JoinOutcome.EXPIRED
    assert store.join_couple(new, now=utcnow() + JOIN_CODE_LIFETIME - timedelta(minutes=1)).outcome is (
        JoinOutcome.JOINED
    )


def test_new_join_code_for_an_unknown_couple_fails(store: Store) -> None:
    with pytest.raises(StorageError):
        store.new_join_code("0" * 32)


# --------------------------------------------------------------------------- a solo person starts a couple


def test_a_solo_person_becomes_partner_1_keeping_their_answers(store: Store) -> None:
    person_id, token = store.create_person()
    store.save_answers(person_id, SAMPLE_ANSWERS, VERSIONS)
    couple_id, returned_id, new_token, code = store.create_couple_two_devices(person_id)
    assert returned_id == person_id
    assert new_token is None  # they keep their own resume link
    assert len(code) == CODE_LENGTH
    assert store.answers_for(person_id) == SAMPLE_ANSWERS
    me = store.person_by_token(token)
    assert me is not None and (me.id, me.couple_id, me.slot) == (person_id, couple_id, 1)
    result = store.join_couple(code)
    assert result.outcome is JoinOutcome.JOINED
    record = store.couple(couple_id)
    assert record is not None
    assert [p.person_id for p in record.partners] == [person_id, result.person_id]


def test_someone_already_in_a_couple_cannot_start_another(store: Store) -> None:
    person_id, _ = store.create_person()
    couple_id, _, _, _ = store.create_couple_two_devices(person_id)
    couples_before = _count(store.engine, COUPLES)
    with pytest.raises(StorageError):
        store.create_couple_two_devices(person_id)
    assert _count(store.engine, COUPLES) == couples_before  # nothing half-written
    record = store.couple(couple_id)
    assert record is not None and [p.person_id for p in record.partners] == [person_id]


def test_a_partner_who_joined_cannot_start_another_couple(store: Store) -> None:
    _, _, _, code = store.create_couple_two_devices()
    joined = store.join_couple(code)
    assert joined.person_id is not None
    couples_before = _count(store.engine, COUPLES)
    with pytest.raises(StorageError):
        store.create_couple_two_devices(joined.person_id)
    assert _count(store.engine, COUPLES) == couples_before


def test_one_device_partners_cannot_start_a_two_device_couple(store: Store) -> None:
    _, _, (first, _) = store.create_couple_one_device()
    with pytest.raises(StorageError):
        store.create_couple_two_devices(first)


def test_an_unknown_person_cannot_start_a_couple(store: Store) -> None:
    couples_before = _count(store.engine, COUPLES)
    with pytest.raises(StorageError):
        store.create_couple_two_devices("f" * 32)
    assert _count(store.engine, COUPLES) == couples_before


# --------------------------------------------------------------------------- finishing


@pytest.mark.parametrize("level", ["", "everything", "Items", "ITEMS", "none", "scores "])
def test_finish_refuses_an_unknown_share_level(store: Store, level: str) -> None:
    couple_id, _, (first, _) = store.create_couple_one_device()
    with pytest.raises(StorageError):
        store.finish(first, level)
    partner = store.couple(couple_id).partner(1)  # type: ignore[union-attr]
    assert partner is not None and partner.share_level is None and not partner.finished


@pytest.mark.parametrize("level", SHARE_LEVELS)
def test_finish_records_the_share_level(store: Store, level: str) -> None:
    couple_id, _, (first, _) = store.create_couple_one_device()
    store.finish(first, level)
    record = store.couple(couple_id)
    assert record is not None
    one, two = record.partner(1), record.partner(2)
    assert one is not None and two is not None
    assert (one.share_level, one.finished) == (level, True)
    assert (two.share_level, two.finished) == (None, False)
    assert not record.both_finished


def test_both_finished_once_both_partners_finish(store: Store) -> None:
    couple_id, creator, _, code = store.create_couple_two_devices()
    joined = store.join_couple(code)
    assert joined.person_id is not None
    store.finish(joined.person_id, "items")
    assert not store.couple(couple_id).both_finished  # type: ignore[union-attr]
    store.finish(creator, "scores")
    record = store.couple(couple_id)
    assert record is not None and record.both_finished
    assert [(p.slot, p.share_level) for p in record.partners] == [(1, "scores"), (2, "items")]
    # A partner may change their mind about sharing.
    store.finish(creator, "nothing")
    assert store.couple(couple_id).partner(1).share_level == "nothing"  # type: ignore[union-attr]


def test_a_lone_partner_is_never_both_finished(store: Store) -> None:
    couple_id, creator, _, _ = store.create_couple_two_devices()
    store.finish(creator, "items")
    record = store.couple(couple_id)
    assert record is not None and not record.both_finished


def test_finish_needs_a_partner_in_a_couple(store: Store) -> None:
    solo, _ = store.create_person()
    with pytest.raises(StorageError):
        store.finish(solo, "items")
    with pytest.raises(StorageError):
        store.finish("0" * 32, "items")


# --------------------------------------------------------------------------- deleting


def _couple_with_answers(store: Store, two_devices: bool) -> tuple[str, tuple[str, str]]:
    if two_devices:
        couple_id, creator, _, code = store.create_couple_two_devices()
        joined = store.join_couple(code)
        assert joined.person_id is not None
        people = (creator, joined.person_id)
    else:
        couple_id, _, people = store.create_couple_one_device()
    for person_id in people:
        store.save_answers(person_id, SAMPLE_ANSWERS, VERSIONS)
    return couple_id, people


@pytest.mark.parametrize("two_devices", [False, True], ids=["one-device", "two-devices"])
def test_delete_couple_removes_the_couple_both_people_and_all_answers(store: Store, two_devices: bool) -> None:
    couple_id, people = _couple_with_answers(store, two_devices)
    kept_id, kept_people = _couple_with_answers(store, not two_devices)
    solo, solo_token = store.create_person()
    store.save_answers(solo, SAMPLE_ANSWERS, VERSIONS)
    kept_before = store.couple(kept_id)

    store.delete_couple(couple_id)

    assert _count(store.engine, COUPLES, id=couple_id) == 0
    assert _count(store.engine, PEOPLE, couple_id=couple_id) == 0
    for person_id in people:
        assert _count(store.engine, PEOPLE, id=person_id) == 0
        assert _count(store.engine, ANSWERS, person_id=person_id) == 0
        assert not store.person_exists(person_id)
    assert _couple_answers(store.engine, couple_id) == 0
    assert store.couple(couple_id) is None
    # The other couple and the solo person are untouched.
    assert store.couple(kept_id) == kept_before
    for person_id in kept_people:
        assert store.answers_for(person_id) == SAMPLE_ANSWERS
    assert store.answers_for(solo) == SAMPLE_ANSWERS
    assert store.person_by_token(solo_token) is not None
    assert _count(store.engine, COUPLES) == 1
    assert _count(store.engine, PEOPLE) == 3
    assert _count(store.engine, ANSWERS) == 3 * sum(len(items) for items in SAMPLE_ANSWERS.values())


def test_a_deleted_couple_cannot_be_resumed_or_joined(store: Store) -> None:
    one_id, device_token, _ = store.create_couple_one_device()
    two_id, _, creator_token, code = store.create_couple_two_devices()
    store.delete_couple(one_id)
    store.delete_couple(two_id)
    assert store.couple_by_device_token(device_token) is None
    assert creator_token is not None and store.person_by_token(creator_token) is None
    assert store.join_couple(code) == JoinResult(JoinOutcome.UNKNOWN)
    assert _count(store.engine, COUPLES) == _count(store.engine, PEOPLE) == 0


def test_deleting_an_unknown_couple_is_harmless(store: Store) -> None:
    couple_id, _ = _couple_with_answers(store, True)
    store.delete_couple("0" * 32)
    assert _count(store.engine, PEOPLE, couple_id=couple_id) == 2
    assert _couple_answers(store.engine, couple_id) == 2 * sum(len(items) for items in SAMPLE_ANSWERS.values())


# --------------------------------------------------------------------------- concurrency


def _run_together(count: int, work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.mark.parametrize("round_", range(5))
def test_two_people_joining_at_once_only_one_gets_in(store: Store, round_: int) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    spellings = [code, format_join_code(code).lower()]
    results, errors = _run_together(2, lambda i: store.join_couple(spellings[i]))
    assert errors == []
    outcomes = sorted(r.outcome.value for r in results)
    assert outcomes == [JoinOutcome.JOINED.value, JoinOutcome.USED.value]
    assert _count(store.engine, PEOPLE, couple_id=couple_id) == 2
    record = store.couple(couple_id)
    assert record is not None and [p.slot for p in record.partners] == [1, 2]


def test_concurrent_wrong_guesses_are_all_counted(store: Store) -> None:
    couple_id, _, _, code = store.create_couple_two_devices()
    threads, per_thread = 6, 5
    results, errors = _run_together(
        threads, lambda i: [store.join_couple(_other_secret(code)).outcome for _ in range(per_thread)]
    )
    assert errors == []
    outcomes = [outcome for batch in results for outcome in batch]
    assert outcomes.count(JoinOutcome.WRONG) == JOIN_MAX_FAILURES - 1
    assert outcomes.count(JoinOutcome.LOCKED) == threads * per_thread - (JOIN_MAX_FAILURES - 1)
    assert _failed_attempts(store, couple_id) == JOIN_MAX_FAILURES
    assert store.join_couple(code).outcome is JoinOutcome.LOCKED


# --------------------------------------------------------------------------- all or nothing


def test_a_failed_couple_start_leaves_the_solo_person_solo(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every code drawn is "AAAA…": the second couple finds no free prefix, so issuing its code fails.
    monkeypatch.setattr(couples, "random_code", lambda length: JOIN_ALPHABET[0] * length)
    store.create_couple_two_devices()
    person_id, token = store.create_person()
    store.save_answers(person_id, SAMPLE_ANSWERS, VERSIONS)
    with pytest.raises(StorageError):
        store.create_couple_two_devices(person_id)
    me = store.person_by_token(token)
    assert me is not None and me.couple_id is None and me.slot is None
    assert store.answers_for(person_id) == SAMPLE_ANSWERS
    assert _count(store.engine, COUPLES) == 1


def test_a_partner_nickname_is_stored_cleaned_and_cleared(store: Store) -> None:
    couple_id, _token, (first, _second) = store.create_couple_one_device()
    assert store.set_nickname(first, "  Zoë\n  O'Brien-Smith  ") == "Zoë O'Brien-Smith"
    record = store.couple(couple_id)
    assert record is not None
    assert [p.nickname for p in record.partners] == ["Zoë O'Brien-Smith", None]
    assert store.set_nickname(first, "   ") is None
    record = store.couple(couple_id)
    assert record is not None and record.partner(1).nickname is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad", ["x" * (nicknames.NICKNAME_MAX_LENGTH + 1), "<b>Sam</b>", "**Sam**", "[Sam](x)", "Sam\x00"]
)
def test_a_too_long_or_markup_nickname_is_refused_and_changes_nothing(store: Store, bad: str) -> None:
    couple_id, _token, (first, _second) = store.create_couple_one_device()
    store.set_nickname(first, "Sam")
    with pytest.raises(StorageError):
        store.set_nickname(first, bad)
    record = store.couple(couple_id)
    assert record is not None and record.partner(1).nickname == "Sam"  # type: ignore[union-attr]


def test_a_nickname_for_someone_outside_a_couple_is_refused(store: Store) -> None:
    with pytest.raises(StorageError):
        store.set_nickname("0" * 32, "Sam")


def test_a_chosen_plan_is_kept_ticked_off_and_goes_with_the_couple(store: Store) -> None:
    couple_id, _token, _people = store.create_couple_one_device()
    assert store.chosen_plan(couple_id) == []
    store.choose_plan(couple_id, ["calendar", "thanks", "calendar"])
    store.choose_plan(couple_id, ["thanks", "hug"])  # already chosen steps keep their place
    plan = store.chosen_plan(couple_id)
    assert [s.suggestion_id for s in plan] == ["calendar", "thanks", "hug"]
    assert all(s.done_at is None for s in plan)
    store.set_plan_step_done(couple_id, "thanks", True)
    ticked = {s.suggestion_id: s.done_at for s in store.chosen_plan(couple_id)}
    assert ticked["thanks"] is not None and ticked["calendar"] is None
    store.set_plan_step_done(couple_id, "thanks", False)
    assert all(s.done_at is None for s in store.chosen_plan(couple_id))
    with pytest.raises(StorageError):
        store.set_plan_step_done(couple_id, "never-chosen", True)
    with pytest.raises(StorageError):
        store.choose_plan("0" * 32, ["calendar"])
    store.delete_couple(couple_id)
    assert store.chosen_plan(couple_id) == []
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(PlanStep.__table__)).scalar_one() == 0


def test_a_couple_sees_the_homework_their_counselor_set_and_no_other(store: Store) -> None:
    from storage.counselors import CounselorDesk

    desk = CounselorDesk(store)
    counselor = desk.add_counselor("ana", "a long enough password 123")
    ours, theirs = desk.add_client(counselor, "Couple A"), desk.add_client(counselor, "Couple B")
    couple_id, _link, _code = desk.start_homework(counselor, ours)
    other_id, _link, _code = desk.start_homework(counselor, theirs)
    desk.assign_homework(counselor, ours, ["calendar", "thanks"])
    desk.assign_homework(counselor, theirs, ["hug"])
    assert [s.suggestion_id for s in store.couple_homework(couple_id)] == ["calendar", "thanks"]
    assert [s.suggestion_id for s in store.couple_homework(other_id)] == ["hug"]
    alone, _token, _people = store.create_couple_one_device()
    assert store.couple_homework(alone) == []
