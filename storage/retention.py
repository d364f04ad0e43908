"""Retention: what the app keeps no longer than it must. The purge of responses never
finished, and emptying SQLite's log so that a deleted row leaves no copy behind; the
retention half of :class:`storage.repository.Store` (:class:`RetentionStore`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, exists, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from storage.errors import StorageError
from storage.models import Answer, Couple, Person, utcnow

#: Unfinished responses untouched for this long are purged (``python manage.py purge``).
RETENTION_DAYS = 90
#: People deleted per transaction by a purge.
PURGE_BATCH = 500


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed."""

    people: int = 0
    answers: int = 0
    couples: int = 0
    join_codes: int = 0


class RetentionStore:
    """Mixed into :class:`storage.repository.Store`, which provides the engine and the transactions."""

    #: Store's (storage/repository.py): declared here, not stubbed.
    engine: Engine
    transaction: Callable[..., AbstractContextManager[Session]]
    _turn: Callable[[], AbstractContextManager[None]]

    def compact(self) -> bool:
        """SQLite: copy the write-ahead log into the database file and empty it, so that old
        page images of deleted rows are gone from the log too (rows themselves are zeroed
        when deleted: ``secure_delete``). Returns False if other connections were using the
        log so it could not be emptied now (SQLite reuses it, overwriting as it goes).
        PostgreSQL: nothing to do here (autovacuum reclaims deleted rows); returns True."""
        if self.engine.dialect.name != "sqlite":
            return True
        try:
            # In this process's turn: no transaction of its own holds the log meanwhile.
            with self._turn(), self.engine.connect() as connection:
                raw = connection.connection.driver_connection
                busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()  # type: ignore[union-attr]  # this pragma always returns one row
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise StorageError(f"the database could not be compacted: {exc.__class__.__name__}") from exc
        return not busy

    def erase_traces(self) -> None:
        """After a delete: make sure no byte of what was deleted is left in the SQLite files.

        The deleted rows are already zeroed in their pages (``secure_delete``), but the
        write-ahead log still holds the pages as they were before, until a checkpoint
        empties it: this does that now (:meth:`compact`), so that a delete returns only
        once the file and its log hold nothing of what went. If another connection (another
        process) keeps reading an old snapshot past the busy timeout, the log can't be
        emptied: StorageError says so (the rows are deleted; calling this, or the delete,
        again finishes the job). PostgreSQL: nothing to do here (see :meth:`compact`).
        """
        if not self.compact():
            raise StorageError(
                "deleted, but another connection still reads the database, so its log keeps a copy; try again"
            )

    def purge_unfinished(self, older_than: timedelta | None = None, now: datetime | None = None) -> PurgeReport:
        """Delete what was never finished and has lain untouched for ``older_than`` (default 90 days).

        - A person is purged with every answer when they never finished
          (no ``finished_at``), neither they nor any answer of theirs changed since
          the cut-off, and nobody else in their couple was active since either.
          Assessments a counselor runs are kept: the counselor deletes those.
        - A couple space left with nobody in it goes too.
        - Expired join codes are cleared.
        Each batch of people is its own transaction; running it twice is harmless.
        Then SQLite's write-ahead log is emptied (:meth:`compact`).
        """
        moment = now or utcnow()
        cutoff = moment - (older_than if older_than is not None else timedelta(days=RETENTION_DAYS))
        partner = aliased(Person)
        stale = (
            select(Person.id)
            .outerjoin(Couple, Person.couple_id == Couple.id)
            .where(
                Person.finished_at.is_(None),
                Person.updated_at < cutoff,
                ~exists().where(Answer.person_id == Person.id, Answer.updated_at >= cutoff),
                Couple.client_id.is_(None),
                (Couple.id.is_(None)) | (Couple.updated_at < cutoff),
                ~exists().where(
                    partner.couple_id == Person.couple_id, partner.id != Person.id, partner.updated_at >= cutoff
                ),
            )
            .order_by(Person.id)
            .limit(PURGE_BATCH)
        )
        people = answers = 0
        while True:
            with self.transaction() as session:
                ids = list(session.scalars(stale))
                if not ids:
                    break
                answers += _rowcount(session.execute(delete(Answer).where(Answer.person_id.in_(ids))))
                people += _rowcount(session.execute(delete(Person).where(Person.id.in_(ids))))
        with self.transaction() as session:
            couples = _rowcount(
                session.execute(
                    delete(Couple).where(
                        Couple.updated_at < cutoff,
                        Couple.client_id.is_(None),
                        ~exists().where(Person.couple_id == Couple.id),
                    )
                )
            )
            codes = _rowcount(
                session.execute(
                    update(Couple)
                    .where(Couple.join_expires_at < moment)
                    # Keep updated_at as it was: clearing a code is not activity.
                    .values(join_prefix=None, join_secret_hash=None, join_expires_at=None, updated_at=Couple.updated_at)
                )
            )
        if people or couples or codes:
            self.compact()  # nothing of it left in SQLite's log, as far as other readers allow (see compact)
        return PurgeReport(people=people, answers=answers, couples=couples, join_codes=codes)


def _rowcount(result: Any) -> int:
    """Rows a DELETE or UPDATE touched."""
    return int(getattr(result, "rowcount", 0) or 0)
