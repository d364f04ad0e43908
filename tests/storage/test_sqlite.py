"""SQLite, the zero-setup default: WAL mode, ``synchronous=FULL`` (a commit is on disk
before it returns, power cut included), a busy timeout, and every transaction that may
write a ``BEGIN IMMEDIATE`` (the write lock is taken at BEGIN, not halfway through);
a read-only one reads a snapshot, under no lock a writer holds."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import database
from storage.database import SQLITE_BUSY_TIMEOUT_MS
from storage.errors import StorageError
from storage.models import Person
from storage.repository import Store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'spark_check.sqlite3'}")
    yield store
    store.engine.dispose()


def _path(store: Store) -> str:
    database = store.engine.url.database
    assert database is not None
    return database


def _outsider(store: Store, timeout: float = 0.0) -> sqlite3.Connection:
    """Another process's connection, as plain sqlite3, that gives up at once when busy."""
    return sqlite3.connect(_path(store), timeout=timeout, isolation_level=None)


def test_the_database_is_in_wal_mode_for_everyone(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    outsider = _outsider(sqlite_store)
    try:
        # WAL is a property of the file: a fresh connection that set nothing sees it too.
        assert outsider.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        outsider.close()


def test_every_connection_has_the_busy_timeout_foreign_keys_and_full_sync(sqlite_store: Store) -> None:
    # Three pooled connections at once (raw: a SQLAlchemy one would BEGIN IMMEDIATE and queue).
    connections = [sqlite_store.engine.raw_connection() for _ in range(3)]
    try:
        assert len({id(c.driver_connection) for c in connections}) == 3
        for connection in connections:
            cursor = connection.cursor()
            assert cursor.execute("PRAGMA busy_timeout").fetchone() == (SQLITE_BUSY_TIMEOUT_MS,)
            assert SQLITE_BUSY_TIMEOUT_MS == 10_000
            assert cursor.execute("PRAGMA foreign_keys").fetchone() == (1,)
            assert cursor.execute("PRAGMA secure_delete").fetchone() == (1,)
            # FULL (2): the log is synced at every commit; NORMAL (1) may lose the last ones in a power cut.
            assert cursor.execute("PRAGMA synchronous").fetchone() == (2,)
            cursor.close()
    finally:
        for connection in connections:
            connection.close()


def test_a_transaction_takes_the_write_lock_at_begin(sqlite_store: Store) -> None:
    """While a Store transaction is open, even before it writes anything, another
    connection's BEGIN IMMEDIATE fails at once with "database is locked"; reading
    still works (WAL); once the transaction ends, the other can write."""
    outsider = _outsider(sqlite_store)
    try:
        with sqlite_store.transaction() as session:
            session.connection()  # BEGIN: nothing read or written yet
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                outsider.execute("BEGIN IMMEDIATE")
            assert outsider.execute("SELECT count(*) FROM people").fetchone() == (0,)
        outsider.execute("BEGIN IMMEDIATE")
        outsider.execute("ROLLBACK")
    finally:
        outsider.close()


def test_reads_take_the_lock_too_so_no_transaction_upgrades_later(sqlite_store: Store) -> None:
    """A Store read is also a BEGIN IMMEDIATE: two transactions can never both read
    and then both try to write (the deadlock SQLite answers with an immediate error)."""
    person_id, _ = sqlite_store.create_person()
    outsider = _outsider(sqlite_store)
    try:
        with sqlite_store.transaction() as session:
            assert session.scalar(select(Person.id)) == person_id
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                outsider.execute("BEGIN IMMEDIATE")
    finally:
        outsider.close()
    assert sqlite_store.person_exists(person_id)


def test_a_read_only_transaction_reads_while_a_writer_holds_the_lock(sqlite_store: Store) -> None:
    """#21: the identity checks and other reads (``transaction(read_only=True)``) neither wait
    for this process's turn nor for another process's write: they read the last commit."""
    person_id, token = sqlite_store.create_person()
    outsider = _outsider(sqlite_store)
    try:
        outsider.execute("BEGIN IMMEDIATE")
        outsider.execute('UPDATE people SET progress = \'{"page": "uncommitted"}\'')
        with sqlite_store._turn():  # another thread of this process is writing, too
            found = threading.Thread(target=lambda: seen.append(sqlite_store.person_by_token(token)))
            seen: list[object] = []
            found.start()
            found.join(timeout=60)
        record = sqlite_store.person(person_id)
        assert seen and seen[0] is not None and record is not None and record.progress == {}
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()


def test_a_writer_waits_for_the_lock_instead_of_failing(sqlite_store: Store) -> None:
    """The busy timeout: a save while another process holds the lock waits, then succeeds."""
    person_id, _ = sqlite_store.create_person()
    holder = _outsider(sqlite_store)
    holder.execute("BEGIN IMMEDIATE")
    done = threading.Event()
    errors: list[BaseException] = []
    elapsed: list[float] = []

    def save() -> None:
        start = time.monotonic()
        try:
            sqlite_store.save_answer(person_id, "worth_it", 1, "respect", 2)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        elapsed.append(time.monotonic() - start)
        done.set()

    writer = threading.Thread(target=save)
    writer.start()
    try:
        # Holding the lock for a while: the save must not finish (nor fail) meanwhile.
        assert not done.wait(timeout=0.5)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    writer.join(timeout=30)
    assert errors == []
    assert elapsed[0] >= 0.5
    assert sqlite_store.answers_for(person_id) == {"worth_it": {"respect": 2}}


def test_threads_of_one_process_queue_instead_of_timing_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With SQLite's busy timeout cut to 0.2 s, a save that has to wait 1 s behind another
    transaction of the same process still succeeds: it waits its turn on the process's
    queue, not on SQLite's busy timeout (which starved threads under load). Another
    process, which the queue can't see, still meets the busy timeout."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "spark_check.sqlite3"
    store = Store.from_url(f"sqlite:///{path}")
    other_store = Store.from_url(f"sqlite:///{path}", create=False)  # another Store, same file, same process
    person_id, _ = store.create_person()
    holding = threading.Event()

    def hold_a_transaction() -> None:
        with store.transaction():
            holding.set()
            time.sleep(1.0)

    try:
        for saver in (store, other_store):
            holding.clear()
            holder = threading.Thread(target=hold_a_transaction)
            holder.start()
            assert holding.wait(timeout=10)
            start = time.monotonic()
            saver.save_answer(person_id, "worth_it", 1, "respect", 2)
            assert time.monotonic() - start > 0.5, "it waited for the other transaction"
            holder.join(timeout=10)
        # Another process's lock: only the (shortened) busy timeout helps, and it runs out.
        outsider = sqlite3.connect(path, isolation_level=None)
        outsider.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StorageError):
                store.save_answer(person_id, "worth_it", 1, "respect", 0)
        finally:
            outsider.execute("ROLLBACK")
            outsider.close()
        assert store.answers_for(person_id) == {"worth_it": {"respect": 2}}
    finally:
        store.engine.dispose()
        other_store.engine.dispose()
