"""Reading and writing people and their answers. Never imports Streamlit."""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.database import create_schema, make_engine
from storage.models import Answer, Couple, Person, utcnow

#: 32 random bytes: 256 bits, well above the 128 the resume link needs.
TOKEN_BYTES = 32
#: Join codes: easy to read aloud (no 0/O, 1/I/L), e.g. "K7QP-3XMR9A".
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_PREFIX_LENGTH = 4
JOIN_SECRET_LENGTH = 6
JOIN_CODE_LIFETIME = timedelta(hours=24)
#: Wrong secrets for one code before it locks for good (a new code is needed).
JOIN_MAX_FAILURES = 5
SHARE_LEVELS = ("nothing", "scores", "items")

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
    couple_id: str | None = None
    slot: int | None = None


@dataclass(frozen=True)
class PartnerRecord:
    person_id: str
    slot: int
    share_level: str | None
    finished: bool
    counselor_consent: bool = False


@dataclass(frozen=True)
class CoupleRecord:
    id: str
    mode: str
    active_slot: int
    partners: tuple[PartnerRecord, ...]
    join_expires_at: datetime | None = None
    join_open: bool = False
    #: Set when a counselor runs this assessment.
    client_id: str | None = None

    def partner(self, slot: int) -> PartnerRecord | None:
        return next((p for p in self.partners if p.slot == slot), None)

    @property
    def both_finished(self) -> bool:
        return len(self.partners) == 2 and all(p.finished for p in self.partners)


class JoinOutcome(enum.Enum):
    JOINED = "joined"
    UNKNOWN = "unknown"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"


@dataclass(frozen=True)
class JoinResult:
    outcome: JoinOutcome
    couple_id: str | None = None
    person_id: str | None = None
    token: str | None = None


def normalise_join_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:64]


def format_join_code(code: str) -> str:
    return f"{code[:JOIN_PREFIX_LENGTH]}-{code[JOIN_PREFIX_LENGTH:]}"


def _random_code(length: int) -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(length))


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
            return PersonRecord(
                id=person.id, progress=_load_json(person.progress, {}), couple_id=person.couple_id, slot=person.slot
            )

    def person(self, person_id: str) -> PersonRecord | None:
        with self._transaction() as session:
            person = session.get(Person, person_id)
            if person is None:
                return None
            return PersonRecord(
                id=person.id, progress=_load_json(person.progress, {}), couple_id=person.couple_id, slot=person.slot
            )

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

    # Couples --------------------------------------------------------------

    def create_couple_one_device(self) -> tuple[str, str, tuple[str, str]]:
        """A couple answering in turn on one device; returns (couple id, device token, person ids)."""
        device_token = new_token()
        couple_id = uuid.uuid4().hex
        people = (uuid.uuid4().hex, uuid.uuid4().hex)
        with self._transaction() as session:
            session.add(Couple(id=couple_id, mode="one_device", device_token_hash=hash_token(device_token)))
            session.flush()
            for slot, person_id in enumerate(people, start=1):
                # Partners on one device resume through the device link, never their own.
                session.add(Person(id=person_id, token_hash=hash_token(new_token()), couple_id=couple_id, slot=slot))
        return couple_id, device_token, people

    def create_couple_two_devices(self, person_id: str | None = None) -> tuple[str, str, str | None, str]:
        """A couple space for two devices, with the creator as partner 1.

        An existing solo person (``person_id``) becomes partner 1 with their answers;
        otherwise a new person is made. Returns (couple id, person id, new token or
        None, join code).
        """
        couple_id = uuid.uuid4().hex
        token: str | None = None
        with self._transaction() as session:
            session.add(Couple(id=couple_id, mode="two_devices"))
            session.flush()
            if person_id is None:
                token = new_token()
                person_id = uuid.uuid4().hex
                session.add(Person(id=person_id, token_hash=hash_token(token), couple_id=couple_id, slot=1))
            else:
                person = session.get(Person, person_id)
                if person is None or person.couple_id is not None:
                    raise StorageError("this person can't start a couple space")
                person.couple_id, person.slot = couple_id, 1
        code = self.new_join_code(couple_id)
        return couple_id, person_id, token, code

    def new_join_code(self, couple_id: str) -> str:
        """A fresh join code (the old one stops working); only its secret's hash is kept."""
        secret = _random_code(JOIN_SECRET_LENGTH)
        with self._transaction() as session:
            couple = session.get(Couple, couple_id)
            if couple is None or couple.mode != "two_devices":
                raise StorageError("unknown couple space")
            if len(couple.partners) >= 2:
                raise StorageError("both partners have joined already")
            for _attempt in range(20):
                prefix = _random_code(JOIN_PREFIX_LENGTH)
                if session.scalar(select(Couple.id).where(Couple.join_prefix == prefix)) is None:
                    break
            else:  # pragma: no cover - 31**4 prefixes make this vanishingly rare
                raise StorageError("no free join code")
            couple.join_prefix = prefix
            couple.join_secret_hash = hash_token(secret)
            couple.join_expires_at = utcnow() + JOIN_CODE_LIFETIME
            couple.join_failed_attempts = 0
        return prefix + secret

    def join_couple(self, code: str, now: datetime | None = None, person_id: str | None = None) -> JoinResult:
        """Join as partner 2 with a code: single use, expiring, locked after a few wrong tries.

        A solo ``person_id`` joins with their answers; otherwise a new person is made.
        """
        clean = normalise_join_code(code)
        prefix, secret = clean[:JOIN_PREFIX_LENGTH], clean[JOIN_PREFIX_LENGTH:]
        moment = now or utcnow()
        with self._transaction() as session:
            couple = (
                session.scalar(select(Couple).where(Couple.join_prefix == prefix).with_for_update())
                if len(prefix) == JOIN_PREFIX_LENGTH
                else None
            )
            if couple is None:
                return JoinResult(JoinOutcome.UNKNOWN)
            if couple.join_secret_hash is None or len(couple.partners) >= 2:
                return JoinResult(JoinOutcome.USED)
            if couple.join_failed_attempts >= JOIN_MAX_FAILURES:
                return JoinResult(JoinOutcome.LOCKED)
            if not hmac.compare_digest(hash_token(secret), couple.join_secret_hash):
                couple.join_failed_attempts += 1
                locked = couple.join_failed_attempts >= JOIN_MAX_FAILURES
                return JoinResult(JoinOutcome.LOCKED if locked else JoinOutcome.WRONG)
            if couple.join_expires_at is None or couple.join_expires_at <= moment:
                return JoinResult(JoinOutcome.EXPIRED)
            token: str | None = None
            existing = session.get(Person, person_id) if person_id else None
            if existing is not None and existing.couple_id is None:
                existing.couple_id, existing.slot = couple.id, 2
                person_id = existing.id
            else:
                token = new_token()
                person_id = uuid.uuid4().hex
                session.add(Person(id=person_id, token_hash=hash_token(token), couple_id=couple.id, slot=2))
            couple.join_secret_hash = None  # single use
            couple.join_expires_at = None
            return JoinResult(JoinOutcome.JOINED, couple_id=couple.id, person_id=person_id, token=token)

    def couple(self, couple_id: str) -> CoupleRecord | None:
        with self._transaction() as session:
            couple = session.get(Couple, couple_id)
            return _couple_record(couple) if couple is not None else None

    def couple_by_device_token(self, token: str) -> CoupleRecord | None:
        if not token or len(token) > 256:
            return None
        with self._transaction() as session:
            couple = session.scalar(select(Couple).where(Couple.device_token_hash == hash_token(token)))
            return _couple_record(couple) if couple is not None else None

    def set_active_slot(self, couple_id: str, slot: int) -> None:
        with self._transaction() as session:
            couple = session.get(Couple, couple_id)
            if couple is None or slot not in (1, 2):
                raise StorageError("unknown couple or partner")
            couple.active_slot = slot

    def finish(self, person_id: str, share_level: str) -> None:
        """A partner is done and has chosen what the other may see."""
        if share_level not in SHARE_LEVELS:
            raise StorageError(f"unknown share level {share_level!r}")
        with self._transaction() as session:
            person = session.get(Person, person_id)
            if person is None or person.couple_id is None:
                raise StorageError("unknown partner")
            person.share_level = share_level
            person.finished_at = utcnow()

    def give_counselor_consent(self, person_id: str) -> None:
        """This partner agrees that the couple's counselor may see their results."""
        with self._transaction() as session:
            person = session.get(Person, person_id)
            if person is None or person.couple_id is None:
                raise StorageError("unknown partner")
            person.counselor_consent_at = utcnow()

    def delete_couple(self, couple_id: str) -> None:
        """Remove a couple, both partners and every answer, for good."""
        with self._transaction() as session:
            people = select(Person.id).where(Person.couple_id == couple_id)
            session.execute(delete(Answer).where(Answer.person_id.in_(people)))
            session.execute(delete(Person).where(Person.couple_id == couple_id))
            session.execute(delete(Couple).where(Couple.id == couple_id))

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


def _couple_record(couple: Couple) -> CoupleRecord:
    partners = tuple(
        sorted(
            (
                PartnerRecord(
                    person_id=p.id,
                    slot=p.slot or 0,
                    share_level=p.share_level,
                    finished=p.finished_at is not None,
                    counselor_consent=p.counselor_consent_at is not None,
                )
                for p in couple.partners
            ),
            key=lambda p: p.slot,
        )
    )
    return CoupleRecord(
        id=couple.id,
        mode=couple.mode,
        active_slot=couple.active_slot,
        partners=partners,
        join_expires_at=couple.join_expires_at,
        join_open=couple.join_secret_hash is not None and couple.join_failed_attempts < JOIN_MAX_FAILURES,
        client_id=couple.client_id,
    )


def _load_json(text: str | None, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default
