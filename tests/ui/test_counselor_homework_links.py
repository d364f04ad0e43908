"""Homework links on the couple's page: partner 2's link lasts as long as the homework,
a counselor can reissue a link (the old one ends), and the links go once it's done."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from storage.counselors import CounselorDesk
from storage.couples import JoinOutcome
from storage.homework_links import HOMEWORK_LINK_LIFETIME
from tests.ui.counselor_app import log_in, page_text, shown_links, state_of


def _join_code(links: list[str]) -> str:
    (code,) = [parse_qs(urlsplit(link).query)["join"][0] for link in links if "join=" in link]
    return code


def test_partner_2s_link_can_be_reissued_and_the_links_go_when_done(desk: CounselorDesk) -> None:
    app = log_in("ana")
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input("Couple 0317")
    next(b for b in app.button if b.label == "Add couple").click().run()
    app.button(key="client:homework").click().run()
    assert f"for {HOMEWORK_LINK_LIFETIME.days} days" in page_text(app)
    old = _join_code(shown_links(app))
    couple_id = state_of(app).fresh_links["couple"]

    app.button(key=f"client:reissue:partner_2:{couple_id}").click().run()
    assert not app.exception
    new = _join_code(shown_links(app))
    assert new != old
    assert desk.store.join_couple(old).outcome is not JoinOutcome.JOINED
    joined = desk.store.join_couple(new)
    assert joined.outcome is JoinOutcome.JOINED

    record = desk.store.couple(couple_id)
    assert record is not None
    for partner in record.partners:
        desk.store.finish(partner.person_id, "scores")
    app.run()
    assert shown_links(app) == []  # done: no "send each partner their link" any more
    assert "Send each partner" not in page_text(app)


def test_no_new_link_for_a_partner_who_joined_on_their_own_and_started(desk: CounselorDesk) -> None:
    """#18 finding 4: "New link for Partner 2" for a partner who joined with their own link
    and has answered is refused with a kind line: the counselor's browser never holds it."""
    app = log_in("ana")
    next(t for t in app.text_input if t.label.startswith("Add a couple")).input("Couple 0317")
    next(b for b in app.button if b.label == "Add couple").click().run()
    app.button(key="client:homework").click().run()
    couple_id = state_of(app).fresh_links["couple"]
    joined = desk.store.join_couple(_join_code(shown_links(app)))
    assert joined.person_id and joined.token
    desk.store.save_answers(joined.person_id, {"worth_it": {"safe": 0}}, {"worth_it": 1})
    app.run()

    app.button(key=f"client:reissue:partner_2_resume:{couple_id}").click().run()
    assert not app.exception
    assert "joined with their own link" in page_text(app)
    assert "partner_2_resume" not in state_of(app).fresh_links and "Partner 2's link" not in page_text(app)
    assert desk.store.person_by_token(joined.token) is not None  # their link still theirs alone
