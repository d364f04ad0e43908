"""The Store on SQLite (a file) and PostgreSQL (from ``postgres_url``): people, answers, safety of writes."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, event, func, select

from storage import database
from storage.errors import StorageError
from storage.models import Answer, Person
from storage.repository import Store
from storage.tokens import hash_token

PEOPLE = Person.__table__
ANSWERS = Answer.__table__


def _count(engine: Engine, table: Any, **where: Any) -> int:
    statement = select(func.count()).select_from(table)
    for column, value in where.items():
        statement = statement.where(table.c[column] == value)
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


# --------------------------------------------------------------------------- people and tokens


def test_create_person_gives_a_long_url_safe_token(store: Store) -> None:
    person_id, token = store.create_person()
    assert len(token) >= 22  # >= 128 bits in base64url
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(person_id) == 32
    other_id, other_token = store.create_person()
    assert (other_id, other_token) != (person_id, token)
    assert other_token != token


def test_tokens_are_distinct_across_many_people(store: Store) -> None:
    tokens = {store.create_person()[1] for _ in range(20)}
    assert len(tokens) == 20


def test_only_the_token_hash_is_stored(store: Store) -> None:
    person_id, token = store.create_person()
    with store.engine.connect() as connection:
        rows = connection.execute(select(PEOPLE)).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == person_id
    assert row["token_hash"] == hashlib.sha256(token.encode("utf-8")).hexdigest() == hash_token(token)
    for column, value in row.items():
        assert token not in str(value), f"the token is stored in {column}"


def test_person_by_token_round_trip(store: Store) -> None:
    person_id, token = store.create_person()
    record = store.person_by_token(token)
    assert record is not None
    assert record.id == person_id
    assert record.progress == {}
    assert store.person_exists(person_id) is True


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 257, "x" * 100_000, "' OR 1=1 --"])
def test_unknown_empty_or_huge_token_finds_nobody(store: Store, token: str) -> None:
    store.create_person()
    assert store.person_by_token(token) is None


def test_a_token_with_one_character_changed_finds_nobody(store: Store) -> None:
    _, token = store.create_person()
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert store.person_by_token(changed) is None
    assert store.person_by_token(token.upper() if token.upper() != token else token.lower()) is None


@contextmanager
def sent_by_the_driver(store: Store) -> Iterator[list[tuple[str, bool]]]:
    """Each statement the driver runs, first word and whether it ran in a transaction, as the
    driver sees it: ``database.driver_rows`` bypasses SQLAlchemy's events (SQLite's trace
    callback; psycopg's cursors, on connections as the pool lends them)."""
    sent: list[tuple[str, bool]] = []
    postgres = store.engine.dialect.name == "postgresql"
    cursor_type: Any = None
    if postgres:
        import psycopg

        class Recording(psycopg.Cursor[Any]):
            def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
                sent.append((str(query).split(maxsplit=1)[0], not self.connection.autocommit))
                return super().execute(query, *args, **kwargs)

        cursor_type = psycopg.Cursor

    def lent(dbapi: Any, *_: Any) -> None:
        if postgres:
            dbapi.cursor_factory = Recording
        else:
            dbapi.set_trace_callback(lambda sql: sent.append((sql.split(maxsplit=1)[0], dbapi.in_transaction)))

    def returned(dbapi: Any, *_: Any) -> None:
        if dbapi is None:  # invalidated
            return
        if postgres:
            dbapi.cursor_factory = cursor_type
        else:
            dbapi.set_trace_callback(None)

    event.listen(store.engine.pool, "checkout", lent)
    event.listen(store.engine.pool, "checkin", returned)
    try:
        yield sent
    finally:
        event.remove(store.engine.pool, "checkout", lent)
        event.remove(store.engine.pool, "checkin", returned)


def test_the_lookups_that_open_every_action_are_one_statement_in_no_transaction(store: Store) -> None:
    """One statement is atomic on its own: no BEGIN and COMMIT round trips around it at every
    click (storage.database.driver_rows), on either database."""
    _, token = store.create_person()
    _, device, _ = store.create_couple_one_device()
    _, _, partner_token, _ = store.create_couple_two_devices()
    assert partner_token is not None
    with sent_by_the_driver(store) as sent:
        assert store.person_by_token(token) is not None
        assert store.couple_by_device_token(device) is not None
        assert store.partner_by_token(partner_token) is not None
        assert store.person_by_token("no such token") is None
    assert sent == [("SELECT", False)] * 4
    with sent_by_the_driver(store) as sent:  # a write still runs in its transaction afterwards
        store.create_person()
    assert ("INSERT", True) in sent
    assert store.person_by_token(token) is not None


def test_the_driver_gives_the_rows_sqlalchemy_gives(store: Store) -> None:
    """``database.driver_rows`` skips SQLAlchemy's result, not its types: the same rows, by the
    same names, dates as dates (SQLite keeps them as text), literals of the statement included."""
    person_id, _ = store.create_person()
    store.mark_finished(person_id)
    statement = select(Person.id, Person.slot, Person.finished_at, Person.updated_at.label("changed")).where(
        Person.id == bindparam("person_id"), Person.progress != "never"
    )
    rows = database.driver_rows(store.engine, statement, {"person_id": person_id})
    with store.engine.connect() as connection:
        expected = connection.execute(statement, {"person_id": person_id}).all()
    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert isinstance(rows[0].finished_at, datetime) and rows[0].changed == expected[0].changed
    assert database.driver_rows(store.engine, statement, {"person_id": "nobody"}) == []


def test_an_answer_and_a_page_turn_are_one_statement_each_on_postgresql(store: Store) -> None:
    """The commonest writes (a click, a page turn) are one statement: on PostgreSQL in
    autocommit, with no BEGIN and COMMIT round trips; on SQLite in a transaction of its own.
    A batch of answers stays in one transaction on both (all or nothing)."""
    person_id, _ = store.create_person()
    sent: list[tuple[str, bool]] = []
    postgres = store.engine.dialect.name == "postgresql"

    def record(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        dbapi = connection.connection.driver_connection
        in_transaction = not dbapi.autocommit if postgres else dbapi.in_transaction
        if statement != "BEGIN IMMEDIATE":  # SQLite's, sent by storage.database's "begin" event
            sent.append((statement.split(maxsplit=1)[0], in_transaction))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        store.save_answer(person_id, "worth_it", 1, "respect", 2)
        store.set_progress(person_id, {"page": "intimacy"})
        one_at_a_time = sent[:]
        sent.clear()
        store.save_answers(person_id, {"worth_it": {"respect": 1, "safe": 0}}, {"worth_it": 1})
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    if postgres:
        assert one_at_a_time == [("WITH", False), ("UPDATE", False)]
    else:
        assert [statement for statement, _ in one_at_a_time] == ["UPDATE", "INSERT", "UPDATE"]
        assert all(in_transaction for _, in_transaction in one_at_a_time)
    assert [statement for statement, _ in sent] == ["UPDATE", "INSERT"] and all(t for _, t in sent)
    assert store.answers_for(person_id) == {"worth_it": {"respect": 1, "safe": 0}}


def test_set_progress_round_trips(store: Store) -> None:
    person_id, token = store.create_person()
    progress = {"page": "intimacy", "section": "affection", "done": ["worth_it"]}
    store.set_progress(person_id, progress)
    record = store.person_by_token(token)
    assert record is not None
    assert record.progress == progress
    store.set_progress(person_id, {"page": "results"})
    record = store.person_by_token(token)
    assert record is not None
    assert record.progress == {"page": "results"}


def test_set_progress_for_an_unknown_person_fails(store: Store) -> None:
    with pytest.raises(StorageError):
        store.set_progress("0" * 32, {"page": "welcome"})


# --------------------------------------------------------------------------- answers


def test_save_answer_is_an_upsert(store: Store) -> None:
    person_id, _ = store.create_person()
    store.save_answer(person_id, "intimacy", 1, "comm_heard", 2)
    store.save_answer(person_id, "intimacy", 1, "comm_heard", 5)
    assert store.answers_for(person_id) == {"intimacy": {"comm_heard": 5}}
    assert _count(store.engine, ANSWERS, person_id=person_id) == 1


def test_upsert_updates_the_questionnaire_version(store: Store) -> None:
    person_id, _ = store.create_person()
    store.save_answer(person_id, "intimacy", 1, "comm_heard", 2)
    store.save_answer(person_id, "intimacy", 2, "comm_heard", 3)
    with store.engine.connect() as connection:
        version = connection.execute(select(ANSWERS.c.questionnaire_version)).scalar_one()
    assert version == 2


def test_multi_values_round_trip_as_lists(store: Store) -> None:
    person_id, _ = store.create_person()
    store.save_answer(person_id, "intimacy", 1, "pressures", [1, 3, 7])
    store.save_answer(person_id, "intimacy", 1, "children", 0)
    answers = store.answers_for(person_id)
    assert answers == {"intimacy": {"pressures": [1, 3, 7], "children": 0}}
    assert isinstance(answers["intimacy"]["pressures"], list)
    store.save_answer(person_id, "intimacy", 1, "pressures", [])
    assert store.answers_for(person_id)["intimacy"]["pressures"] == []


def test_answers_are_grouped_by_questionnaire_and_person(store: Store) -> None:
    alice, _ = store.create_person()
    bob, _ = store.create_person()
    store.save_answer(alice, "worth_it", 1, "respect", 2)
    store.save_answer(alice, "intimacy", 1, "comm_heard", 4)
    store.save_answer(alice, "intimacy", 1, "respect", 3)  # same item id in another questionnaire
    store.save_answer(bob, "worth_it", 1, "respect", 0)
    assert store.answers_for(alice) == {"worth_it": {"respect": 2}, "intimacy": {"comm_heard": 4, "respect": 3}}
    assert store.answers_for(bob) == {"worth_it": {"respect": 0}}
    assert store.count_answers(alice) == 3
    assert store.answers_for("0" * 32) == {}


def test_save_answers_writes_a_batch(store: Store) -> None:
    person_id, _ = store.create_person()
    batch = {"worth_it": {"respect": 2, "safe": 2}, "intimacy": {"comm_heard": 3, "pressures": [2]}}
    store.save_answers(person_id, batch, {"worth_it": 1, "intimacy": 1})
    assert store.answers_for(person_id) == batch
    store.save_answers(person_id, {"intimacy": {"comm_heard": 5}}, {"intimacy": 1})
    assert store.answers_for(person_id) == {**batch, "intimacy": {"comm_heard": 5, "pressures": [2]}}


def test_save_answers_with_replace_replaces_everything(store: Store) -> None:
    person_id, _ = store.create_person()
    other, _ = store.create_person()
    store.save_answers(
        person_id, {"worth_it": {"respect": 2}, "intimacy": {"comm_heard": 3}}, {"worth_it": 1, "intimacy": 1}
    )
    store.save_answer(other, "worth_it", 1, "respect", 1)
    store.save_answers(person_id, {"intimacy": {"comm_listen": 4}}, {"intimacy": 1}, replace=True)
    assert store.answers_for(person_id) == {"intimacy": {"comm_listen": 4}}
    assert store.answers_for(other) == {"worth_it": {"respect": 1}}, "replace touches only this person"
    store.save_answers(person_id, {}, {}, replace=True)
    assert store.answers_for(person_id) == {}


def test_a_failing_replace_changes_nothing(store: Store) -> None:
    person_id, _ = store.create_person()
    before = {"worth_it": {"respect": 2}, "intimacy": {"comm_heard": 3}}
    store.save_answers(person_id, before, {"worth_it": 1, "intimacy": 1})
    # A missing version breaks the INSERT after the DELETE of replace=True: all must roll back.
    broken_versions: Any = {"worth_it": 1, "intimacy": None}
    with pytest.raises(StorageError):
        store.save_answers(
            person_id, {"worth_it": {"safe": 2}, "intimacy": {"comm_listen": 4}}, broken_versions, replace=True
        )
    assert store.answers_for(person_id) == before


def test_save_for_an_unknown_person_writes_nothing(store: Store) -> None:
    store.create_person()
    with pytest.raises(StorageError):
        store.save_answers("f" * 32, {"worth_it": {"respect": 2, "safe": 2}}, {"worth_it": 1})
    with pytest.raises(StorageError):
        store.save_answer("f" * 32, "worth_it", 1, "respect", 2)
    assert _count(store.engine, ANSWERS) == 0
    assert _count(store.engine, PEOPLE) == 1


def test_delete_person_removes_the_person_and_all_answers(store: Store) -> None:
    person_id, token = store.create_person()
    keep_id, keep_token = store.create_person()
    store.save_answers(
        person_id,
        {"worth_it": {"respect": 2}, "intimacy": {"comm_heard": 3, "pressures": [1]}},
        {"worth_it": 1, "intimacy": 1},
    )
    store.save_answer(keep_id, "worth_it", 1, "respect", 0)
    assert _count(store.engine, ANSWERS, person_id=person_id) == 3
    store.delete_person(person_id)
    assert _count(store.engine, PEOPLE, id=person_id) == 0
    assert _count(store.engine, ANSWERS, person_id=person_id) == 0
    assert store.person_by_token(token) is None
    assert store.person_exists(person_id) is False
    assert store.answers_for(person_id) == {}
    # Nobody else is touched.
    assert _count(store.engine, PEOPLE) == 1
    assert store.answers_for(keep_id) == {"worth_it": {"respect": 0}}
    assert store.person_by_token(keep_token) is not None


def test_deleting_an_unknown_person_is_harmless(store: Store) -> None:
    person_id, _ = store.create_person()
    store.delete_person("0" * 32)
    assert store.person_exists(person_id)


def test_foreign_key_cascade_removes_answers_with_their_person(store: Store) -> None:
    """Even a delete that bypasses the Store leaves no orphaned answers."""
    person_id, _ = store.create_person()
    store.save_answer(person_id, "worth_it", 1, "respect", 2)
    with store.engine.begin() as connection:
        connection.execute(PEOPLE.delete().where(PEOPLE.c.id == person_id))
    assert _count(store.engine, ANSWERS) == 0


def test_save_answer_keeps_nothing_half_written_when_the_person_vanishes(store: Store) -> None:
    person_id, _ = store.create_person()
    store.delete_person(person_id)
    with pytest.raises(StorageError):
        store.save_answer(person_id, "worth_it", 1, "respect", 2)
    assert _count(store.engine, ANSWERS) == 0


# --------------------------------------------------------------------------- SQLite specifics


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "spark_check.sqlite3"


def test_sqlite_uses_wal_and_foreign_keys(sqlite_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{sqlite_path}")
    try:
        assert sqlite_path.is_file(), "the parent folder is created"
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        store.engine.dispose()


def test_a_read_only_database_refuses_writes_and_keeps_its_data(
    sqlite_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writable = Store.from_url(f"sqlite:///{sqlite_path}")
    person_id, token = writable.create_person()
    writable.save_answer(person_id, "intimacy", 1, "comm_heard", 3)
    # make_engine mkdirs the parent of "file:..." relative to the working directory: keep that in tmp_path.
    monkeypatch.chdir(tmp_path)
    read_only = Store.from_url(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true", create=False)
    try:
        assert read_only.answers_for(person_id) == {"intimacy": {"comm_heard": 3}}
        with pytest.raises(StorageError):
            read_only.save_answer(person_id, "intimacy", 1, "comm_heard", 5)
        with pytest.raises(StorageError):
            read_only.create_person()
        with pytest.raises(StorageError):
            read_only.delete_person(person_id)
        assert read_only.answers_for(person_id) == {"intimacy": {"comm_heard": 3}}
    finally:
        read_only.engine.dispose()
    assert writable.answers_for(person_id) == {"intimacy": {"comm_heard": 3}}
    assert writable.person_by_token(token) is not None
    assert _count(writable.engine, PEOPLE) == 1
    writable.engine.dispose()


def test_a_sqlite_uri_creates_no_stray_folder(
    sqlite_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.from_url(f"sqlite:///{sqlite_path}").engine.dispose()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    read_only = Store.from_url(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true", create=False)
    read_only.engine.dispose()
    assert os.listdir(workdir) == []


def test_concurrent_writers_lose_nothing(store: Store) -> None:
    people = [store.create_person()[0] for _ in range(8)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(people))

    def write(person_id: str) -> None:
        try:
            start.wait(timeout=30)
            for n in range(50):
                store.save_answer(person_id, "intimacy", 1, f"item_{n}", n % 5 + 1)
        except BaseException as exc:  # collected and reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(person_id,)) for person_id in people]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []
        assert _count(store.engine, ANSWERS) == 400
        for person_id in people:
            answers = store.answers_for(person_id)["intimacy"]
            assert answers == {f"item_{n}": n % 5 + 1 for n in range(50)}
    finally:
        for thread in threads:
            thread.join(timeout=1)
