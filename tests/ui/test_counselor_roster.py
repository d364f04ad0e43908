"""The roster: a label already on it is not added again silently."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from storage.counselors import CounselorDesk
from tests.ui.counselor_app import log_in, page_text, state_of


def add(app: AppTest, label: str) -> None:
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input(label)
    next(b for b in app.button if b.label == "Add couple").click().run()


def roster_size(desk: CounselorDesk) -> int:
    ana = desk.counselor_by_username("ana")
    assert ana is not None
    return desk.clients(ana.id)[1]


def test_a_duplicate_label_warns_and_offers_the_existing_couple(desk: CounselorDesk) -> None:
    app = log_in("ana")
    add(app, "Couple 0317")
    first = state_of(app).client_id
    app.switch_page("ui/pages/roster.py").run()
    add(app, "couple  0317")
    assert not app.exception
    assert [t.value for t in app.title] == ["My couples"]
    assert "You already have a couple called" in page_text(app)
    assert roster_size(desk) == 1  # nothing added yet
    app.button(key="roster:open_existing").click().run()
    assert [t.value for t in app.title] == ["Couple"]
    assert state_of(app).client_id == first
    assert roster_size(desk) == 1


def test_the_counselor_may_still_add_a_second_couple_with_the_same_label(desk: CounselorDesk) -> None:
    app = log_in("ana")
    add(app, "Couple 0317")
    first = state_of(app).client_id
    app.switch_page("ui/pages/roster.py").run()
    add(app, "Couple 0317")
    app.button(key="roster:add_anyway").click().run()
    assert [t.value for t in app.title] == ["Couple"]
    assert state_of(app).client_id not in (None, first)
    assert roster_size(desk) == 2
