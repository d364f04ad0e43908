"""A counselor's homework links (SQLite and PostgreSQL): partner 2's join link lasts as
long as the homework, and either link can be reissued, which ends the old one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import StorageError
from storage.counselors import CounselorDesk
from storage.couples import JoinOutcome
from storage.homework_links import HOMEWORK_LINK_LIFETIME, reissue_join_link, reissue_resume_link
from storage.models import utcnow
from storage.repository import Store

PASSWORD = "correct horse battery"


def _homework(store: Store, username: str = "ana") -> tuple[str, str, str, str]:
    desk = CounselorDesk(store)
    counselor_id = desk.add_counselor(username, PASSWORD)
    client_id = desk.add_client(counselor_id, "Couple 0317")
    couple_id, token, code = desk.start_homework(counselor_id, client_id)
    return counselor_id, couple_id, token, code


def test_partner_2s_join_link_lasts_as_long_as_the_homework(store: Store) -> None:
    _counselor, _couple, _token, code = _homework(store)
    three_days = utcnow() + timedelta(days=3)
    assert store.join_couple(code, now=three_days).outcome is JoinOutcome.JOINED
    _c2, _couple2, _t2, late = _homework(store, "ben")
    after = utcnow() + HOMEWORK_LINK_LIFETIME + timedelta(minutes=1)
    assert store.join_couple(late, now=after).outcome is not JoinOutcome.JOINED


def test_reissuing_the_join_link_ends_the_old_one(store: Store) -> None:
    counselor_id, couple_id, _token, old = _homework(store)
    new = reissue_join_link(store, counselor_id, couple_id)
    assert new != old
    assert store.join_couple(old).outcome is not JoinOutcome.JOINED
    assert store.join_couple(new, now=utcnow() + timedelta(days=10)).outcome is JoinOutcome.JOINED
    with pytest.raises(StorageError):  # partner 2 is in: no join link any more
        reissue_join_link(store, counselor_id, couple_id)


def test_reissuing_a_resume_link_ends_the_old_one_and_keeps_the_partner(store: Store) -> None:
    counselor_id, couple_id, old, _code = _homework(store)
    person = store.person_by_token(old)
    assert person is not None
    new = reissue_resume_link(store, counselor_id, couple_id, 1)
    assert store.person_by_token(old) is None
    again = store.person_by_token(new)
    assert again is not None and again.id == person.id
    with pytest.raises(StorageError):  # partner 2 hasn't joined
        reissue_resume_link(store, counselor_id, couple_id, 2)


def test_another_counselor_can_reissue_neither_link(store: Store) -> None:
    _counselor, couple_id, token, code = _homework(store)
    ben = CounselorDesk(store).add_counselor("ben", PASSWORD)
    with pytest.raises(StorageError):
        reissue_join_link(store, ben, couple_id)
    with pytest.raises(StorageError):
        reissue_resume_link(store, ben, couple_id, 1)
    assert store.person_by_token(token) is not None
    assert store.join_couple(code).outcome is JoinOutcome.JOINED
