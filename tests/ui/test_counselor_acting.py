"""#18: who is acting is checked at every call. A couple's page left open after the
counselor's login ended (disabled, logged out elsewhere, idle) shows nothing new and
changes nothing; its timer fragment reruns without the page's top-of-run checks, which
these tests stand in for by skipping ``counselor_session.restore``. Also: log out that
can't revoke says so (#18 finding 5), a first password is changed first (#20 item 7a),
and leaving the presentation brings the navigation back (#20 item 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from services import StorageError
from services.counselor import ENDED, Counselor
from storage.counselors import CounselorDesk
from storage.models import CounselorSession, utcnow
from storage.sessions import IDLE_TIMEOUT
from tests.db import rows
from tests.e2e.seeding import unsafe_assessment_finished
from tests.ui.counselor_app import PASSWORD, log_in, page_text, state_of
from ui import counselor_login_view, counselor_session


def end_login(desk: CounselorDesk, how: str, token: str) -> None:
    ana = desk.counselor_by_username("ana")
    assert ana is not None
    if how == "disabled":
        ben = desk.add_counselor("ben.admin", PASSWORD, "Ben", is_admin=True, added_by=ana.id)
        desk.set_disabled(ben, ana.id, True)
    elif how == "logged out in another tab":
        Counselor(desk.store, token).log_out()
    else:
        with desk.store.transaction() as db:
            db.execute(update(CounselorSession).values(last_seen_at=utcnow() - IDLE_TIMEOUT - timedelta(minutes=1)))


@pytest.mark.parametrize("how", ["disabled", "logged out in another tab", "idle"])
def test_an_open_couple_page_shows_nothing_new_once_the_login_ends(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    app = log_in("ana")
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input("Couple 0317")
    next(b for b in app.button if b.label == "Add couple").click().run()
    app.button(key="client:homework").click().run()  # an open assessment: the live cards
    state = state_of(app)
    client_id, couple_id = state.client_id or "", state.fresh_links["couple"]
    (partner_1,) = [r for r in rows(desk.store.engine, "people") if r["couple_id"] == couple_id]
    assert app.button(key=f"client:reissue:partner_1:{couple_id}")

    end_login(desk, how, state.counselor_token or "")
    unsafe_assessment_finished(desk, state.counselor_id or "", client_id)  # new results meanwhile
    monkeypatch.setattr(counselor_session, "restore", lambda state: state)  # a fragment's rerun
    app.button(key=f"client:reissue:partner_1:{couple_id}").click().run()  # "New link for Partner 1"

    assert not app.exception
    text = page_text(app)
    assert "may not be safe" not in text and "Do I feel safe" not in text
    assert ENDED in text and [t.value for t in app.title] == ["Counselor login"]
    assert state_of(app).role == "person"
    (still,) = [r for r in rows(desk.store.engine, "people") if r["couple_id"] == couple_id]
    assert still["token_hash"] == partner_1["token_hash"]  # no new link was made


def test_a_log_out_that_cannot_revoke_says_so(desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """#18 finding 5: with the database's write lock held elsewhere, "Log out" can't revoke
    the login: the page says so (not "You're logged out"), and a retry works."""
    app = log_in("ana")

    def busy(self: Counselor) -> None:
        raise StorageError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(Counselor, "log_out", busy)
        next(b for b in app.button if b.label == "Log out").click().run()
    assert counselor_login_view.NOT_LOGGED_OUT in page_text(app)
    assert "You're logged out." not in page_text(app)
    assert state_of(app).role == "counselor"
    next(b for b in app.button if b.label == "Log out").click().run()
    assert "You're logged out." in page_text(app) and state_of(app).role == "person"
    (session_row,) = rows(desk.store.engine, "counselor_sessions")
    assert session_row["revoked_at"] is not None


def test_a_new_counselor_changes_the_first_password_before_anything_else(desk: CounselorDesk) -> None:
    """#20 item 7a: a counselor an admin added sees only "Choose your password" until they
    have; then their pages."""
    ana = desk.counselor_by_username("ana")
    assert ana is not None
    desk.add_counselor("cleo", PASSWORD, "Cleo", added_by=ana.id)
    app = log_in("cleo")
    assert [t.value for t in app.title] == ["Choose your password"]
    assert "My couples" not in page_text(app)
    app.switch_page("ui/pages/client.py").run()
    assert [t.value for t in app.title] == ["Choose your password"]
    fields = {t.label: t for t in app.text_input}
    fields["Current password"].input(PASSWORD)
    fields["New password"].input("cleo's very own password")
    fields["New password again"].input("cleo's very own password")
    next(b for b in app.button if b.label == "Change password").click().run()
    assert "Your password is changed." in page_text(app)
    assert "Choose your password" not in [t.value for t in app.title]
    assert desk.authenticate("cleo", "cleo's very own password").counselor is not None
