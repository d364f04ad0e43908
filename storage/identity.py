"""The lookups that open every action (services/person.py and partner.py): whose link this
is, and, for a partner, their couple as stored now. They run at every click, so each is one
prepared Core statement (a couple with its partners: one join) that the driver runs in no
transaction (``database.driver_rows``), not an ORM session and its lazy loads
(docs/PERFORMANCE.md): the same records, at a fraction of the cost."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import aliased

from storage import database
from storage.couples import CoupleRecord, couple_record
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


class _PartnerRow(NamedTuple):
    """A partner's columns in a couple's row (what ``couple_record`` reads of a partner)."""

    id: str
    slot: int | None
    share_level: str | None
    finished_at: datetime | None
    counselor_consent_at: datetime | None
    updated_at: datetime
    reopened_at: datetime | None
    nickname: str | None


#: A couple and its partners in one statement: a row per partner (one row of NULLs for none).
_PARTNER_COLUMNS = tuple(getattr(Person, name).label(f"partner_{name}") for name in _PartnerRow._fields)
_COUPLE_BY_DEVICE = (
    select(*_COUPLE_COLUMNS, *_PARTNER_COLUMNS)
    .outerjoin(Person, Person.couple_id == Couple.id)
    .where(Couple.device_token_hash == bindparam("token_hash"))
)
_ME = aliased(Person)
_PARTNER_BY_TOKEN = (
    select(_ME.id.label("me"), *_COUPLE_COLUMNS, *_PARTNER_COLUMNS)
    .select_from(_ME)
    .join(Couple, Couple.id == _ME.couple_id)
    .outerjoin(Person, Person.couple_id == Couple.id)
    .where(_ME.token_hash == bindparam("token_hash"), Couple.mode == "two_devices")
)


def _couple_of(rows: Sequence[Any]) -> CoupleRecord | None:
    """The couple record of a couple's rows (``_COUPLE_BY_DEVICE``, ``_PARTNER_BY_TOKEN``), or None."""
    if not rows:
        return None
    width = len(_PARTNER_COLUMNS)
    partners = [_PartnerRow(*row[-width:]) for row in rows if row.partner_id is not None]
    return couple_record(rows[0], partners)


def _token_hash(token: str) -> str | None:
    return hash_token(token) if token and len(token) <= 256 else None


class IdentityStore:
    """Mixed into :class:`storage.repository.Store`, which provides the engine."""

    #: Store's engine (set in storage/repository.py): declared here, not stubbed.
    engine: Engine

    def person_by_token(self, token: str) -> PersonRecord | None:
        """The person a resume link opens, or None."""
        if (token_hash := _token_hash(token)) is None:
            return None
        rows = database.driver_rows(self.engine, _PERSON_BY_TOKEN, {"token_hash": token_hash})
        if not rows:
            return None
        return PersonRecord(rows[0].id, progress_of(rows[0].progress), rows[0].couple_id, rows[0].slot)

    def couple_by_device_token(self, token: str) -> CoupleRecord | None:
        """The couple a one-device couple's link opens, with both partners, or None."""
        if (token_hash := _token_hash(token)) is None:
            return None
        return _couple_of(database.driver_rows(self.engine, _COUPLE_BY_DEVICE, {"token_hash": token_hash}))

    def partner_by_token(self, token: str) -> tuple[str, CoupleRecord] | None:
        """(person id, couple) of a partner's own link on two devices, or None (one lookup by
        the token's hash; a partner on one device resumes through the device link only)."""
        if (token_hash := _token_hash(token)) is None:
            return None
        rows = database.driver_rows(self.engine, _PARTNER_BY_TOKEN, {"token_hash": token_hash})
        couple = _couple_of(rows)
        return None if couple is None else (rows[0].me, couple)
