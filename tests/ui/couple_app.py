"""A couple's AppTest helpers, shared by the ui tests (the database fixture, ``db_path``,
is in tests/ui/conftest.py): starting together on one device, taking a turn, answering a
questionnaire, a page's words (with its tables), and the couple's id."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from questions import default_content
from tests.ui.person_app import APP, TIMEOUT, state_of


def couple_id_of(app: AppTest) -> str:
    partner = state_of(app).partner
    assert partner is not None
    return partner.couple_id


def page_text(app: AppTest) -> str:
    """The page's words and its tables (as CSV); tests.ui.counselor_app.page_text reads
    ``st.text`` instead of the tables."""
    kinds = ("title", "subheader", "markdown", "caption", "info", "error", "warning", "success", "code")
    parts = [str(e.value) for kind in kinds for e in getattr(app, kind)]
    for frame in app.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


def answer_questionnaire(app: AppTest, questionnaire_id: str, value_for: dict[str, int]) -> AppTest:
    """Walk every section, answering with ``value_for[item]`` or the top value (bottom if reverse)."""
    questionnaire = default_content().questionnaire(questionnaire_id)
    slot = state_of(app).widget_slot
    for index, _section in enumerate(questionnaire.sections):
        for radio in app.radio:
            _, qid, item_id, _ = radio.key.split(":")
            if qid != questionnaire_id:
                continue
            item = questionnaire.item(item_id)
            rset = questionnaire.response_set_of(item)
            default = rset.min_value if item.reverse or item.kind == "checklist" else rset.max_value
            radio.set_value(value_for.get(item_id, default))
        app.run()
        assert not app.exception
        if index < len(questionnaire.sections) - 1:
            app.button(key=f"next:{questionnaire_id}:{slot}").click().run()
    return app


def take_turn(app: AppTest, worth_it: dict[str, int], intimacy: dict[str, int], share: str) -> AppTest:
    slot = state_of(app).widget_slot
    if any(button.key == "home:worth_it" for button in app.button):
        app.button(key="home:worth_it").click().run()
    answer_questionnaire(app, "worth_it", worth_it)
    app.button(key=f"finish:worth_it:{slot}").click().run()
    answer_questionnaire(app, "intimacy", intimacy)
    app.button(key=f"finish:intimacy:{slot}").click().run()
    assert [t.value for t in app.title] == ["How I see my partner"]
    for radio in app.radio:
        radio.set_value(3)
    app.run()
    app.button(key="predictions:next").click().run()
    assert [t.value for t in app.title] == ["Finish & share"]
    choice = app.radio(key=f"share:choice:{slot}")
    if share in choice.options or len(choice.options) > 1:
        choice.set_value(share)
    app.run()
    app.button(key="share:done").click().run()
    assert not app.exception
    return app


def assert_addressed_to_both(text: str) -> None:
    """Issue 13, item 9: every word on a shared screen is for both partners at once; nothing
    meant for one of them (their own guidance, "nothing about you", waiting for "your partner")."""
    guidance = default_content().guidance
    for one in (guidance.partner_not_on_board, guidance.couple.to_partner_stepping_back):
        assert one.title not in text and one.text not in text
    for phrase in ("says nothing about you", "Waiting for your partner", "Your partner has", "(you)"):
        assert phrase not in text, phrase


def start_together() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    app.button(key="couple:one_device").click().run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Our check-up"]
    return app
