"""Counselor sessions that survive a refresh (SQLite and PostgreSQL): only the token's
hash is stored; log out, the idle timeout and the absolute timeout each end a session."""

from __future__ import annotations

from datetime import timedelta

from storage.counselors import CounselorDesk
from storage.models import utcnow
from storage.repository import Store
from storage.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, open_session, revoke_session, session_counselor
from tests.db import all_stored_text

PASSWORD = "correct horse battery"


def _counselor(store: Store) -> str:
    return CounselorDesk(store).add_counselor("dr.lee", PASSWORD, "Dr Lee")


def test_a_session_token_finds_its_counselor_and_only_its_hash_is_stored(store: Store) -> None:
    counselor_id = _counselor(store)
    token = open_session(store, counselor_id)
    found = session_counselor(store, token)
    assert found is not None and found.id == counselor_id and found.display_name == "Dr Lee"
    assert token not in all_stored_text(store.engine)
    assert session_counselor(store, token + "x") is None
    assert session_counselor(store, "") is None
    assert session_counselor(store, "a" * 10_000) is None


def test_log_out_revokes_the_session(store: Store) -> None:
    counselor_id = _counselor(store)
    token, other = open_session(store, counselor_id), open_session(store, counselor_id)
    revoke_session(store, token)
    assert session_counselor(store, token) is None
    assert session_counselor(store, other) is not None  # another tab's login stays


def test_an_idle_session_ends_and_use_keeps_it_alive(store: Store) -> None:
    counselor_id = _counselor(store)
    start = utcnow()
    token = open_session(store, counselor_id, now=start)
    later = start
    for _ in range(3):  # used every 20 minutes: still alive after an hour
        later += timedelta(minutes=20)
        assert session_counselor(store, token, now=later) is not None
    assert session_counselor(store, token, now=later + IDLE_TIMEOUT + timedelta(seconds=1)) is None


def test_a_session_ends_after_the_absolute_timeout_however_used(store: Store) -> None:
    counselor_id = _counselor(store)
    start = utcnow()
    token = open_session(store, counselor_id, now=start)
    moment = start
    while moment + timedelta(minutes=20) < start + ABSOLUTE_TIMEOUT:
        moment += timedelta(minutes=20)
        assert session_counselor(store, token, now=moment) is not None
    assert session_counselor(store, token, now=start + ABSOLUTE_TIMEOUT) is None


def test_removing_a_counselor_removes_their_sessions(store: Store) -> None:
    desk = CounselorDesk(store)
    counselor_id = _counselor(store)
    token = open_session(store, counselor_id)
    desk.remove_counselor("dr.lee")
    assert session_counselor(store, token) is None


def test_a_counselor_changes_their_password_with_the_current_one(store: Store) -> None:
    import pytest

    from storage.accounts import AccountError

    desk = CounselorDesk(store)
    assert not desk.has_counselors()
    counselor_id = _counselor(store)
    assert desk.has_counselors()
    with pytest.raises(AccountError):
        desk.change_password(counselor_id, "not the password", "a brand new password")
    with pytest.raises(AccountError):
        desk.change_password(counselor_id, PASSWORD, "short")
    assert desk.authenticate("dr.lee", PASSWORD).counselor is not None
    desk.change_password(counselor_id, PASSWORD, "a brand new password")
    assert desk.authenticate("dr.lee", PASSWORD).counselor is None
    assert desk.authenticate("dr.lee", "a brand new password").counselor is not None
