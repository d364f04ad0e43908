"""An admin counselor's work: the counselor accounts (add one, disable or re-enable one).

An :class:`Admin` is a :class:`services.counselor.Counselor` whose every call also
re-checks that they are still an enabled admin (``NotAllowed`` otherwise); storage
checks it again inside each change's transaction, and keeps at least one enabled admin.
"""

from __future__ import annotations

from services.counselor import Counselor
from storage.accounts import ADMIN_ONLY, CounselorAccount, CounselorRecord, NotAllowed


class Admin(Counselor):
    def check(self, passive: bool = False) -> CounselorRecord:
        record = super().check(passive)
        if not record.is_admin:
            raise NotAllowed(ADMIN_ONLY)
        return record

    def accounts(self) -> list[CounselorAccount]:
        """Every counselor account, by username."""
        me = self.check()
        return self.desk.counselor_accounts(me.id)

    def add_counselor(self, username: str, password: str, display_name: str, is_admin: bool = False) -> str:
        """A new counselor, who changes this first password at their first login
        (``AccountError`` says what's wrong with the username or password)."""
        me = self.check()
        return self.desk.add_counselor(username, password, display_name.strip() or None, is_admin, added_by=me.id)

    def set_disabled(self, counselor_id: str, disabled: bool) -> None:
        """Disable a counselor (no login; their logins end at once) or re-enable them;
        nobody disables themselves, nor the last enabled admin."""
        me = self.check()
        self.desk.set_disabled(me.id, counselor_id, disabled)
