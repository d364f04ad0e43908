"""A pytest plugin for running an *older* release's own storage tests against the *newest* schema.

Loaded with ``-p old_replica_plugin`` into a pytest run inside a checkout of the previous
release (tests/deploy/test_rolling_upgrade.py). Wherever that code would build or upgrade
a database (``storage.database.upgrade_schema``, as its Store calls it at start), the
database is instead brought to the head of the migrations in ``SPARK_CHECK_NEW_MIGRATIONS``
(the newest release's ``versions/``, with a minimal ``env.py``). Everything else the old
tests do is the old code's own: its queries, its models, its checks of the results.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

MARKER = "old_replica_plugin: the old code migrates to the new head"


def upgrade_to_new_head(engine: Any) -> str:
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    config = Config()
    config.set_main_option("script_location", os.environ["SPARK_CHECK_NEW_MIGRATIONS"])
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # replicas starting at once: one migrates
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext('spark_check.migrate.' || current_schema()))")
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        revision = MigrationContext.configure(connection).get_current_revision()
    assert revision is not None
    return str(revision)


def pytest_configure(config: pytest.Config) -> None:
    import storage.database

    original = getattr(storage.database, "upgrade_schema", None)
    if original is None:
        raise pytest.UsageError("the old code has no storage.database.upgrade_schema: adapt old_replica_plugin.py")
    for name, module in list(sys.modules.items()):
        if (name == "storage" or name.startswith("storage.")) and getattr(module, "upgrade_schema", None) is original:
            module.upgrade_schema = upgrade_to_new_head  # type: ignore[attr-defined]
    print(MARKER, file=sys.stderr)
