"""Counselor sessions that survive a page refresh.

A session is a random 256-bit token held by the browser; the database keeps only its
SHA-256 hash. It ends when the counselor logs out (revoked), after IDLE_TIMEOUT without
a page run, or ABSOLUTE_TIMEOUT after login, whichever comes first. Never imports
Streamlit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from storage.accounts import CounselorRecord
from storage.models import Counselor, CounselorSession, utcnow
from storage.repository import Store
from storage.tokens import hash_token, new_token

#: A session unused this long has ended.
IDLE_TIMEOUT = timedelta(minutes=30)
#: A use restarts the idle clock no more often than this.
TOUCH_EVERY = timedelta(minutes=1)
#: However much it is used, a session ends this long after login.
ABSOLUTE_TIMEOUT = timedelta(hours=12)
#: The longest a token may be; anything longer is not looked up.
MAX_TOKEN_LENGTH = 64


def open_session(store: Store, counselor_id: str, now: datetime | None = None) -> str:
    """A new session for ``counselor_id``; its token (returned) is never stored."""
    moment = now or utcnow()
    token = new_token()
    with store.transaction() as session:
        session.add(
            CounselorSession(
                token_hash=hash_token(token),
                counselor_id=counselor_id,
                created_at=moment,
                last_seen_at=moment,
                expires_at=moment + ABSOLUTE_TIMEOUT,
            )
        )
        # Ended sessions of this counselor are of no further use.
        session.execute(
            delete(CounselorSession).where(
                CounselorSession.counselor_id == counselor_id,
                or_(
                    CounselorSession.revoked_at.is_not(None),
                    CounselorSession.expires_at <= moment,
                    CounselorSession.last_seen_at <= moment - IDLE_TIMEOUT,
                ),
            )
        )
    return token


def session_counselor(
    store: Store, token: str, now: datetime | None = None, touch: bool = True
) -> CounselorRecord | None:
    """The enabled counselor whose live session ``token`` is, or None: one indexed lookup
    (the token's hash, the session live, the account enabled). With ``touch`` (a use) the
    session's idle clock restarts; without it (a timer's passive check) it doesn't."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    moment = now or utcnow()
    hashed = hash_token(token)
    with store.transaction() as session:
        row = session.execute(
            select(
                Counselor.id,
                Counselor.username,
                Counselor.display_name,
                Counselor.is_admin,
                Counselor.must_change_password,
            )
            .join(CounselorSession, CounselorSession.counselor_id == Counselor.id)
            .where(
                CounselorSession.token_hash == hashed,
                CounselorSession.revoked_at.is_(None),
                CounselorSession.expires_at > moment,
                CounselorSession.last_seen_at > moment - IDLE_TIMEOUT,
                Counselor.disabled.is_(False),
            )
        ).one_or_none()
        if row is not None and touch:
            session.execute(  # at most once a minute: most calls then write nothing
                update(CounselorSession)
                .where(CounselorSession.token_hash == hashed, CounselorSession.last_seen_at < moment - TOUCH_EVERY)
                .values(last_seen_at=moment)
                .execution_options(synchronize_session=False)
            )
    return None if row is None else CounselorRecord(*row)


def revoke_session(store: Store, token: str, now: datetime | None = None) -> None:
    """End the session of ``token`` (log out); an unknown token changes nothing. A
    StorageError (e.g. the database busy) means it was not revoked."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    with store.transaction() as session:
        session.execute(
            update(CounselorSession)
            .where(CounselorSession.token_hash == hash_token(token), CounselorSession.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
