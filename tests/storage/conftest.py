"""Storage fixtures.

store (function, parametrized)
    A fresh :class:`storage.repository.Store` with its schema made by the migrations:
    ``sqlite`` on a file under ``tmp_path``, and ``postgres`` (marked ``postgres``) in
    a schema of its own inside the database of the ``postgres_url`` fixture
    (``tests.db.postgres_schema``), dropped again afterwards.
db_url (function, parametrized)
    The same two databases as URLs, with no schema made yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.repository import Store
from tests.db import postgres_schema

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'spark_check.sqlite3'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    fresh = Store.from_url(db_url)
    try:
        yield fresh
    finally:
        fresh.engine.dispose()
