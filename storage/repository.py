"""Reading and writing people and their answers. Never imports Streamlit."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.database import create_schema, make_engine
from storage.models import Answer, Person, utcnow

#: 32 random bytes: 256 bits, well above the 128 the resume link needs.
TOKEN_BYTES = 32

AnswerValue = int | list[int]
AnswersByQuestionnaire = dict[str, dict[str, AnswerValue]]


class StorageError(Exception):
    """The database could not do what was asked; nothing was half-written."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class PersonRecord:
    id: str
    progress: dict[str, Any]


class Store:
    """All database access for the app, behind plain methods."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, create: bool = True) -> Store:
        store = cls(make_engine(url))
        if create:
            store.create_schema()
        return store

    def create_schema(self) -> None:
        try:
            create_schema(self.engine)
        except SQLAlchemyError as exc:
            raise StorageError(f"the database could not be prepared: {exc.__class__.__name__}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One transaction: committed whole, or rolled back and reported."""
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StorageError(str(exc.__class__.__name__)) from exc

    # People ---------------------------------------------------------------

    def create_person(self) -> tuple[str, str]:
        """A new person; returns (person id, resume token). Only the hash is kept."""
        token = new_token()
        person_id = uuid.uuid4().hex
        with self._transaction() as session:
            session.add(Person(id=person_id, token_hash=hash_token(token), progress="{}"))
        return person_id, token

    def person_by_token(self, token: str) -> PersonRecord | None:
        if not token or len(token) > 256:
            return None
        with self._transaction() as session:
            person = session.scalar(select(Person).where(Person.token_hash == hash_token(token)))
            if person is None:
                return None
            return PersonRecord(id=person.id, progress=_load_json(person.progress, {}))

    def person_exists(self, person_id: str) -> bool:
        with self._transaction() as session:
            return session.get(Person, person_id) is not None

    def set_progress(self, person_id: str, progress: Mapping[str, Any]) -> None:
        with self._transaction() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise StorageError("unknown person")
            person.progress = json.dumps(dict(progress), sort_keys=True)

    def delete_person(self, person_id: str) -> None:
        """Remove a person and every answer of theirs, for good."""
        with self._transaction() as session:
            session.execute(delete(Answer).where(Answer.person_id == person_id))
            session.execute(delete(Person).where(Person.id == person_id))

    # Answers --------------------------------------------------------------

    def save_answer(
        self, person_id: str, questionnaire_id: str, version: int, item_id: str, value: AnswerValue
    ) -> None:
        """Insert or replace one answer, in its own transaction."""
        self.save_answers(person_id, {questionnaire_id: {item_id: value}}, {questionnaire_id: version})

    def save_answers(
        self,
        person_id: str,
        answers: Mapping[str, Mapping[str, AnswerValue]],
        versions: Mapping[str, int],
        replace: bool = False,
    ) -> None:
        """Write many answers at once: all of them or none. ``replace`` clears the rest first."""
        now = utcnow()
        rows = [
            {
                "person_id": person_id,
                "questionnaire_id": qid,
                "questionnaire_version": versions[qid],
                "item_id": item_id,
                "value": json.dumps(value),
                "answered_at": now,
                "updated_at": now,
            }
            for qid, items in answers.items()
            for item_id, value in items.items()
        ]
        with self._transaction() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise StorageError("unknown person")
            if replace:
                session.execute(delete(Answer).where(Answer.person_id == person_id))
            if rows:
                session.execute(self._upsert(rows))
            person.updated_at = now

    def _upsert(self, rows: list[dict[str, Any]]) -> Any:
        dialect = self.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(Answer).values(rows)
        return statement.on_conflict_do_update(
            index_elements=["person_id", "questionnaire_id", "item_id"],
            set_={
                "value": statement.excluded.value,
                "questionnaire_version": statement.excluded.questionnaire_version,
                "updated_at": statement.excluded.updated_at,
            },
        )

    def answers_for(self, person_id: str) -> AnswersByQuestionnaire:
        with self._transaction() as session:
            rows = session.execute(
                select(Answer.questionnaire_id, Answer.item_id, Answer.value).where(Answer.person_id == person_id)
            ).all()
        result: AnswersByQuestionnaire = {}
        for questionnaire_id, item_id, value in rows:
            result.setdefault(questionnaire_id, {})[item_id] = json.loads(value)
        return result

    def count_answers(self, person_id: str) -> int:
        return sum(len(items) for items in self.answers_for(person_id).values())


def _load_json(text: str | None, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default
