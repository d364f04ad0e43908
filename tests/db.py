"""Database helpers for tests: a PostgreSQL schema of one's own, a table's raw rows.

``postgres_schema(url)`` creates a fresh schema and yields a URL whose connections
use it (``search_path``), so everything (the Store, Alembic, reflection, raw SQL)
sees only that schema; tests can run in parallel in one database. It is dropped
again afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from storage.models import Base


def with_search_path(url: str, schema: str) -> str:
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield with_search_path(url, schema)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    """Every row of a table, read around the Store."""
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(Base.metadata.tables[table]))]


def count(engine: Engine, table: str, **where: Any) -> int:
    model = Base.metadata.tables[table]
    statement = select(func.count()).select_from(model)
    for column, value in where.items():
        statement = statement.where(model.c[column] == value)
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def all_stored_text(engine: Engine) -> str:
    """Every value of every row of every table of the app, as one string."""
    return "\n".join(
        str(value) for table in Base.metadata.tables for row in rows(engine, table) for value in row.values()
    )
