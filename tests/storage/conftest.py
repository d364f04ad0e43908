"""Storage fixtures.

store (function, parametrized)
    A fresh :class:`storage.repository.Store`: ``sqlite`` on a file under ``tmp_path``,
    and ``postgres`` (marked ``postgres``) in a schema of its own inside the database of
    the ``postgres_url`` fixture, dropped again afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.schema import CreateSchema, DropSchema

from storage.database import make_engine
from storage.models import Base
from storage.repository import Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        sqlite_store = Store.from_url(f"sqlite:///{tmp_path / 'spark_check.sqlite3'}")
        try:
            yield sqlite_store
        finally:
            sqlite_store.engine.dispose()
        return
    url: str = request.getfixturevalue("postgres_url")
    # A schema of its own per test: isolated from other tests, even when they run in parallel.
    schema = f"test_{uuid.uuid4().hex}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(CreateSchema(schema))
    scoped = engine.execution_options(schema_translate_map={None: schema})
    postgres_store = Store(scoped)
    try:
        postgres_store.create_schema()
        yield postgres_store
    finally:
        Base.metadata.drop_all(scoped)
        with engine.begin() as connection:
            connection.execute(DropSchema(schema, cascade=True))
        engine.dispose()
