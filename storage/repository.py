"""Reading and writing people and their answers. Never imports Streamlit."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.couples import CoupleStore
from storage.crypto import PLAIN, Sealer
from storage.database import make_engine, sqlite_process_lock, upgrade_schema
from storage.errors import AnswersLocked, StorageError
from storage.identity import IdentityStore, PersonRecord, progress_of
from storage.models import Answer, Couple, Person, SafetyFlag, utcnow
from storage.retention import RetentionStore
from storage.tokens import hash_token, new_token

#: SQLite: how long a thread waits for its turn behind the others of its process.
QUEUE_TIMEOUT_S = 60.0

#: An answer as stored (scoring/results.py's AnswerValue: storage does not import scoring).
StoredValue = int | list[int]
AnswersByQuestionnaire = dict[str, dict[str, StoredValue]]
#: For the safety items among the answers written: (questionnaire, item) -> whether the
#: answer raises a concern (the service decides, from the questionnaire).
SafetyAnswers = Mapping[tuple[str, str], bool]


@dataclass(frozen=True)
class FlagRecord:
    """A safety concern a person raised, kept after the answer changes (``changed_at``)."""

    questionnaire_id: str
    item_id: str
    raised_at: datetime
    changed_at: datetime | None


class Store(CoupleStore, IdentityStore, RetentionStore):
    """All database access for the app, behind plain methods (couples: :class:`storage.couples.CoupleStore`;
    the lookups that open every action: :class:`storage.identity.IdentityStore`; the purge and
    erasing deleted rows' traces: :class:`storage.retention.RetentionStore`)."""

    def __init__(self, engine: Engine, sealer: Sealer = PLAIN) -> None:
        self.engine = engine
        #: Seals answer values (and, in CounselorDesk, notes) at rest; PLAIN keeps them in clear.
        self.sealer = sealer
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_engine = engine.execution_options(deferred_begin=True)
        self._reads = sessionmaker(self._read_engine, expire_on_commit=False)
        #: For a write of one statement on PostgreSQL (``_one_statement``).
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._queue = sqlite_process_lock(engine)
        self._upsert: Any = None

    @classmethod
    def from_url(cls, url: str, create: bool = True, sealer: Sealer = PLAIN) -> Store:
        """A store on ``url``; ``create`` brings the schema up to date first (migrations)."""
        store = cls(make_engine(url), sealer=sealer)
        if create:
            store.create_schema()
        return store

    def create_schema(self) -> str:
        """Create or upgrade the schema to the newest migration; returns the revision."""
        return upgrade_schema(self.engine)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """On SQLite, the threads of this process take turns (see ``sqlite_process_lock``)."""
        if self._queue is not None and not self._queue.acquire(timeout=QUEUE_TIMEOUT_S):
            raise StorageError("the database is busy")
        try:
            yield
        finally:
            if self._queue is not None:
                self._queue.release()

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[Session]:
        """One transaction, in this process's turn, committed whole or rolled back and reported;
        ``read_only``, on SQLite: in no turn and under no write lock (a WAL snapshot). For the
        storage modules; the app calls methods."""
        with contextlib.nullcontext() if read_only else self._turn():
            try:
                with (self._reads if read_only else self._sessions).begin() as session:
                    yield session
            except SQLAlchemyError as exc:
                raise StorageError(str(exc.__class__.__name__)) from exc

    @contextmanager
    def _one_statement(self) -> Iterator[Connection]:
        """For a write of one statement: on PostgreSQL, in autocommit (the statement is atomic
        on its own, and ``BEGIN`` and ``COMMIT`` would add two round trips to a click); on
        SQLite, in a transaction in this process's turn (no round trips there to save)."""
        if self.engine.dialect.name != "postgresql":
            with self.transaction() as session:
                yield session.connection()
        else:
            try:
                with self._autocommit.connect() as connection:
                    yield connection
            except SQLAlchemyError as exc:
                raise StorageError(str(exc.__class__.__name__)) from exc

    # People ---------------------------------------------------------------

    def create_person(self) -> tuple[str, str]:
        """A new person; returns (person id, resume token). Only the hash is kept."""
        token = new_token()
        person_id = uuid.uuid4().hex
        with self.transaction() as session:
            session.add(Person(id=person_id, token_hash=hash_token(token), progress="{}"))
        return person_id, token

    def person(self, person_id: str) -> PersonRecord | None:
        with self.transaction(read_only=True) as session:
            p = session.get(Person, person_id)
            return None if p is None else PersonRecord(p.id, progress_of(p.progress), p.couple_id, p.slot)

    def person_exists(self, person_id: str) -> bool:
        with self.transaction(read_only=True) as session:
            return session.get(Person, person_id) is not None

    def set_progress(self, person_id: str, progress: Mapping[str, Any]) -> None:
        with self._one_statement() as connection:  # a page turn saves where the person is
            found = connection.execute(
                _SET_PROGRESS, {"person_id": person_id, "progress": json.dumps(dict(progress), sort_keys=True)}
            )
            if found.rowcount != 1:
                raise StorageError("unknown person")

    def delete_person(self, person_id: str) -> None:
        """Remove a person and every answer of theirs, for good (see :meth:`erase_traces`):
        the answers go with the person (``ON DELETE CASCADE``), and a couple space left with
        nobody in it (its join code included) goes too."""
        with self.transaction() as session:
            couple_id = session.scalar(select(Person.couple_id).where(Person.id == person_id))
            session.execute(delete(Person).where(Person.id == person_id))
            if couple_id is not None:
                session.execute(
                    delete(Couple).where(Couple.id == couple_id, ~exists().where(Person.couple_id == Couple.id))
                )
        self.erase_traces()

    def mark_finished(self, person_id: str) -> None:
        """Record that a person (alone or in a couple) reached their results; kept from the
        purge. The first time counts; later calls change nothing."""
        with self.transaction() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise StorageError("unknown person")
            if person.finished_at is None:
                person.finished_at = utcnow()

    # Answers --------------------------------------------------------------

    def save_answer(
        self, person_id: str, questionnaire_id: str, version: int, item_id: str, value: StoredValue
    ) -> None:
        """Insert or replace one answer, in its own transaction."""
        self.save_answers(person_id, {questionnaire_id: {item_id: value}}, {questionnaire_id: version})

    def save_answers(
        self,
        person_id: str,
        answers: Mapping[str, Mapping[str, StoredValue]],
        versions: Mapping[str, int],
        replace: bool = False,
        safety: SafetyAnswers | None = None,
    ) -> None:
        """Write many answers at once: all of them or none. ``replace`` clears the rest first.
        ``safety``: in the same transaction, a concern raises a flag (unless one is open for
        that item) and an answer that no longer raises one closes the open flag (``changed_at``).
        A partner who has finished (see ``finish``) gets ``AnswersLocked`` and nothing changes."""
        now = utcnow()
        rows = [
            {
                "person_id": person_id,
                "questionnaire_id": qid,
                "questionnaire_version": versions[qid],
                "item_id": item_id,
                "value": self.sealer.seal(json.dumps(value)),
                "answered_at": now,
                "updated_at": now,
            }
            for qid, items in answers.items()
            for item_id, value in items.items()
        ]
        if len(rows) == 1 and not replace and not safety and self.engine.dialect.name == "postgresql":
            # One answer (a click) with no flag to keep: one statement (``_SAVE_ONE``).
            with self._one_statement() as connection:
                touched, known = connection.execute(_SAVE_ONE, rows[0] | {"touched_at": now}).one()
            _refuse_unless(touched, known)
            return
        with self.transaction() as session:
            # Core statements, not the ORM's unit of work: one UPDATE, one upsert for every row.
            connection = session.connection()
            touched = connection.execute(_TOUCH_UNFINISHED, {"person_id": person_id, "touched_at": now})
            if touched.rowcount != 1:
                _refuse_unless(0, connection.scalar(select(Person.id).where(Person.id == person_id)) is not None)
            if replace:
                connection.execute(delete(Answer.__table__).where(Answer.__table__.c.person_id == person_id))
            if rows:
                connection.execute(self._upsert_statement(), rows)
            for (qid, item_id), concern in (safety or {}).items():
                _mark_safety(session, person_id, qid, item_id, concern, now)

    def _upsert_statement(self) -> Any:
        """Insert or replace an answer; one statement for many rows (executemany), built once."""
        if self._upsert is None:
            insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
            statement = insert(Answer.__table__)
            self._upsert = _on_conflict_replace(statement)
        return self._upsert

    def answers_for(self, person_id: str) -> AnswersByQuestionnaire:
        with self.transaction(read_only=True) as session:
            rows = session.execute(
                select(Answer.questionnaire_id, Answer.item_id, Answer.value).where(Answer.person_id == person_id)
            ).all()
        result: AnswersByQuestionnaire = {}
        for questionnaire_id, item_id, value in rows:
            result.setdefault(questionnaire_id, {})[item_id] = json.loads(self.sealer.open(value))
        return result

    def safety_flags(self, person_ids: Sequence[str]) -> dict[str, list[FlagRecord]]:
        """Every safety concern these people ever raised, oldest first, by person."""
        found: dict[str, list[FlagRecord]] = {}
        with self.transaction(read_only=True) as session:
            rows = session.scalars(
                select(SafetyFlag).where(SafetyFlag.person_id.in_(person_ids)).order_by(SafetyFlag.id)
            )
            for row in rows:
                record = FlagRecord(row.questionnaire_id, row.item_id, row.raised_at, row.changed_at)
                found.setdefault(row.person_id, []).append(record)
        return found

    def count_answers(self, person_id: str) -> int:
        with self.transaction(read_only=True) as session:
            return int(
                session.scalar(select(func.count()).select_from(Answer).where(Answer.person_id == person_id)) or 0
            )


#: An answer's save first marks its person as changed, unless they are a partner who has
#: finished (built once: the commonest write of all, one per click).
_PEOPLE = Person.__table__.c
_TOUCH_UNFINISHED = (
    update(Person.__table__)
    .where(_PEOPLE.id == bindparam("person_id"), _PEOPLE.couple_id.is_(None) | _PEOPLE.share_level.is_(None))
    .values(updated_at=bindparam("touched_at"))
)
#: An answer's columns set from its values (``person_id`` aside), and those an upsert replaces.
_ANSWER_VALUES = ("questionnaire_id", "questionnaire_version", "item_id", "value", "answered_at", "updated_at")
_REPLACED = ("value", "questionnaire_version", "updated_at")


def _on_conflict_replace(insert: Any) -> Any:
    """``insert`` (PostgreSQL's or SQLite's), replacing the answer already given to its item."""
    return insert.on_conflict_do_update(
        index_elements=["person_id", "questionnaire_id", "item_id"],
        set_={name: insert.excluded[name] for name in _REPLACED},
    )


_TOUCHED = _TOUCH_UNFINISHED.returning(_PEOPLE.id).cte("touched")
#: PostgreSQL: one answer saved in one statement (``_TOUCH_UNFINISHED``, then the upsert
#: for the person it touched, if any); returns (people touched, whether the person exists).
_SAVE_ONE = select(
    select(func.count()).select_from(_TOUCHED).scalar_subquery(),
    exists().where(_PEOPLE.id == bindparam("person_id")),
).add_cte(
    _on_conflict_replace(
        postgresql.insert(Answer.__table__).from_select(
            ["person_id", *_ANSWER_VALUES],
            select(_TOUCHED.c.id, *(bindparam(name, type_=Answer.__table__.c[name].type) for name in _ANSWER_VALUES)),
        )
    ).cte("saved")
)
_SET_PROGRESS = (
    update(Person.__table__).where(_PEOPLE.id == bindparam("person_id")).values(progress=bindparam("progress"))
)


def _refuse_unless(touched: int, known: bool) -> None:
    """An answer's save that touched no person: a partner who has finished, or nobody."""
    if touched != 1:
        if known:
            raise AnswersLocked("this partner has finished")
        raise StorageError("unknown person")


def _mark_safety(session: Session, person_id: str, qid: str, item_id: str, concern: bool, now: datetime) -> None:
    """Raise a flag for a concern unless one is open; close the open one when the answer no
    longer raises it (changed or cleared). Flags are never deleted but with their person."""
    open_flag = (SafetyFlag.person_id == person_id, SafetyFlag.questionnaire_id == qid, SafetyFlag.item_id == item_id)
    is_open = SafetyFlag.changed_at.is_(None)
    if not concern:
        session.execute(update(SafetyFlag).where(*open_flag, is_open).values(changed_at=now))
    elif session.scalar(select(SafetyFlag.id).where(*open_flag, is_open)) is None:
        session.add(SafetyFlag(person_id=person_id, questionnaire_id=qid, item_id=item_id, raised_at=now))
