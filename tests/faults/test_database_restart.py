"""PostgreSQL closed the app's connections (a restart, an idle timeout, an administrator):
the next action still works, and nothing is lost. The pool checks a connection before it
hands it out (``storage.database._replace_closed_connection``: is there anything to read on
its socket? no round trip; SQLAlchemy's pre-ping where there is no ``poll``), so a closed
one is replaced, not used: a change that drops or narrows the check must keep these tests
green."""

from __future__ import annotations

import select
import time
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from storage import StorageError, database
from storage.repository import Store
from tests.db import postgres_schema

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

#: What the server last ran on a connection, and when it last changed state.
_LAST_STATEMENT = "SELECT query, state_change FROM pg_stat_activity WHERE pid = :pid"


@pytest.mark.parametrize("check", ["poll", "ping"])
def test_the_next_action_after_the_server_closed_every_pooled_connection_succeeds(
    postgres_url: str, check: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if check == "ping":  # as on Windows, which has no poll: SQLAlchemy's pre-ping
        monkeypatch.delattr(select, "poll")
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with postgres_schema(postgres_url) as url:
        store = Store.from_url(url)
        try:
            assert event.contains(store.engine, "checkout", database._replace_closed_connection) == (check == "poll")
            person_id, token = store.create_person()
            store.save_answer(person_id, "worth_it", 1, "first", 1)
            pooled = [store.engine.connect() for _ in range(store.engine.pool.checkedin())]  # type: ignore[attr-defined]  # a QueuePool
            closed = {connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() for connection in pooled}
            for connection in pooled:
                connection.close()
            assert closed, "the store has no pooled connection to close"
            _terminate(admin, closed)

            # The next action: the lookup that opens it, then the save, then a read.
            found = store.person_by_token(token)
            assert found is not None and found.id == person_id
            store.save_answer(person_id, "worth_it", 1, "second", 2)
            assert store.answers_for(person_id) == {"worth_it": {"first": 1, "second": 2}}
            with store.engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() not in closed
        finally:
            store.engine.dispose()
            admin.dispose()


def test_a_write_whose_connection_is_closed_halfway_changes_nothing_and_the_next_one_works(postgres_url: str) -> None:
    """A replace (a DELETE, then the upsert, in one transaction) whose connection the server
    closes between its two statements: a StorageError, every earlier answer still there."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with postgres_schema(postgres_url) as url:
        store = Store.from_url(url)
        try:
            person_id, _ = store.create_person()
            store.save_answers(person_id, {"worth_it": {"first": 1, "second": 2}}, {"worth_it": 1})

            def close_before_the_upsert(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
                if statement.startswith("INSERT INTO answers"):
                    _terminate(admin, {connection.connection.driver_connection.info.backend_pid})

            event.listen(store.engine, "before_cursor_execute", close_before_the_upsert)
            try:
                with pytest.raises(StorageError):
                    store.save_answers(person_id, {"worth_it": {"third": 3}}, {"worth_it": 1}, replace=True)
            finally:
                event.remove(store.engine, "before_cursor_execute", close_before_the_upsert)

            assert store.answers_for(person_id) == {"worth_it": {"first": 1, "second": 2}}
            store.save_answer(person_id, "worth_it", 1, "third", 3)
            assert store.answers_for(person_id) == {"worth_it": {"first": 1, "second": 2, "third": 3}}
        finally:
            store.engine.dispose()
            admin.dispose()


def test_lending_a_pooled_connection_sends_nothing_to_the_server(postgres_url: str) -> None:
    """The check costs no round trip (SQLAlchemy's ``pool_pre_ping`` sends one at every
    checkout: two of an answer's four): the server's last statement on the connection is still
    the app's own after the pool lends it again."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with postgres_schema(postgres_url) as url:
        store = Store.from_url(url)
        try:
            _, token = store.create_person()
            store.engine.dispose()  # one pooled connection from here on
            assert store.person_by_token(token) is not None
            lent = store.engine.raw_connection()
            pid = lent.driver_connection.info.backend_pid  # type: ignore[union-attr]
            lent.close()
            with admin.connect() as connection:
                before = connection.execute(text(_LAST_STATEMENT), {"pid": pid}).one()
            for _ in range(3):
                again = store.engine.raw_connection()
                assert again.driver_connection.info.backend_pid == pid  # type: ignore[union-attr]
                again.close()
            with admin.connect() as connection:
                assert connection.execute(text(_LAST_STATEMENT), {"pid": pid}).one() == before
            assert before.query.startswith("SELECT")
        finally:
            store.engine.dispose()
            admin.dispose()


def _terminate(admin: Engine, pids: set[int]) -> None:
    """Close these server connections, as a restart would, and wait until they are gone."""
    with admin.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 60
        while connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": list(pids)}
        ).scalar():
            assert time.monotonic() < deadline, "the server did not close the connections"
            time.sleep(0.05)
