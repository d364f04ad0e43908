"""Alembic environment for Spark Check.

The app runs migrations in code (``storage.database.upgrade_schema``), passing its
connection in ``config.attributes["connection"]``. Developers can also use the
``alembic`` command from the repository root (``alembic.ini``): the database is then
``sqlalchemy.url`` if set, else the app's own (``DATABASE_URL`` or
``SPARK_CHECK_SQLITE_PATH``), locked and checked the same way.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.database import configured_url, make_engine, migration_connection
from storage.models import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("connection") is None:
    # The alembic command line: log as alembic.ini says. The app configures no logging here.
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        # SQLite can't ALTER much: rebuild tables ("batch" mode) where needed.
        render_as_batch=True,
        compare_type=True,
        # Both dialects run the whole upgrade in one transaction (SQLite supports
        # transactional DDL; Alembic's default assumes it doesn't).
        transactional_ddl=True,
        literal_binds=connection is None,
    )


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or configured_url()


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with migration_connection(engine) as own:
            _configure(own)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
