"""The presentation view on a shared screen: wide, no navigation and nothing of the
counselor (name, log out, roster), a clear way back, and the trend as the couple may see it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from storage.counselors import CounselorDesk
from tests.ui.test_counselor_flow import log_in, state_of
from tests.ui.test_counselor_trend import add_clients, counselor_id, desk, finished_assessment

__all__ = ["desk"]  # the fixture


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
