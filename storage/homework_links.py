"""The links of a counselor's homework assessment: how long they last, and reissuing them.

Homework spans days, so partner 2's join link lasts HOMEWORK_LINK_LIFETIME (not the
24 hours of a couple's own code). A counselor can reissue partner 2's join link, and a partner's link they made or
that partner has not used yet; the old one stops working at once (only hashes are
stored, and they are replaced).
Every call checks, in its query, that the assessment is this counselor's. Never
imports Streamlit.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.accounts import AccountError
from storage.couples import issue_join_code
from storage.errors import StorageError
from storage.models import Answer, Client, Couple, Person
from storage.repository import Store
from storage.tokens import hash_token, new_token

#: How long partner 2's join link of a counselor's homework assessment works.
HOMEWORK_LINK_LIFETIME = timedelta(days=14)


def _owned_homework(session: Session, counselor_id: str, couple_id: str) -> Couple:
    couple = session.scalar(
        select(Couple)
        .join(Client, Couple.client_id == Client.id)
        .where(Couple.id == couple_id, Client.counselor_id == counselor_id, Couple.mode == "two_devices")
        .with_for_update()
    )
    if couple is None:
        raise StorageError("unknown assessment")
    return couple


def reissue_join_link(store: Store, counselor_id: str, couple_id: str) -> str:
    """A new join code for partner 2 (the old one stops working), for HOMEWORK_LINK_LIFETIME;
    StorageError if partner 2 has joined already or the assessment isn't this counselor's."""
    with store.transaction() as session:
        couple = _owned_homework(session, counselor_id, couple_id)
        if any(p.slot == 2 for p in couple.partners):
            raise StorageError("partner 2 has joined already")
        return issue_join_code(session, couple, HOMEWORK_LINK_LIFETIME)


def reissue_resume_link(store: Store, counselor_id: str, couple_id: str, slot: int) -> str:
    """A new resume link for a partner of this counselor's homework assessment; their
    answers stay. Only for a partner who has not started, or whose link the counselor
    made (``counselor_link``): never for one who joined with a link of their own and
    answered, never for a finished one (AccountError says why). The old link's hash is
    replaced, so it resolves no more: every session opened with it ends at its next action."""
    with store.transaction() as session:
        couple = _owned_homework(session, counselor_id, couple_id)
        person = session.scalar(select(Person).where(Person.couple_id == couple.id, Person.slot == slot))
        if person is None:
            raise StorageError("no such partner")
        if person.finished_at is not None:
            raise AccountError(f"Partner {slot} has finished, so their link can't be replaced.")
        started = session.scalar(select(Answer.id).where(Answer.person_id == person.id).limit(1)) is not None
        if started and not person.counselor_link:
            raise AccountError(
                f"Partner {slot} joined with their own link and has started, so only they hold it. "
                "They can open it again on their own device."
            )
        token = new_token()
        person.token_hash, person.counselor_link = hash_token(token), True
        return token
