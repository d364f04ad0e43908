"""Checks that the PostgreSQL test database from SPARK_CHECK_TEST_POSTGRES_URL is usable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.postgres


def test_postgres_database_is_reachable_and_utf8(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            assert conn.execute(sa.text("SHOW server_encoding")).scalar_one() == "UTF8"
            conn.execute(sa.text("CREATE TEMPORARY TABLE smoke (id integer PRIMARY KEY, note text)"))
            conn.execute(sa.text("INSERT INTO smoke VALUES (1, 'héllo ✓')"))
            assert conn.execute(sa.text("SELECT note FROM smoke")).scalar_one() == "héllo ✓"
    finally:
        engine.dispose()
