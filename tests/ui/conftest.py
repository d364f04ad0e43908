"""Fixtures of the ui tests.

db_path (function)
    The app's database file for a person's or a couple's AppTest
    (SPARK_CHECK_SQLITE_PATH pointed at a fresh file, DATABASE_URL unset); the helpers
    are in tests.ui.person_app and tests.ui.couple_app.
desk (function)
    The app's database for a counselor's AppTest (SPARK_CHECK_SQLITE_PATH pointed at a
    fresh file) with two counselors, ``ana`` (the first: an admin) and ``ben``, both with
    ``tests.ui.counselor_app.PASSWORD``; log in with ``tests.ui.counselor_app.log_in``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store
from storage.counselors import CounselorDesk
from tests.ui.counselor_app import PASSWORD


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "app.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    yield path


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CounselorDesk]:
    path = tmp_path / "counselor.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    desk = CounselorDesk(Store.from_url(f"sqlite:///{path}"))
    desk.add_counselor("ana", PASSWORD, "Ana")
    desk.add_counselor("ben", PASSWORD, "Ben")
    yield desk
