"""Fixtures of the ui tests.

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
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CounselorDesk]:
    path = tmp_path / "counselor.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    desk = CounselorDesk(Store.from_url(f"sqlite:///{path}"))
    desk.add_counselor("ana", PASSWORD, "Ana")
    desk.add_counselor("ben", PASSWORD, "Ben")
    yield desk
