"""The counselor workspace through AppTest: login, roster, notes, isolation, logout."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from services import login
from storage import accounts
from storage.accounts import MAX_FAILED_LOGINS
from storage.counselors import CounselorDesk
from storage.models import Counselor, utcnow
from tests.db import rows
from tests.ui.counselor_app import APP, PASSWORD, TIMEOUT, log_in, page_text, shown_links, state_of
from tests.ui.couple_app import take_turn
from ui import client_view, counselor_login_view, session


def test_counselor_pages_exist_only_after_login(desk: CounselorDesk) -> None:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert state_of(app).role == "person"
    with pytest.raises(ValueError):
        app.switch_page("ui/pages/roster.py")
    app = log_in("ana")
    assert not app.exception
    assert state_of(app).role == "counselor"
    assert [t.value for t in app.title] == ["My couples"]


def test_wrong_password_is_refused_kindly(desk: CounselorDesk) -> None:
    app = log_in("ana", "not the password")
    assert state_of(app).role == "person"
    assert "don't match an account" in page_text(app)


def test_roster_add_couple_and_note_then_isolation_and_logout(desk: CounselorDesk) -> None:
    app = log_in("ana")
    label_input = next(t for t in app.text_input if t.label.startswith("Add a couple"))
    label_input.input("<b>The Rivers</b>")
    next(b for b in app.button if b.label == "Add couple").click().run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Couple"]
    assert "<b>The Rivers</b>" in [t.value for t in app.text]  # shown as plain text, not HTML
    client_id = state_of(app).client_id
    assert client_id is not None

    app.session_state[client_view.TAB_KEY] = "Notes & homework"  # only the open tab runs
    app.run()
    app.text_area(key="note:body").input("Talked about **chores**; <script>alert(1)</script>")
    next(b for b in app.button if b.label == "Save note").click().run()
    assert "Note saved." in page_text(app)
    assert "Talked about **chores**; <script>alert(1)</script>" in [t.value for t in app.text]

    # Ben sees none of it, even with Ana's couple id in the URL.
    other = log_in("ben")
    assert "No couples yet." in page_text(other)
    ana = desk.counselor_by_username("ana")
    ben = desk.counselor_by_username("ben")
    assert ana is not None and ben is not None
    assert desk.client(ben.id, client_id) is None
    other.query_params["client"] = client_id
    other.switch_page("ui/pages/client.py").run()
    assert "No couple found" in page_text(other)
    assert "The Rivers" not in page_text(other)

    # Logging out removes the counselor pages.
    next(b for b in app.button if b.label == "Log out").click().run()
    assert state_of(app).role == "person"
    with pytest.raises(ValueError):
        app.switch_page("ui/pages/roster.py")


def test_in_office_assessment_presentation_hides_items_and_safety(desk: CounselorDesk) -> None:
    app = log_in("ana")
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input("Couple A")
    next(b for b in app.button if b.label == "Add couple").click().run()
    app.button(key="client:in_office").click().run()
    link = state_of(app).fresh_links["in_office"]
    token = link.split(f"{session.DEVICE_PARAM}=", 1)[1]

    couple = AppTest.from_file(APP, default_timeout=TIMEOUT)
    couple.query_params[session.DEVICE_PARAM] = token
    couple.run()
    assert "your counselor set up this check-up" in page_text(couple)
    couple.checkbox(key="consent:p1").check().run()
    couple.button(key="consent:go").click().run()
    couple = take_turn(couple, {"safe": 0}, {}, share="nothing")
    couple.button(key="home:handover").click().run()
    couple.checkbox(key="consent:p2").check().run()
    couple.button(key="consent:go").click().run()
    couple = take_turn(couple, {}, {}, share="items")
    assert [t.value for t in couple.title] == ["Our comparison"]

    app.run()
    # The counselor's private panel (not the shared view) shows the safety flag.
    assert "Partner 1: an answer says the relationship may not be safe." in page_text(app)
    present = next(b for b in app.button if b.label == "Presentation view")
    present.click().run()
    assert [t.value for t in app.title] == ["Where you stand, together"]
    text = page_text(app)
    assert "Partner 1's results are not shown here." in text  # partner 1 chose not to share
    assert "may not be safe" not in text
    assert "Do I feel safe" not in text
    assert not app.get("dataframe") or all("Very true" not in d.value.to_csv() for d in app.dataframe)


# --------------------------------------------------------------------------- login policy


def counting_verify(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the hash of every Argon2 verification the app makes."""
    verified: list[str] = []
    real = accounts._verify

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    return verified


def attempt(app: AppTest, username: str, password: str) -> float:
    """One try on the login page of ``app`` (opened there if need be); returns how long it took."""
    if not app.get("text_input") or not any(t.key == "login:username" for t in app.text_input):
        app.button(key="welcome:counselor").click().run()
    app.text_input(key="login:username").input(username)
    app.text_input(key="login:password").input(password)
    started = time.monotonic()
    next(b for b in app.button if b.label == "Log in").click().run()
    return time.monotonic() - started


def fresh_session() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def password_hash(desk: CounselorDesk, username: str) -> str:
    (row,) = [r for r in rows(desk.store.engine, "counselors") if r["username"] == username]
    return str(row["password_hash"])


def test_unknown_wrong_locked_and_throttled_look_and_take_the_same(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        desk.authenticate("ben", "not the password")  # Ben's account is locked
    throttled = fresh_session()
    for _ in range(login.SESSION_MAX_FAILURES):
        attempt(throttled, "nobody", "not the password")
    verified = counting_verify(monkeypatch)
    cases = {
        "unknown": (fresh_session(), "nobody", PASSWORD),
        "wrong": (fresh_session(), "ana", "not the password"),
        "locked": (fresh_session(), "ben", PASSWORD),
        "throttled": (throttled, "ana", PASSWORD),
    }
    for case, (app, username, password) in cases.items():
        before = len(verified)
        took = attempt(app, username, password)
        assert not app.exception
        assert state_of(app).role == "person", case
        assert [e.value for e in app.error] == [counselor_login_view.LOGIN_REFUSED], case
        assert len(verified) == before + 1, f"{case}: one Argon2 check, like every other refusal"
        assert took >= login.FAILED_LOGIN_DELAY_S, case


def test_one_session_is_throttled_and_alone_cannot_lock_an_account(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_hash = password_hash(desk, "ana")
    verified = counting_verify(monkeypatch)
    monkeypatch.setattr(login, "FAILED_LOGIN_DELAY_S", 0.0)
    app = fresh_session()
    for _ in range(MAX_FAILED_LOGINS + 3):
        attempt(app, "ana", "not the password")
    assert verified.count(real_hash) == login.SESSION_MAX_FAILURES < MAX_FAILED_LOGINS
    attempt(app, "ana", PASSWORD)  # throttled: refused unchecked, right password or not
    assert state_of(app).role == "person"
    assert verified.count(real_hash) == login.SESSION_MAX_FAILURES
    (row,) = [r for r in rows(desk.store.engine, "counselors") if r["username"] == "ana"]
    assert row["locked_until"] is None  # the account was never locked
    other = fresh_session()
    attempt(other, "ana", PASSWORD)
    assert state_of(other).role == "counselor"
    # The throttle ends SESSION_THROTTLE_S after the failures.
    throttle = app.session_state[counselor_login_view.LOGIN_FAILURES_KEY]
    throttle.failures = [t - login.SESSION_THROTTLE_S for t in throttle.failures]
    attempt(app, "ana", PASSWORD)
    assert state_of(app).role == "counselor"


def test_after_a_lock_the_right_password_works_again_from_a_fresh_session(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(login, "FAILED_LOGIN_DELAY_S", 0.0)
    first, second = fresh_session(), fresh_session()
    for app in (first, first, first, second, second):
        attempt(app, "ana", "not the password")
    (row,) = [r for r in rows(desk.store.engine, "counselors") if r["username"] == "ana"]
    assert row["locked_until"] is not None  # two sessions' failures lock the account
    counselor = fresh_session()
    attempt(counselor, "ana", PASSWORD)
    assert state_of(counselor).role == "person"  # locked, for everyone
    with desk.store.engine.begin() as connection:  # the lock time passes
        connection.execute(update(Counselor).values(locked_until=utcnow() - timedelta(seconds=1)))
    latecomer = fresh_session()
    attempt(latecomer, "ana", PASSWORD)
    assert state_of(latecomer).role == "counselor"


# --------------------------------------------------------------------------- sign-in with the organisation (OIDC)

AUTH_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a test cookie secret",
        "client_id": "spark-check",
        "client_secret": "not a real secret",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
    }
}


def oidc_session(**claims: object) -> AppTest:
    """A browser session back from the organisation's sign-in, with these identity claims."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.secrets = dict(AUTH_SECRETS)
    app.user = {"is_logged_in": True, **claims}
    app.run()
    app.button(key="welcome:counselor").click().run()
    return app


@pytest.mark.parametrize("verified", [False, None, "true"])
def test_oidc_needs_a_verified_email_address(desk: CounselorDesk, verified: object) -> None:
    desk.add_counselor("ana@example.org", PASSWORD, "Ana")
    claims: dict[str, object] = {"email": "ana@example.org"}
    if verified is not None:
        claims["email_verified"] = verified
    app = oidc_session(**claims)
    assert not app.exception
    assert state_of(app).role == "person"
    assert [e.value for e in app.error] == [counselor_login_view.OIDC_UNVERIFIED]


def test_oidc_log_out_signs_out_and_the_login_page_does_not_log_back_in(desk: CounselorDesk) -> None:
    desk.add_counselor("ana@example.org", PASSWORD, "Ana")
    app = oidc_session(email="Ana@Example.org", email_verified=True)
    assert not app.exception
    assert state_of(app).role == "counselor" and state_of(app).counselor_name == "Ana"
    next(b for b in app.button if b.label == "Log out").click().run()
    assert not app.exception
    assert app.user.get("is_logged_in") is False  # st.logout(): the identity is gone too
    assert state_of(app).role == "person"
    app.button(key="welcome:counselor").click().run()
    assert state_of(app).role == "person"
    assert [t.value for t in app.title] == ["Counselor login"]


def test_password_log_out_with_no_oidc_configured_leaves_st_user_alone(desk: CounselorDesk) -> None:
    app = log_in("ana")
    next(b for b in app.button if b.label == "Log out").click().run()
    assert not app.exception
    assert state_of(app).role == "person"
    assert app.user == {"email": "test@example.com"}  # AppTest's default: st.logout() was not called


# --------------------------------------------------------------------------- one-time links


def add_couple(app: AppTest, label: str) -> str:
    """Add a couple from the roster; the app opens its page."""
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input(label)
    next(b for b in app.button if b.label == "Add couple").click().run()
    # AppTest asks every later run for the page of its last switch_page(): make it this one.
    app.switch_page("ui/pages/client.py")
    assert [t.value for t in app.text] == [label]
    client_id = state_of(app).client_id
    assert client_id is not None
    return client_id


@pytest.mark.parametrize("start", ["client:homework", "client:in_office"])
def test_one_time_links_stay_with_their_couple_and_vanish_on_leaving(desk: CounselorDesk, start: str) -> None:
    app = log_in("ana")
    add_couple(app, "Couple Y")
    app.switch_page("ui/pages/roster.py").run()
    x = add_couple(app, "Couple X")
    app.button(key=start).click().run()
    links = shown_links(app)
    assert links and all("?" in link for link in links)

    # Couple Y's page, opened from the roster: none of X's links.
    app.switch_page("ui/pages/roster.py").run()
    next(b for b in app.button if b.label == "Open" and "Couple Y" in str(b.help)).click().run()
    app.switch_page("ui/pages/client.py")
    assert [t.value for t in app.title] == ["Couple"] and [t.value for t in app.text] == ["Couple Y"]
    assert shown_links(app) == []

    # Back on X's page: gone for good (they were shown once).
    app.query_params["client"] = x
    app.switch_page("ui/pages/client.py").run()
    assert [t.value for t in app.text] == ["Couple X"]
    assert shown_links(app) == []


def test_one_time_links_are_not_shown_for_another_couple_on_the_same_page(desk: CounselorDesk) -> None:
    app = log_in("ana")
    y = add_couple(app, "Couple Y")
    app.switch_page("ui/pages/roster.py").run()
    add_couple(app, "Couple X")
    app.button(key="client:homework").click().run()
    assert shown_links(app)
    app.query_params["client"] = y  # straight to Y, without leaving the couple page
    app.run()
    assert [t.value for t in app.text] == ["Couple Y"]
    assert shown_links(app) == []
