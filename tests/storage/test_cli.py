"""``python manage.py``: upgrade, add-counselor, remove-counselor, generate-key, rotate-key, purge.

Each command is run through ``main([...])`` on SQLite and PostgreSQL, and once
through a real subprocess. Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import update

import manage as cli
from storage.counselors import CounselorDesk
from storage.crypto import KEYS_SETTING, SEALED_PREFIX, FernetSealer, KeyMissingError, generate_key
from storage.database import alembic_config, head_revision, make_engine, migration_connection
from storage.models import Answer, Person, utcnow
from storage.repository import Store
from storage.retention import RETENTION_DAYS
from tests.db import count, rows
from tests.e2e.helpers import REPO_ROOT

PASSWORD = "a long enough password"
ANSWERS: dict[str, dict[str, Any]] = {"worth_it": {"respect": 2, "safe": 2}}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SPARK_CHECK_SQLITE_PATH", KEYS_SETTING):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, err: str, expected: int = 2) -> None:
    assert status == expected
    assert err.startswith("error: ") and err.count("\n") == 1, err


def _store(url: str, **kwargs: Any) -> Store:
    return Store.from_url(url, **kwargs)


# --------------------------------------------------------------------------- upgrade


def test_upgrade_builds_or_upgrades_the_schema(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    engine = make_engine(db_url)
    with migration_connection(engine) as connection:
        command.upgrade(alembic_config(connection), "0001_solo")
    engine.dispose()
    status, out, err = run(capsys, "--database-url", db_url, "upgrade")
    assert (status, err) == (0, "")
    assert head_revision() in out
    if "@" in db_url:  # PostgreSQL: the password is never printed
        assert ":***@" in out
        assert db_url.split("@")[0].split(":")[-1] not in out


def test_upgrade_uses_the_apps_database_setting(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_url.startswith("sqlite"):
        monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", db_url.removeprefix("sqlite:///"))
    else:
        monkeypatch.setenv("DATABASE_URL", db_url)
    status, _, _ = run(capsys, "upgrade")
    assert status == 0
    store = _store(db_url)
    assert store.create_schema() == head_revision()
    store.engine.dispose()


def test_an_unreachable_database_is_one_line_and_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--database-url", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none", "upgrade")
    assert_one_line_error(status, err, expected=1)
    assert "secret" not in err


# --------------------------------------------------------------------------- add-counselor


def test_add_counselor_with_the_password_on_stdin(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    status, out, err = run(
        capsys,
        "--database-url",
        db_url,
        "add-counselor",
        "Dr.Rivera",
        "--display-name",
        "Dr Rivera",
        "--password-stdin",
    )
    assert (status, err) == (0, "")
    assert "'dr.rivera'" in out and PASSWORD not in out
    store = _store(db_url)
    try:
        result = CounselorDesk(store).authenticate("dr.rivera", PASSWORD)
        assert result.counselor is not None and result.counselor.display_name == "Dr Rivera"
        (row,) = rows(store.engine, "counselors")
        assert row["password_hash"].startswith("$argon2id$")
    finally:
        store.engine.dispose()


def test_add_counselor_prompts_twice(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSWORD

    monkeypatch.setattr(cli.getpass, "getpass", fake_getpass)
    status, _, _ = run(capsys, "--database-url", db_url, "add-counselor", "rivera")
    assert status == 0 and len(prompts) == 2
    store = _store(db_url)
    assert CounselorDesk(store).authenticate("rivera", PASSWORD).counselor is not None
    store.engine.dispose()


def test_add_counselor_refuses_passwords_that_differ(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(answers))
    status, _, err = run(capsys, "--database-url", db_url, "add-counselor", "rivera")
    assert_one_line_error(status, err)
    assert "match" in err


@pytest.mark.parametrize(
    ("username", "stdin", "message"),
    [
        ("a b", PASSWORD, "username"),
        ("ab", PASSWORD, "username"),
        ("rivera", "short", "12 characters"),
        ("rivera", "", "no password"),
    ],
)
def test_add_counselor_bad_input_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    stdin: str,
    message: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin + "\n" if stdin else ""))
    status, out, err = run(capsys, "--database-url", db_url, "add-counselor", username, "--password-stdin")
    assert_one_line_error(status, err)
    assert message in err and out == ""


def test_a_bad_username_is_refused_before_the_password_prompt(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": pytest.fail("prompted for a password"))
    status, _, err = run(
        capsys, "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}", "add-counselor", "no spaces allowed"
    )
    assert_one_line_error(status, err)


def test_add_counselor_twice_is_refused(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for expected in (0, 2):
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        status, _, err = run(capsys, "--database-url", db_url, "add-counselor", "rivera", "--password-stdin")
        assert status == expected
    assert "already" in err


def test_add_counselor_admin_the_first_always_and_others_with_admin(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = {}
    for username, flags in (("first", ()), ("second", ()), ("third", ("--admin",))):
        monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
        status, out, err = run(capsys, "--database-url", db_url, "add-counselor", username, *flags, "--password-stdin")
        assert (status, err) == (0, "")
        said[username] = "as an admin" in out
    assert said == {"first": True, "second": False, "third": True}
    store = _store(db_url)
    try:
        assert {r["username"]: bool(r["is_admin"]) for r in rows(store.engine, "counselors")} == said
    finally:
        store.engine.dispose()


# --------------------------------------------------------------------------- remove-counselor


def _counselor_with_a_couple(store: Store, username: str, admin: bool = False) -> tuple[str, str]:
    """A counselor with one couple on the roster, an in-office assessment answered and a
    note; returns (counselor id, client id)."""
    desk = CounselorDesk(store)
    counselor = desk.add_counselor(username, PASSWORD, is_admin=admin)
    client = desk.add_client(counselor, f"Couple of {username}")
    couple_id, _ = desk.start_in_office(counselor, client)
    record = store.couple(couple_id)
    assert record is not None
    for partner in record.partners:
        store.save_answers(partner.person_id, ANSWERS, {"worth_it": 1})
    desk.add_note(counselor, client, f"note of {username}")
    return counselor, client


def test_remove_counselor_hands_their_couples_over(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    store = _store(db_url)
    try:
        _, client = _counselor_with_a_couple(store, "rivera")
        ben, _ = _counselor_with_a_couple(store, "ben", admin=True)
        status, out, err = run(capsys, "--database-url", db_url, "remove-counselor", "Rivera", "--hand-over-to", "ben")
        assert (status, err) == (0, "")
        assert "Removed counselor 'rivera'" in out and "handed 1 couple(s) over to 'ben'" in out
        desk = CounselorDesk(store)
        assert desk.counselor_by_username("rivera") is None
        assert [n.body for n in desk.notes(ben, client)] == ["note of rivera"]
        assert count(store.engine, "answers") == 8  # two couples, two partners, two answers each
    finally:
        store.engine.dispose()


def test_remove_counselor_can_delete_their_couples_and_all_their_data(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    store = _store(db_url)
    try:
        _counselor_with_a_couple(store, "rivera")
        ben, ben_client = _counselor_with_a_couple(store, "ben", admin=True)
        status, out, err = run(capsys, "--database-url", db_url, "remove-counselor", "rivera", "--delete-couples")
        assert (status, err) == (0, "")
        assert "deleted 1 couple(s) with all their data" in out
        assert [r["username"] for r in rows(store.engine, "counselors")] == ["ben"]
        assert [r["counselor_id"] for r in rows(store.engine, "clients")] == [ben]
        assert count(store.engine, "answers") == 4 and count(store.engine, "session_notes") == 1
        assert len(CounselorDesk(store).assessments(ben, ben_client)) == 1
    finally:
        store.engine.dispose()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rivera"], "--hand-over-to OTHER or --delete-couples"),
        (["nobody", "--delete-couples"], "no counselor called 'nobody'"),
        (["rivera", "--hand-over-to", "nobody"], "no counselor called 'nobody'"),
        (["rivera", "--hand-over-to", "rivera"], "themselves"),
        (["rivera", "--hand-over-to", "ben", "--delete-couples"], "not allowed with argument"),
        ([], "username"),
    ],
)
def test_remove_counselor_bad_input_is_one_line_status_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], db_url: str, argv: list[str], message: str
) -> None:
    store = _store(db_url)
    try:
        _counselor_with_a_couple(store, "rivera")
        _counselor_with_a_couple(store, "ben")
        before = {table: rows(store.engine, table) for table in ("counselors", "clients", "answers", "session_notes")}
        status, out, err = run(capsys, "--database-url", db_url, "remove-counselor", *argv)
        assert_one_line_error(status, err)
        assert message in err and out == ""
        assert {table: rows(store.engine, table) for table in before} == before
    finally:
        store.engine.dispose()


def test_remove_counselor_refuses_the_last_admin(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    """#18 finding 6: the only enabled admin is never removed while other counselors remain."""
    store = _store(db_url)
    try:
        _counselor_with_a_couple(store, "rivera")  # the first: the admin
        _counselor_with_a_couple(store, "ben")
        before = rows(store.engine, "counselors")
        status, out, err = run(capsys, "--database-url", db_url, "remove-counselor", "rivera", "--delete-couples")
        assert_one_line_error(status, err)
        assert "At least one admin must remain" in err and out == ""
        assert rows(store.engine, "counselors") == before
    finally:
        store.engine.dispose()


# --------------------------------------------------------------------------- keys


def test_generate_key_prints_a_fernet_key(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "generate-key")
    assert status == 0
    Fernet(out.strip().encode())
    assert run(capsys, "generate-key")[1] != out


def _fill(url: str, key: str) -> str:
    store = _store(url, sealer=FernetSealer([key]))
    person_id, _ = store.create_person()
    store.save_answers(person_id, ANSWERS, {"worth_it": 1})
    desk = CounselorDesk(store)
    counselor = desk.add_counselor("rivera", PASSWORD)
    desk.add_note(counselor, desk.add_client(counselor, "Sam & Alex"), "a private note")
    store.engine.dispose()
    return person_id


def test_rotate_key_from_a_to_b(
    capsys: pytest.CaptureFixture[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_a, key_b = generate_key(), generate_key()
    person_id = _fill(db_url, key_a)
    monkeypatch.setenv(KEYS_SETTING, f"{key_b},{key_a}")
    status, out, err = run(capsys, "--database-url", db_url, "rotate-key")
    assert (status, err) == (0, "")
    assert "sealed 2 answer(s) and 1 note(s)" in out
    assert "sealed 0 answer(s) and 0 note(s)" in run(capsys, "--database-url", db_url, "rotate-key")[1]
    only_b = _store(db_url, sealer=FernetSealer([key_b]))
    only_a = _store(db_url, sealer=FernetSealer([key_a]))
    try:
        assert only_b.answers_for(person_id) == ANSWERS
        with pytest.raises(KeyMissingError):
            only_a.answers_for(person_id)
    finally:
        only_b.engine.dispose()
        only_a.engine.dispose()


def test_rotate_key_reads_keys_from_a_secrets_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    key_a, key_b = generate_key(), generate_key()
    person_id = _fill(url, key_a)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'{KEYS_SETTING} = ["{key_b}", "{key_a}"]\n', encoding="utf-8")
    status, _, err = run(capsys, "--database-url", url, "--secrets", str(secrets), "rotate-key")
    assert (status, err) == (0, "")
    store = _store(url, sealer=FernetSealer([key_b]))
    assert store.answers_for(person_id) == ANSWERS
    assert all(r["value"].startswith(SEALED_PREFIX) for r in rows(store.engine, "answers"))
    store.engine.dispose()
    # The environment wins over the file.
    monkeypatch.setenv(KEYS_SETTING, "not-a-key")
    status, _, err = run(capsys, "--database-url", url, "--secrets", str(secrets), "rotate-key")
    assert_one_line_error(status, err)


@pytest.mark.parametrize(
    ("keys", "secrets_text", "message"),
    [
        (None, None, "no encryption key"),
        ("nonsense", None, "key 1 of 1 is not a Fernet key"),
        (None, "this is = = not toml", "not valid TOML"),
    ],
)
def test_rotate_key_bad_configuration_is_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    keys: str | None,
    secrets_text: str | None,
    message: str,
) -> None:
    args = ["--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]
    if keys is not None:
        monkeypatch.setenv(KEYS_SETTING, keys)
    if secrets_text is not None:
        (tmp_path / "secrets.toml").write_text(secrets_text, encoding="utf-8")
        args += ["--secrets", str(tmp_path / "secrets.toml")]
    status, _, err = run(capsys, *args, "rotate-key")
    assert_one_line_error(status, err)
    assert message in err and "nonsense" not in err


def test_rotate_key_with_a_missing_key_stops_with_status_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    _fill(url, generate_key())
    monkeypatch.setenv(KEYS_SETTING, generate_key())
    status, _, err = run(capsys, "--database-url", url, "rotate-key")
    assert_one_line_error(status, err, expected=1)
    assert "answers row" in err


# --------------------------------------------------------------------------- purge


def test_purge_deletes_old_unfinished_responses(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    store = _store(db_url)
    try:
        stale, _ = store.create_person()
        recent, _ = store.create_person()
        store.save_answers(stale, ANSWERS, {"worth_it": 1})
        long_ago = utcnow() - timedelta(days=RETENTION_DAYS + 1)
        with store.engine.begin() as connection:
            connection.execute(update(Person).where(Person.id == stale).values(updated_at=long_ago))
            connection.execute(update(Answer).where(Answer.person_id == stale).values(updated_at=long_ago))
        status, out, err = run(capsys, "--database-url", db_url, "purge")
        assert (status, err) == (0, "")
        assert f"deleted 1 unfinished response(s) untouched for {RETENTION_DAYS} day(s) with 2 answer(s)" in out
        assert store.person_exists(recent) and not store.person_exists(stale)
        status, out, _ = run(capsys, "--database-url", db_url, "purge", "--days", "1")
        assert status == 0 and "deleted 0" in out
        assert count(store.engine, "people") == 1
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("days", ["0", "-5", "ninety", "1.5", ""])
def test_purge_refuses_a_bad_period(capsys: pytest.CaptureFixture[str], tmp_path: Path, days: str) -> None:
    status, _, err = run(capsys, "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}", "purge", "--days", days)
    assert_one_line_error(status, err)
    assert "--days" in err


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["purge", "--force"], ["add-counselor"]])
def test_bad_command_lines_are_one_line_and_status_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, _, err = run(capsys, *argv)
    assert_one_line_error(status, err)


# --------------------------------------------------------------------------- as a real process


def test_the_module_runs_as_a_command(tmp_path: Path) -> None:
    env = {"SPARK_CHECK_SQLITE_PATH": str(tmp_path / "db.sqlite3"), "PATH": str(Path(sys.executable).parent)}

    def storage(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *argv],
            input=stdin,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    added = storage("add-counselor", "rivera", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Added counselor 'rivera'" in added.stdout
    refused = storage("purge", "--days", "0")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and refused.stdout == ""
    upgraded = storage("upgrade")
    assert upgraded.returncode == 0 and head_revision() in upgraded.stdout
    store = _store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert CounselorDesk(store).authenticate("rivera", PASSWORD).counselor is not None
    store.engine.dispose()
    removed = storage("remove-counselor", "rivera")
    assert removed.returncode == 0, removed.stderr
    assert "Removed counselor 'rivera'" in removed.stdout and "they had no couples" in removed.stdout
