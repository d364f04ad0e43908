"""Admin counselors (issue 13, item 13), on SQLite and PostgreSQL: the first counselor is
an admin; an admin adds, disables and re-enables counselors; a disabled counselor can't
log in (refused like a wrong password, after the same work) and their sessions end at
once; nobody disables themselves; a non-admin can do none of it."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import insert

from storage import accounts
from storage.accounts import ADMIN_ONLY, NOT_YOURSELF, AccountError, NotAllowed
from storage.counselors import CounselorDesk
from storage.database import alembic_config, make_engine, migration_connection
from storage.repository import Store
from storage.sessions import open_session, session_counselor
from tests.db import rows
from tests.storage.test_counselors import PASSWORD, _counting_verify, cheap_argon2, desk

__all__ = ["cheap_argon2", "desk"]  # the fixtures


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
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, ben, _cleo = _ids(desk)
    tabs = [open_session(desk.store, ben), open_session(desk.store, ben)]
    desk.set_disabled(ana, ben, True)
    assert all(session_counselor(desk.store, token) is None for token in tabs)
    assert all(r["revoked_at"] is not None for r in rows(desk.store.engine, "counselor_sessions"))
    assert desk.counselor_by_username("ben") is None  # the organisation's sign-in finds no account

    verified = _counting_verify(monkeypatch)
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
