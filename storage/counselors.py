"""Counselor accounts, rosters, assessments, notes and homework.

Every read and write takes the counselor's id and checks ownership in the query
itself: one counselor can never reach another's couples, by any id.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from storage.accounts import AccountDesk, AccountError
from storage.couples import CoupleRecord, add_one_device_couple, add_two_device_couple, couple_record
from storage.crypto import Sealer
from storage.errors import StorageError
from storage.homework_links import HOMEWORK_LINK_LIFETIME
from storage.models import Answer, Client, Counselor, Couple, HomeworkStep, Person, SessionNote, utcnow
from storage.repository import AnswersByQuestionnaire, Store

MAX_LABEL_LENGTH = 80
MAX_NOTE_LENGTH = 20_000
#: Couples per page of a counselor's roster.
PAGE_SIZE = 25


@dataclass(frozen=True)
class ClientRecord:
    id: str
    label: str
    created_at: datetime
    updated_at: datetime
    assessments: int = 0


@dataclass(frozen=True)
class AssessmentRecord:
    couple: CoupleRecord
    created_at: datetime

    @property
    def consented(self) -> frozenset[int]:
        """Slots of the partners who agreed that the counselor sees their results."""
        return frozenset(p.slot for p in self.couple.partners if p.counselor_consent)


@dataclass(frozen=True)
class NoteRecord:
    id: int
    created_at: datetime
    body: str


@dataclass(frozen=True)
class HomeworkRecord:
    id: int
    suggestion_id: str
    assigned_at: datetime
    done_at: datetime | None


def clean_label(label: str) -> str:
    text = " ".join(label.split())
    if not text:
        raise AccountError("Please give the couple a label (a pseudonym is fine).")
    if len(text) > MAX_LABEL_LENGTH:
        raise AccountError(f"Please keep the label under {MAX_LABEL_LENGTH} characters.")
    return text


class CounselorDesk(AccountDesk):
    """The counselor side of storage, over the same engine as :class:`Store`
    (accounts: :class:`storage.accounts.AccountDesk`)."""

    def __init__(self, store: Store, sealer: Sealer | None = None) -> None:
        super().__init__(store)
        #: Seals notes at rest; the store's sealer unless another is given.
        self.sealer = sealer if sealer is not None else store.sealer

    # Roster ---------------------------------------------------------------

    def add_client(self, counselor_id: str, label: str) -> str:
        text = clean_label(label)
        client_id = uuid.uuid4().hex
        with self.store.transaction() as session:
            if session.get(Counselor, counselor_id) is None:
                raise StorageError("unknown counselor")
            session.add(Client(id=client_id, counselor_id=counselor_id, label=text, label_key=text.lower()))
        return client_id

    def clients(
        self, counselor_id: str, search: str = "", page: int = 0, page_size: int = PAGE_SIZE
    ) -> tuple[list[ClientRecord], int]:
        """One page of the roster, most recently active first, and the total count."""
        condition = Client.counselor_id == counselor_id
        term = " ".join(search.split()).lower()[:MAX_LABEL_LENGTH]
        if term:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            condition = condition & Client.label_key.like(f"%{escaped}%", escape="\\")
        with self.store.transaction() as session:
            total = session.scalar(select(func.count()).select_from(Client).where(condition)) or 0
            rows = session.execute(
                select(Client)
                .where(condition)
                .order_by(Client.updated_at.desc(), Client.id)
                .limit(page_size)
                .offset(max(page, 0) * page_size)
            ).scalars()
            clients = list(rows)
            counts = dict(
                session.execute(
                    select(Couple.client_id, func.count())
                    .where(Couple.client_id.in_([c.id for c in clients]))
                    .group_by(Couple.client_id)
                ).all()
            )
            records = [ClientRecord(c.id, c.label, c.created_at, c.updated_at, counts.get(c.id, 0)) for c in clients]
        return records, total

    def client(self, counselor_id: str, client_id: str) -> ClientRecord | None:
        with self.store.transaction() as session:
            client = session.scalar(select(Client).where(Client.id == client_id, Client.counselor_id == counselor_id))
            if client is None:
                return None
            count = session.scalar(select(func.count()).select_from(Couple).where(Couple.client_id == client.id))
            return ClientRecord(client.id, client.label, client.created_at, client.updated_at, count or 0)

    def client_with_label(self, counselor_id: str, label: str) -> ClientRecord | None:
        """This counselor's couple with the same label (case and spacing aside), if any:
        the most recently active one."""
        key = " ".join(label.split()).lower()
        with self.store.transaction() as session:
            found = session.scalar(
                select(Client.id)
                .where(Client.counselor_id == counselor_id, Client.label_key == key)
                .order_by(Client.updated_at.desc())
                .limit(1)
            )
        return self.client(counselor_id, found) if found else None

    def delete_client(self, counselor_id: str, client_id: str) -> None:
        """Remove a couple from the roster with every assessment, answer, note and step."""
        with self.store.transaction() as session:
            # Every assessment, partner, answer, note and step goes with it (ON DELETE CASCADE).
            # A DELETE without RETURNING gives a CursorResult (SQLAlchemy types it as Result).
            deleted = cast(
                CursorResult[Any],
                session.execute(delete(Client).where(Client.id == client_id, Client.counselor_id == counselor_id)),
            ).rowcount
            if deleted != 1:
                raise StorageError("unknown couple")
        self.store.erase_traces()  # nothing of it left in SQLite's file or log either

    def _owned_client(self, session: Session, counselor_id: str, client_id: str) -> Client:
        client = session.scalar(select(Client).where(Client.id == client_id, Client.counselor_id == counselor_id))
        if client is None:
            raise StorageError("unknown couple")
        return client

    # Assessments ----------------------------------------------------------

    def start_in_office(self, counselor_id: str, client_id: str) -> tuple[str, str]:
        """An assessment on this device, in turn; returns (couple id, device token)."""
        with self.store.transaction() as session:
            client = self._owned_client(session, counselor_id, client_id)
            couple_id, device_token, _people = add_one_device_couple(session, client_id=client.id)
            _made_by_counselor(session, couple_id)
            client.updated_at = utcnow()
        return couple_id, device_token

    def start_homework(self, counselor_id: str, client_id: str) -> tuple[str, str, str]:
        """An assessment each partner takes at home; returns (couple id, partner 1 link token, join code)."""
        # One transaction: no couple space without its client or its code.
        with self.store.transaction() as session:
            client = self._owned_client(session, counselor_id, client_id)
            couple_id, _person, token, code = add_two_device_couple(
                session, client_id=client.id, join_lifetime=HOMEWORK_LINK_LIFETIME
            )
            _made_by_counselor(session, couple_id)
            client.updated_at = utcnow()
        assert token is not None  # a new partner 1 always gets their link
        return couple_id, token, code

    def assessments(self, counselor_id: str, client_id: str) -> list[AssessmentRecord]:
        """A couple's assessments, oldest first (their partners in one more query, not one each)."""
        with self.store.transaction() as session:
            self._owned_client(session, counselor_id, client_id)
            couples = session.scalars(
                select(Couple)
                .where(Couple.client_id == client_id)
                .order_by(Couple.created_at, Couple.id)
                .options(selectinload(Couple.partners))
            ).all()
            return [
                AssessmentRecord(
                    couple=couple_record(c),
                    created_at=c.created_at,
                )
                for c in couples
            ]

    def assessment(self, counselor_id: str, couple_id: str) -> AssessmentRecord | None:
        with self.store.transaction() as session:
            couple = session.scalar(
                select(Couple)
                .join(Client, Couple.client_id == Client.id)
                .where(Couple.id == couple_id, Client.counselor_id == counselor_id)
            )
            if couple is None:
                return None
            return AssessmentRecord(
                couple=couple_record(couple),
                created_at=couple.created_at,
            )

    def consented_answers(self, counselor_id: str, couple_id: str) -> dict[int, dict[str, dict[str, Any]]]:
        """Answers of the partners who consented, by slot; nothing for anyone else."""
        record = self.assessment(counselor_id, couple_id)
        if record is None:
            raise StorageError("unknown assessment")
        return {
            partner.slot: self.store.answers_for(partner.person_id)
            for partner in record.couple.partners
            if partner.slot in record.consented
        }

    def consented_answers_by_assessment(
        self, counselor_id: str, client_id: str | None = None
    ) -> dict[str, dict[int, AnswersByQuestionnaire]]:
        """:meth:`consented_answers` for every assessment of a couple (``client_id``), or of
        every couple of this counselor (None), at once: by assessment (couple id), then slot;
        two queries in one transaction, however many assessments. Assessments where nobody
        consented are left out."""
        consented = _consented_partners(counselor_id, client_id)
        with self.store.transaction() as session:
            people = {person_id: (couple_id, slot or 0) for person_id, couple_id, slot in session.execute(consented)}
            rows = session.execute(
                select(Answer.person_id, Answer.questionnaire_id, Answer.item_id, Answer.value).where(
                    Answer.person_id.in_(consented.with_only_columns(Person.id).scalar_subquery())
                )
            ).all()
        result: dict[str, dict[int, AnswersByQuestionnaire]] = {}
        for couple_id, slot in people.values():
            result.setdefault(couple_id, {})[slot] = {}
        for person_id, questionnaire_id, item_id, value in rows:
            couple_id, slot = people[person_id]
            given = result[couple_id][slot].setdefault(questionnaire_id, {})
            given[item_id] = json.loads(self.store.sealer.open(value))
        return result

    def answers_stamp(self, counselor_id: str, client_id: str) -> tuple[int, datetime | None]:
        """How many answers the consenting partners of a couple's assessments hold, and when
        the latest changed: one aggregate query, to tell whether anything computed from
        :meth:`consented_answers_by_assessment` is still current."""
        consented = _consented_partners(counselor_id, client_id).with_only_columns(Person.id)
        with self.store.transaction() as session:
            count, latest = session.execute(
                select(func.count(), func.max(Answer.updated_at)).where(
                    Answer.person_id.in_(consented.scalar_subquery())
                )
            ).one()
        return int(count or 0), latest

    # Notes and homework ---------------------------------------------------

    def add_note(self, counselor_id: str, client_id: str, body: str) -> None:
        text = body.strip()
        if not text:
            raise AccountError("The note is empty.")
        if len(text) > MAX_NOTE_LENGTH:
            raise AccountError(f"Please keep a note under {MAX_NOTE_LENGTH:,} characters.")
        with self.store.transaction() as session:
            client = self._owned_client(session, counselor_id, client_id)
            session.add(SessionNote(client_id=client.id, body=self.sealer.seal(text)))
            client.updated_at = utcnow()

    def notes(self, counselor_id: str, client_id: str) -> list[NoteRecord]:
        with self.store.transaction() as session:
            self._owned_client(session, counselor_id, client_id)
            rows = session.scalars(
                select(SessionNote)
                .where(SessionNote.client_id == client_id)
                .order_by(SessionNote.created_at.desc(), SessionNote.id.desc())
            ).all()
            return [NoteRecord(n.id, n.created_at, self.sealer.open(n.body)) for n in rows]

    def assign_homework(self, counselor_id: str, client_id: str, suggestion_ids: list[str]) -> None:
        with self.store.transaction() as session:
            client = self._owned_client(session, counselor_id, client_id)
            open_ids = set(
                session.scalars(
                    select(HomeworkStep.suggestion_id).where(
                        HomeworkStep.client_id == client_id, HomeworkStep.done_at.is_(None)
                    )
                )
            )
            for suggestion_id in (s[:64] for s in suggestion_ids):
                if suggestion_id not in open_ids:
                    open_ids.add(suggestion_id)
                    session.add(HomeworkStep(client_id=client.id, suggestion_id=suggestion_id))
            client.updated_at = utcnow()

    def homework(self, counselor_id: str, client_id: str) -> list[HomeworkRecord]:
        with self.store.transaction() as session:
            self._owned_client(session, counselor_id, client_id)
            rows = session.scalars(
                select(HomeworkStep)
                .where(HomeworkStep.client_id == client_id)
                .order_by(HomeworkStep.assigned_at, HomeworkStep.id)
            ).all()
            return [HomeworkRecord(h.id, h.suggestion_id, h.assigned_at, h.done_at) for h in rows]

    def set_homework_done(self, counselor_id: str, homework_id: int, done: bool) -> None:
        with self.store.transaction() as session:
            step = session.scalar(
                select(HomeworkStep)
                .join(Client, HomeworkStep.client_id == Client.id)
                .where(HomeworkStep.id == homework_id, Client.counselor_id == counselor_id)
            )
            if step is None:
                raise StorageError("unknown step")
            step.done_at = utcnow() if done else None

    # Export ---------------------------------------------------------------

    def roster_assessments(self, counselor_id: str) -> list[tuple[ClientRecord, AssessmentRecord]]:
        """Every assessment of every couple of this counselor, for the CSV export."""
        with self.store.transaction() as session:
            rows = session.execute(
                select(Client, Couple)
                .join(Couple, Couple.client_id == Client.id)
                .where(Client.counselor_id == counselor_id)
                .order_by(Client.label_key, Couple.created_at)
                .options(selectinload(Couple.partners))
            ).all()
            return [
                (
                    ClientRecord(client.id, client.label, client.created_at, client.updated_at),
                    AssessmentRecord(
                        couple=couple_record(couple),
                        created_at=couple.created_at,
                    ),
                )
                for client, couple in rows
            ]


def _made_by_counselor(session: Session, couple_id: str) -> None:
    """The links of an assessment's partners so far were made by its counselor, who may
    replace them (storage/homework_links.py)."""
    session.execute(update(Person).where(Person.couple_id == couple_id).values(counselor_link=True))


def _consented_partners(counselor_id: str, client_id: str | None) -> Select[str, str, int | None]:
    """The partners in a couple's assessments (or, ``client_id`` None, in every couple of
    this counselor's) who agreed to share with its counselor: (person id, assessment,
    slot), and only if the couple is this counselor's."""
    query = (
        select(Person.id, Couple.id, Person.slot)
        .join(Couple, Person.couple_id == Couple.id)
        .join(Client, Couple.client_id == Client.id)
        .where(Client.counselor_id == counselor_id, Person.counselor_consent_at.is_not(None))
    )
    return query if client_id is None else query.where(Couple.client_id == client_id)
