"""The presentation view on a shared screen: wide, no navigation and nothing of the
counselor (name, log out, roster), a clear way back, and the trend as the couple may see it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from storage.counselors import CounselorDesk
from storage.sessions import open_session
from tests.ui.counselor_app import add_clients, counselor_id, finished_assessment, log_in, page_text, refresh, state_of
from ui import session


def present(desk: CounselorDesk, assessments: int) -> AppTest:
    ana = counselor_id(desk, "ana")
    clients = add_clients(desk, "ana", ["Couple 0317"])
    for _ in range(assessments):
        finished_assessment(desk, ana, clients["Couple 0317"], {1: "scores", 2: "scores"}, {1, 2})
    app = log_in("ana")
    app.query_params["client"] = clients["Couple 0317"]
    app.switch_page("ui/pages/client.py").run()
    next(b for b in app.button if b.label == "Presentation view").click().run()
    assert [t.value for t in app.title] == ["Where you stand, together"]
    return app


def test_presenting_shows_nothing_of_the_counselor_and_has_a_way_back(desk: CounselorDesk) -> None:
    app = present(desk, 1)
    assert state_of(app).presenting
    assert not [b for b in app.button if b.label == "Log out"]
    assert not app.sidebar.caption and not app.sidebar.button
    assert "Ana" not in "\n".join(str(e.value) for e in app.caption)
    assert len(app.get("plotly_chart")) == 1  # one assessment: no trend yet

    app.button(key="present:back").click().run()
    assert [t.value for t in app.title] == ["Couple"]
    assert not state_of(app).presenting
    assert [b for b in app.button if b.label == "Log out"]  # the counselor's sidebar is back


def test_the_presentation_shows_the_trend_across_assessments(desk: CounselorDesk) -> None:
    app = present(desk, 2)
    assert "How it has changed since you started" in [s.value for s in app.subheader]
    assert len(app.get("plotly_chart")) == 2


def test_a_refresh_of_the_presentation_keeps_the_assessment_and_the_shared_screen(
    desk: CounselorDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13, item 15: the open assessment is in the URL (an opaque id), so a refresh
    (a new session, logged in again by its cookie) shows it again, still with nothing of
    the counselor; another counselor's session with the same URL gets "not found"."""
    app = present(desk, 2)
    couple_id = state_of(app).assessment_id
    assert couple_id and app.query_params[session.PRESENT_PARAM] == couple_id

    again = refresh(monkeypatch, state_of(app).counselor_token or "", "ui/pages/presentation.py", present=couple_id)
    assert not again.exception
    assert [t.value for t in again.title] == ["Where you stand, together"]
    assert state_of(again).presenting and state_of(again).assessment_id == couple_id
    assert not [b for b in again.button if b.label == "Log out"]
    assert not again.sidebar.caption and not again.sidebar.button
    assert len(again.get("plotly_chart")) == 2
    again.button(key="present:back").click().run()
    assert [t.value for t in again.title] == ["Couple"]
    assert "Couple 0317" in [t.value for t in again.text]

    ben_token = open_session(desk.store, counselor_id(desk, "ben"))  # Ben's browser, logged in
    other = refresh(monkeypatch, ben_token, "ui/pages/presentation.py", present=couple_id)
    assert state_of(other).counselor_name == "Ben"
    assert not other.exception
    assert [t.value for t in other.title] == ["Presentation view"]
    assert "can't be found" in page_text(other)
    assert not other.get("plotly_chart") and "Where you stand" not in page_text(other)
    assert session.PRESENT_PARAM not in other.query_params
    assert not state_of(other).presenting and state_of(other).client_id is None
