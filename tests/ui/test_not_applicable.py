""" "Doesn't apply to us" on the sexual items: offered last, saved as given, kept on reload,
and scored as unanswered on the results page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from questions import default_content
from scoring.bands import BANDS_NOTE
from tests.ui.person_app import new_app, state_of, texts
from ui import session

NOT_APPLICABLE = "Doesn't apply to us"
INTIMACY = default_content().questionnaire("intimacy")
SEXUAL = "sexual_intimacy"


def test_the_sexual_items_offer_doesnt_apply_last_and_it_is_saved_kept_and_not_scored(db_path: Path) -> None:
    app = new_app()
    app.button(key="start:intimacy").click().run()
    chosen: dict[str, int] = {}
    sexual_radios = 0
    for section in INTIMACY.sections:
        for radio in app.radio:
            item = INTIMACY.item(radio.key.split(":")[2])
            rset = INTIMACY.response_set_of(item)
            if item.scale == SEXUAL and item.kind == "scored":
                sexual_radios += 1
                assert radio.options[-1] == NOT_APPLICABLE  # the last choice of the radio
                value = next(iter(rset.not_applicable))
            elif item.safety or item.kind == "checklist":
                value = 0
            else:
                value = 4 if not item.reverse else 2
            chosen[item.id] = value
            radio.set_value(value)
        app.run()
        assert not app.exception
        if section.id == SEXUAL:
            break
        app.button(key="next:intimacy:solo").click().run()
    assert sexual_radios == 5
    # Other items offer no such choice.
    assert all(
        NOT_APPLICABLE not in [o.label for o in INTIMACY.response_set_of(i).options]
        for i in INTIMACY.items
        if i.scale != SEXUAL
    )

    # Saved as given: the "doesn't apply" value, not a skipped (missing) answer.
    saved = state_of(app).answers["intimacy"]
    assert {k: saved[k] for k in chosen} == chosen
    token = state_of(app).link()[1]  # type: ignore[index]
    assert token is not None

    # A new session from the resume link: the choice is still there, and still selected.
    resumed = new_app({session.RESUME_PARAM: token}).run()  # the tab reloads once it took the link
    assert not resumed.exception
    assert state_of(resumed).answers["intimacy"] == chosen
    shown = {r.key.split(":")[2]: r.value for r in resumed.radio}
    sexual_ids = [i.id for i in INTIMACY.items if i.scale == SEXUAL and i.kind == "scored"]
    assert {k: shown[k] for k in sexual_ids} == {k: chosen[k] for k in sexual_ids}

    # Scored as unanswered: sexual closeness has not enough answers, the rest has scores.
    for _section in INTIMACY.sections:
        if not _has(resumed, "next:intimacy:solo"):
            break
        resumed.button(key="next:intimacy:solo").click().run()
    resumed.button(key="finish:intimacy:solo").click().run()
    assert not resumed.exception
    page = texts(resumed)
    assert "Not enough answers yet" in page and "Sexual closeness" in page.split("Not enough answers yet")[1]
    assert BANDS_NOTE in page  # the bands are said to be conventions, not norms


def _has(app: AppTest, key: str) -> bool:
    return any(button.key == key for button in app.button)
