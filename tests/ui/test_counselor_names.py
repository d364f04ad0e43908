"""Issue 13, item 8 on the counselor's side: a first name or nickname a partner gave names
them on the couple's page (cards, private panel, trend, report) and in the presentation
view, as plain text; a partner who gave none stays "Partner 1" / "Partner 2"."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from storage.counselors import CounselorDesk
from tests.ui.counselor_app import add_clients, counselor_id, finished_assessment, log_in, page_text
from ui import client_view
from ui.text import plain


def _legend(app: AppTest, index: int = 0) -> set[str]:
    figure = json.loads(app.get("plotly_chart")[index].proto.spec)
    return {trace["name"] for trace in figure["data"] if trace.get("showlegend", True) and trace.get("name")}


def _named_couple(desk: CounselorDesk, assessments: int = 2) -> str:
    ana = counselor_id(desk, "ana")
    client_id = add_clients(desk, "ana", ["Couple 0317"])["Couple 0317"]
    for _ in range(assessments):
        couple_id = finished_assessment(desk, ana, client_id, {1: "scores", 2: "scores"}, {1, 2})
    record = desk.assessment(ana, couple_id)
    assert record is not None
    desk.store.set_nickname(record.couple.partner(1).person_id, "Sam O'Neil")  # type: ignore[union-attr]
    return client_id


def _client_page(client_id: str, tab: str | None = None) -> AppTest:
    app = log_in("ana")
    app.query_params["client"] = client_id
    if tab:
        app.session_state[client_view.TAB_KEY] = tab
    app.switch_page("ui/pages/client.py").run()
    assert not app.exception
    return app


def test_the_couples_page_and_presentation_use_the_nicknames(desk: CounselorDesk) -> None:
    client_id = _named_couple(desk)
    app = _client_page(client_id)
    text = page_text(app)
    assert plain("Partner 1: Sam O'Neil") in text  # the newest assessment's card, as plain text
    assert "Sam O'Neil: no safety concern in the answers." in text
    assert "Partner 2: no safety concern in the answers." in text

    next(b for b in app.button if b.label == "Presentation view").click().run()
    assert [t.value for t in app.title] == ["Where you stand, together"]
    assert _legend(app) == {"Sam O'Neil", "Partner 2"}
    assert "Partner 1" not in json.dumps([json.loads(c.proto.spec) for c in app.get("plotly_chart")])

    trend = _client_page(client_id, "Trend")
    assert "Sam O'Neil" in json.dumps(json.loads(trend.get("plotly_chart")[0].proto.spec)["data"])


def test_without_nicknames_the_partners_stay_partner_1_and_2(desk: CounselorDesk) -> None:
    ana = counselor_id(desk, "ana")
    client_id = add_clients(desk, "ana", ["Couple 0318"])["Couple 0318"]
    finished_assessment(desk, ana, client_id, {1: "scores", 2: "scores"}, {1, 2})
    app = _client_page(client_id)
    assert "Partner 1: no safety concern in the answers." in page_text(app)
    next(b for b in app.button if b.label == "Presentation view").click().run()
    assert _legend(app) == {"Partner 1", "Partner 2"}
