"""Encryption at rest: answers and notes sealed with Fernet when a key is configured.

With a key, neither the SQLite file (nor its WAL) nor a raw SELECT on PostgreSQL shows
an answer or a note; without the key, sealed rows raise a clear StorageError; keys
rotate (A, then [B, A] with ``rotate-key``, then B alone).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from storage import StorageError, Store
from storage.counselors import CounselorDesk
from storage.crypto import (
    KEYS_SETTING,
    PLAIN,
    PLAIN_PREFIX,
    SEALED_PREFIX,
    FernetSealer,
    KeyConfigError,
    KeyMissingError,
    Sealer,
    generate_key,
    sealer_from_settings,
)
from storage.maintenance import reseal_all
from storage.models import Answer, SessionNote
from tests.db import rows

KEY_A, KEY_B = generate_key(), generate_key()
#: Answer values and a note no file would contain by chance.
SECRET_VALUES: dict[str, Any] = {"comm_heard": 918_273_645, "pressures": [424_242_421, 737_373_731]}
SECRET_NOTE = "Session note: they spoke about the move to Tromsø (MARKER-7f3a9c)."
VERSIONS = {"intimacy": 1}


def _open_store(url: str, sealer: Sealer) -> Store:
    return Store.from_url(url, sealer=sealer)


@pytest.fixture
def stores(db_url: str) -> Iterator[Any]:
    """Opens stores on the one test database with different sealers; disposes them all."""
    opened: list[Store] = []

    def open_with(sealer: Sealer) -> Store:
        store = _open_store(db_url, sealer)
        opened.append(store)
        return store

    yield open_with
    for store in opened:
        store.engine.dispose()


def _fill(store: Store) -> tuple[str, str, str]:
    """A person with the secret answers, a counselor's note with the secret text."""
    person_id, _ = store.create_person()
    store.save_answers(person_id, {"intimacy": SECRET_VALUES}, VERSIONS)
    desk = CounselorDesk(store)
    counselor = desk.add_counselor(f"c{person_id[:8]}", "a long enough password")
    client = desk.add_client(counselor, "The Example Couple")
    desk.add_note(counselor, client, SECRET_NOTE)
    return person_id, counselor, client


def _needles() -> list[bytes]:
    values = [json.dumps(v) for v in SECRET_VALUES.values()] + [str(n) for n in (918_273_645, 424_242_421)]
    return [v.encode() for v in values] + [b"MARKER-7f3a9c", "Tromsø".encode()]


def _raw_values(store: Store) -> list[str]:
    return [r["value"] for r in rows(store.engine, "answers")] + [
        r["body"] for r in rows(store.engine, "session_notes")
    ]


def _file_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # the file, its -wal and -shm


# --------------------------------------------------------------------------- the sealer itself


def test_fernet_round_trip_and_marker() -> None:
    sealer = FernetSealer([KEY_A])
    sealed = sealer.seal("[1, 2]")
    assert sealed.startswith(SEALED_PREFIX) and "[1, 2]" not in sealed
    assert sealed != sealer.seal("[1, 2]"), "a fresh IV every time: equal answers don't look equal"
    assert sealer.open(sealed) == "[1, 2]"
    assert sealer.encrypts and not PLAIN.encrypts


@pytest.mark.parametrize("text", ["", "2", "[0, 3]", "naïve ✓ note", "x" * 20_000, "fernet:not really", "plain:x"])
def test_every_text_round_trips_with_and_without_a_key(text: str) -> None:
    for sealer in (PLAIN, FernetSealer([KEY_A])):
        assert sealer.open(sealer.seal(text)) == text


def test_text_in_clear_that_looks_sealed_is_escaped_not_mistaken() -> None:
    stored = PLAIN.seal("fernet:gAAAAA-what-a-counselor-typed")
    assert stored.startswith(PLAIN_PREFIX)
    assert PLAIN.open(stored) == "fernet:gAAAAA-what-a-counselor-typed"
    assert FernetSealer([KEY_A]).open(stored) == "fernet:gAAAAA-what-a-counselor-typed"


def test_rows_written_before_a_key_still_read() -> None:
    assert FernetSealer([KEY_A]).open("3") == "3"
    assert FernetSealer([KEY_A]).open('{"a": 1}') == '{"a": 1}'


def test_without_the_key_a_sealed_value_is_a_clear_storage_error() -> None:
    sealed = FernetSealer([KEY_A]).seal("2")
    with pytest.raises(KeyMissingError, match=KEYS_SETTING) as caught:
        PLAIN.open(sealed)
    assert isinstance(caught.value, StorageError)
    with pytest.raises(KeyMissingError, match="not in"):
        FernetSealer([KEY_B]).open(sealed)
    with pytest.raises(KeyMissingError):
        FernetSealer([KEY_A]).open(sealed[:-4] + "AAAA")  # tampered: the MAC catches it


def test_sealer_from_settings() -> None:
    assert sealer_from_settings({}) is PLAIN
    assert sealer_from_settings({KEYS_SETTING: ""}) is PLAIN
    assert sealer_from_settings({KEYS_SETTING: " , "}) is PLAIN
    two = sealer_from_settings({KEYS_SETTING: f" {KEY_B} , {KEY_A} "})
    assert isinstance(two, FernetSealer) and two.key_count == 2
    from_list = sealer_from_settings({KEYS_SETTING: [KEY_B, KEY_A]})  # secrets.toml may hold a list
    assert isinstance(from_list, FernetSealer) and from_list.key_count == 2
    sealed_by_b = FernetSealer([KEY_B]).seal("x")
    assert two.open(sealed_by_b) == from_list.open(sealed_by_b) == "x"
    with pytest.raises(KeyMissingError):
        FernetSealer([KEY_A]).open(two.seal("y"))  # the first key seals


@pytest.mark.parametrize(
    "value",
    ["not-a-key", f"{KEY_A},short", "a" * 44, 12345],
    ids=["not-a-key", "second-key-bad", "44-chars", "a-number"],
)
def test_a_malformed_key_stops_with_a_message_that_does_not_echo_it(value: Any) -> None:
    with pytest.raises(KeyConfigError, match=KEYS_SETTING) as caught:
        sealer_from_settings({KEYS_SETTING: value})
    if isinstance(value, str) and "," in value:
        assert "key 2 of 2" in str(caught.value)
    assert "short" not in str(caught.value) and "not-a-key" not in str(caught.value)


# --------------------------------------------------------------------------- at rest, in the database


def test_with_a_key_the_database_holds_no_answer_and_no_note(db_url: str, stores: Any) -> None:
    store = stores(FernetSealer([KEY_A]))
    person_id, counselor, client = _fill(store)
    assert store.answers_for(person_id) == {"intimacy": SECRET_VALUES}
    assert [n.body for n in CounselorDesk(store).notes(counselor, client)] == [SECRET_NOTE]
    raw = _raw_values(store)
    assert len(raw) == 3 and all(v.startswith(SEALED_PREFIX) for v in raw)
    for needle in _needles():
        assert all(needle.decode() not in v for v in raw)
    if store.engine.dialect.name == "sqlite":
        data = _file_bytes(db_url)
        for needle in _needles():
            assert needle not in data, needle
    else:
        with store.engine.connect() as connection:
            dump = str(connection.execute(text("SELECT a.*, n.* FROM answers a CROSS JOIN session_notes n")).all())
        for needle in _needles():
            assert needle.decode() not in dump


def test_without_a_key_the_same_check_does_find_them(db_url: str, stores: Any) -> None:
    """The control for the test above: the needles are there when nothing is sealed."""
    store = stores(PLAIN)
    _fill(store)
    if store.engine.dialect.name == "sqlite":
        data = _file_bytes(db_url)
        assert all(needle in data for needle in _needles())
    raw = "\n".join(_raw_values(store))
    assert all(needle.decode() in raw for needle in _needles())


def test_without_the_key_sealed_rows_raise_a_storage_error(stores: Any) -> None:
    sealed_store = stores(FernetSealer([KEY_A]))
    person_id, counselor, client = _fill(sealed_store)
    keyless = stores(PLAIN)
    with pytest.raises(StorageError, match=KEYS_SETTING):
        keyless.answers_for(person_id)
    with pytest.raises(StorageError, match=KEYS_SETTING):
        CounselorDesk(keyless).notes(counselor, client)
    wrong = stores(FernetSealer([KEY_B]))
    with pytest.raises(StorageError, match="not in"):
        wrong.answers_for(person_id)
    # Only the values are sealed: the rest of the app works without the key.
    assert keyless.count_answers(person_id) == 2
    assert keyless.person(person_id) is not None


def test_plain_rows_from_before_the_key_read_and_get_sealed_by_rotate(stores: Any) -> None:
    person_id, counselor, client = _fill(stores(PLAIN))
    keyed = stores(FernetSealer([KEY_A]))
    assert keyed.answers_for(person_id) == {"intimacy": SECRET_VALUES}
    keyed.save_answer(person_id, "worth_it", 1, "respect", 2)  # new rows are sealed at once
    report = reseal_all(keyed)
    assert (report.answers, report.notes) == (2, 1)
    assert all(v.startswith(SEALED_PREFIX) for v in _raw_values(keyed))
    assert keyed.answers_for(person_id) == {"intimacy": SECRET_VALUES, "worth_it": {"respect": 2}}
    assert [n.body for n in CounselorDesk(keyed).notes(counselor, client)] == [SECRET_NOTE]


def test_key_rotation_a_then_b_and_a_then_b_alone(stores: Any) -> None:
    person_id, counselor, client = _fill(stores(FernetSealer([KEY_A])))
    before = {r["id"]: r["updated_at"] for r in rows(stores(PLAIN).engine, "answers")}

    both = stores(FernetSealer([KEY_B, KEY_A]))
    assert both.answers_for(person_id) == {"intimacy": SECRET_VALUES}  # B first: reads A's rows already
    report = reseal_all(both, batch_size=1)  # one row per transaction: batching is exercised
    assert (report.answers, report.notes) == (2, 1)
    again = reseal_all(both)
    assert (again.answers, again.notes) == (0, 0), "idempotent: nothing left to re-seal"

    only_b = stores(FernetSealer([KEY_B]))
    assert only_b.answers_for(person_id) == {"intimacy": SECRET_VALUES}
    assert [n.body for n in CounselorDesk(only_b).notes(counselor, client)] == [SECRET_NOTE]
    only_a = stores(FernetSealer([KEY_A]))
    with pytest.raises(KeyMissingError):
        only_a.answers_for(person_id)
    with pytest.raises(KeyMissingError):
        CounselorDesk(only_a).notes(counselor, client)
    for raw in _raw_values(only_b):
        Fernet(KEY_B.encode()).decrypt(raw.removeprefix(SEALED_PREFIX).encode())
    after = {r["id"]: r["updated_at"] for r in rows(only_b.engine, "answers")}
    assert after == before, "re-sealing is not activity: updated_at (used by the purge) is kept"


def test_rotation_stops_at_a_row_no_key_opens_and_continues_once_the_key_is_back(stores: Any) -> None:
    a_person, _, _ = _fill(stores(FernetSealer([KEY_A])))
    b_person, _, _ = _fill(stores(FernetSealer([KEY_B])))
    key_c = generate_key()
    missing_b = stores(FernetSealer([key_c, KEY_A]))
    with pytest.raises(KeyMissingError, match="answers row"):
        reseal_all(missing_b, batch_size=1)
    assert missing_b.answers_for(a_person) == {"intimacy": SECRET_VALUES}
    complete = stores(FernetSealer([key_c, KEY_A, KEY_B]))
    reseal_all(complete)
    only_c = stores(FernetSealer([key_c]))
    assert only_c.answers_for(a_person) == only_c.answers_for(b_person) == {"intimacy": SECRET_VALUES}


def test_rotation_needs_a_key(stores: Any) -> None:
    with pytest.raises(StorageError, match="no encryption key"):
        reseal_all(stores(PLAIN))


def test_rotation_never_overwrites_an_answer_given_meanwhile(stores: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: an answer committed between the rotation's read and its write is kept
    (the write only applies to the value it read). SQLite: the rotation holds the write
    lock, so the answer waits for it and lands afterwards. Either way the newer answer wins."""
    person_id, _, _ = _fill(stores(FernetSealer([KEY_A])))
    store = stores(FernetSealer([KEY_B, KEY_A]))
    app = stores(FernetSealer([KEY_B, KEY_A]))  # the running app, on its own connections
    sqlite = store.engine.dialect.name == "sqlite"
    errors: list[BaseException] = []
    writers: list[threading.Thread] = []
    original = FernetSealer.reseal

    def write() -> None:
        try:
            app.save_answer(person_id, "intimacy", 1, "comm_heard", 5)
        except StorageError as exc:
            errors.append(exc)

    def reseal_while_the_app_writes(self: FernetSealer, stored: str) -> str:
        if not writers:
            writer = threading.Thread(target=write)
            writers.append(writer)
            writer.start()
            if not sqlite:
                writer.join(timeout=30)  # committed before the rotation writes this row
        return original(self, stored)

    monkeypatch.setattr(FernetSealer, "reseal", reseal_while_the_app_writes)
    reseal_all(store, batch_size=10)
    writers[0].join(timeout=30)
    assert errors == []
    assert store.answers_for(person_id)["intimacy"] == {**SECRET_VALUES, "comm_heard": 5}


def test_answers_and_notes_are_the_sealed_columns() -> None:
    """What is sealed, stated once (docs/SECURITY.md): answer values and note bodies."""
    from storage.maintenance import _SEALED_COLUMNS

    assert {(table.name, column) for table, _, column, _ in _SEALED_COLUMNS} == {
        ("answers", Answer.value.key),
        ("session_notes", SessionNote.body.key),
    }
