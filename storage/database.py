"""Engine set-up and schema migrations.

SQLite is the zero-setup default (WAL, ``synchronous=FULL``, a busy timeout, every
transaction a ``BEGIN IMMEDIATE``, and every transaction refused once the database
file was deleted or replaced under the running app); PostgreSQL is used when
``DATABASE_URL`` names one. The schema is managed by Alembic (``storage/migrations``):
:func:`upgrade_schema` brings any database to the newest revision at start, including
databases made before migrations existed, and lets only one process migrate at a time.
"""

from __future__ import annotations

import collections
import functools
import io
import logging
import os
import select
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import Pool
from sqlalchemy.sql import Select

from storage.errors import StorageError
from storage.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "data" / "spark_check.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Milliseconds SQLite waits for a lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Tables of the app (alembic_version aside); a database with none of them is empty.
APP_TABLES = frozenset({"people", "answers", "couples", "counselors", "clients", "session_notes", "homework"})
#: SQLite's ``synchronous`` setting. FULL: a commit returns only once the write-ahead log is
#: synced to disk, so an acknowledged answer survives a power cut too (NORMAL, under WAL,
#: may lose the last commits then). The cost per save is in docs/PERFORMANCE.md.
SQLITE_SYNCHRONOUS = "FULL"
#: Said (to the user as a StorageError, to the operator in the log) once the database file
#: is no longer the one the app opened.
FILE_CHANGED = (
    "the database file {path} was deleted or replaced while the app was running, so nothing more is saved "
    "(it would go to the old file and be lost): put the right file back in place, then restart the app"
)
#: Each SQLite file engine's check that its file is still the one it opened, by its pool (for
#: ``driver_rows``, which runs no SQLAlchemy events).
_FILE_CHECKS: weakref.WeakKeyDictionary[Pool, Callable[[Any], None]] = weakref.WeakKeyDictionary()
#: Key of the PostgreSQL advisory lock held while migrating (per schema, see below).
MIGRATION_LOCK_NAME = "spark_check.migrate"

log = logging.getLogger(__name__)


def configured_url(environ: Mapping[str, str] | None = None) -> str:
    """The database URL: ``DATABASE_URL``, else the SQLite file of ``SPARK_CHECK_SQLITE_PATH``."""
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip()
    if url:
        # Hosted PostgreSQL often hands out "postgres://"; SQLAlchemy wants a driver.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    path = Path(env.get("SPARK_CHECK_SQLITE_PATH") or DEFAULT_SQLITE_PATH)
    return f"sqlite:///{path}"


def file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``, or None when there is none."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


def _configure_sqlite(engine: Engine, path: str | None) -> None:
    """Pragmas on every connection; BEGIN IMMEDIATE; and, for a file, the check that it is
    still the file the engine first opened (``path``, absolute; None for in-memory)."""
    #: The file the engine's first connection opened, and whether the operator was told.
    opened: dict[str, Any] = {}

    def _check_file(driver: Any) -> None:
        if path is None or file_identity(path) == opened.get("identity"):
            return
        # The file at the path is not the one the connections write to: a save now would
        # be acknowledged and lost at the next restart. Refuse it, and every later one.
        if driver.in_transaction:  # a read on the driver (``driver_rows``) has none to roll back
            driver.execute("ROLLBACK")
        message = FILE_CHANGED.format(path=path)
        if not opened.get("told"):
            opened["told"] = True
            log.error("Spark Check: %s", message)
        raise StorageError(message)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own
        # transaction handling would defer it and ignore IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, not left in the file's free space.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()
        if path is not None:
            opened.setdefault("identity", file_identity(path))

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: no deadlock-prone lock upgrades later. A read
        # (Store.transaction(read_only=True)) takes none: a deferred BEGIN, a WAL snapshot.
        deferred = connection.get_execution_options().get("deferred_begin")
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
        _check_file(connection.connection.driver_connection)

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        # Replaced while the transaction ran: roll back, not acknowledge.
        _check_file(connection.connection.driver_connection)

    _FILE_CHECKS[engine.pool] = _check_file


#: One lock per SQLite database (file) in this process; see :func:`sqlite_process_lock`.
_SQLITE_LOCKS: dict[str, threading.RLock] = {}
_SQLITE_LOCKS_GUARD = threading.Lock()


def sqlite_process_lock(engine: Engine) -> threading.RLock | None:
    """The lock that queues this process's transactions on a SQLite database, or None.

    SQLite lets one writer in at a time, and every Store transaction takes the write
    lock (BEGIN IMMEDIATE). Left to SQLite, waiting threads poll with sleeps and the
    unlucky can starve past the busy timeout under load ("database is locked"). Queued
    on one Python lock per database file, the threads of a process wait their turn
    instead; the busy timeout then only has to cover other processes.
    """
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    key = database if database and database != ":memory:" else f"memory:{id(engine)}"
    with _SQLITE_LOCKS_GUARD:
        return _SQLITE_LOCKS.setdefault(key, threading.RLock())


def driver_rows(engine: Engine, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]) -> list[Any]:
    """The rows of one read statement (named tuples, each value as SQLAlchemy's types give it), run
    by the driver on a connection of ``engine``'s pool, with no SQLAlchemy connection, transaction
    or result object around it: for the lookups that open every action, where those cost 0.4 ms of
    a page run's 4 ms (docs/PERFORMANCE.md, "Where a rerun's time goes", item 17). One statement
    is atomic on its own, so it runs in no transaction (``BEGIN`` and ``COMMIT`` would only add
    round trips): on PostgreSQL in autocommit. SQLite still checks its file (``_configure_sqlite``).
    A database error is a StorageError."""
    sql, names, values, row_type, converters = _driver_form(engine.dialect, statement)
    values = {**values, **params}
    postgresql = engine.dialect.name == "postgresql"
    try:
        raw = engine.raw_connection()  # checked as any checkout (``_replace_closed_connection``)
    except SQLAlchemyError as exc:
        raise StorageError(exc.__class__.__name__) from exc
    try:
        driver: Any = raw.driver_connection
        if (check := _FILE_CHECKS.get(engine.pool)) is not None:
            check(driver)
        if postgresql:
            driver.autocommit = True  # set on the client: no round trip
        try:
            found = driver.execute(sql, tuple(values[name] for name in names) if names else values).fetchall()
        finally:
            if postgresql:
                driver.autocommit = False  # lent back to the pool as it was lent
    except engine.dialect.loaded_dbapi.Error as exc:
        raw.invalidate(exc)  # a connection the server dropped is not lent again
        raise StorageError(exc.__class__.__name__) from exc
    finally:
        raw.close()
    return [
        row_type._make(
            value if convert is None else convert(value) for convert, value in zip(converters, row, strict=True)
        )
        for row in found
    ]


@functools.lru_cache(maxsize=64)
def _driver_form(
    dialect: Dialect, statement: Select[*tuple[Any, ...]]
) -> tuple[str, tuple[str, ...], dict[str, Any], Any, tuple[Callable[[Any], Any] | None, ...]]:
    """``statement`` as its driver takes it: its SQL, its parameters' order when they are
    positional, the values it holds itself (its literals), a named tuple of its columns, and
    each column's conversion from the driver's value, if any (SQLAlchemy's own: e.g. SQLite's
    text to a datetime)."""
    compiled = statement.compile(dialect=dialect)
    columns = statement.selected_columns
    converters = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    row_type = collections.namedtuple("Row", list(columns.keys()))  # type: ignore[misc]
    return compiled.string, tuple(compiled.positiontup or ()), compiled.params, row_type, converters


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        path: str | None = None
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            path = os.path.abspath(database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine, path)
        return engine
    # psycopg where there is poll (not on Windows): the check below; else SQLAlchemy's ping, a round trip.
    checked = parsed.get_driver_name() == "psycopg" and hasattr(select, "poll")
    engine = create_engine(url, pool_pre_ping=not checked, pool_size=10, max_overflow=20)
    if checked:
        event.listen(engine, "checkout", _replace_closed_connection)
    return engine


def _replace_closed_connection(driver: Any, _record: Any, _proxy: Any) -> None:
    """A pooled psycopg connection the server has closed (a restart, ``pg_terminate_backend``, an
    idle timeout) is replaced, not lent, with no round trip (``pool_pre_ping`` sends one: two of an
    answer's four; docs/PERFORMANCE.md, item 18): closing, the server sends its last message, so an
    idle connection with anything to read is closed (the app listens for no notifications).
    DisconnectionError is the pool's own way to replace a connection at checkout."""
    if driver.closed or driver.broken:
        raise DisconnectionError("the connection is closed")
    poll = select.poll()
    poll.register(driver.fileno(), select.POLLIN)
    if poll.poll(0):
        raise DisconnectionError("the server closed the connection, or sent what an idle one is never sent")


# Migrations -----------------------------------------------------------------


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code (no alembic.ini needed at run time)."""
    from alembic.config import Config

    # An explicit stream: Config's default is the sys.stdout of when alembic was imported.
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that only one process at a time can hold.

    PostgreSQL: a transaction-scoped advisory lock (per schema), released at commit;
    DDL is transactional, so a failed upgrade leaves nothing half-done.
    SQLite: ``BEGIN IMMEDIATE`` (the engine's "begin" hook) takes the write lock;
    other processes wait for it (busy timeout). Foreign keys are switched off for the
    duration, as SQLite requires for rebuilding a table that others refer to (a
    DROP TABLE would otherwise cascade into the answers), and checked before commit.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Must happen outside a transaction: inside one the pragma is a no-op.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]  # checked out: never None
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(hashtext(:name || '.' || current_schema()))"),
                        {"name": MIGRATION_LOCK_NAME},
                    )
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StorageError(f"the schema upgrade would break {len(broken)} foreign key(s); rolled back")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]  # checked out: never None


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _table_columns(connection: Connection) -> dict[str, frozenset[str]]:
    inspector = inspect(connection)
    return {
        table: frozenset(column["name"] for column in inspector.get_columns(table))
        for table in inspector.get_table_names()
        if table in APP_TABLES
    }


def _revision_shapes() -> list[tuple[str, dict[str, frozenset[str]]]]:
    """Each revision's tables and columns, newest first, read off a scratch in-memory database."""
    from alembic import command
    from alembic.script import ScriptDirectory

    newest_first = [script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    shapes: list[tuple[str, dict[str, frozenset[str]]]] = []
    scratch = make_engine("sqlite://")
    try:
        with migration_connection(scratch) as connection:
            for revision in reversed(newest_first):
                command.upgrade(alembic_config(connection), revision)
                shapes.append((revision, _table_columns(connection)))
    finally:
        scratch.dispose()
    return shapes[::-1]


def _prepare(connection: Connection) -> None:
    """Before ``upgrade head``: build an empty database, or stamp one made before migrations.

    An empty database gets the newest schema at once and is stamped with the head
    revision (Alembic's recipe for a database built from scratch); the tests prove
    that this and running every revision in turn give the same schema.
    A database made by ``create_all`` before migrations existed is stamped with the
    revision whose tables and columns it has, so the upgrade continues from there.
    """
    from alembic import command

    tables = set(inspect(connection).get_table_names())
    if not tables & APP_TABLES:
        Base.metadata.create_all(connection)
        command.stamp(alembic_config(connection), "head")
        return
    if "alembic_version" in tables and current_revision(connection) is not None:
        return
    present = _table_columns(connection)
    for revision, shape in _revision_shapes():
        if shape == present:
            command.stamp(alembic_config(connection), revision)
            return
    described = "; ".join(f"{table}({', '.join(sorted(columns))})" for table, columns in sorted(present.items()))
    raise StorageError(
        "the database was made by a version of Spark Check whose schema no migration knows, "
        f"so it is left untouched: {described}"
    )


def upgrade_schema(engine: Engine) -> str:
    """Bring the database to the newest schema (``alembic upgrade head``); return its revision.

    Handles an empty database (built at once, see :func:`_prepare`), one made by
    ``Base.metadata.create_all`` before migrations existed (stamped with the matching
    revision first), and several app processes starting at once (one migrates, the
    others wait and find it done). A database at a revision this code doesn't know was
    migrated by a newer release (a rolling upgrade, expand/contract): it is served as it
    is, and the operator is told.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    try:
        with migration_connection(engine) as connection:
            _prepare(connection)
            revision = current_revision(connection)
            scripts = ScriptDirectory.from_config(alembic_config())
            if revision is not None and revision not in {script.revision for script in scripts.walk_revisions()}:
                log.warning(
                    "Spark Check: the database is at revision %s, newer than this code knows (its newest is %s): "
                    "serving without migrating; restart this replica with the new release",
                    revision,
                    scripts.get_current_head(),
                )
                return revision
            command.upgrade(alembic_config(connection), "head")
            revision = current_revision(connection)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        detail = (str(cause).strip().splitlines() or [""])[0]
        raise StorageError(f"the database could not be prepared: {exc.__class__.__name__}: {detail}") from exc
    assert revision is not None
    return revision
