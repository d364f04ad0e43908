"""Rolling upgrades: a replica of the previous release keeps working on the newest schema.

During a rolling upgrade (docs/OPERATIONS.md, "Upgrade") the database is migrated once, then
the replicas are restarted one by one; until its turn, a replica runs the previous release's
code against the new schema. The rule that makes that safe is expand/contract: a migration
only adds (a nullable column or one with a server default, a table, an index), and what the
old code reads or writes is dropped only in a later release, once no replica runs code that
uses it.

How this is checked, for the newest migration, without guessing what the old code does:
the previous release is the commit just before the one that added the newest migration file
(git history), checked out into a temporary directory. Its own storage tests, which exercise
every query the app makes (pages and services reach the database only through ``storage/``),
run there against PostgreSQL with one change (tests/support/old_replica_plugin.py): every
database they use is built by the *new* migrations, to the new head, instead of the old ones.
They must all pass. Left out: the old release's tests of its own migrations and of the
``upgrade`` command, which check that the database is at *its* newest revision; here it is,
by design, one past it.

A replica that *starts* on a database newer than its code (one expand migration ahead) serves
it without migrating, and says so in the log: the last test below.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from storage.database import MIGRATIONS_DIR, alembic_config, make_engine, migration_connection
from tests.conftest import skip_or_fail
from tests.support import REPO_ROOT
from tests.support.cluster import postgres_database
from tests.support.old_replica_plugin import MARKER

pytestmark = pytest.mark.timeout(1800)

#: How the previous release's storage tests run: without its checks of its own newest revision,
#: stopping at the first failure, on both cores.
OLD_RUN = [
    "--ignore=tests/storage/test_migrations.py",
    "-k",
    "not upgrade",
    "-x",
    "-q",
    "-p",
    "no:cacheprovider",
    "-n",
    "2",
]
#: A minimal Alembic environment: the migration scripts alone, on the connection given.
MINIMAL_ENV = """from alembic import context

context.configure(connection=context.config.attributes["connection"], render_as_batch=True, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
"""


def git(*args: str) -> subprocess.CompletedProcess[bytes]:
    # safe.directory: CI runs as root in a clone that may belong to another user.
    command = ["git", "-c", f"safe.directory={REPO_ROOT}", "-C", str(REPO_ROOT), *args]
    return subprocess.run(command, capture_output=True, timeout=120, check=False)


def previous_release(directory: Path) -> tuple[str, Path]:
    """The code just before the newest migration, checked out in ``directory``: the parent of
    the commit that added the migration's file, or HEAD while that file is not committed yet."""
    if shutil.which("git") is None or git("rev-parse", "--git-dir").returncode != 0:
        skip_or_fail("this check needs git and the repository's history")
    newest = ScriptDirectory.from_config(alembic_config()).get_revision("head")
    assert newest is not None and newest.path is not None
    path = str(Path(newest.path).relative_to(REPO_ROOT))
    if git("cat-file", "-e", f"HEAD:{path}").returncode != 0:
        release = "HEAD"  # a migration being written: the previous release is the code committed
    else:
        added = git("log", "--diff-filter=A", "--format=%H", "-1", "--", path).stdout.decode().strip()
        release = f"{added}^"
        if not added or git("rev-parse", "--verify", "--quiet", release).returncode != 0:
            skip_or_fail(f"no history before {newest.revision} here (a shallow clone? git fetch --unshallow)")
    archive = git("archive", "--format=tar", release)
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(directory, filter="data")
    return release, directory


def new_migrations(directory: Path) -> Path:
    """This release's migration scripts, with an env.py that needs nothing of either release."""
    shutil.copytree(MIGRATIONS_DIR / "versions", directory / "versions", ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "env.py").write_text(MINIMAL_ENV, encoding="utf-8")
    return directory


@pytest.mark.postgres
def test_the_previous_release_works_on_the_newest_schema(postgres_url: str, tmp_path: Path) -> None:
    commit, old = previous_release(tmp_path / "previous")
    newest = ScriptDirectory.from_config(alembic_config()).get_revision("head")
    old_head = ScriptDirectory(str(old / "storage" / "migrations")).get_current_head()
    assert newest is not None and old_head == newest.down_revision, (commit, old_head, newest.revision)

    with postgres_database(postgres_url, "spark_old_replica") as database_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SPARK_CHECK_", "PYTHON"))}
        env |= {
            "SPARK_CHECK_TEST_POSTGRES_URL": database_url,
            "SPARK_CHECK_NEW_MIGRATIONS": str(new_migrations(tmp_path / "migrations")),
            "PYTHONPATH": str(REPO_ROOT / "tests" / "support"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/storage", "-m", "postgres", "-p", "old_replica_plugin", *OLD_RUN],
            cwd=old,
            env=env,
            capture_output=True,
            text=True,
            timeout=1700,
        )
    output = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, f"the code of {commit} on {newest.revision}:\n{output}"
    assert MARKER in done.stdout + done.stderr
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed is not None and int(passed.group(1)) >= 100, output  # the old tests really ran


def test_a_replica_starts_on_a_database_one_expand_migration_ahead(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from alembic import command
    from alembic.config import Config

    from storage import Store

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    future = new_migrations(tmp_path / "future")
    (future / "versions" / "9999_future.py").write_text(
        f'''"""A future expand migration: one nullable column."""
import sqlalchemy as sa
from alembic import op

revision = "9999_future"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("future_note", sa.Text(), nullable=True))
''',
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'spark_check.sqlite3'}"
    engine = make_engine(url)
    try:
        with migration_connection(engine) as connection:
            config = Config()
            config.set_main_option("script_location", str(future))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()

    with caplog.at_level(logging.WARNING, logger="storage.database"):
        store = Store.from_url(url)  # what a replica does at its first session
    try:
        assert "9999_future" in caplog.text and "serving without migrating" in caplog.text
        assert store.create_schema() == "9999_future"  # left as it is: not migrated, not stamped back
        person_id, _token = store.create_person()
        store.save_answer(person_id, "worth_it", 1, "respect", 2)
        assert store.answers_for(person_id) == {"worth_it": {"respect": 2}}
    finally:
        store.engine.dispose()
