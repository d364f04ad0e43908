"""Admin counselors (issue 13, item 13), on SQLite and PostgreSQL: the first counselor is
an admin; an admin adds, disables and re-enables counselors; a disabled counselor can't
log in (refused like a wrong password, after the same work) and their sessions end at
once; nobody disables themselves; a non-admin can do none of it."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import insert

from storage import accounts
from storage.accounts import ADMIN_ONLY, LAST_ADMIN, NOT_YOURSELF, AccountError, NotAllowed
from storage.counselors import CounselorDesk
from storage.database import alembic_config, make_engine, migration_connection
from storage.models import Counselor
from storage.repository import Store
from storage.sessions import open_session, session_counselor
from tests.db import rows

PASSWORD = "correct horse battery"


def _ids(desk: CounselorDesk) -> tuple[str, str, str]:
    """ana (the first: an admin), ben (not), cleo (an admin, made so)."""
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    ben = desk.add_counselor("ben", PASSWORD, "Ben")
    cleo = desk.add_counselor("cleo", PASSWORD, "Cleo", is_admin=True, added_by=ana)
    return ana, ben, cleo


def _flags(desk: CounselorDesk) -> dict[str, tuple[bool, bool]]:
    return {r["username"]: (bool(r["is_admin"]), bool(r["disabled"])) for r in rows(desk.store.engine, "counselors")}


def test_the_first_counselor_is_an_admin_and_admins_add_counselors(desk: CounselorDesk) -> None:
    ana, ben, _cleo = _ids(desk)
    assert _flags(desk) == {"ana": (True, False), "ben": (False, False), "cleo": (True, False)}
    login = desk.authenticate("ana", PASSWORD).counselor
    assert login is not None and login.is_admin
    assert [a.username for a in desk.counselor_accounts(ana)] == ["ana", "ben", "cleo"]
    assert desk.is_admin(ana) and not desk.is_admin(ben)


def test_a_disabled_counselor_cannot_log_in_and_their_sessions_end(
    desk: CounselorDesk, verifications: Callable[[float], list[str]]
) -> None:
    ana, ben, _cleo = _ids(desk)
    tabs = [open_session(desk.store, ben), open_session(desk.store, ben)]
    desk.set_disabled(ana, ben, True)
    assert all(session_counselor(desk.store, token) is None for token in tabs)
    assert all(r["revoked_at"] is not None for r in rows(desk.store.engine, "counselor_sessions"))
    assert desk.counselor_by_username("ben") is None  # the organisation's sign-in finds no account

    verified = verifications(0.0)
    refused = desk.authenticate("ben", PASSWORD)
    wrong = desk.authenticate("ana", "not the password")
    assert refused == wrong == accounts.LoginResult(None)  # as a wrong password: nothing tells them apart
    assert len(verified) == 2  # one Argon2 check each
    assert rows(desk.store.engine, "counselors")[1]["failed_logins"] == 0  # not counted against Ben

    desk.set_disabled(ana, ben, False)
    assert desk.authenticate("ben", PASSWORD).counselor is not None
    assert all(session_counselor(desk.store, token) is None for token in tabs)  # ended stays ended


def test_an_admin_cannot_disable_themselves(desk: CounselorDesk) -> None:
    ana, _ben, _cleo = _ids(desk)
    with pytest.raises(AccountError, match="can't disable your own account") as refused:
        desk.set_disabled(ana, ana, True)
    assert str(refused.value) == NOT_YOURSELF
    assert _flags(desk)["ana"] == (True, False)


def test_a_non_admin_or_a_disabled_admin_manages_nothing(desk: CounselorDesk) -> None:
    ana, ben, cleo = _ids(desk)
    desk.set_disabled(ana, cleo, True)
    before = _flags(desk)
    for actor in (ben, cleo, "no-such-counselor"):
        with pytest.raises(NotAllowed, match=ADMIN_ONLY):
            desk.counselor_accounts(actor)
        with pytest.raises(NotAllowed):
            desk.set_disabled(actor, ana, True)
        with pytest.raises(NotAllowed):
            desk.set_disabled(actor, cleo, False)
        with pytest.raises(NotAllowed):
            desk.add_counselor("dan", PASSWORD, added_by=actor)
    assert _flags(desk) == before


def test_the_upgrade_makes_the_earliest_counselor_the_admin(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with migration_connection(engine) as connection:
            command.upgrade(alembic_config(connection), "0006_couple_names_plans")
        # The table as revision 0006 had it (no is_admin, no disabled yet).
        table = sa.table(
            "counselors",
            *(sa.column(name) for name in ("id", "username", "display_name", "created_at", "failed_logins")),
        )
        with engine.begin() as connection:
            for n, name in ((2, "second"), (1, "first")):  # the later one written first
                values = {"id": f"{n:032x}", "username": name, "display_name": name, "failed_logins": 0}
                connection.execute(insert(table).values(created_at=datetime(2026, 1, n), **values))
    finally:
        engine.dispose()
    store = Store.from_url(db_url)  # upgrades at start
    try:
        flags = {r["username"]: (bool(r["is_admin"]), bool(r["disabled"])) for r in rows(store.engine, "counselors")}
        assert flags == {"first": (True, False), "second": (False, False)}
    finally:
        store.engine.dispose()


def test_two_admins_disabling_each_other_at_once_leave_one_enabled(desk: CounselorDesk) -> None:
    """#18 finding 6: the check that an admin remains runs in the change's own transaction,
    with the enabled admins' rows locked; two admins disabling each other at the same
    moment, many times over, always leave one of them enabled (SQLite and PostgreSQL)."""
    ana = desk.add_counselor("ana", PASSWORD, "Ana")  # the first: an admin
    ben = desk.add_counselor("ben", PASSWORD, "Ben", is_admin=True, added_by=ana)
    desk.add_counselor("cleo", PASSWORD, "Cleo", added_by=ana)  # not an admin
    trials = 30
    for _ in range(trials):
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def disable(admin_id: str, other_id: str, start: threading.Barrier, outcomes: list[str]) -> None:
            start.wait(timeout=30)
            try:
                desk.set_disabled(admin_id, other_id, True)
                outcomes.append("done")
            except AccountError as refused:  # NotAllowed (no longer an admin) or LAST_ADMIN
                outcomes.append(str(refused))

        threads = [threading.Thread(target=disable, args=(*pair, start, outcomes)) for pair in ((ana, ben), (ben, ana))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes.count("done") == 1 and len(outcomes) == 2, outcomes
        flags = _flags(desk)
        assert [name for name, (admin, disabled) in flags.items() if admin and not disabled] in (["ana"], ["ben"])
        with desk.store.transaction() as session:  # both enabled again for the next trial
            session.execute(sa.update(Counselor).values(disabled=False))


def test_the_last_enabled_admin_is_never_disabled_nor_removed(desk: CounselorDesk) -> None:
    ana, _ben, cleo = _ids(desk)
    desk.set_disabled(ana, cleo, True)
    with pytest.raises(AccountError, match=re.escape(LAST_ADMIN)):
        desk.remove_counselor("ana", delete_couples=True)
    assert _flags(desk)["ana"] == (True, False)


def test_change_password_counts_against_the_login_lock(desk: CounselorDesk) -> None:
    """#18 finding 5: "Change my password" checks the current password like a login: each
    wrong guess counts, and the lock stops both."""
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    desk.authenticate("ana", "a wrong guess")  # one wrong login
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        with pytest.raises(AccountError, match="isn't your current password"):
            desk.change_password(ana, "another wrong guess", "a brand new password")
    (row,) = [r for r in rows(desk.store.engine, "counselors") if r["username"] == "ana"]
    assert row["locked_until"] is not None  # five wrong, login and change together: locked
    with pytest.raises(AccountError):  # locked: even the right password changes nothing
        desk.change_password(ana, PASSWORD, "a brand new password")
    assert desk.authenticate("ana", PASSWORD).counselor is None
    assert desk.authenticate("ana", "a brand new password").counselor is None


def test_a_password_change_ends_every_other_session(desk: CounselorDesk) -> None:
    """#18 finding 5: changing a password ends the counselor's other logins, keeps this one."""
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    ben = desk.add_counselor("ben", PASSWORD, "Ben")
    here, elsewhere, bens = open_session(desk.store, ana), open_session(desk.store, ana), open_session(desk.store, ben)
    desk.change_password(ana, PASSWORD, "a brand new password", keep_token=here)
    assert session_counselor(desk.store, here) is not None
    assert session_counselor(desk.store, elsewhere) is None
    assert session_counselor(desk.store, bens) is not None


def test_a_counselor_an_admin_adds_changes_the_first_password_first(desk: CounselorDesk) -> None:
    """#20 item 7a: an account an admin made must change its first password; the operator's
    own account (the command line) need not."""
    ana = desk.add_counselor("ana", PASSWORD, "Ana")
    desk.add_counselor("ben", PASSWORD, "Ben", added_by=ana)
    first = desk.authenticate("ana", PASSWORD).counselor
    made = desk.authenticate("ben", PASSWORD).counselor
    assert first is not None and not first.must_change_password
    assert made is not None and made.must_change_password
    token = open_session(desk.store, made.id)
    found = session_counselor(desk.store, token)
    assert found is not None and found.must_change_password
    desk.change_password(made.id, PASSWORD, "ben's own new password", keep_token=token)
    found = session_counselor(desk.store, token)
    assert found is not None and not found.must_change_password
