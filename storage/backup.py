"""Backups with the database's own tools: ``pg_dump``/``pg_restore``, and SQLite's online backup API.

``python manage.py backup PATH`` and ``python manage.py restore PATH`` (manage.py).

- PostgreSQL: ``pg_dump --format=custom`` (consistent: one snapshot, while the app runs);
  ``pg_restore --single-transaction --exit-on-error --no-owner --no-privileges`` into an
  empty database (all or nothing; the tables belong to whoever restores them).
- SQLite: ``sqlite3.Connection.backup`` copies the live file page by page while the app
  runs; the copy is made self-contained (no write-ahead log) and checked with
  ``PRAGMA integrity_check``. A restore copies it back the same way into an empty file.

A backup holds answers and notes as stored: sealed when encryption keys are set. The keys
are not in it: keep them, apart from the backups (docs/OPERATIONS.md). Files are written
0600 under a temporary name and renamed when complete, so a backup that failed never
looks like one that worked. Connection passwords go to the tools in ``PGPASSWORD``, never
on a command line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.database import APP_TABLES
from storage.errors import StorageError

#: Backups written into a directory are named spark-check-<UTC time><suffix>.
PREFIX = "spark-check-"
SUFFIXES = {"postgresql": ".pgdump", "sqlite": ".sqlite3"}


class BackupError(StorageError):
    """A backup or restore that did not happen; the message says why, in one line."""


def backup(url: str, destination: Path, keep: int | None = None) -> Path:
    """Back up the database at ``url`` to ``destination``: a file, or a directory in which
    the backup gets a dated name (then ``keep`` newest backups stay there, older ones go)."""
    parsed = _parsed(url)
    into_directory = destination.is_dir()
    suffix = SUFFIXES[parsed.get_backend_name()]
    target = destination / f"{PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%SZ}{suffix}" if into_directory else destination
    partial = target.with_name(target.name + ".partial")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        if parsed.get_backend_name() == "postgresql":
            with partial.open("wb") as out:
                _run_pg("pg_dump", parsed, ["--format=custom"], stdout=out)
        else:
            _sqlite_copy(_sqlite_file(parsed, must_exist=True), partial)
            _check_sqlite(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    if into_directory and keep is not None:
        for old in sorted(destination.glob(f"{PREFIX}*{suffix}"))[:-keep]:
            old.unlink()
    return target


def restore(url: str, source: Path) -> None:
    """Restore the backup ``source`` into the database at ``url``, which must hold no app table."""
    parsed = _parsed(url)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    _require_empty(parsed)
    if parsed.get_backend_name() == "postgresql":
        _run_pg(
            "pg_restore",
            parsed,
            ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", str(source)],
        )
    else:
        _check_sqlite(source)
        target = _sqlite_file(parsed, must_exist=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)


def _parsed(url: str) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() not in SUFFIXES:
        raise BackupError(f"can't back up a {parsed.get_backend_name()} database: PostgreSQL or SQLite only")
    return parsed


def _require_empty(parsed: URL) -> None:
    if parsed.get_backend_name() == "sqlite" and not _sqlite_file(parsed, must_exist=False).exists():
        return
    engine = create_engine(parsed)
    try:
        present = set(inspect(engine).get_table_names()) & APP_TABLES
    except SQLAlchemyError as exc:
        raise BackupError(
            f"can't open {parsed.render_as_string(hide_password=True)}: {exc.__class__.__name__}"
        ) from None
    finally:
        engine.dispose()
    if present:
        raise BackupError(
            f"{parsed.render_as_string(hide_password=True)} already holds Spark Check's tables "
            f"({', '.join(sorted(present))}): restore into a new, empty database"
        )


def _run_pg(tool: str, parsed: URL, args: list[str], stdout: IO[bytes] | int = subprocess.DEVNULL) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} not found: install PostgreSQL's client tools (apt-get install postgresql-client)")
    # libpq's own URI, without the password (that goes in the environment) or SQLAlchemy's driver.
    conninfo = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    done = subprocess.run(
        [executable, f"--dbname={conninfo}", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
    )
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{tool} failed (exit {done.returncode}): {detail[0] if detail else 'no message'}")


def _sqlite_file(parsed: URL, *, must_exist: bool) -> Path:
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    path = Path(database)
    if must_exist and not path.is_file():
        raise BackupError(f"no SQLite database at {path}")
    return path


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the app writes to ``source``."""
    try:
        with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source} to {target}: {exc}") from None


def _check_sqlite(path: Path) -> None:
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"{path} is not a usable SQLite backup: {exc}") from None
    if verdict != ("ok",):
        raise BackupError(f"{path} failed SQLite's integrity check: {verdict}")
