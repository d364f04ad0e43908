"""Counselor accounts: Argon2id passwords, the login lock, admins who add, disable and
re-enable counselors, and removing an account.

The account half of :class:`storage.counselors.CounselorDesk` (:class:`AccountDesk`,
its base class). Never imports Streamlit.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, case, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningUpdate

from storage.models import Client, Counselor, CounselorSession, utcnow
from storage.repository import Store
from storage.tokens import hash_token

#: Wrong passwords before an account locks for LOCK_TIME.
MAX_FAILED_LOGINS = 5
LOCK_TIME = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,119}$")

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


class NotAllowed(AccountError):
    """Managing counselor accounts is for admin counselors only."""


ADMIN_ONLY = "Only an admin counselor can manage counselor accounts."
NOT_YOURSELF = "You can't disable your own account. Another admin can, if it's ever needed."
LAST_ADMIN = "At least one admin must remain: make another counselor an admin first."
WRONG_PASSWORD = "That isn't your current password (or there were too many tries: then please wait 15 minutes)."


@dataclass(frozen=True)
class CounselorRecord:
    id: str
    username: str
    display_name: str
    #: May add, disable and re-enable counselors in the app.
    is_admin: bool = False
    #: An admin made the account: the first password is changed before anything else.
    must_change_password: bool = False


@dataclass(frozen=True)
class CounselorAccount:
    """One counselor as an admin sees them: no password hash, no lock details."""

    id: str
    username: str
    display_name: str
    is_admin: bool
    disabled: bool
    last_login_at: datetime | None


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


def check_username(username: str) -> str:
    """The username as stored (trimmed, lower-case), or AccountError saying what's wrong."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError("A username is 3-120 characters: letters, digits, and . _ @ -")
    return name


class AccountDesk:
    """Counselor accounts, over the store's engine."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add_counselor(
        self,
        username: str,
        password: str,
        display_name: str | None = None,
        is_admin: bool = False,
        added_by: str | None = None,
    ) -> str:
        """A new counselor account; the very first one is an admin whatever ``is_admin``
        says. ``added_by``: the admin counselor adding it in the app (``NotAllowed``
        unless they are an enabled admin); None for the operator's command line."""
        if added_by is not None and not self.is_admin(added_by):
            raise NotAllowed(ADMIN_ONLY)  # before anything else is looked at
        name = check_username(username)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
        counselor_id = uuid.uuid4().hex
        with self.store.transaction() as session:
            if added_by is not None:
                _require_admin(session, added_by)  # still, as the account is added
            if session.scalar(select(Counselor.id).where(Counselor.username == name)) is not None:
                raise AccountError(f"There is already a counselor called {name!r}.")
            first = session.scalar(select(Counselor.id).limit(1)) is None
            session.add(
                Counselor(
                    id=counselor_id,
                    username=name,
                    display_name=(display_name or name).strip()[:120],
                    password_hash=_hasher.hash(password),
                    is_admin=is_admin or first,
                    must_change_password=added_by is not None,
                )
            )
        return counselor_id

    def counselor_accounts(self, admin_id: str) -> list[CounselorAccount]:
        """Every counselor, by username, for an admin (``NotAllowed`` for anyone else)."""
        with self.store.transaction() as session:
            _require_admin(session, admin_id)
            return [
                CounselorAccount(c.id, c.username, c.display_name, c.is_admin, c.disabled, c.last_login_at)
                for c in session.scalars(select(Counselor).order_by(Counselor.username))
            ]

    def set_disabled(self, admin_id: str, counselor_id: str, disabled: bool, now: datetime | None = None) -> None:
        """An admin disables a counselor (no login from now on, every session of theirs
        revoked at once) or re-enables them. Nobody disables themselves, and the last
        enabled admin is never disabled: the enabled admins' rows are locked first (FOR
        UPDATE; SQLite serialises writers), so two admins disabling each other at once
        leave one."""
        if disabled and admin_id == counselor_id:
            raise AccountError(NOT_YOURSELF)
        with self.store.transaction() as session:
            admins = _lock_enabled_admins(session)
            if admin_id not in admins:
                raise NotAllowed(ADMIN_ONLY)
            counselor = session.get(Counselor, counselor_id)
            if counselor is None:
                raise AccountError("There is no such counselor.")
            if disabled and admins == [counselor_id]:
                raise AccountError(LAST_ADMIN)
            counselor.disabled = disabled
            if disabled:
                _revoke_sessions(session, counselor_id, None, now or utcnow())

    def is_admin(self, counselor_id: str) -> bool:
        with self.store.transaction() as session:
            return _is_admin(session, counselor_id)

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
        with self.store.transaction() as session:
            claimed = session.execute(_claim(Counselor.username == name, moment)).one_or_none()
            locked_until = None
            if claimed is None:  # unknown or locked: the same one query either way
                locked_until = session.scalar(select(Counselor.locked_until).where(Counselor.username == name))
        if claimed is None:
            decoy_verification(password)  # the same work as a real check
            return LoginResult(None, locked_until=locked_until if locked_until and locked_until > moment else None)
        counselor_id, stored_name, display_name, password_hash, locked_until, is_admin, must_change = claimed
        if password_hash is None or not _verify(password_hash, password):  # never None: the claim asks for a hash
            return LoginResult(None, locked_until=locked_until)  # counted already; set if this was the last try
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": moment}
        if _hasher.check_needs_rehash(password_hash):
            values["password_hash"] = _hasher.hash(password)
        with self.store.transaction() as session:
            session.execute(update(Counselor).where(Counselor.id == counselor_id).values(**values))
        return LoginResult(CounselorRecord(counselor_id, stored_name, display_name, is_admin, must_change))

    def remove_counselor(
        self, username: str, hand_over_to: str | None = None, delete_couples: bool = False
    ) -> RemovalReport:
        """Remove a counselor's account. Their couples (with assessments, notes and
        homework) go to the counselor ``hand_over_to``, or with ``delete_couples`` are
        deleted with all their data; a counselor with couples and neither choice is
        refused (AccountError), as are an unknown name and both choices at once. Deleted
        data leaves SQLite's file at once; its log, at the next :meth:`Store.compact`."""
        name = username.strip().lower()
        if hand_over_to is not None and delete_couples:
            raise AccountError("Either hand the couples over or delete them, not both.")
        with self.store.transaction() as session:
            admins = _lock_enabled_admins(session)  # first, as every change of admins does: no deadlock
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
            elif client_ids and not delete_couples:
                raise CouplesLeftError(
                    f"{name!r} still has {len(client_ids)} couple(s): hand them over to another counselor "
                    "or delete them with all their data."
                )
            others = session.scalar(select(Counselor.id).where(Counselor.id != counselor.id).limit(1))
            if admins == [counselor.id] and others is not None:
                raise AccountError(LAST_ADMIN)  # the only account may go: the next one made is an admin
            # With delete_couples, the account's roster goes with it, and with each couple
            # every assessment, partner, answer, note and step (ON DELETE CASCADE).
            session.execute(delete(Counselor).where(Counselor.id == counselor.id))
        return RemovalReport(
            couples=len(client_ids),
            handed_over_to=successor.username if successor is not None else None,
            deleted=delete_couples and bool(client_ids),
        )

    def has_counselors(self) -> bool:
        """Whether any counselor account exists (the login page helps on a first run)."""
        with self.store.transaction() as session:
            return session.scalar(select(Counselor.id).limit(1)) is not None

    def change_password(
        self, counselor_id: str, current: str, new: str, keep_token: str | None = None, now: datetime | None = None
    ) -> None:
        """A counselor's new password, if ``current`` is right (AccountError otherwise, or if
        the new one is too short). ``current`` is checked like a login (one Argon2 check,
        counted against the same lock); a change ends every other session of theirs (all
        but ``keep_token``'s)."""
        if len(new) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
        moment = now or utcnow()
        with self.store.transaction() as session:
            claimed = session.execute(_claim(Counselor.id == counselor_id, moment)).one_or_none()
        if claimed is None or claimed.password_hash is None:
            decoy_verification(current)
            raise AccountError(WRONG_PASSWORD)
        if not _verify(claimed.password_hash, current):
            raise AccountError(WRONG_PASSWORD)  # counted already
        with self.store.transaction() as session:
            session.execute(
                update(Counselor)
                .where(Counselor.id == counselor_id)
                .values(password_hash=_hasher.hash(new), failed_logins=0, locked_until=None, must_change_password=False)
            )
            _revoke_sessions(session, counselor_id, keep_token, moment)

    def counselor_by_username(self, username: str) -> CounselorRecord | None:
        """An enabled counselor's account (the organisation's sign-in maps to it)."""
        with self.store.transaction() as session:
            counselor = session.scalar(
                select(Counselor).where(Counselor.username == username.strip().lower(), Counselor.disabled.is_(False))
            )
            if counselor is None:
                return None
            return CounselorRecord(
                counselor.id,
                counselor.username,
                counselor.display_name,
                counselor.is_admin,
                counselor.must_change_password,
            )


def _claim(
    which: ColumnElement[bool], moment: datetime
) -> ReturningUpdate[str, str, str, str | None, datetime | None, bool, bool]:
    """One password try at the account ``which`` names, counted before it is verified: an
    atomic ``UPDATE … RETURNING`` that matches only an enabled, unlocked account with a
    password; the try that reaches MAX_FAILED_LOGINS sets the lock. Login and "change my
    password" both go through it, so they count against the same lock."""
    reaches_limit = Counselor.failed_logins + 1 >= MAX_FAILED_LOGINS
    return (
        update(Counselor)
        .where(
            which,
            Counselor.password_hash.is_not(None),
            Counselor.disabled.is_(False),  # disabled: refused like an unknown name, after the same work
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
            Counselor.is_admin,
            Counselor.must_change_password,
        )
        .execution_options(synchronize_session=False)
    )


def _lock_enabled_admins(session: Session) -> list[str]:
    """The enabled admins' ids, their rows locked until the transaction ends (in id
    order, so two transactions never wait on each other crosswise)."""
    query = select(Counselor.id).where(Counselor.is_admin.is_(True), Counselor.disabled.is_(False))
    return list(session.scalars(query.order_by(Counselor.id).with_for_update()))


def _revoke_sessions(session: Session, counselor_id: str, keep_token: str | None, moment: datetime) -> None:
    """End every live session of ``counselor_id`` but ``keep_token``'s (None: all)."""
    query = update(CounselorSession).where(
        CounselorSession.counselor_id == counselor_id, CounselorSession.revoked_at.is_(None)
    )
    if keep_token:
        query = query.where(CounselorSession.token_hash != hash_token(keep_token))
    session.execute(query.values(revoked_at=moment).execution_options(synchronize_session=False))


def _is_admin(session: Session, counselor_id: str) -> bool:
    found = session.scalar(
        select(Counselor.id).where(
            Counselor.id == counselor_id, Counselor.is_admin.is_(True), Counselor.disabled.is_(False)
        )
    )
    return found is not None


def _require_admin(session: Session, counselor_id: str) -> None:
    if not _is_admin(session, counselor_id):
        raise NotAllowed(ADMIN_ONLY)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
