"""Issue 13, item 13: an admin counselor adds counselors and disables or re-enables them
in the app; a disabled counselor's open tab is logged out and their login refused like a
wrong password; nobody disables themselves; non-admins never have the page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services import login
from storage.counselors import CounselorDesk
from tests.db import rows
from tests.ui.counselor_app import log_in, page_text, state_of
from ui import accounts_view, counselor_login_view, counselor_session, pages_registry

COUNSELORS = "ui/pages/counselors.py"


def _accounts_page(username: str) -> AppTest:
    app = log_in(username)
    app.switch_page(COUNSELORS).run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Counselors"]
    return app


def _toggle(app: AppTest, desk: CounselorDesk, username: str) -> None:
    (account_id,) = [r["id"] for r in rows(desk.store.engine, "counselors") if r["username"] == username]
    app.button(key=f"accounts:toggle:{account_id}").click().run()
    assert not app.exception


def test_an_admin_adds_a_counselor_in_the_app(desk: CounselorDesk) -> None:
    app = _accounts_page("ana")  # the first counselor: an admin
    assert state_of(app).counselor_admin
    assert "Ana (ana)" in [t.value for t in app.text] and "Ben (ben)" in [t.value for t in app.text]
    assert "That's you." in page_text(app)  # and no button to disable herself
    ana = desk.counselor_by_username("ana")
    assert ana is not None and not [b for b in app.button if b.key == f"accounts:toggle:{ana.id}"]

    app.text_input(key="accounts:username").input("Cleo@Example.org")
    app.text_input(key="accounts:display_name").input("<b>Cleo</b>")
    app.text_input(key="accounts:password").input("short")
    next(b for b in app.button if b.label == "Add counselor").click().run()
    assert "at least 12 characters" in page_text(app)
    assert desk.counselor_by_username("cleo@example.org") is None

    app.text_input(key="accounts:username").input("Cleo@Example.org")
    app.text_input(key="accounts:display_name").input("<b>Cleo</b>")
    app.text_input(key="accounts:password").input("cleo's first password")
    next(b for b in app.button if b.label == "Add counselor").click().run()
    assert "<b>Cleo</b> (cleo@example.org)" in [t.value for t in app.text]  # plain text
    assert desk.authenticate("cleo@example.org", "cleo's first password").counselor is not None


def test_disabling_ends_the_counselors_login_and_refuses_the_next(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ben_tab = log_in("ben")
    assert state_of(ben_tab).role == "counselor"
    admin = _accounts_page("ana")
    _toggle(admin, desk, "ben")
    assert "disabled" in page_text(admin)
    assert next(b for b in admin.button if b.label == "Re-enable")

    ben_tab.run()  # Ben's open tab: logged out at its next run
    assert state_of(ben_tab).role == "person"
    assert counselor_session.ENDED in page_text(ben_tab)
    monkeypatch.setattr(login, "FAILED_LOGIN_DELAY_S", 0.0)
    again = log_in("ben")
    assert state_of(again).role == "person"
    assert counselor_login_view.LOGIN_REFUSED in page_text(again)  # as for a wrong password

    _toggle(admin, desk, "ben")
    assert state_of(log_in("ben")).role == "counselor"


def test_non_admins_never_have_the_page(desk: CounselorDesk) -> None:
    app = log_in("ben")
    state = state_of(app)
    assert state.role == "counselor" and not state.counselor_admin
    assert "counselors" not in pages_registry.page_names(state)  # not in the navigation
    # Its URL (a bookmark, a guess) says it is for admins: no "Page not found", no accounts.
    app.switch_page(COUNSELORS).run()
    assert not app.exception
    assert accounts_view.NOT_ADMIN in page_text(app)
    assert not app.text_input and "Ana (ana)" not in [t.value for t in app.text]
