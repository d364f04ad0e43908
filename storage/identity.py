"""The lookups that open every action (services/person.py and partner.py): whose link this
is, and, for a partner, their couple as stored now. They run at every click, so each is a
few prepared Core statements on one bare read-only connection, not an ORM session
(docs/PERFORMANCE.md): the same records, at a fraction of the cost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from storage.couples import CoupleRecord, couple_record
from storage.errors import StorageError
from storage.models import Couple, Person
from storage.tokens import hash_token


@dataclass(frozen=True)
class PersonRecord:
    id: str
    progress: dict[str, Any]
    couple_id: str | None = None
    slot: int | None = None


def progress_of(text: str | None) -> dict[str, Any]:
    """Where a person was, as stored (JSON); an unreadable value is no progress, not an error."""
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


_PERSON_BY_TOKEN = select(Person.id, Person.progress, Person.couple_id, Person.slot).where(
    Person.token_hash == bindparam("token_hash")
)
_COUPLE_COLUMNS = (
    Couple.id,
    Couple.mode,
    Couple.active_slot,
    Couple.join_expires_at,
    Couple.join_secret_hash,
    Couple.join_failed_attempts,
    Couple.client_id,
)
_COUPLE_BY_DEVICE = select(*_COUPLE_COLUMNS).where(Couple.device_token_hash == bindparam("token_hash"))
_COUPLE_BY_ID = select(*_COUPLE_COLUMNS).where(Couple.id == bindparam("couple_id"))
_PARTNERS = select(
    Person.id,
    Person.slot,
    Person.share_level,
    Person.finished_at,
    Person.counselor_consent_at,
    Person.updated_at,
    Person.reopened_at,
    Person.nickname,
).where(Person.couple_id == bindparam("couple_id"))


def _token_hash(token: str) -> str | None:
    return hash_token(token) if token and len(token) <= 256 else None


class IdentityStore:
    """Mixed into :class:`storage.repository.Store`, which provides the read engine."""

    #: Store's engine for reads (storage/repository.py): declared here, not stubbed.
    _read_engine: Engine

    @contextmanager
    def _lookup(self) -> Iterator[Connection]:
        """One read-only transaction on a bare connection; a database error is a StorageError."""
        try:
            with self._read_engine.connect() as connection, connection.begin():
                yield connection
        except SQLAlchemyError as exc:
            raise StorageError(str(exc.__class__.__name__)) from exc

    def person_by_token(self, token: str) -> PersonRecord | None:
        """The person a resume link opens, or None."""
        if (token_hash := _token_hash(token)) is None:
            return None
        with self._lookup() as connection:
            row = connection.execute(_PERSON_BY_TOKEN, {"token_hash": token_hash}).first()
        return None if row is None else PersonRecord(row.id, progress_of(row.progress), row.couple_id, row.slot)

    def couple_by_device_token(self, token: str) -> CoupleRecord | None:
        """The couple a one-device couple's link opens, with both partners, or None."""
        if (token_hash := _token_hash(token)) is None:
            return None
        with self._lookup() as connection:
            couple = connection.execute(_COUPLE_BY_DEVICE, {"token_hash": token_hash}).first()
            return None if couple is None else _with_partners(connection, couple)

    def partner_by_token(self, token: str) -> tuple[str, CoupleRecord] | None:
        """(person id, couple) of a partner's own link on two devices, or None (one lookup by
        the token's hash; a partner on one device resumes through the device link only)."""
        if (token_hash := _token_hash(token)) is None:
            return None
        with self._lookup() as connection:
            person = connection.execute(_PERSON_BY_TOKEN, {"token_hash": token_hash}).first()
            if person is None or person.couple_id is None:
                return None
            couple = connection.execute(_COUPLE_BY_ID, {"couple_id": person.couple_id}).first()
            if couple is None or couple.mode != "two_devices":
                return None
            return person.id, _with_partners(connection, couple)


def _with_partners(connection: Connection, couple: Any) -> CoupleRecord:
    return couple_record(couple, connection.execute(_PARTNERS, {"couple_id": couple.id}).all())
