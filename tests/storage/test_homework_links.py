"""A counselor's homework links (SQLite and PostgreSQL): partner 2's join link lasts as
long as the homework, and either link can be reissued, which ends the old one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import StorageError
from storage.accounts import AccountError
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


def test_no_new_link_for_a_partner_who_joined_on_their_own_and_started_or_has_finished(store: Store) -> None:
    """#18 finding 4: a counselor may issue a link only for a partner who has not started,
    or replace one they made; never for one who joined on their own, never for a finished one."""
    counselor_id, couple_id, token_1, code = _homework(store)
    joined = store.join_couple(code)
    assert joined.outcome is JoinOutcome.JOINED and joined.person_id and joined.token
    versions = {"worth_it": 1}
    # Partner 2 joined with their own link but has not started: the counselor may still help.
    token_2 = reissue_resume_link(store, counselor_id, couple_id, 2)
    store.save_answers(joined.person_id, {"worth_it": {"respect": "yes"}}, versions)
    assert store.person_by_token(token_2) is not None  # a link the counselor made: replaceable
    reissue_resume_link(store, counselor_id, couple_id, 2)

    # A partner 2 who joined on their own and started: their link is theirs alone.
    counselor_b, couple_b, _token, code_b = _homework(store, "ben")
    own = store.join_couple(code_b)
    assert own.person_id and own.token
    store.save_answers(own.person_id, {"worth_it": {"respect": "yes"}}, versions)
    with pytest.raises(AccountError, match="joined with their own link"):
        reissue_resume_link(store, counselor_b, couple_b, 2)
    assert store.person_by_token(own.token) is not None  # unchanged

    # A finished partner: no new link, whoever made the old one.
    person_1 = store.person_by_token(token_1)
    assert person_1 is not None
    store.finish(person_1.id, "scores")
    with pytest.raises(AccountError, match="has finished"):
        reissue_resume_link(store, counselor_id, couple_id, 1)
    assert store.person_by_token(token_1) is not None
