"""Counselors in storage (SQLite file and PostgreSQL): accounts, roster, isolation, deletion, notes.

The promise under test: one counselor can never see or touch another's couples,
assessments, notes or homework, by any id, through any method.
"""

from __future__ import annotations

import base64
import inspect as pyinspect
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from argon2 import extract_parameters

from storage import accounts
from storage.accounts import LOCK_TIME, MAX_FAILED_LOGINS, MIN_PASSWORD_LENGTH, AccountError, LoginResult, RemovalReport
from storage.counselors import MAX_LABEL_LENGTH, MAX_NOTE_LENGTH, PAGE_SIZE, CounselorDesk
from storage.crypto import SEALED_PREFIX, FernetSealer, generate_key
from storage.errors import StorageError
from storage.models import Base, utcnow
from storage.repository import Store
from storage.tokens import hash_token
from tests.db import all_stored_text, count, rows

PASSWORD = "correct horse battery"
ANSWERS: dict[str, dict[str, Any]] = {"worth_it": {"respect": 2, "safe": 2}, "intimacy": {"pressures": [1, 3]}}
VERSIONS = {"worth_it": 1, "intimacy": 1}


def _counselor_row(desk: CounselorDesk, username: str) -> dict[str, Any]:
    (row,) = [r for r in rows(desk.store.engine, "counselors") if r["username"] == username]
    return row


# --------------------------------------------------------------------------- accounts


@pytest.mark.production_hasher
def test_the_password_is_stored_as_an_argon2id_hash_only(desk: CounselorDesk) -> None:
    counselor_id = desk.add_counselor("Dr.Rivera", PASSWORD, display_name="Dr Rivera")
    row = _counselor_row(desk, "dr.rivera")
    assert row["id"] == counselor_id
    assert row["password_hash"].startswith("$argon2id$")
    # The library's recommended parameters (RFC 9106 "low memory"): 64 MiB, 3 passes.
    parameters = extract_parameters(row["password_hash"])
    assert (parameters.memory_cost, parameters.time_cost) >= (65536, 3)
    assert desk.authenticate("dr.rivera", PASSWORD).counselor is not None
    assert PASSWORD not in all_stored_text(desk.store.engine)
    assert row["display_name"] == "Dr Rivera"


def test_a_right_password_logs_in_and_is_recorded(desk: CounselorDesk) -> None:
    counselor_id = desk.add_counselor("  Rivera@Clinic.example ", PASSWORD)
    now = utcnow()
    result = desk.authenticate("RIVERA@clinic.example", PASSWORD, now=now)
    assert result.counselor is not None
    assert (result.counselor.id, result.counselor.username) == (counselor_id, "rivera@clinic.example")
    assert result.counselor.display_name == "rivera@clinic.example"  # defaults to the username
    assert _counselor_row(desk, "rivera@clinic.example")["last_login_at"] == now


@pytest.mark.parametrize(
    "password", ["", "correct horse batter", "Correct horse battery", PASSWORD + " ", "x" * 10_000]
)
def test_a_wrong_password_fails_and_counts(desk: CounselorDesk, password: str) -> None:
    desk.add_counselor("rivera", PASSWORD)
    assert desk.authenticate("rivera", password) == LoginResult(None)
    assert _counselor_row(desk, "rivera")["failed_logins"] == 1


def test_an_unknown_user_fails_like_a_wrong_password_after_the_same_work(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:

    desk.add_counselor("rivera", PASSWORD)
    verified: list[str] = []
    real = accounts._verify

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    assert desk.authenticate("nobody", PASSWORD) == LoginResult(None)
    assert desk.authenticate("rivera", "wrong password!") == LoginResult(None)
    assert len(verified) == 2, "an unknown username costs one Argon2 check too (no timing oracle)"
    assert verified[0].startswith("$argon2id$")
    assert desk.counselor_by_username("nobody") is None
    assert count(desk.store.engine, "counselors") == 1


def test_repeated_failures_lock_the_account_then_it_unlocks(desk: CounselorDesk) -> None:
    desk.add_counselor("rivera", PASSWORD)
    start = utcnow()
    results = [desk.authenticate("rivera", "wrong password!", now=start) for _ in range(MAX_FAILED_LOGINS)]
    assert all(r.counselor is None for r in results)
    assert [r.locked_until for r in results[:-1]] == [None] * (MAX_FAILED_LOGINS - 1)
    assert results[-1].locked_until == start + LOCK_TIME
    # Locked: even the right password is refused, until the lock time has passed.
    locked = desk.authenticate("rivera", PASSWORD, now=start + LOCK_TIME - timedelta(seconds=1))
    assert locked == LoginResult(None, locked_until=start + LOCK_TIME)
    unlocked = desk.authenticate("rivera", PASSWORD, now=start + LOCK_TIME + timedelta(seconds=1))
    assert unlocked.counselor is not None
    row = _counselor_row(desk, "rivera")
    assert row["failed_logins"] == 0 and row["locked_until"] is None


def test_after_a_lock_the_count_starts_again(desk: CounselorDesk) -> None:
    desk.add_counselor("rivera", PASSWORD)
    start = utcnow()
    for _ in range(MAX_FAILED_LOGINS):
        desk.authenticate("rivera", "wrong password!", now=start)
    later = start + LOCK_TIME + timedelta(seconds=1)
    again = [desk.authenticate("rivera", "wrong password!", now=later) for _ in range(MAX_FAILED_LOGINS)]
    assert [r.locked_until for r in again[:-1]] == [None] * (MAX_FAILED_LOGINS - 1)
    assert again[-1].locked_until == later + LOCK_TIME


def test_a_success_resets_the_failure_count(desk: CounselorDesk) -> None:
    desk.add_counselor("rivera", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS - 1):
        desk.authenticate("rivera", "wrong password!")
    assert desk.authenticate("rivera", PASSWORD).counselor is not None
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert desk.authenticate("rivera", "wrong password!").locked_until is None


def test_parallel_wrong_passwords_are_verified_at_most_the_allowed_number_of_times(
    desk: CounselorDesk, verifications: Callable[[float], list[str]]
) -> None:
    desk.add_counselor("rivera", PASSWORD)
    real_hash = _counselor_row(desk, "rivera")["password_hash"]
    verified = verifications(0.05)
    attempts = 16
    barrier = threading.Barrier(attempts)

    def attempt(_: int) -> LoginResult:
        barrier.wait(timeout=60)
        return desk.authenticate("rivera", "wrong password!")

    with ThreadPoolExecutor(attempts) as pool:
        results = list(pool.map(attempt, range(attempts)))
    assert len(verified) == attempts, "every attempt costs one verification, real or decoy"
    assert verified.count(real_hash) <= MAX_FAILED_LOGINS
    assert all(r.counselor is None for r in results)
    row = _counselor_row(desk, "rivera")
    assert row["locked_until"] is not None and row["failed_logins"] == 0
    assert desk.authenticate("rivera", PASSWORD).counselor is None  # locked, right password or not
    assert verified.count(real_hash) <= MAX_FAILED_LOGINS


def test_unknown_wrong_and_locked_each_cost_exactly_one_verification(
    desk: CounselorDesk, verifications: Callable[[float], list[str]]
) -> None:
    desk.add_counselor("rivera", PASSWORD)
    start = utcnow()
    for _ in range(MAX_FAILED_LOGINS):
        desk.authenticate("rivera", "wrong password!", now=start)
    verified = verifications(0.0)
    for username, password in [("nobody", PASSWORD), ("rivera", PASSWORD), ("rivera", "wrong password!")]:
        before = len(verified)
        assert desk.authenticate(username, password, now=start + timedelta(minutes=1)).counselor is None
        assert len(verified) == before + 1, username
    assert all(h.startswith("$argon2id$") for h in verified)


def test_attempts_during_a_lock_neither_count_nor_extend_it(desk: CounselorDesk) -> None:
    desk.add_counselor("rivera", PASSWORD)
    start = utcnow()
    for _ in range(MAX_FAILED_LOGINS):
        desk.authenticate("rivera", "wrong password!", now=start)
    for minute in range(1, 15):
        desk.authenticate("rivera", "wrong password!", now=start + timedelta(minutes=minute))
    row = _counselor_row(desk, "rivera")
    assert (row["failed_logins"], row["locked_until"]) == (0, start + LOCK_TIME)
    assert desk.authenticate("rivera", PASSWORD, now=start + LOCK_TIME).counselor is not None


@pytest.mark.parametrize(
    "username", ["", "ab", "has space", "x" * 121, "ünïcode", "-leading", ".dot", "<script>", "a;drop", "a%b", "tab\tx"]
)
def test_a_bad_username_is_refused(desk: CounselorDesk, username: str) -> None:
    with pytest.raises(AccountError, match="username"):
        desk.add_counselor(username, PASSWORD)
    assert count(desk.store.engine, "counselors") == 0


def test_a_short_password_is_refused(desk: CounselorDesk) -> None:
    with pytest.raises(AccountError, match=str(MIN_PASSWORD_LENGTH)):
        desk.add_counselor("rivera", "x" * (MIN_PASSWORD_LENGTH - 1))
    desk.add_counselor("rivera", "x" * MIN_PASSWORD_LENGTH)


def test_a_username_is_taken_once_whatever_its_case(desk: CounselorDesk) -> None:
    desk.add_counselor("rivera", PASSWORD)
    with pytest.raises(AccountError, match="already"):
        desk.add_counselor(" RIVERA ", "another long password")
    assert count(desk.store.engine, "counselors") == 1
    assert desk.authenticate("rivera", "another long password").counselor is None


# --------------------------------------------------------------------------- roster


def test_labels_are_cleaned_and_checked(desk: CounselorDesk) -> None:
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "  Sam   &  Alex  ")
    record = desk.client(counselor, client)
    assert record is not None and record.label == "Sam & Alex"
    for bad in ["", "   ", "x" * (MAX_LABEL_LENGTH + 1)]:
        with pytest.raises(AccountError):
            desk.add_client(counselor, bad)
    with pytest.raises(StorageError):
        desk.add_client("0" * 32, "Nobody's client")
    assert count(desk.store.engine, "clients") == 1


def test_the_roster_pages_most_recent_first(desk: CounselorDesk) -> None:
    counselor = desk.add_counselor("rivera", PASSWORD)
    ids = [desk.add_client(counselor, f"Couple {n:02d}") for n in range(PAGE_SIZE + 5)]
    first, total = desk.clients(counselor)
    second, total_again = desk.clients(counselor, page=1)
    assert total == total_again == PAGE_SIZE + 5
    assert len(first) == PAGE_SIZE and len(second) == 5
    assert {c.id for c in first} | {c.id for c in second} == set(ids)
    seen = [c.updated_at for c in first + second]
    assert seen == sorted(seen, reverse=True)
    assert desk.clients(counselor, page=-3)[0] == first
    assert desk.clients(counselor, page=99) == ([], PAGE_SIZE + 5)
    # Activity moves a couple to the top.
    desk.add_note(counselor, ids[0], "a note")
    assert desk.clients(counselor)[0][0].id == ids[0]


def test_assessment_links_are_long_and_only_their_hashes_are_stored(desk: CounselorDesk) -> None:
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    _couple, device_token = desk.start_in_office(counselor, client)
    _couple, link_token, code = desk.start_homework(counselor, client)
    stored = all_stored_text(desk.store.engine)
    for token in (device_token, link_token):
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
        assert token not in stored and hash_token(token) in stored
    assert code not in stored and code[4:] not in stored


def test_the_roster_counts_assessments(desk: CounselorDesk) -> None:
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    desk.start_in_office(counselor, client)
    desk.start_homework(counselor, client)
    (record,), _ = desk.clients(counselor)
    assert record.assessments == 2
    assert desk.client(counselor, client).assessments == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("", {"100% sure", "under_score", "back\\slash", "Plain pair", "100 percent"}),
        ("%", {"100% sure"}),
        ("_", {"under_score"}),
        ("\\", {"back\\slash"}),
        ("100%", {"100% sure"}),
        ("PLAIN", {"Plain pair"}),
        ("  plain   pair ", {"Plain pair"}),
        ("d_r", set()),  # "_" would match the "e" of "under"
        ("%%", set()),
        ("' OR 1=1 --", set()),
    ],
)
def test_search_is_a_literal_case_insensitive_substring(desk: CounselorDesk, search: str, expected: set[str]) -> None:
    counselor = desk.add_counselor("rivera", PASSWORD)
    for label in ["100% sure", "under_score", "back\\slash", "Plain pair", "100 percent"]:
        desk.add_client(counselor, label)
    found, total = desk.clients(counselor, search=search)
    assert {c.label for c in found} == expected
    assert total == len(expected)


# --------------------------------------------------------------------------- one counselor, not another


def _practice(desk: CounselorDesk, username: str, admin: bool = False) -> dict[str, Any]:
    """A counselor with a couple on the roster: an in-office and a homework assessment
    (both partners answered and consented), a note and a homework step."""
    store = desk.store
    counselor = desk.add_counselor(username, PASSWORD, is_admin=admin)
    client = desk.add_client(counselor, f"Couple of {username}")
    office_couple, _device = desk.start_in_office(counselor, client)
    record = store.couple(office_couple)
    assert record is not None
    for partner in record.partners:
        store.save_answers(partner.person_id, ANSWERS, VERSIONS)
        store.give_counselor_consent(partner.person_id)
    home_couple, token, code = desk.start_homework(counselor, client)
    first = store.person_by_token(token)
    joined = store.join_couple(code)
    assert first is not None and joined.person_id is not None
    for person_id in (first.id, joined.person_id):
        store.save_answers(person_id, ANSWERS, VERSIONS)
        store.give_counselor_consent(person_id)
    desk.add_note(counselor, client, f"private note of {username}")
    desk.assign_homework(counselor, client, ["weekly_check_in"])
    (step,) = desk.homework(counselor, client)
    people = [p.person_id for c in (office_couple, home_couple) for p in store.couple(c).partners]  # type: ignore[union-attr]
    return {
        "counselor": counselor,
        "client": client,
        "couples": [office_couple, home_couple],
        "people": people,
        "step": step.id,
    }


def _snapshot(store: Store) -> dict[str, list[str]]:
    return {table: sorted(repr(row) for row in rows(store.engine, table)) for table in Base.metadata.tables}


#: Every CounselorDesk method that takes someone's id, and how another counselor might try it.
INTRUSIONS: dict[str, Any] = {
    "client": lambda d, me, a: d.client(me, a["client"]),
    "client_with_label": lambda d, me, a: d.client_with_label(me, "Couple of alice"),
    "delete_client": lambda d, me, a: d.delete_client(me, a["client"]),
    "start_in_office": lambda d, me, a: d.start_in_office(me, a["client"]),
    "start_homework": lambda d, me, a: d.start_homework(me, a["client"]),
    "assessments": lambda d, me, a: d.assessments(me, a["client"]),
    "assessment": lambda d, me, a: [d.assessment(me, c) for c in a["couples"]],
    "consented_answers": lambda d, me, a: [d.consented_answers(me, c) for c in a["couples"]],
    "consented_answers_by_assessment": lambda d, me, a: d.consented_answers_by_assessment(me, a["client"]),
    "answers_stamp": lambda d, me, a: d.answers_stamp(me, a["client"]),
    "add_note": lambda d, me, a: d.add_note(me, a["client"], "sneaky"),
    "notes": lambda d, me, a: d.notes(me, a["client"]),
    "assign_homework": lambda d, me, a: d.assign_homework(me, a["client"], ["sneaky"]),
    "homework": lambda d, me, a: d.homework(me, a["client"]),
    "set_homework_done": lambda d, me, a: d.set_homework_done(me, a["step"], True),
    "clients": lambda d, me, a: [d.clients(me), d.clients(me, search="alice")],
    "roster_assessments": lambda d, me, a: d.roster_assessments(me),
    "add_client": lambda d, me, a: d.add_client(a["client"], "a client id is no counselor id"),
    # (A guess with a valid new password counts against Alice's lock, as a login would:
    # tests/storage/test_counselor_admins.py::test_change_password_counts_against_the_login_lock.)
    "change_password": lambda d, me, a: _refused(lambda: d.change_password(a["counselor"], "a guess", "short")),
    # Alice, the first counselor, is an admin; Bob is not: he disables nobody.
    "set_disabled": lambda d, me, a: _refused(lambda: d.set_disabled(me, a["counselor"], True)),
    "is_admin": lambda d, me, a: d.is_admin(me),
}


def _refused(attempt: Any) -> str:
    """An attempt that must be refused with AccountError, changing nothing."""
    with pytest.raises(AccountError):
        attempt()
    return "refused"


def test_every_method_that_takes_an_id_is_tried_by_the_isolation_test() -> None:
    taking_ids = {
        name
        for name, function in pyinspect.getmembers(CounselorDesk, pyinspect.isfunction)
        if not name.startswith("_")
        and {"counselor_id", "client_id", "couple_id", "homework_id"} & set(pyinspect.signature(function).parameters)
    }
    assert taking_ids == set(INTRUSIONS)


@pytest.mark.parametrize("method", sorted(INTRUSIONS))
def test_another_counselor_can_neither_see_nor_touch(desk: CounselorDesk, method: str) -> None:
    alice = _practice(desk, "alice")
    bob = _practice(desk, "bob")
    before = _snapshot(desk.store)
    try:
        seen = INTRUSIONS[method](desk, bob["counselor"], alice)
    except StorageError:
        seen = None
    # Whatever came back holds nothing of Alice's ...
    for value in alice["couples"] + alice["people"] + [alice["client"], "private note of alice", "Couple of alice"]:
        assert value not in repr(seen)
    # ... and Alice's data is exactly as it was (Bob's own may have grown).
    after = _snapshot(desk.store)
    for table, before_rows in before.items():
        alice_rows = [r for r in before_rows if _belongs_to(r, alice)]
        assert alice_rows == [r for r in after[table] if _belongs_to(r, alice)], table
    assert [n.body for n in desk.notes(alice["counselor"], alice["client"])] == ["private note of alice"]
    assert [h.done_at for h in desk.homework(alice["counselor"], alice["client"])] == [None]


def _belongs_to(row: str, practice: dict[str, Any]) -> bool:
    return any(
        value in row for value in [practice["counselor"], practice["client"], *practice["couples"], *practice["people"]]
    )


def test_a_counselor_sees_only_the_answers_of_partners_who_consented(desk: CounselorDesk) -> None:
    store = desk.store
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    couple_id, _ = desk.start_in_office(counselor, client)
    one, two = store.couple(couple_id).partners  # type: ignore[union-attr]
    store.save_answers(one.person_id, ANSWERS, VERSIONS)
    store.save_answers(two.person_id, {"worth_it": {"respect": 0}}, {"worth_it": 1})
    assert desk.consented_answers(counselor, couple_id) == {}
    store.give_counselor_consent(two.person_id)
    assert desk.consented_answers(counselor, couple_id) == {2: {"worth_it": {"respect": 0}}}
    (assessment,) = desk.assessments(counselor, client)
    assert assessment.consented == frozenset({2})


def test_the_answers_of_every_assessment_at_once_are_those_of_each_assessment(desk: CounselorDesk) -> None:
    """``consented_answers_by_assessment`` (the couple's page, in two queries) gives what
    ``consented_answers`` gives assessment by assessment: consented partners only, a
    consented partner with no answers yet as empty, nobody's assessment left out."""
    store = desk.store
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    other = desk.add_client(counselor, "Another couple")
    both, _ = desk.start_in_office(counselor, client)
    one_only, _ = desk.start_in_office(counselor, client)
    nobody, _ = desk.start_in_office(counselor, client)
    no_answers, _ = desk.start_in_office(counselor, client)
    elsewhere, _ = desk.start_in_office(counselor, other)
    for couple_id, consenting in ((both, {1, 2}), (one_only, {1}), (nobody, set()), (no_answers, {2})):
        for partner in store.couple(couple_id).partners:  # type: ignore[union-attr]
            if couple_id != no_answers:
                store.save_answers(partner.person_id, {"worth_it": {"respect": partner.slot}}, {"worth_it": 1})
            if partner.slot in consenting:
                store.give_counselor_consent(partner.person_id)
    for partner in store.couple(elsewhere).partners:  # type: ignore[union-attr]
        store.save_answers(partner.person_id, ANSWERS, VERSIONS)
        store.give_counselor_consent(partner.person_id)

    everything = desk.consented_answers_by_assessment(counselor, client)
    assert everything == {
        both: {1: {"worth_it": {"respect": 1}}, 2: {"worth_it": {"respect": 2}}},
        one_only: {1: {"worth_it": {"respect": 1}}},
        no_answers: {2: {}},
    }
    for couple_id in (both, one_only, nobody, no_answers):
        assert everything.get(couple_id, {}) == desk.consented_answers(counselor, couple_id)
    assert set(desk.consented_answers_by_assessment(counselor, other)) == {elsewhere}


def test_the_answers_stamp_moves_with_every_consented_answer_and_nothing_else(desk: CounselorDesk) -> None:
    store = desk.store
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    assert desk.answers_stamp(counselor, client) == (0, None)
    couple_id, _ = desk.start_in_office(counselor, client)
    one, two = store.couple(couple_id).partners  # type: ignore[union-attr]
    store.save_answers(one.person_id, ANSWERS, VERSIONS)
    assert desk.answers_stamp(counselor, client) == (0, None)  # nobody consented yet
    store.give_counselor_consent(one.person_id)
    count, first = desk.answers_stamp(counselor, client)
    assert count == sum(len(items) for items in ANSWERS.values()) and first is not None
    store.save_answer(two.person_id, "worth_it", 1, "respect", 0)  # not consented: no change
    assert desk.answers_stamp(counselor, client) == (count, first)
    store.save_answer(one.person_id, "worth_it", 1, "respect", 0)  # a changed answer
    changed = desk.answers_stamp(counselor, client)
    assert changed[0] == count and changed[1] is not None and changed[1] > first
    assert desk.answers_stamp(desk.add_counselor("other.one", PASSWORD), client) == (0, None)


# --------------------------------------------------------------------------- deleting a client


def test_delete_client_removes_everything_of_that_couple_from_every_table(desk: CounselorDesk) -> None:
    alice = _practice(desk, "alice")
    keep_client = desk.add_client(alice["counselor"], "Another couple")
    desk.add_note(alice["counselor"], keep_client, "kept note")
    bob = _practice(desk, "bob")
    solo, solo_token = desk.store.create_person()
    desk.store.save_answers(solo, ANSWERS, VERSIONS)

    desk.delete_client(alice["counselor"], alice["client"])

    everything = all_stored_text(desk.store.engine)
    for value in [alice["client"], *alice["couples"], *alice["people"], "private note of alice", "Couple of alice"]:
        assert value not in everything
    assert count(desk.store.engine, "homework", id=alice["step"]) == 0
    assert desk.client(alice["counselor"], alice["client"]) is None
    # Everyone and everything else stays.
    assert [n.body for n in desk.notes(alice["counselor"], keep_client)] == ["kept note"]
    assert [n.body for n in desk.notes(bob["counselor"], bob["client"])] == ["private note of bob"]
    assert len(desk.assessments(bob["counselor"], bob["client"])) == 2
    assert all(desk.store.answers_for(p) == ANSWERS for p in bob["people"])
    assert desk.store.answers_for(solo) == ANSWERS and desk.store.person_by_token(solo_token) is not None
    assert desk.authenticate("alice", PASSWORD).counselor is not None


def test_removing_a_counselor_with_delete_couples_leaves_nothing_of_them(desk: CounselorDesk) -> None:
    alice = _practice(desk, "alice")
    second = desk.add_client(alice["counselor"], "Another couple")
    desk.add_note(alice["counselor"], second, "second note")
    bob = _practice(desk, "bob", admin=True)  # an admin remains
    solo, _ = desk.store.create_person()
    desk.store.save_answers(solo, ANSWERS, VERSIONS)
    alice_hash = _counselor_row(desk, "alice")["password_hash"]

    report = desk.remove_counselor("Alice", delete_couples=True)

    assert report == RemovalReport(couples=2, deleted=True)
    everything = all_stored_text(desk.store.engine)
    for value in [alice["counselor"], alice_hash, alice["client"], second, *alice["couples"], *alice["people"]]:
        assert value not in everything
    for value in ["private note of alice", "second note", "Couple of alice", "Another couple"]:
        assert value not in everything
    assert count(desk.store.engine, "counselors", username="alice") == 0
    assert count(desk.store.engine, "homework", id=alice["step"]) == 0
    assert desk.authenticate("alice", PASSWORD).counselor is None
    # Everyone else stays.
    assert [n.body for n in desk.notes(bob["counselor"], bob["client"])] == ["private note of bob"]
    assert all(desk.store.answers_for(p) == ANSWERS for p in bob["people"])
    assert desk.store.answers_for(solo) == ANSWERS


def test_removing_a_counselor_can_hand_their_couples_over(desk: CounselorDesk) -> None:
    alice = _practice(desk, "alice")
    bob = _practice(desk, "bob", admin=True)  # an admin remains
    before = {p: desk.store.answers_for(p) for p in alice["people"]}

    report = desk.remove_counselor("alice", hand_over_to="BOB")

    assert report == RemovalReport(couples=1, handed_over_to="bob")
    assert count(desk.store.engine, "counselors", username="alice") == 0
    roster, total = desk.clients(bob["counselor"])
    assert total == 2 and {c.id for c in roster} == {alice["client"], bob["client"]}
    # Everything of the couple comes along: assessments, answers, notes, homework.
    assert len(desk.assessments(bob["counselor"], alice["client"])) == 2
    assert [n.body for n in desk.notes(bob["counselor"], alice["client"])] == ["private note of alice"]
    assert [h.id for h in desk.homework(bob["counselor"], alice["client"])] == [alice["step"]]
    assert {p: desk.store.answers_for(p) for p in alice["people"]} == before
    assert desk.client(alice["counselor"], alice["client"]) is None


@pytest.mark.parametrize(
    ("username", "options", "message"),
    [
        ("nobody", {}, "no counselor called 'nobody'"),
        ("alice", {}, "still has 1 couple(s)"),
        ("alice", {"hand_over_to": "nobody"}, "no counselor called 'nobody'"),
        ("alice", {"hand_over_to": "Alice"}, "themselves"),
        ("alice", {"hand_over_to": "bob", "delete_couples": True}, "not both"),
    ],
)
def test_removing_a_counselor_refuses_bad_requests_and_changes_nothing(
    desk: CounselorDesk, username: str, options: dict[str, Any], message: str
) -> None:
    _practice(desk, "alice")
    _practice(desk, "bob")
    before = _snapshot(desk.store)
    with pytest.raises(AccountError, match=re.escape(message)):
        desk.remove_counselor(username, **options)
    assert _snapshot(desk.store) == before


def test_a_counselor_without_couples_is_simply_removed(desk: CounselorDesk) -> None:
    desk.add_counselor("alice", PASSWORD)
    assert desk.remove_counselor("alice") == RemovalReport(couples=0)
    assert count(desk.store.engine, "counselors") == 0


def test_deleting_an_unknown_client_fails_and_changes_nothing(desk: CounselorDesk) -> None:
    alice = _practice(desk, "alice")
    before = _snapshot(desk.store)
    with pytest.raises(StorageError):
        desk.delete_client(alice["counselor"], "0" * 32)
    assert _snapshot(desk.store) == before


# --------------------------------------------------------------------------- notes and homework


def test_notes_are_newest_first_and_checked(desk: CounselorDesk) -> None:
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    for text in ["first", "  second  ", "<script>alert(1)</script> third"]:
        desk.add_note(counselor, client, text)
    assert [n.body for n in desk.notes(counselor, client)] == ["<script>alert(1)</script> third", "second", "first"]
    for bad in ["", "   \n ", "x" * (MAX_NOTE_LENGTH + 1)]:
        with pytest.raises(AccountError):
            desk.add_note(counselor, client, bad)
    assert count(desk.store.engine, "session_notes") == 3


def test_notes_are_sealed_when_the_store_has_a_key(store: Store) -> None:
    keyed = Store(store.engine, sealer=FernetSealer([generate_key()]))
    desk = CounselorDesk(keyed)
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    desk.add_note(counselor, client, "they argued about the holidays")
    (row,) = rows(keyed.engine, "session_notes")
    assert row["body"].startswith(SEALED_PREFIX) and "holidays" not in row["body"]
    assert [n.body for n in desk.notes(counselor, client)] == ["they argued about the holidays"]
    # A desk given its own sealer uses it; the default is the store's.
    assert CounselorDesk(keyed).sealer is keyed.sealer
    other = FernetSealer([generate_key()])
    assert CounselorDesk(keyed, sealer=other).sealer is other


def test_homework_is_assigned_once_while_open_and_checked_off(desk: CounselorDesk) -> None:
    counselor = desk.add_counselor("rivera", PASSWORD)
    client = desk.add_client(counselor, "Sam & Alex")
    desk.assign_homework(counselor, client, ["weekly_check_in", "gratitude_note", "weekly_check_in"])
    desk.assign_homework(counselor, client, ["weekly_check_in", "x" * 100, "x" * 64 + "y"])
    steps = desk.homework(counselor, client)
    assert [s.suggestion_id for s in steps] == ["weekly_check_in", "gratitude_note", "x" * 64]
    desk.set_homework_done(counselor, steps[0].id, True)
    assert desk.homework(counselor, client)[0].done_at is not None
    desk.assign_homework(counselor, client, ["weekly_check_in"])  # done, so it can be given again
    assert [s.suggestion_id for s in desk.homework(counselor, client)].count("weekly_check_in") == 2
    desk.set_homework_done(counselor, steps[0].id, False)
    assert desk.homework(counselor, client)[0].done_at is None
    with pytest.raises(StorageError):
        desk.set_homework_done(counselor, 10_000_000, True)


def test_a_label_already_on_the_roster_is_found_whatever_its_case_and_spacing(desk: CounselorDesk) -> None:
    ana = desk.add_counselor("ana", PASSWORD)
    ben = desk.add_counselor("ben", PASSWORD)
    first = desk.add_client(ana, "Couple 0317")
    assert desk.client_with_label(ana, "Couple 0318") is None
    found = desk.client_with_label(ana, "  couple   0317 ")
    assert found is not None and found.id == first
    assert desk.client_with_label(ben, "Couple 0317") is None
