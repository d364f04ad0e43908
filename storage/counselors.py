"""Counselor accounts, rosters, assessments, notes and homework.

Every read and write takes the counselor's id and checks ownership in the query
itself: one counselor can never reach another's couples, by any id.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, case, delete, func, or_, select, update
from sqlalchemy.orm import selectinload

from storage.crypto import Sealer
from storage.models import Answer, Client, Counselor, Couple, HomeworkStep, Person, SessionNote, utcnow
from storage.repository import (
    AnswersByQuestionnaire,
    CoupleRecord,
    StorageError,
    Store,
    _couple_record,
    _issue_join_code,
    hash_token,
    new_token,
)

#: Wrong passwords before an account locks for LOCK_TIME.
MAX_FAILED_LOGINS = 5
LOCK_TIME = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,119}$")
MAX_LABEL_LENGTH = 80
MAX_NOTE_LENGTH = 20_000
PAGE_SIZE = 25

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so timing doesn't reveal which usernames
    exist. Made on first use, not at import: an Argon2 hash costs every app start ~0.1 s."""
    return _hasher.hash("not-a-real-password-0000")


def decoy_verification(password: str) -> None:
    """One Argon2 verification that can't succeed: the work of a real password check,
    for a login attempt refused without checking (see :meth:`CounselorDesk.authenticate`)."""
    _verify(_dummy_hash(), password)


class AccountError(ValueError):
    """A username, password, label or note that can't be accepted; the message says why."""


class CouplesLeftError(AccountError):
    """A counselor to be removed still has couples, and no choice was made for them."""


@dataclass(frozen=True)
class CounselorRecord:
    id: str
    username: str
    display_name: str


@dataclass(frozen=True)
class LoginResult:
    counselor: CounselorRecord | None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class RemovalReport:
    """What removing a counselor did with their couples."""

    couples: int
    #: The counselor who has them now, if they were handed over.
    handed_over_to: str | None = None
    #: True if they were deleted with all their data.
    deleted: bool = False


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


def check_username(username: str) -> str:
    """The username as stored (trimmed, lower-case), or AccountError saying what's wrong."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError("A username is 3-120 characters: letters, digits, and . _ @ -")
    return name


def clean_label(label: str) -> str:
    text = " ".join(label.split())
    if not text:
        raise AccountError("Please give the couple a label (a pseudonym is fine).")
    if len(text) > MAX_LABEL_LENGTH:
        raise AccountError(f"Please keep the label under {MAX_LABEL_LENGTH} characters.")
    return text


class CounselorDesk:
    """The counselor side of storage, over the same engine as :class:`Store`."""

    def __init__(self, store: Store, sealer: Sealer | None = None) -> None:
        self.store = store
        #: Seals notes at rest; the store's sealer unless another is given.
        self.sealer = sealer if sealer is not None else store.sealer

    def _transaction(self) -> Any:
        return self.store._transaction()

    # Accounts -------------------------------------------------------------

    def add_counselor(self, username: str, password: str, display_name: str | None = None) -> str:
        name = check_username(username)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
        counselor_id = uuid.uuid4().hex
        with self._transaction() as session:
            if session.scalar(select(Counselor.id).where(Counselor.username == name)) is not None:
                raise AccountError(f"There is already a counselor called {name!r}.")
            session.add(
                Counselor(
                    id=counselor_id,
                    username=name,
                    display_name=(display_name or name).strip()[:120],
                    password_hash=_hasher.hash(password),
                )
            )
        return counselor_id

    def authenticate(self, username: str, password: str, now: datetime | None = None) -> LoginResult:
        """Check a password; lock the account for a while after repeated failures.

        Every call costs exactly one Argon2 verification, whether the username is unknown,
        the account locked or the password wrong (against the account's hash, or a decoy's),
        so the work done doesn't tell them apart.

        The attempt is counted *before* the password is verified, in one atomic
        ``UPDATE … RETURNING`` that only matches an unlocked account: the attempt that
        brings the count to :data:`MAX_FAILED_LOGINS` also sets the lock. However many
        attempts run at once, at most that many are verified against the account's hash
        per lock period; attempts during a lock neither count nor extend it. A right
        password clears the count. The verification runs outside any transaction, so
        no lock is held meanwhile.
        """
        moment = now or utcnow()
        name = username.strip().lower()[:120]
        reaches_limit = Counselor.failed_logins + 1 >= MAX_FAILED_LOGINS
        claim = (
            update(Counselor)
            .where(
                Counselor.username == name,
                Counselor.password_hash.is_not(None),
                or_(Counselor.locked_until.is_(None), Counselor.locked_until <= moment),
            )
            .values(
                failed_logins=case((reaches_limit, 0), else_=Counselor.failed_logins + 1),
                locked_until=case((reaches_limit, moment + LOCK_TIME), else_=None),
            )
            .returning(
                Counselor.id,
                Counselor.username,
                Counselor.display_name,
                Counselor.password_hash,
                Counselor.locked_until,
            )
            .execution_options(synchronize_session=False)
        )
        with self._transaction() as session:
            claimed = session.execute(claim).one_or_none()
            locked_until = None
            if claimed is None:  # unknown or locked: the same one query either way
                locked_until = session.scalar(select(Counselor.locked_until).where(Counselor.username == name))
        if claimed is None:
            decoy_verification(password)  # the same work as a real check
            return LoginResult(None, locked_until=locked_until if locked_until and locked_until > moment else None)
        counselor_id, stored_name, display_name, password_hash, locked_until = claimed
        if not _verify(password_hash, password):
            return LoginResult(None, locked_until=locked_until)  # counted already; set if this was the last try
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": moment}
        if _hasher.check_needs_rehash(password_hash):
            values["password_hash"] = _hasher.hash(password)
        with self._transaction() as session:
            session.execute(update(Counselor).where(Counselor.id == counselor_id).values(**values))
        return LoginResult(CounselorRecord(counselor_id, stored_name, display_name))

    def remove_counselor(
        self, username: str, hand_over_to: str | None = None, delete_couples: bool = False
    ) -> RemovalReport:
        """Remove a counselor's account. Their couples (with assessments, notes and
        homework) go to the counselor ``hand_over_to``, or with ``delete_couples`` are
        deleted with all their data; a counselor with couples and neither choice is
        refused (AccountError), as are an unknown name and both choices at once."""
        name = username.strip().lower()
        if hand_over_to is not None and delete_couples:
            raise AccountError("Either hand the couples over or delete them, not both.")
        with self._transaction() as session:
            counselor = session.scalar(select(Counselor).where(Counselor.username == name).with_for_update())
            if counselor is None:
                raise AccountError(f"There is no counselor called {name!r}.")
            client_ids = list(session.scalars(select(Client.id).where(Client.counselor_id == counselor.id)))
            successor = None
            if hand_over_to is not None:
                successor = session.scalar(select(Counselor).where(Counselor.username == hand_over_to.strip().lower()))
                if successor is None:
                    raise AccountError(
                        f"There is no counselor called {hand_over_to.strip().lower()!r} to hand over to."
                    )
                if successor.id == counselor.id:
                    raise AccountError("A counselor can't hand their couples over to themselves.")
                session.execute(
                    update(Client).where(Client.counselor_id == counselor.id).values(counselor_id=successor.id)
                )
            elif delete_couples:
                _delete_couples_data(session, client_ids)
                session.execute(delete(Client).where(Client.counselor_id == counselor.id))
            elif client_ids:
                raise CouplesLeftError(
                    f"{name!r} still has {len(client_ids)} couple(s): hand them over to another counselor "
                    "or delete them with all their data."
                )
            session.delete(counselor)
        return RemovalReport(
            couples=len(client_ids),
            handed_over_to=successor.username if successor is not None else None,
            deleted=delete_couples and bool(client_ids),
        )

    def counselor_by_username(self, username: str) -> CounselorRecord | None:
        with self._transaction() as session:
            counselor = session.scalar(select(Counselor).where(Counselor.username == username.strip().lower()))
            if counselor is None:
                return None
            return CounselorRecord(counselor.id, counselor.username, counselor.display_name)

    # Roster ---------------------------------------------------------------

    def add_client(self, counselor_id: str, label: str) -> str:
        text = clean_label(label)
        client_id = uuid.uuid4().hex
        with self._transaction() as session:
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
        with self._transaction() as session:
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
        with self._transaction() as session:
            client = session.scalar(select(Client).where(Client.id == client_id, Client.counselor_id == counselor_id))
            if client is None:
                return None
            count = session.scalar(select(func.count()).select_from(Couple).where(Couple.client_id == client.id))
            return ClientRecord(client.id, client.label, client.created_at, client.updated_at, count or 0)

    def delete_client(self, counselor_id: str, client_id: str) -> None:
        """Remove a couple from the roster with every assessment, answer, note and step."""
        with self._transaction() as session:
            client = session.scalar(select(Client).where(Client.id == client_id, Client.counselor_id == counselor_id))
            if client is None:
                raise StorageError("unknown couple")
            _delete_couples_data(session, [client_id])
            session.delete(client)
        self.store.erase_traces()  # nothing of it left in SQLite's file or log either

    def _owned_client(self, session: Any, counselor_id: str, client_id: str) -> Client:
        client = session.scalar(select(Client).where(Client.id == client_id, Client.counselor_id == counselor_id))
        if client is None:
            raise StorageError("unknown couple")
        return client

    # Assessments ----------------------------------------------------------

    def start_in_office(self, counselor_id: str, client_id: str) -> tuple[str, str]:
        """An assessment on this device, in turn; returns (couple id, device token)."""
        device_token = new_token()
        couple_id = uuid.uuid4().hex
        with self._transaction() as session:
            client = self._owned_client(session, counselor_id, client_id)
            session.add(
                Couple(id=couple_id, mode="one_device", device_token_hash=hash_token(device_token), client_id=client.id)
            )
            session.flush()
            for slot in (1, 2):
                session.add(
                    Person(id=uuid.uuid4().hex, token_hash=hash_token(new_token()), couple_id=couple_id, slot=slot)
                )
            client.updated_at = utcnow()
        return couple_id, device_token

    def start_homework(self, counselor_id: str, client_id: str) -> tuple[str, str, str]:
        """An assessment each partner takes at home; returns (couple id, partner 1 link token, join code)."""
        couple_id, token = uuid.uuid4().hex, new_token()
        # One transaction: no couple space without its client or its code.
        with self._transaction() as session:
            client = self._owned_client(session, counselor_id, client_id)
            couple = Couple(id=couple_id, mode="two_devices", client_id=client.id)
            session.add(couple)
            session.flush()
            session.add(Person(id=uuid.uuid4().hex, token_hash=hash_token(token), couple_id=couple_id, slot=1))
            session.flush()
            code = _issue_join_code(session, couple)
            client.updated_at = utcnow()
        return couple_id, token, code

    def assessments(self, counselor_id: str, client_id: str) -> list[AssessmentRecord]:
        """A couple's assessments, oldest first (their partners in one more query, not one each)."""
        with self._transaction() as session:
            self._owned_client(session, counselor_id, client_id)
            couples = session.scalars(
                select(Couple)
                .where(Couple.client_id == client_id)
                .order_by(Couple.created_at, Couple.id)
                .options(selectinload(Couple.partners))
            ).all()
            return [
                AssessmentRecord(
                    couple=_couple_record(c),
                    created_at=c.created_at,
                )
                for c in couples
            ]

    def assessment(self, counselor_id: str, couple_id: str) -> AssessmentRecord | None:
        with self._transaction() as session:
            couple = session.scalar(
                select(Couple)
                .join(Client, Couple.client_id == Client.id)
                .where(Couple.id == couple_id, Client.counselor_id == counselor_id)
            )
            if couple is None:
                return None
            return AssessmentRecord(
                couple=_couple_record(couple),
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
        self, counselor_id: str, client_id: str
    ) -> dict[str, dict[int, AnswersByQuestionnaire]]:
        """:meth:`consented_answers` for every assessment of a couple at once: by assessment
        (couple id), then slot; two queries in one transaction, however many assessments.
        Assessments where nobody consented are left out."""
        consented = _consented_partners(counselor_id, client_id)
        with self._transaction() as session:
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
        with self._transaction() as session:
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
        with self._transaction() as session:
            client = self._owned_client(session, counselor_id, client_id)
            session.add(SessionNote(client_id=client.id, body=self.sealer.seal(text)))
            client.updated_at = utcnow()

    def notes(self, counselor_id: str, client_id: str) -> list[NoteRecord]:
        with self._transaction() as session:
            self._owned_client(session, counselor_id, client_id)
            rows = session.scalars(
                select(SessionNote)
                .where(SessionNote.client_id == client_id)
                .order_by(SessionNote.created_at.desc(), SessionNote.id.desc())
            ).all()
            return [NoteRecord(n.id, n.created_at, self.sealer.open(n.body)) for n in rows]

    def assign_homework(self, counselor_id: str, client_id: str, suggestion_ids: list[str]) -> None:
        with self._transaction() as session:
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
        with self._transaction() as session:
            self._owned_client(session, counselor_id, client_id)
            rows = session.scalars(
                select(HomeworkStep)
                .where(HomeworkStep.client_id == client_id)
                .order_by(HomeworkStep.assigned_at, HomeworkStep.id)
            ).all()
            return [HomeworkRecord(h.id, h.suggestion_id, h.assigned_at, h.done_at) for h in rows]

    def set_homework_done(self, counselor_id: str, homework_id: int, done: bool) -> None:
        with self._transaction() as session:
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
        with self._transaction() as session:
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
                        couple=_couple_record(couple),
                        created_at=couple.created_at,
                    ),
                )
                for client, couple in rows
            ]


def _delete_couples_data(session: Any, client_ids: list[str]) -> None:
    """Delete every assessment, answer, note and homework step of these roster entries
    (not the entries themselves)."""
    couples = select(Couple.id).where(Couple.client_id.in_(client_ids))
    people = select(Person.id).where(Person.couple_id.in_(couples))
    session.execute(delete(Answer).where(Answer.person_id.in_(people)))
    session.execute(delete(Person).where(Person.couple_id.in_(couples)))
    session.execute(delete(Couple).where(Couple.client_id.in_(client_ids)))
    session.execute(delete(SessionNote).where(SessionNote.client_id.in_(client_ids)))
    session.execute(delete(HomeworkStep).where(HomeworkStep.client_id.in_(client_ids)))


def _consented_partners(counselor_id: str, client_id: str) -> Select[tuple[str, str | None, int | None]]:
    """The partners in a couple's assessments who agreed to share with its counselor:
    (person id, assessment, slot), and only if the couple is this counselor's."""
    return (
        select(Person.id, Person.couple_id, Person.slot)
        .join(Couple, Person.couple_id == Couple.id)
        .join(Client, Couple.client_id == Client.id)
        .where(
            Couple.client_id == client_id,
            Client.counselor_id == counselor_id,
            Person.counselor_consent_at.is_not(None),
        )
    )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
