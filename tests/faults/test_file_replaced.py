"""The SQLite file deleted, moved or replaced under the running app.

The app's connections keep the file they opened; without a check, every later save
would be acknowledged into that old (unlinked) file and be gone after a restart.
Instead the Store compares the file at the path with the one its first connection
opened, at every transaction's BEGIN and again before COMMIT, and refuses the save
with StorageError (the page says "not saved"); the operator is told once, in the
log, to put the right file back and restart the app.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from storage.errors import StorageError
from storage.models import Person
from storage.repository import Store
from ui.session import STATE_KEY

pytestmark = pytest.mark.faults

APP = str(Path(__file__).resolve().parents[2] / "app.py")
BEFORE = {"worth_it": {"respect": 2}}
VERSIONS = {"worth_it": 1}


def _delete(path: Path) -> None:
    path.unlink()


def _delete_with_companions(path: Path) -> None:
    for companion in path.parent.glob(path.name + "*"):  # rm spark_check.sqlite3*
        companion.unlink()


def _move_away(path: Path) -> None:
    path.rename(path.with_name("moved.sqlite3"))


def _replace_with_a_copy(path: Path) -> None:
    """A backup restored over the live file: an older copy, written elsewhere, renamed into place."""
    copy = path.with_name("backup.sqlite3")
    shutil.copyfile(path, copy)
    os.replace(copy, path)


CHANGES: dict[str, Callable[[Path], None]] = {
    "deleted": _delete,
    "deleted-with-wal": _delete_with_companions,
    "moved": _move_away,
    "replaced": _replace_with_a_copy,
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'spark_check.sqlite3'}")
    try:
        yield store
    finally:
        store.engine.dispose()


def _path(store: Store) -> Path:
    assert store.engine.url.database is not None
    return Path(store.engine.url.database)


@pytest.mark.parametrize("change", list(CHANGES))
def test_saves_after_the_file_is_deleted_or_replaced_fail_and_the_operator_is_told(
    store: Store, change: str, caplog: pytest.LogCaptureFixture
) -> None:
    person_id, token = store.create_person()
    store.save_answers(person_id, BEFORE, VERSIONS)
    CHANGES[change](_path(store))

    with caplog.at_level(logging.ERROR, logger="storage.database"):
        with pytest.raises(StorageError, match=r"deleted or replaced.*restart the app"):
            store.save_answer(person_id, "worth_it", 1, "safe", 0)
        with pytest.raises(StorageError, match="restart the app"):
            store.create_person()
        with pytest.raises(StorageError):
            store.save_answer(person_id, "worth_it", 1, "safe", 0)  # still refused: nothing heals by itself
        with pytest.raises(StorageError, match="restart the app"):  # a lookup too (one statement, no BEGIN)
            store.person_by_token(token)
    told = [r.getMessage() for r in caplog.records if r.name == "storage.database"]
    assert len(told) == 1 and str(_path(store)) in told[0] and "restart" in told[0]

    # After a restart, nothing claims to be saved that isn't: the refused answer is nowhere.
    restarted = Store.from_url(f"sqlite:///{_path(store)}")
    try:
        assert restarted.answers_for(person_id) in ({}, BEFORE)
    finally:
        restarted.engine.dispose()


def test_a_file_moved_while_a_transaction_runs_is_not_committed(store: Store) -> None:
    """The check before COMMIT: a file moved away halfway through a transaction rolls it
    back. Moved back, it is the file the store opened again: saving works, and the
    transaction that was refused left nothing."""
    person_id, _ = store.create_person()
    path = _path(store)
    with pytest.raises(StorageError, match="restart the app"), store.transaction() as session:
        session.execute(update(Person).where(Person.id == person_id).values(progress='{"page": "lost"}'))
        _move_away(path)
    path.with_name("moved.sqlite3").rename(path)
    store.save_answers(person_id, BEFORE, VERSIONS)
    record = store.person(person_id)
    assert record is not None and record.progress == {}
    assert store.answers_for(person_id) == BEFORE


def test_other_stores_and_the_log_being_emptied_are_no_false_alarm(store: Store) -> None:
    """The same file opened again, the log checkpointed and its companions recreated: still
    the same file, so saving goes on."""
    person_id, _ = store.create_person()
    again = Store.from_url(f"sqlite:///{_path(store)}")
    try:
        again.save_answer(person_id, "worth_it", 1, "respect", 2)
        assert store.compact() is True
        again.engine.dispose()
        store.engine.dispose()  # every connection closed: SQLite removes the -wal and -shm files
        store.save_answer(person_id, "worth_it", 1, "safe", 2)
        assert again.answers_for(person_id) == {"worth_it": {"respect": 2, "safe": 2}}
    finally:
        again.engine.dispose()


def test_the_page_says_not_saved_when_the_file_is_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "app.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.button(key="start:worth_it").click().run()
    app.radio[0].set_value(2).run()  # saved: creates the person
    state = app.session_state[STATE_KEY]
    assert not state.unsaved and state.person_id is not None

    _delete(path)
    app.radio[1].set_value(2).run()

    assert not app.exception
    assert any("not saved" in error.value for error in app.error)
    assert f"worth_it.{app.radio[1].key.split(':')[2]}" in app.session_state[STATE_KEY].unsaved
