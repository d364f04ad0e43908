"""The app wires storage as promised: encryption keys from the settings, and a
person who reaches their results counts as finished (so is never purged)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from streamlit.testing.v1 import AppTest

from tests.ui.person_app import APP
from ui import session


def test_answers_are_encrypted_at_rest_when_a_key_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sealed.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.setenv("SPARK_CHECK_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.button(key="start:worth_it").click().run()
    app.radio[0].set_value(2).run()
    assert not app.exception
    state: session.SessionData = app.session_state[session.STATE_KEY]
    assert state.answers["worth_it"]  # the app reads its own sealed answer back
    with sqlite3.connect(path) as connection:
        values = [row[0] for row in connection.execute("SELECT value FROM answers")]
    assert values and all(value.startswith("fernet:") for value in values)


def test_reaching_results_marks_a_person_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "finished.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("SPARK_CHECK_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.button(key="start:worth_it").click().run()
    for radio in app.radio:
        radio.set_value(2)
    app.run()
    app.button(key="finish:worth_it:solo").click().run()
    assert not app.exception
    with sqlite3.connect(path) as connection:
        finished = [row[0] for row in connection.execute("SELECT finished_at FROM people")]
    assert finished and all(value is not None for value in finished)


def test_a_session_reads_the_secrets_at_its_first_run_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With no secrets file, st.secrets looks for one at every call: a session reads them at
    # its first run only (the environment, which costs nothing, at every call).
    import settings

    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(tmp_path / "first.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    reads: list[int] = []
    real = settings.app_secrets
    monkeypatch.setattr(settings, "app_secrets", lambda: reads.append(1) or real())
    app = AppTest.from_file(APP, default_timeout=60).run()
    for _ in range(3):
        app.run()
    assert not app.exception and len(reads) == 1
    app.button(key="start:worth_it").click().run()
    app.radio[0].set_value(2).run()
    assert len(reads) == 1
    assert (tmp_path / "first.sqlite3").exists()
    AppTest.from_file(APP, default_timeout=60).run()  # a new session reads them afresh
    assert len(reads) == 2
