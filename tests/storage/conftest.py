"""Storage fixtures.

store (function, parametrized)
    A fresh :class:`storage.repository.Store` with its schema made by the migrations:
    ``sqlite`` on a file under ``tmp_path``, and ``postgres`` (marked ``postgres``) in
    a schema of its own inside the database of the ``postgres_url`` fixture
    (``tests.db.postgres_schema``), dropped again afterwards.
db_url (function, parametrized)
    The same two databases as URLs, with no schema made yet.
desk (function)
    A :class:`storage.counselors.CounselorDesk` over ``store``.
cheap_argon2 (autouse)
    Argon2id at minimal cost, except in tests marked ``production_hasher``.
verifications (function)
    ``verifications(pause)`` starts recording the hash every Argon2 verification is made
    against (each taking ``pause`` seconds, so parallel attempts overlap); returns the list.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from storage import accounts
from storage.counselors import CounselorDesk
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


@pytest.fixture(autouse=True)
def cheap_argon2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at minimal cost, to keep these tests quick; the production parameters
    are checked by the test marked ``production_hasher``."""
    if "production_hasher" not in request.keywords:
        monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def desk(store: Store) -> CounselorDesk:
    return CounselorDesk(store)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], list[str]]:
    def start(pause: float) -> list[str]:
        verified: list[str] = []
        real = accounts._verify

        def counting(password_hash: str, password: str) -> bool:
            verified.append(password_hash)
            time.sleep(pause)
            return real(password_hash, password)

        monkeypatch.setattr(accounts, "_verify", counting)
        return verified

    return start
