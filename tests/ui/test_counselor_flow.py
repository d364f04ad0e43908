"""The counselor workspace through AppTest: login, roster, notes, isolation, logout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storage import Store
from storage.counselors import CounselorDesk
from ui import counselor_view, session

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60
PASSWORD = "a long enough password"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CounselorDesk]:
    path = tmp_path / "counselor.sqlite3"
    monkeypatch.setenv("SPARK_CHECK_SQLITE_PATH", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    desk = CounselorDesk(Store.from_url(f"sqlite:///{path}"))
    desk.add_counselor("ana", PASSWORD, "Ana")
    desk.add_counselor("ben", PASSWORD, "Ben")
    yield desk


def state_of(app: AppTest) -> session.SessionData:
    return app.session_state[session.STATE_KEY]


def page_text(app: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "info", "error", "warning", "success", "text", "code")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(app, kind))


def log_in(username: str, password: str = PASSWORD) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.button(key="welcome:counselor").click().run()
    app.text_input(key="login:username").input(username)
    app.text_input(key="login:password").input(password)
    submit = next(b for b in app.button if b.label == "Log in")
    submit.click().run()
    return app


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

    app.session_state[counselor_view.TAB_KEY] = "Notes & homework"  # only the open tab runs
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
    from tests.ui.test_couple_flow import take_turn

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
