"""A SQLite database that can't be written (opened read-only, or a full disk) makes saving
fail with StorageError, and nothing of the failed save is written: no half-saved batch,
no damaged file. The app shows "not saved" for such an answer (ui/questionnaire_view.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from storage.database import make_engine
from storage.errors import StorageError
from storage.repository import Store
from tests.db import count

pytestmark = pytest.mark.faults

BEFORE: dict[str, dict[str, Any]] = {"worth_it": {"respect": 2, "safe": 2}, "intimacy": {"comm_heard": 3}}
VERSIONS = {"worth_it": 1, "intimacy": 1}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Path, str, str]]:
    """A database file holding one person with some answers: (path, person id, token)."""
    path = tmp_path / "spark_check.sqlite3"
    store = Store.from_url(f"sqlite:///{path}")
    person_id, token = store.create_person()
    store.save_answers(person_id, BEFORE, VERSIONS)
    store.engine.dispose()
    yield path, person_id, token


def _integrity(path: Path) -> str:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("PRAGMA integrity_check").scalar())
    finally:
        engine.dispose()


def test_a_read_only_database_refuses_every_save_and_writes_nothing(
    database: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, person_id, token = database
    monkeypatch.chdir(tmp_path)
    read_only = Store.from_url(f"sqlite:///file:{path}?mode=ro&uri=true", create=False)
    try:
        assert read_only.answers_for(person_id) == BEFORE  # reading still works
        with pytest.raises(StorageError):
            read_only.save_answer(person_id, "worth_it", 1, "respect", 0)
        with pytest.raises(StorageError):
            read_only.save_answers(person_id, {"intimacy": {f"i{n}": n % 5 for n in range(50)}}, VERSIONS)
        with pytest.raises(StorageError):
            read_only.save_answers(person_id, {"intimacy": {"comm_heard": 1}}, VERSIONS, replace=True)
        with pytest.raises(StorageError):
            read_only.create_person()
    finally:
        read_only.engine.dispose()
    writable = Store.from_url(f"sqlite:///{path}")
    try:
        assert writable.answers_for(person_id) == BEFORE
        assert writable.person_by_token(token) is not None
        assert count(writable.engine, "people") == 1
    finally:
        writable.engine.dispose()
    assert _integrity(path) == "ok"


def _full_disk_store(path: Path) -> Store:
    """A Store whose connections may not grow the file beyond its current size."""
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _no_more_pages(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    return Store(engine)


def test_a_full_disk_fails_the_save_and_keeps_everything_else(database: tuple[Path, str, str]) -> None:
    path, person_id, _ = database
    full = _full_disk_store(path)
    big_batch = {"intimacy": {f"item_{n:04d}": [n % 5] * 40 for n in range(400)}}
    try:
        failures = []
        with pytest.raises(StorageError) as caught:
            full.save_answers(person_id, big_batch, VERSIONS)
        failures.append(caught.value)
        with pytest.raises(StorageError) as caught:
            full.save_answer(person_id, "intimacy", 1, "pressures", list(range(20_000)))
        failures.append(caught.value)
        with pytest.raises(StorageError) as caught:  # replace=True deletes first: the delete must roll back too
            full.save_answers(person_id, big_batch, VERSIONS, replace=True)
        failures.append(caught.value)
        assert all("database or disk is full" in str(f.__cause__) for f in failures)
        assert full.answers_for(person_id) == BEFORE
    finally:
        full.engine.dispose()
    assert _integrity(path) == "ok"
    # Space again (the limit lifted): saving works and nothing of the failures shows up.
    store = Store.from_url(f"sqlite:///{path}")
    try:
        assert store.answers_for(person_id) == BEFORE
        store.save_answer(person_id, "intimacy", 1, "pressures", [1, 2])
        assert store.answers_for(person_id) == {**BEFORE, "intimacy": {"comm_heard": 3, "pressures": [1, 2]}}
    finally:
        store.engine.dispose()
