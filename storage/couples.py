"""Couples: two partners comparing results, on one device or two, and their join codes: the
couple half of :class:`storage.repository.Store` (:class:`CoupleStore`), and the couple
creation a counselor's assessment reuses in its own transaction (``add_*_couple``)."""

from __future__ import annotations

import enum
import hmac
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.models import Answer, Couple, HomeworkStep, Person, PlanStep, SafetyFlag, utcnow
from storage.nicknames import clean_nickname
from storage.tokens import hash_token, new_token

#: Join codes: easy to read aloud (no 0/O, 1/I/L), e.g. "K7QP-3XMR9A".
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_PREFIX_LENGTH = 4
JOIN_SECRET_LENGTH = 6
JOIN_CODE_LIFETIME = timedelta(hours=24)
#: Wrong secrets for one code before it locks for good (a new code is needed).
JOIN_MAX_FAILURES = 5
#: What a partner may share (scoring/visibility.py's SHARE_LEVELS; storage does not import scoring).
STORED_SHARE_LEVELS = frozenset({"nothing", "scores", "items"})


@dataclass(frozen=True)
class PartnerRecord:
    person_id: str
    slot: int
    share_level: str | None
    #: Done and chose what to share; their answers are read-only until they reopen them.
    finished: bool
    counselor_consent: bool = False
    #: When this partner last changed anything (answers included): a cheap stamp for memos.
    updated_at: datetime | None = None
    #: They reopened their answers after finishing at least once (the comparison says so).
    reopened: bool = False
    #: The first name or nickname this partner gave, if any (plain text, never markup).
    nickname: str | None = None


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


@dataclass(frozen=True)
class StepRecord:
    """A step of a couple's chosen plan (``since`` chosen), or of their counselor's homework (set)."""

    suggestion_id: str
    since: datetime
    done_at: datetime | None = None


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


def random_code(length: int) -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(length))


def issue_join_code(session: Session, couple: Couple, lifetime: timedelta = JOIN_CODE_LIFETIME) -> str:
    """Give ``couple`` a fresh code (prefix in clear, secret hashed) for ``lifetime``; the old one ends."""
    secret = random_code(JOIN_SECRET_LENGTH)
    for _attempt in range(20):
        prefix = random_code(JOIN_PREFIX_LENGTH)
        if session.scalar(select(Couple.id).where(Couple.join_prefix == prefix)) is None:
            break
    else:  # 31**4 prefixes make this vanishingly rare
        raise StorageError("no free join code")
    couple.join_prefix = prefix
    couple.join_secret_hash = hash_token(secret)
    couple.join_expires_at = utcnow() + lifetime
    couple.join_failed_attempts = 0
    return prefix + secret


def couple_record(couple: Any, partners: Iterable[Any] | None = None) -> CoupleRecord:
    """The record of ``couple`` and its ``partners`` (by default, the ORM's ``couple.partners``):
    model instances or Core rows of the same columns (storage/identity.py)."""
    partners = tuple(
        sorted(
            (
                PartnerRecord(
                    person_id=p.id,
                    slot=p.slot or 0,
                    share_level=p.share_level,
                    # finished_at alone is not enough: a solo person who saw their results
                    # (mark_finished) and then made or joined a couple space has not finished here.
                    finished=p.finished_at is not None and p.share_level is not None,
                    counselor_consent=p.counselor_consent_at is not None,
                    updated_at=p.updated_at,
                    reopened=p.reopened_at is not None,
                    nickname=p.nickname,
                )
                for p in (couple.partners if partners is None else partners)
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


def add_one_device_couple(session: Session, client_id: str | None = None) -> tuple[str, str, tuple[str, str]]:
    """A couple answering in turn on one device, in ``session``'s transaction (for a
    counselor's roster entry ``client_id``, if given); returns (couple id, device token,
    person ids). Partners on one device resume through the device link, never their own."""
    device_token = new_token()
    couple_id = uuid.uuid4().hex
    people = (uuid.uuid4().hex, uuid.uuid4().hex)
    session.add(
        Couple(id=couple_id, mode="one_device", device_token_hash=hash_token(device_token), client_id=client_id)
    )
    session.flush()
    for slot, person_id in enumerate(people, start=1):
        session.add(Person(id=person_id, token_hash=hash_token(new_token()), couple_id=couple_id, slot=slot))
    return couple_id, device_token, people


def add_two_device_couple(
    session: Session,
    person_id: str | None = None,
    client_id: str | None = None,
    join_lifetime: timedelta = JOIN_CODE_LIFETIME,
) -> tuple[str, str, str | None, str]:
    """A couple space for two devices with its join code (for ``join_lifetime``), in ``session``'s
    transaction, with ``person_id`` (a solo person, who brings their answers) or a new person as
    partner 1. Returns (couple id, person id, new token or None, join code)."""
    couple_id = uuid.uuid4().hex
    token: str | None = None
    couple = Couple(id=couple_id, mode="two_devices", client_id=client_id)
    session.add(couple)
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
    session.flush()
    return couple_id, person_id, token, issue_join_code(session, couple, join_lifetime)


class CoupleStore:
    """Couples, their join codes and their partners' finishing and sharing; mixed into
    :class:`storage.repository.Store`, which provides the transactions."""

    #: Store's (storage/repository.py): declared here, not stubbed.
    transaction: Callable[..., AbstractContextManager[Session]]
    erase_traces: Callable[[], None]

    def create_couple_one_device(self) -> tuple[str, str, tuple[str, str]]:
        """A couple answering in turn on one device; returns (couple id, device token, person ids)."""
        with self.transaction() as session:
            return add_one_device_couple(session)

    def create_couple_two_devices(self, person_id: str | None = None) -> tuple[str, str, str | None, str]:
        """A couple space for two devices with the creator as partner 1 (a solo ``person_id``
        brings their answers); returns (couple id, person id, new token or None, join code)."""
        # One transaction: a couple space is never left without its code, nor a solo
        # person moved into a space that failed to open.
        with self.transaction() as session:
            return add_two_device_couple(session, person_id)

    def new_join_code(self, couple_id: str) -> str:
        """A fresh join code (the old one stops working); only its secret's hash is kept."""
        with self.transaction() as session:
            couple = session.get(Couple, couple_id)
            if couple is None or couple.mode != "two_devices":
                raise StorageError("unknown couple space")
            if len(couple.partners) >= 2:
                raise StorageError("both partners have joined already")
            return issue_join_code(session, couple)

    def join_couple(self, code: str, now: datetime | None = None, person_id: str | None = None) -> JoinResult:
        """Join as partner 2 with a code: single use, expiring, locked after a few wrong tries
        (a solo ``person_id`` joins with their answers; otherwise a new person is made)."""
        clean = normalise_join_code(code)
        prefix, secret = clean[:JOIN_PREFIX_LENGTH], clean[JOIN_PREFIX_LENGTH:]
        moment = now or utcnow()
        with self.transaction() as session:
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
        with self.transaction(read_only=True) as session:
            couple = session.get(Couple, couple_id)
            return couple_record(couple) if couple is not None else None

    def set_active_slot(self, couple_id: str, slot: int) -> None:
        with self.transaction() as session:
            couple = session.get(Couple, couple_id)
            if couple is None or slot not in (1, 2):
                raise StorageError("unknown couple or partner")
            couple.active_slot = slot

    def finish(self, person_id: str, share_level: str) -> None:
        """A partner is done and has chosen what the other may see: their answers are read-only
        (``save_answers`` refuses them) until they ``reopen``."""
        if share_level not in STORED_SHARE_LEVELS:
            raise StorageError(f"unknown share level {share_level!r}")
        with self.transaction() as session:
            person = session.get(Person, person_id)
            if person is None or person.couple_id is None:
                raise StorageError("unknown partner")
            person.share_level = share_level
            person.finished_at = utcnow()

    def reopen(self, person_id: str, clear: Sequence[tuple[str, str]] = (), take_turn: bool = False) -> None:
        """A finished partner takes their answers back to change them: not finished any more
        (they finish again, choosing what to share anew), and marked as reopened for good.
        The answers ``clear`` names (questionnaire, item: the safety questions, asked afresh)
        go, and their open safety flags close (``changed_at``); the flags stay. ``take_turn``:
        on one device, the turn becomes this partner's, in the same transaction."""
        with self.transaction() as session:
            person = session.get(Person, person_id)
            if person is None or person.couple is None:
                raise StorageError("unknown partner")
            if person.share_level is None:
                return  # not finished: nothing to reopen
            now = utcnow()
            person.share_level = None
            person.reopened_at = now
            if take_turn and person.slot is not None:
                person.couple.active_slot = person.slot
            for qid, item_id in clear:
                mine = (Answer.person_id == person_id, Answer.questionnaire_id == qid, Answer.item_id == item_id)
                session.execute(delete(Answer).where(*mine))
                flag = (SafetyFlag.person_id == person_id, SafetyFlag.questionnaire_id == qid)
                session.execute(
                    update(SafetyFlag)
                    .where(*flag, SafetyFlag.item_id == item_id, SafetyFlag.changed_at.is_(None))
                    .values(changed_at=now)
                )

    def set_nickname(self, person_id: str, nickname: str) -> str | None:
        """A partner's first name or nickname (empty: none); returns it as stored."""
        cleaned = clean_nickname(nickname)
        with self.transaction() as session:
            person = session.get(Person, person_id)
            if person is None or person.couple_id is None:
                raise StorageError("unknown partner")
            person.nickname = cleaned
        return cleaned

    def give_counselor_consent(self, person_id: str) -> None:
        """This partner agrees that the couple's counselor may see their results."""
        with self.transaction() as session:
            person = session.get(Person, person_id)
            if person is None or person.couple_id is None:
                raise StorageError("unknown partner")
            person.counselor_consent_at = utcnow()

    def choose_plan(self, couple_id: str, suggestion_ids: list[str]) -> None:
        """The couple will try these steps; steps already chosen keep their dates and ticks."""
        with self.transaction() as session:
            if session.get(Couple, couple_id) is None:
                raise StorageError("unknown couple")
            chosen = set(session.scalars(select(PlanStep.suggestion_id).where(PlanStep.couple_id == couple_id)))
            for suggestion_id in dict.fromkeys(suggestion_ids):
                if suggestion_id not in chosen:
                    session.add(PlanStep(couple_id=couple_id, suggestion_id=suggestion_id[:64]))

    def chosen_plan(self, couple_id: str) -> list[StepRecord]:
        """The steps the couple chose, in the order chosen."""
        with self.transaction(read_only=True) as session:
            rows = session.scalars(
                select(PlanStep).where(PlanStep.couple_id == couple_id).order_by(PlanStep.chosen_at, PlanStep.id)
            )
            return [StepRecord(r.suggestion_id, r.chosen_at, r.done_at) for r in rows]

    def set_plan_step_done(self, couple_id: str, suggestion_id: str, done: bool) -> None:
        with self.transaction() as session:
            step = session.scalar(
                select(PlanStep).where(PlanStep.couple_id == couple_id, PlanStep.suggestion_id == suggestion_id)
            )
            if step is None:
                raise StorageError("no such step in this couple's plan")
            step.done_at = (step.done_at or utcnow()) if done else None

    def couple_homework(self, couple_id: str) -> list[StepRecord]:
        """The homework the couple's counselor set (none without a counselor), oldest first."""
        with self.transaction(read_only=True) as session:
            couple = session.get(Couple, couple_id)
            if couple is None or couple.client_id is None:
                return []
            rows = session.scalars(
                select(HomeworkStep)
                .where(HomeworkStep.client_id == couple.client_id)
                .order_by(HomeworkStep.assigned_at, HomeworkStep.id)
            )
            return [StepRecord(r.suggestion_id, r.assigned_at, r.done_at) for r in rows]

    def delete_couple(self, couple_id: str) -> None:
        """Remove a couple, both partners and every answer, for good (see ``Store.erase_traces``):
        the partners and their answers go with the couple (``ON DELETE CASCADE``)."""
        with self.transaction() as session:
            session.execute(delete(Couple).where(Couple.id == couple_id))
        self.erase_traces()
