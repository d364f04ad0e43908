"""A counselor logging in: by password (with the lock and a browser session's
throttle), by the organisation's sign-in, or back from a refresh; each opens a
:class:`services.counselor.Counselor`.

The policy (docs/SECURITY.md, "Counselor login"): every refused attempt -- unknown
username, wrong password, locked account, throttled browser session -- gets the same
answer after the same work (one Argon2 check) and the same wait. Each browser session
may fail SESSION_MAX_FAILURES times in SESSION_THROTTLE_S; after that its attempts are
refused unchecked and count against no account, so one browser alone can never lock
an account (storage locks it after MAX_FAILED_LOGINS).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from services.counselor import Counselor
from storage import Store
from storage import sessions as logins
from storage.accounts import LOCK_TIME, decoy_verification
from storage.counselors import CounselorDesk

FIRST_RUN = (
    "No counselor account exists yet. Whoever runs this server makes the first one on that machine:\n\n"
    '`python -m storage add-counselor NAME --display-name "Your Name"`\n\n'
    "That first counselor is an admin: they add the others here, in the app."
)


#: Every refused login answers no sooner than this after it was sent.
FAILED_LOGIN_DELAY_S = 1.0
#: Failed logins one browser session may make in SESSION_THROTTLE_S (fewer than the account's lock).
SESSION_MAX_FAILURES = 3
SESSION_THROTTLE_S = LOCK_TIME.total_seconds()


@dataclass
class LoginThrottle:
    """One browser session's failed logins (``time.monotonic`` times)."""

    failures: list[float] = field(default_factory=list)

    def recent(self) -> list[float]:
        since = time.monotonic() - SESSION_THROTTLE_S
        self.failures = [t for t in self.failures if t > since]
        return self.failures


def log_in(store: Store, username: str, password: str, throttle: LoginThrottle) -> Counselor | None:
    """A new login for the counselor whose password this is, or None, no sooner than
    FAILED_LOGIN_DELAY_S after the call (the account's lock counts the try)."""
    deadline = time.monotonic() + FAILED_LOGIN_DELAY_S
    throttled = len(throttle.recent()) >= SESSION_MAX_FAILURES
    if throttled:
        decoy_verification(password)  # refused unchecked, after the same work
    record = None if throttled else CounselorDesk(store).authenticate(username, password).counselor
    if record is None:
        if not throttled:
            throttle.failures.append(time.monotonic())
        time.sleep(max(0.0, deadline - time.monotonic()))
        return None
    return Counselor(store, logins.open_session(store, record.id), record)


def sign_in_by_email(store: Store, email: str) -> Counselor | None:
    """A new login for the enabled counselor whose username is this e-mail address (one the
    organisation's sign-in verified), or None."""
    record = CounselorDesk(store).counselor_by_username(email) if email else None
    return None if record is None else Counselor(store, logins.open_session(store, record.id), record)


def first_run_help(store: Store) -> str | None:
    """How to make the first counselor account, while none exists; None afterwards."""
    return None if CounselorDesk(store).has_counselors() else FIRST_RUN
