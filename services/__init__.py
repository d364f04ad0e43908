"""Use cases of the app, without Streamlit: pages and views call these, these call
storage and scoring. What each viewer may see is decided by ``scoring/visibility.py``;
a service asks it, and never restates a visibility rule.

One module per actor (a person alone, a partner in a couple, a counselor, an admin), each
opened from a verified identity and re-checking it on every call (a person's or partner's
calls within one page run share one check: ``Person.action``): a Streamlit fragment, a
timer, a stale tab or an old link acts only while its identity is live.
"""

from __future__ import annotations

from storage import AnswersLocked, StorageError, Store
from storage.accounts import AccountError
from storage.couples import CoupleRecord, JoinOutcome, format_join_code
from storage.crypto import KeyConfigError
from storage.nicknames import NICKNAME_MAX_LENGTH, NicknameError

#: What the pages use of storage's records and errors (they never import storage).
__all__ = [
    "NICKNAME_MAX_LENGTH",
    "AccountError",
    "AnswersLocked",
    "CoupleRecord",
    "JoinOutcome",
    "KeyConfigError",
    "LinkEnded",
    "LoginEnded",
    "NicknameError",
    "NotActing",
    "StorageError",
    "Store",
    "TurnPassed",
    "format_join_code",
]


class NotActing(StorageError):
    """The identity a call acts for is no longer live: nothing was read or changed."""


class LoginEnded(NotActing):
    """The counselor's login ended: logged out (here or in another tab), disabled, or idle
    or expired."""


class LinkEnded(NotActing):
    """The link this session was opened with was replaced, or its data was deleted."""


class TurnPassed(NotActing):
    """On one device: the turn has passed to the other partner (a stale tab). Its one
    argument is what that partner is called (plain text)."""
