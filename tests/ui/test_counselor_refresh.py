"""A counselor's login survives a page refresh (a new Streamlit session carrying the
browser's session cookie), and log out or the idle timeout ends it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from storage.counselors import CounselorDesk
from storage.models import CounselorSession
from storage.sessions import IDLE_TIMEOUT
from storage.tokens import hash_token
from tests.ui.counselor_app import APP, PASSWORD, TIMEOUT, log_in, page_text, refresh, state_of
from ui import counselor_session


def test_a_refresh_keeps_the_counselor_logged_in_on_the_couples_page(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = log_in("ana")
    token = state_of(app).counselor_token
    assert token
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input("The Rivers")
    next(b for b in app.button if b.label == "Add couple").click().run()
    client_id = state_of(app).client_id
    assert client_id

    again = refresh(monkeypatch, token, "ui/pages/client.py", client=client_id)
    assert not again.exception
    assert state_of(again).role == "counselor" and state_of(again).counselor_name == "Ana"
    assert [t.value for t in again.title] == ["Couple"]
    assert "The Rivers" in [t.value for t in again.text]


def test_a_refresh_after_log_out_or_with_a_wrong_token_is_logged_out(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = log_in("ana")
    token = state_of(app).counselor_token or ""
    next(b for b in app.button if b.label == "Log out").click().run()
    assert state_of(app).role == "person"
    assert state_of(refresh(monkeypatch, token)).role == "person"
    assert state_of(refresh(monkeypatch, token + "x")).role == "person"
    assert state_of(refresh(monkeypatch, "")).role == "person"


def test_an_idle_login_ends_in_the_open_tab_and_on_refresh(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = log_in("ana")
    token = state_of(app).counselor_token or ""
    with desk.store.transaction() as db:
        db.execute(
            update(CounselorSession)
            .where(CounselorSession.token_hash == hash_token(token))
            .values(last_seen_at=CounselorSession.last_seen_at - IDLE_TIMEOUT - timedelta(minutes=1))
        )
    app.run()
    assert state_of(app).role == "person"
    assert counselor_session.ENDED in page_text(app)
    assert state_of(refresh(monkeypatch, token)).role == "person"


def test_a_resume_link_opened_in_a_counselors_browser_is_not_taken_over(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = state_of(log_in("ana")).counselor_token or ""
    app = refresh(monkeypatch, token, join="ABCD-EFGH-IJKL")
    assert state_of(app).role != "counselor"


def test_a_counselor_page_opened_logged_out_shows_the_login_then_the_page(desk: CounselorDesk) -> None:
    """Issue 13, item 4: a refresh of a couple's page after the login ended (or a bookmark)
    shows the login, not "Page not found" over the welcome page; then the page asked for."""
    ana = desk.counselor_by_username("ana")
    assert ana is not None
    client_id = desk.add_client(ana.id, "The Rivers")
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.query_params["client"] = client_id
    app.switch_page("ui/pages/client.py").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Counselor login"]
    assert "The Rivers" not in page_text(app)
    assert state_of(app).role == "person"

    app.text_input(key="login:username").input("ana")
    app.text_input(key="login:password").input(PASSWORD)
    next(b for b in app.button if b.label == "Log in").click().run()
    assert [t.value for t in app.title] == ["Couple"]
    assert "The Rivers" in [t.value for t in app.text]

    # Someone else's couple, asked for logged out: after the login, simply not found.
    ben = AppTest.from_file(APP, default_timeout=TIMEOUT)
    ben.query_params["client"] = client_id
    ben.switch_page("ui/pages/client.py").run()
    ben.text_input(key="login:username").input("ben")
    ben.text_input(key="login:password").input(PASSWORD)
    next(b for b in ben.button if b.label == "Log in").click().run()
    assert "No couple found" in page_text(ben) and "The Rivers" not in page_text(ben)
