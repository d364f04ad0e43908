"""Schema migrations (Alembic), on SQLite and PostgreSQL.

- A database of the first shipped schema, with rows, is upgraded at start and keeps them.
- A database made by ``create_all`` before migrations existed (any earlier version) is
  stamped with the matching revision and upgraded.
- The models and the newest revision agree (``alembic check``: autogenerate finds no
  difference), whether the schema was built at once or revision by revision.
- Several processes starting at once all come up; one of them migrates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from storage import StorageError, Store
from storage import models as current_models
from storage.counselors import CounselorDesk
from storage.couples import JoinOutcome
from storage.database import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    migration_connection,
    upgrade_schema,
)
from storage.tokens import hash_token
from tests.db import count
from tests.e2e.helpers import REPO_ROOT
from tests.storage.legacy import models_204fce6, models_1376595

FIRST = "0001_solo"
HISTORY = [models_204fce6, models_1376595, current_models]
WHEN = datetime(2026, 1, 2, 3, 4, 5)


@pytest.fixture
def engine(db_url: str) -> Any:
    made = make_engine(db_url)
    yield made
    made.dispose()


def _upgrade_to(engine: Engine, revision: str) -> None:
    """Run the revisions one by one, as an old deployment would have (no shortcut)."""
    with migration_connection(engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return current_revision(connection)


def _check(engine: Engine) -> None:
    """``alembic check``: raises if autogenerate would write a migration."""
    with migration_connection(engine) as connection:
        command.check(alembic_config(connection))


def _add_solo_people(engine: Engine, legacy: ModuleType) -> dict[str, tuple[str, dict[str, Any]]]:
    """Two people with answers, written the way that version wrote them: {person id: (token, answers)}."""
    people = legacy.Person.__table__
    answers = legacy.Answer.__table__
    made: dict[str, tuple[str, dict[str, Any]]] = {}
    with engine.begin() as connection:
        for n, given in enumerate([{"respect": 2, "safe": 2}, {"respect": 0, "pressures": [1, 3]}]):
            person_id, token = f"{n:032x}", f"token-{n}-" + "x" * 40
            connection.execute(
                insert(people).values(
                    id=person_id,
                    token_hash=hash_token(token),
                    created_at=WHEN,
                    updated_at=WHEN,
                    progress=json.dumps({"page": "worth_it"}),
                )
            )
            for item, value in given.items():
                connection.execute(
                    insert(answers).values(
                        person_id=person_id,
                        questionnaire_id="worth_it",
                        questionnaire_version=1,
                        item_id=item,
                        value=json.dumps(value),
                        answered_at=WHEN,
                        updated_at=WHEN,
                    )
                )
            made[person_id] = (token, {"worth_it": given})
    return made


def _assert_kept(store: Store, people: dict[str, tuple[str, dict[str, Any]]]) -> None:
    for person_id, (token, answers) in people.items():
        record = store.person_by_token(token)
        assert record is not None and record.id == person_id
        assert record.progress == {"page": "worth_it"}
        assert store.answers_for(person_id) == answers
    assert count(store.engine, "answers") == sum(
        len(items) for _, answers in people.values() for items in answers.values()
    )


def _assert_everything_works(store: Store, person_id: str) -> None:
    """The new tables and columns are usable on the upgraded database."""
    before = store.answers_for(person_id)
    couple_id, same_person, _token, code = store.create_couple_two_devices(person_id)
    assert same_person == person_id
    joined = store.join_couple(code)
    assert joined.outcome is JoinOutcome.JOINED
    store.finish(person_id, "scores")
    store.give_counselor_consent(person_id)
    record = store.couple(couple_id)
    assert record is not None and [p.slot for p in record.partners] == [1, 2]
    assert store.answers_for(person_id) == before
    desk = CounselorDesk(store)
    counselor = desk.add_counselor("after.upgrade", "a long enough password")
    client = desk.add_client(counselor, "The Upgrades")
    desk.add_note(counselor, client, "first note after the upgrade")
    assert [n.body for n in desk.notes(counselor, client)] == ["first note after the upgrade"]


# --------------------------------------------------------------------------- the first shipped schema


def test_a_first_revision_database_with_rows_is_upgraded_at_start(engine: Engine, db_url: str) -> None:
    _upgrade_to(engine, FIRST)
    assert set(inspect(engine).get_table_names()) == {"alembic_version", "people", "answers"}
    people = _add_solo_people(engine, models_204fce6)

    store = Store.from_url(db_url)
    try:
        assert _revision(store.engine) == head_revision()
        _assert_kept(store, people)
        _check(store.engine)
        _assert_everything_works(store, next(iter(people)))
    finally:
        store.engine.dispose()


def test_the_upgrade_keeps_foreign_keys_enforced(engine: Engine, db_url: str) -> None:
    """SQLite rebuilds ``people`` to add its foreign key: the answers must survive it and
    deleting a person must still cascade to their answers afterwards."""
    _upgrade_to(engine, FIRST)
    people = _add_solo_people(engine, models_204fce6)
    store = Store.from_url(db_url)
    try:
        gone = next(iter(people))
        with store.engine.begin() as connection:
            connection.execute(current_models.Person.__table__.delete().where(text("id = :id")), {"id": gone})
        assert count(store.engine, "answers", person_id=gone) == 0
        assert count(store.engine, "answers") > 0
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        store.engine.dispose()


def test_a_sqlite_upgrade_that_would_break_foreign_keys_changes_nothing(tmp_path: Path) -> None:
    """Orphaned answers (written with foreign keys off) stop the upgrade; it rolls back whole."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    _upgrade_to(engine, FIRST)
    _add_solo_people(engine, models_204fce6)
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        raw.execute(  # type: ignore[union-attr]
            "INSERT INTO answers (person_id, questionnaire_id, questionnaire_version, item_id, value, answered_at,"
            " updated_at) VALUES ('nobody', 'worth_it', 1, 'respect', '2', '2026-01-01', '2026-01-01')"
        )
        raw.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    with pytest.raises(StorageError, match="foreign key"):
        upgrade_schema(engine)
    assert _revision(engine) == FIRST
    assert set(inspect(engine).get_table_names()) == {"alembic_version", "people", "answers"}
    assert count(engine, "answers") == 5
    engine.dispose()


# --------------------------------------------------------------------------- made before migrations


@pytest.mark.parametrize("legacy", HISTORY, ids=["204fce6", "1376595", "current"])
def test_a_database_made_by_create_all_is_stamped_and_upgraded(engine: Engine, db_url: str, legacy: ModuleType) -> None:
    legacy.Base.metadata.create_all(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()
    people = _add_solo_people(engine, legacy)

    store = Store.from_url(db_url)
    try:
        assert _revision(store.engine) == head_revision()
        _assert_kept(store, people)
        _check(store.engine)
        _assert_everything_works(store, next(iter(people)))
    finally:
        store.engine.dispose()


def test_an_unknown_schema_is_refused_and_left_untouched(engine: Engine, db_url: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE people (id VARCHAR(32) PRIMARY KEY, nickname TEXT)"))
        connection.execute(text("INSERT INTO people (id, nickname) VALUES ('p1', 'kept')"))
    with pytest.raises(StorageError, match=r"no migration knows.*people\(id, nickname\)"):
        Store.from_url(db_url)
    assert set(inspect(engine).get_table_names()) == {"people"}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT nickname FROM people")).scalar_one() == "kept"


# --------------------------------------------------------------------------- models and migrations agree


def test_the_revisions_in_turn_give_exactly_the_models(engine: Engine) -> None:
    _upgrade_to(engine, "head")
    assert _revision(engine) == head_revision()
    _check(engine)


def test_a_fresh_database_is_built_at_the_newest_revision(engine: Engine, db_url: str) -> None:
    store = Store.from_url(db_url)
    try:
        assert _revision(store.engine) == head_revision()
        _check(store.engine)
        assert store.create_schema() == head_revision()  # again: nothing to do
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        store.engine.dispose()


def test_check_notices_a_model_without_a_migration(engine: Engine) -> None:
    """The check above can fail: a column the migrations don't make is reported."""
    _upgrade_to(engine, "head")
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE counselors ADD COLUMN nickname VARCHAR(20)"))
    from alembic.util import AutogenerateDiffsDetected

    with pytest.raises(AutogenerateDiffsDetected, match="nickname"):
        _check(engine)


def test_downgrade_to_the_first_revision_and_back_keeps_the_answers(engine: Engine, db_url: str) -> None:
    _upgrade_to(engine, FIRST)
    people = _add_solo_people(engine, models_204fce6)
    _upgrade_to(engine, "head")
    with migration_connection(engine) as connection:
        command.downgrade(alembic_config(connection), FIRST)
    assert set(inspect(engine).get_table_names()) == {"alembic_version", "people", "answers"}
    store = Store.from_url(db_url)
    try:
        _assert_kept(store, people)
        _check(store.engine)
    finally:
        store.engine.dispose()


# --------------------------------------------------------------------------- several processes at once

_START_SCRIPT = """
import sys
from storage import Store
print("ready", flush=True)
sys.stdin.readline()
store = Store.from_url(sys.argv[1])
print(store.create_schema(), flush=True)
"""


def _start_together(url: str, processes: int) -> list[subprocess.CompletedProcess[str]]:
    """Start the processes, wait until each has imported everything, then let all go at once."""
    running = [
        subprocess.Popen(
            [sys.executable, "-c", _START_SCRIPT, url],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for process in running:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in running:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in running:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


@pytest.mark.parametrize("starting_from", ["empty", FIRST])
def test_several_processes_starting_at_once_all_come_up(engine: Engine, db_url: str, starting_from: str) -> None:
    people: dict[str, tuple[str, dict[str, Any]]] = {}
    if starting_from == FIRST:
        _upgrade_to(engine, FIRST)
        people = _add_solo_people(engine, models_204fce6)
    results = _start_together(db_url, 4)
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.strip() == head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
    _assert_kept(Store(engine), people)
    _check(engine)


def test_threads_starting_at_once_all_come_up(engine: Engine, db_url: str) -> None:
    import threading

    _upgrade_to(engine, FIRST)
    people = _add_solo_people(engine, models_204fce6)
    barrier = threading.Barrier(4)
    revisions: list[str] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait(timeout=30)
            own = Store.from_url(db_url)
            try:
                revisions.append(own.create_schema())
            finally:
                own.engine.dispose()
        except (StorageError, SQLAlchemyError, threading.BrokenBarrierError) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert revisions == [head_revision()] * 4
    _assert_kept(Store(engine), people)


def test_the_alembic_command_line_works_from_the_repository_root(tmp_path: Path) -> None:
    """Developers can run ``alembic`` with the shipped alembic.ini (the app's database by default)."""
    database = tmp_path / "dev.sqlite3"
    env = {"SPARK_CHECK_SQLITE_PATH": str(database), "PATH": str(Path(sys.executable).parent)}
    for args in (["upgrade", "head"], ["current"], ["check"]):
        result = subprocess.run(
            [sys.executable, "-m", "alembic", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    engine = make_engine(f"sqlite:///{database}")
    try:
        assert _revision(engine) == head_revision()
        with engine.connect() as connection:
            assert connection.execute(select(current_models.Person.__table__)).all() == []
    finally:
        engine.dispose()
