"""Deleting and purging (SQLite file and PostgreSQL).

- Deleting a person or a couple removes them from every table: no row anywhere keeps
  their id, their token's hash, or an answer of theirs.
- When a delete returns (a person's *My data → delete*, a couple's, a counselor deleting
  a client), nothing of what went is left in the SQLite file or its write-ahead log
  either, with no encryption key configured (the default): no token hash, id, label,
  note or answer value, byte for byte.
- Responses never finished and untouched for the retention period (90 days by
  default) are purged; finished ones, active ones and counselors' are kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from storage import database, retention
from storage.counselors import CounselorDesk
from storage.couples import JoinOutcome
from storage.errors import StorageError
from storage.models import Answer, Couple, Person, utcnow
from storage.repository import Store
from storage.retention import RETENTION_DAYS, PurgeReport
from storage.tokens import hash_token
from tests.db import all_stored_text, count, rows
from ui.session import STATE_KEY

ANSWERS: dict[str, dict[str, Any]] = {"worth_it": {"respect": 2, "safe": 2}, "intimacy": {"pressures": [1, 3]}}
VERSIONS = {"worth_it": 1, "intimacy": 1}
#: The purge runs "now" this far in the future: everything written by the test is old.
LATER = timedelta(days=RETENTION_DAYS + 10)


def _traces(store: Store, person_id: str, token: str | None) -> list[str]:
    """Where a person still appears: table names."""
    needles = [person_id] + ([hash_token(token)] if token else [])
    from storage.models import Base

    return [
        table
        for table in Base.metadata.tables
        for row in rows(store.engine, table)
        if any(needle in str(value) for needle in needles for value in row.values())
    ]


def _touch(store: Store, person_id: str, when: datetime) -> None:
    """Pretend the person (and their answers) were last active ``when``."""
    with store.engine.begin() as connection:
        connection.execute(update(Person).where(Person.id == person_id).values(updated_at=when))
        connection.execute(update(Answer).where(Answer.person_id == person_id).values(updated_at=when))


# --------------------------------------------------------------------------- deleting


def test_deleting_a_person_leaves_no_trace_in_any_table(store: Store) -> None:
    person_id, token = store.create_person()
    store.save_answers(person_id, ANSWERS, VERSIONS)
    store.set_progress(person_id, {"page": "intimacy"})
    other, other_token = store.create_person()
    store.save_answers(other, ANSWERS, VERSIONS)
    store.delete_person(person_id)
    assert _traces(store, person_id, token) == []
    assert count(store.engine, "answers") == 3
    assert store.answers_for(other) == ANSWERS and store.person_by_token(other_token) is not None


def test_the_first_partner_deleting_before_the_second_joins_removes_the_couple_space(store: Store) -> None:
    couple_id, person_id, token, code = store.create_couple_two_devices()
    store.save_answers(person_id, ANSWERS, VERSIONS)
    store.delete_person(person_id)
    assert _traces(store, person_id, token) == []
    assert count(store.engine, "couples") == 0
    assert couple_id not in all_stored_text(store.engine)
    assert store.join_couple(code).outcome is JoinOutcome.UNKNOWN


def test_a_partner_deleting_leaves_the_other_and_the_couple(store: Store) -> None:
    couple_id, first, _token, code = store.create_couple_two_devices()
    joined = store.join_couple(code)
    assert joined.person_id is not None and joined.token is not None
    store.save_answers(first, ANSWERS, VERSIONS)
    store.save_answers(joined.person_id, ANSWERS, VERSIONS)
    store.delete_person(joined.person_id)
    assert _traces(store, joined.person_id, joined.token) == []
    record = store.couple(couple_id)
    assert record is not None and [p.person_id for p in record.partners] == [first]
    assert store.answers_for(first) == ANSWERS


@pytest.mark.parametrize("two_devices", [False, True], ids=["one-device", "two-devices"])
def test_deleting_a_couple_leaves_no_trace_in_any_table(store: Store, two_devices: bool) -> None:
    if two_devices:
        couple_id, first, token, code = store.create_couple_two_devices()
        joined = store.join_couple(code)
        assert joined.person_id is not None
        people = [(first, token), (joined.person_id, joined.token)]
    else:
        couple_id, device_token, ids = store.create_couple_one_device()
        people = [(ids[0], device_token), (ids[1], None)]
    for person_id, _ in people:
        store.save_answers(person_id, ANSWERS, VERSIONS)
        store.finish(person_id, "items")
    keep, _ = store.create_person()
    store.save_answers(keep, ANSWERS, VERSIONS)
    store.delete_couple(couple_id)
    for person_id, token in people:
        assert _traces(store, person_id, token) == []
    assert couple_id not in all_stored_text(store.engine)
    assert store.answers_for(keep) == ANSWERS


# --------------------------------------------------------------------------- finishing


def test_mark_finished_records_the_first_time_only(store: Store) -> None:
    person_id, _ = store.create_person()
    store.mark_finished(person_id)
    (first,) = [r["finished_at"] for r in rows(store.engine, "people")]
    assert first is not None
    store.mark_finished(person_id)
    assert [r["finished_at"] for r in rows(store.engine, "people")] == [first]
    with pytest.raises(StorageError):
        store.mark_finished("0" * 32)


# --------------------------------------------------------------------------- purging


def test_purge_removes_untouched_unfinished_people_with_their_answers(store: Store) -> None:
    stale, stale_token = store.create_person()
    store.save_answers(stale, ANSWERS, VERSIONS)
    active, _ = store.create_person()
    store.save_answers(active, ANSWERS, VERSIONS)
    finished, _ = store.create_person()
    store.save_answers(finished, ANSWERS, VERSIONS)
    store.mark_finished(finished)
    now = utcnow() + LATER
    _touch(store, active, now - timedelta(days=RETENTION_DAYS - 1))

    report = store.purge_unfinished(now=now)

    assert report == PurgeReport(people=1, answers=3, couples=0, join_codes=0)
    assert _traces(store, stale, stale_token) == []
    assert store.answers_for(active) == ANSWERS and store.answers_for(finished) == ANSWERS
    assert store.purge_unfinished(now=now) == PurgeReport(), "a second run finds nothing"


def test_a_recent_answer_keeps_a_person(store: Store) -> None:
    person_id, _ = store.create_person()
    store.save_answers(person_id, ANSWERS, VERSIONS)
    now = utcnow() + LATER
    _touch(store, person_id, now - LATER)
    with store.engine.begin() as connection:
        connection.execute(update(Answer).where(Answer.item_id == "respect").values(updated_at=now - timedelta(days=1)))
    assert store.purge_unfinished(now=now).people == 0
    assert store.answers_for(person_id) == ANSWERS


def test_the_period_is_a_parameter(store: Store) -> None:
    person_id, _ = store.create_person()
    now = utcnow()
    _touch(store, person_id, now - timedelta(days=8))
    assert store.purge_unfinished(older_than=timedelta(days=9), now=now).people == 0
    assert store.purge_unfinished(older_than=timedelta(days=7), now=now).people == 1


def test_a_waiting_partner_is_kept_while_the_other_is_active(store: Store) -> None:
    couple_id, _device, (first, second) = store.create_couple_one_device()
    store.save_answers(first, ANSWERS, VERSIONS)
    now = utcnow() + LATER
    _touch(store, first, now - timedelta(days=1))  # partner 1 still answering; partner 2 waits its turn
    assert store.purge_unfinished(now=now).people == 0
    assert [p.person_id for p in store.couple(couple_id).partners] == [first, second]  # type: ignore[union-attr]


def test_a_couple_nobody_finished_or_touched_goes_whole(store: Store) -> None:
    couple_id, device_token, (first, _second) = store.create_couple_one_device()
    store.save_answers(first, ANSWERS, VERSIONS)
    report = store.purge_unfinished(now=utcnow() + LATER)
    assert (report.people, report.answers, report.couples) == (2, 3, 1)
    assert store.couple_by_device_token(device_token) is None
    assert couple_id not in all_stored_text(store.engine)


def test_a_finished_partner_stays_when_the_other_never_finished(store: Store) -> None:
    couple_id, first, _token, code = store.create_couple_two_devices()
    joined = store.join_couple(code)
    assert joined.person_id is not None
    store.save_answers(first, ANSWERS, VERSIONS)
    store.finish(first, "scores")
    report = store.purge_unfinished(now=utcnow() + LATER)
    assert (report.people, report.couples) == (1, 0)
    record = store.couple(couple_id)
    assert record is not None and [p.person_id for p in record.partners] == [first]
    assert store.answers_for(first) == ANSWERS


def test_a_counselors_assessments_are_left_to_the_counselor(store: Store) -> None:
    desk = CounselorDesk(store)
    counselor = desk.add_counselor("rivera", "a long enough password")
    client = desk.add_client(counselor, "Sam & Alex")
    couple_id, _ = desk.start_in_office(counselor, client)
    desk.start_homework(counselor, client)
    assert store.purge_unfinished(now=utcnow() + LATER).people == 0
    assert len(desk.assessments(counselor, client)) == 2
    assert store.couple(couple_id) is not None


def test_expired_join_codes_are_cleared(store: Store) -> None:
    expired_couple, _, _, expired_code = store.create_couple_two_devices()
    fresh_couple, _, _, fresh_code = store.create_couple_two_devices()
    now = utcnow() + timedelta(days=2)
    with store.engine.begin() as connection:
        connection.execute(
            update(Couple).where(Couple.id == fresh_couple).values(join_expires_at=now + timedelta(hours=1))
        )
    report = store.purge_unfinished(now=now)
    assert (report.people, report.join_codes) == (0, 1)
    (row,) = [r for r in rows(store.engine, "couples") if r["id"] == expired_couple]
    assert (row["join_prefix"], row["join_secret_hash"], row["join_expires_at"]) == (None, None, None)
    assert store.join_couple(expired_code).outcome is JoinOutcome.UNKNOWN
    assert store.join_couple(fresh_code).outcome is JoinOutcome.JOINED


def test_a_large_purge_runs_in_batches(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "PURGE_BATCH", 3)
    people = [store.create_person()[0] for _ in range(8)]
    for person_id in people:
        store.save_answer(person_id, "worth_it", 1, "respect", 2)
    keep, _ = store.create_person()
    store.mark_finished(keep)
    report = store.purge_unfinished(now=utcnow() + LATER)
    assert (report.people, report.answers) == (8, 8)
    assert count(store.engine, "people") == 1


# --------------------------------------------------------------------------- not even in the file


def test_deleted_answers_leave_no_bytes_in_the_sqlite_file(tmp_path: Path) -> None:
    """Rows are zeroed when deleted (secure_delete) and compact() empties the write-ahead log:
    the file keeps no copy of what was deleted, even with no encryption key configured."""
    path = tmp_path / "spark_check.sqlite3"
    store = Store.from_url(f"sqlite:///{path}")
    try:
        gone, _ = store.create_person()
        kept, _ = store.create_person()
        store.save_answers(gone, {"intimacy": {"pressures": [918_273_645]}}, VERSIONS)
        store.save_answers(kept, {"intimacy": {"pressures": [737_373_731]}}, VERSIONS)
        assert store.compact() is True
        assert b"918273645" in _file_bytes(path)  # the check can see it while it is there
        store.delete_person(gone)
        assert store.compact() is True
        data = _file_bytes(path)
        assert b"918273645" not in data
        assert gone.encode() not in data
        assert b"737373731" in data, "what is kept is still there"
    finally:
        store.engine.dispose()


def test_compact_is_harmless_on_postgresql_and_repeatable(store: Store) -> None:
    person_id, _ = store.create_person()
    store.save_answers(person_id, ANSWERS, VERSIONS)
    assert store.compact() is True
    assert store.compact() is True
    assert store.answers_for(person_id) == ANSWERS


def test_compact_reports_a_log_in_use_instead_of_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)  # it waits the busy timeout, then reports
    path = tmp_path / "spark_check.sqlite3"
    store = Store.from_url(f"sqlite:///{path}")
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        store.create_person()
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM people").fetchone()  # an open read snapshot pins the log
        store.create_person()
        assert store.compact() is False
        reader.execute("COMMIT")
        assert store.compact() is True
    finally:
        reader.close()
        store.engine.dispose()


def _file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest.fixture
def file_store(tmp_path: Path) -> Iterator[Store]:
    """A Store on a SQLite file under tmp_path, no encryption key (the default)."""
    store = Store.from_url(f"sqlite:///{tmp_path / 'spark_check.sqlite3'}")
    try:
        yield store
    finally:
        store.engine.dispose()


def _in_files(store: Store, needles: list[str]) -> list[str]:
    """The needles found, byte for byte, in the store's database file, its -wal or its -shm."""
    database = store.engine.url.database
    assert database is not None
    data = _file_bytes(Path(database))
    return [needle for needle in needles if needle.encode() in data]


#: Answer values no other bytes of the file could hold by chance.
GONE_VALUES = {"intimacy": {"pressures": [918_273_645, 564_738_291]}, "worth_it": {"respect": 731_902_468}}
KEPT_VALUES = {"intimacy": {"pressures": [737_373_731]}}


def _recognisable(answers: dict[str, dict[str, Any]]) -> list[str]:
    return [
        str(number)
        for items in answers.values()
        for value in items.values()
        for number in (value if isinstance(value, list) else [value])
    ]


def test_a_deleted_person_leaves_no_byte_in_the_file_or_its_log(file_store: Store) -> None:
    person_id, token = file_store.create_person()
    file_store.save_answers(person_id, GONE_VALUES, VERSIONS)
    file_store.set_progress(person_id, {"page": "intimacy"})
    kept, _ = file_store.create_person()
    file_store.save_answers(kept, KEPT_VALUES, VERSIONS)
    needles = [hash_token(token), person_id, *_recognisable(GONE_VALUES)]
    assert _in_files(file_store, needles) == needles  # the scan sees them while they are there

    file_store.delete_person(person_id)

    assert _in_files(file_store, needles) == []
    assert _in_files(file_store, _recognisable(KEPT_VALUES)) == ["737373731"], "what is kept is still there"


@pytest.mark.parametrize("two_devices", [False, True], ids=["one-device", "two-devices"])
def test_a_deleted_couple_leaves_no_byte_in_the_file_or_its_log(file_store: Store, two_devices: bool) -> None:
    if two_devices:
        couple_id, first, token, code = file_store.create_couple_two_devices()
        joined = file_store.join_couple(code)
        assert joined.person_id is not None and joined.token is not None and token is not None
        people, tokens = [first, joined.person_id], [token, joined.token]
    else:
        couple_id, device_token, (one, two) = file_store.create_couple_one_device()
        people, tokens = [one, two], [device_token]
    for person_id in people:
        file_store.save_answers(person_id, GONE_VALUES, VERSIONS)
        file_store.finish(person_id, "items")
    needles = [couple_id, *people, *map(hash_token, tokens), *_recognisable(GONE_VALUES)]
    assert _in_files(file_store, needles) == needles

    file_store.delete_couple(couple_id)

    assert _in_files(file_store, needles) == []


def test_a_client_a_counselor_deleted_leaves_no_byte_in_the_file_or_its_log(file_store: Store) -> None:
    desk = CounselorDesk(file_store)
    counselor = desk.add_counselor("rivera", "a long enough password")
    label, note = "Quillon & Marbury", "They argue about the Zephyrine budget every Sunday."
    client = desk.add_client(counselor, label)
    desk.add_note(counselor, client, note)
    in_office, device_token = desk.start_in_office(counselor, client)
    homework, link_token, _code = desk.start_homework(counselor, client)
    people = [p.person_id for c in (in_office, homework) for p in file_store.couple(c).partners]  # type: ignore[union-attr]
    for person_id in people:
        file_store.save_answers(person_id, GONE_VALUES, VERSIONS)
    kept = desk.add_client(counselor, "Another couple")
    needles = [
        label,
        label.lower(),
        note,
        client,
        in_office,
        homework,
        *people,
        hash_token(device_token),
        hash_token(link_token),
    ]
    needles += _recognisable(GONE_VALUES)
    assert _in_files(file_store, needles) == needles

    desk.delete_client(counselor, client)

    assert _in_files(file_store, needles) == []
    assert [c.id for c in desk.clients(counselor)[0]] == [kept]


def test_my_data_delete_in_the_app_leaves_no_byte_in_the_file_or_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's own path: *My data & downloads → Delete my answers* (ui/session.py
    the actor's delete), through AppTest, then the files the app's Store writes to."""
    path = tmp_path / "app.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SPARK_CHECK_ENCRYPTION_KEYS", raising=False)
    app = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60).run()
    app.button(key="start:worth_it").click().run()
    for radio in app.radio:
        radio.set_value(2)
    app.run()
    state = app.session_state[STATE_KEY]
    assert state.actor is not None
    needles = [state.actor.id, hash_token(state.actor.token)]
    data = _file_bytes(path)
    assert [n for n in needles if n.encode() in data] == needles

    app.switch_page("ui/pages/my_data.py").run()
    app.checkbox(key=f"delete:confirm:{state.person_id}").check().run()
    app.button(key="delete:go").click().run()

    assert not app.exception
    assert "deleted for good" in " ".join(str(s.value) for s in app.success)
    data = _file_bytes(path)
    assert [n for n in needles if n.encode() in data] == []


def test_a_purge_leaves_no_byte_in_the_file_or_its_log(file_store: Store) -> None:
    stale, token = file_store.create_person()
    file_store.save_answers(stale, GONE_VALUES, VERSIONS)
    needles = [stale, hash_token(token), *_recognisable(GONE_VALUES)]
    assert _in_files(file_store, needles) == needles
    assert file_store.purge_unfinished(now=utcnow() + LATER).people == 1
    assert _in_files(file_store, needles) == []


def test_a_delete_that_cannot_empty_the_log_says_so_and_a_retry_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process reading an old snapshot keeps the log's copy alive: past the busy
    timeout the delete says so (StorageError) rather than return as if it were done;
    deleting again once the reader has gone leaves nothing."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "spark_check.sqlite3"
    store = Store.from_url(f"sqlite:///{path}")
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        person_id, token = store.create_person()
        store.save_answers(person_id, GONE_VALUES, VERSIONS)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM answers").fetchone()  # a snapshot with the answers in it
        with pytest.raises(StorageError, match="try again"):
            store.delete_person(person_id)
        assert not store.person_exists(person_id)
        reader.execute("COMMIT")
        store.delete_person(person_id)
        assert _in_files(store, [person_id, hash_token(token), *_recognisable(GONE_VALUES)]) == []
    finally:
        reader.close()
        store.engine.dispose()
