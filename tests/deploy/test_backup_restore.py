"""``python manage.py backup`` and ``restore`` (storage/backup.py), on PostgreSQL and SQLite.

A database with counselors, their couples' notes and people's answers, sealed with
encryption keys, is backed up while it is open (pg_dump, SQLite's online backup API),
restored into an empty database, and read back there: every answer, note and counselor
is found, the sealed fields open with the keys (and not without them), and the
counselors' passwords still log them in. A restore never overwrites a database that
already holds the app's tables.

What the databases hold is written by :func:`populate` and read by :func:`read_back`, the
only two places that use the storage API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import manage as cli
from questions import default_content
from storage.counselors import CounselorDesk
from storage.crypto import KEYS_SETTING, SEALED_PREFIX, FernetSealer, KeyMissingError, Sealer, generate_key
from storage.database import make_engine
from storage.repository import Store
from tests.db import all_stored_text, count
from tests.support.cluster import postgres_database

PASSWORD = "a long enough password"
NOTE = "They want one evening a week for themselves, phones away."
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Contents:
    """What a database holds, as the app reads it."""

    answers: dict[str, dict[str, dict[str, Any]]]  # person id -> questionnaire -> item -> value
    counselors: dict[str, str]  # username -> display name
    notes: dict[str, list[str]]  # couple's label -> note bodies, oldest first


def populate(url: str, sealer: Sealer) -> Contents:
    """Two counselors, a couple with notes each, and three people's answers."""
    store = Store.from_url(url, sealer=sealer)
    try:
        desk = CounselorDesk(store)
        worth_it = default_content().questionnaire("worth_it")
        notes: dict[str, list[str]] = {}
        for index, username in enumerate(("rivera", "okafor")):
            counselor_id = desk.add_counselor(username, PASSWORD, f"Counselor {username.title()}")
            label = f"Couple of {username}"
            client_id = desk.add_client(counselor_id, label)
            notes[label] = [f"{NOTE} ({username})", f"Second session, {index + 2} weeks on."]
            for body in notes[label]:
                desk.add_note(counselor_id, client_id, body)
        answers: dict[str, dict[str, dict[str, Any]]] = {}
        for shift in range(3):
            person_id, _token = store.create_person()
            chosen = {item.id: worth_it.response_set_of(item).options[shift % 2].value for item in worth_it.items[:4]}
            store.save_answers(person_id, {"worth_it": chosen}, {"worth_it": worth_it.version})
            answers[person_id] = {"worth_it": chosen}
        return Contents(answers, {"rivera": "Counselor Rivera", "okafor": "Counselor Okafor"}, notes)
    finally:
        store.engine.dispose()


def read_back(url: str, sealer: Sealer, expected: Contents) -> Contents:
    """The same things, read from ``url`` by the people and counselors of ``expected``."""
    store = Store.from_url(url, sealer=sealer)
    try:
        desk = CounselorDesk(store)
        counselors: dict[str, str] = {}
        notes: dict[str, list[str]] = {}
        for username in expected.counselors:
            login = desk.authenticate(username, PASSWORD)
            assert login.counselor is not None, f"{username} can't log in after the restore"
            counselors[username] = login.counselor.display_name
            for client in desk.clients(login.counselor.id)[0]:
                notes[client.label] = [
                    n.body for n in sorted(desk.notes(login.counselor.id, client.id), key=lambda n: n.id)
                ]
        answers = {person_id: store.answers_for(person_id) for person_id in expected.answers}
        return Contents(answers, counselors, notes)
    finally:
        store.engine.dispose()


@pytest.fixture(params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A source database and an empty target, on the same kind of server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}", f"sqlite:///{tmp_path / 'restored' / 'new.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    with postgres_database(base, "spark_backup_src") as source, postgres_database(base, "spark_backup_dst") as target:
        yield source, target


def storage_command(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["--database-url", url, *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SPARK_CHECK_SQLITE_PATH", KEYS_SETTING):
        monkeypatch.delenv(name, raising=False)


def test_a_backup_restores_every_answer_note_and_counselor_sealed_as_before(
    databases: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = databases
    sealer = FernetSealer([generate_key()])
    written = populate(source, sealer)

    # Backed up while the app holds the database open, as the daily timer does.
    live = Store.from_url(source, sealer=sealer)
    try:
        directory = tmp_path / "backups"
        directory.mkdir()
        status, out, err = storage_command(capsys, source, "backup", str(directory))
        assert status == 0, err
    finally:
        live.engine.dispose()
    [backup] = list(directory.iterdir())
    assert backup.name.startswith("spark-check-") and str(backup) in out
    assert backup.stat().st_mode & 0o077 == 0  # personal data: the owner's only

    status, out, err = storage_command(capsys, target, "restore", str(backup))
    assert status == 0, err
    assert out.startswith(f"Restored {backup} into ")

    assert read_back(target, sealer, written) == written
    # Sealed in the restored database as in the original: no note or answer in clear.
    engine = make_engine(target)
    try:
        stored = all_stored_text(engine)
        assert NOTE not in stored and SEALED_PREFIX in stored
        assert count(engine, "answers") == sum(len(a["worth_it"]) for a in written.answers.values())
    finally:
        engine.dispose()
    # Without the keys the sealed fields stay shut.
    with pytest.raises(KeyMissingError):
        read_back(target, FernetSealer([generate_key()]), written)


def test_a_restore_never_overwrites_a_database_in_use(
    databases: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = databases
    sealer = FernetSealer([generate_key()])
    written = populate(source, sealer)
    backup = tmp_path / "one.backup"
    assert storage_command(capsys, source, "backup", str(backup))[0] == 0
    other = populate(target, sealer)

    status, out, err = storage_command(capsys, target, "restore", str(backup))
    assert status == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "restore into a new, empty database" in err
    assert read_back(target, sealer, other) == other
    assert read_back(source, sealer, written) == written


def test_a_backup_directory_keeps_the_newest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    populate(url, FernetSealer([generate_key()]))
    directory = tmp_path / "backups"
    directory.mkdir()
    older = [directory / f"spark-check-2020010{day}T000000Z.sqlite3" for day in (1, 2, 3)]
    for path in older:
        path.write_bytes(b"an older backup")
    unrelated = directory / "notes.txt"
    unrelated.write_text("not a backup", encoding="utf-8")

    status, out, err = storage_command(capsys, url, "backup", str(directory), "--keep", "2")
    assert status == 0, err
    kept = sorted(p.name for p in directory.iterdir())
    new = Path(out.removesuffix(".\n").split("backed up to ", 1)[1])
    assert new.parent == directory
    assert kept == sorted([older[2].name, new.name, unrelated.name])

    # --keep with a file, a missing backup, a missing database: one line each, nothing written.
    status, _, err = storage_command(capsys, url, "backup", str(tmp_path / "file.backup"), "--keep", "2")
    assert status == 2 and err.count("\n") == 1 and "--keep needs a directory" in err
    status, _, err = storage_command(capsys, url, "restore", str(tmp_path / "missing.backup"))
    assert status == 1 and err.count("\n") == 1 and "no backup file" in err
    status, _, err = storage_command(capsys, f"sqlite:///{tmp_path / 'none.sqlite3'}", "backup", str(directory))
    assert status == 1 and err.count("\n") == 1 and "no SQLite database" in err
    assert not (tmp_path / "file.backup").exists() and len(list(directory.iterdir())) == 3
