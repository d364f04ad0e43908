"""Accounts in the app: a counselor changes their password; only a first run shows the command."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storage.counselors import CounselorDesk
from tests.ui.counselor_app import APP, PASSWORD, TIMEOUT, log_in, page_text


def test_a_counselor_changes_their_password_in_the_app(desk: CounselorDesk) -> None:
    app = log_in("ana")
    fields = {t.label: t for t in app.text_input}
    fields["Current password"].input(PASSWORD)
    fields["New password"].input("a brand new password")
    fields["New password again"].input("a brand new password")
    next(b for b in app.button if b.label == "Change password").click().run()
    assert "Your password is changed." in page_text(app)
    assert desk.authenticate("ana", "a brand new password").counselor is not None

    fields = {t.label: t for t in app.text_input}
    fields["Current password"].input("wrong one entirely")
    fields["New password"].input("another new password")
    fields["New password again"].input("another new password")
    next(b for b in app.button if b.label == "Change password").click().run()
    assert "That isn't your current password" in page_text(app)
    assert desk.authenticate("ana", "a brand new password").counselor is not None


def test_the_first_run_login_page_shows_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(tmp_path / "empty.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.button(key="welcome:counselor").click().run()
    assert "No counselor account exists yet" in page_text(app)
    assert "python -m storage add-counselor" in page_text(app)


def test_the_login_page_does_not_show_it_once_a_counselor_exists(desk: CounselorDesk) -> None:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.button(key="welcome:counselor").click().run()
    assert "No counselor account exists yet" not in page_text(app)
    assert "add-counselor" not in page_text(app)  # the command is for the first run only
    assert "Your account is made by whoever runs Spark Check for your practice." in page_text(app)
