"""The safety override on every page a person or a counselor reaches (AppTest).

The rules are scoring/visibility.py's (tested as a table in tests/scoring); these tests
check that the pages really go through them: an unsafe person's results, and a
counselor's couple whose partner is not safe.
"""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from questions import default_content
from storage.counselors import CounselorDesk
from tests.ui.counselor_app import add_couple, counselor_id, finished_assessment, log_in, page_text, tab
from tests.ui.person_app import new_app, texts, walk_intimacy

CONTENT = default_content()
WORTH_IT = CONTENT.questionnaire("worth_it")


def answer_worth_it(app: AppTest, safe: int) -> AppTest:
    """Yes to every worth-it question, ``safe`` to the safety one."""
    app.switch_page("ui/pages/worth_it.py").run()
    for radio in app.radio:
        radio.set_value(safe if radio.key.split(":")[2] == "safe" else 2)
    return app.run()


@pytest.mark.parametrize(("safe", "abuse"), [(2, False), (1, False), (0, False), (2, True)])
def test_results_under_a_safety_concern_have_no_reading_verdict_or_step(
    db_path: Any,
    safe: int,
    abuse: bool,
) -> None:
    app = walk_intimacy(new_app(), pick="min", unsafe=abuse)
    app = answer_worth_it(app, safe)
    app.switch_page("ui/pages/results.py").run()
    assert not app.exception
    page = texts(app) + "\n".join(e.label for e in app.expander)
    verdict = WORTH_IT.verdict.worth_fighting_for.title  # type: ignore[union-attr]
    if safe == 2 and not abuse:
        # The same answers without a concern do reach a reading, a verdict and steps.
        assert "A possible reading" in page and verdict in page and "Next steps" in page
        return
    assert CONTENT.guidance.safety_title in page
    assert "A possible reading" not in page
    assert verdict not in page
    assert "Next steps" not in page


def test_a_counselor_gets_no_plan_or_homework_when_a_partner_is_not_safe(desk: CounselorDesk) -> None:
    ana = counselor_id(desk, "ana")
    app = log_in("ana")
    client_id = add_couple(app, "Couple S")
    couple_id = finished_assessment(desk, ana, client_id, {1: "items", 2: "items"}, {1, 2})
    # Partner 2 reopens their answers, says they are not sure they are safe, and finishes again.
    record = desk.store.couple(couple_id)
    assert record is not None
    second = record.partner(2)
    assert second is not None
    desk.store.reopen(second.person_id)
    desk.store.save_answer(second.person_id, "worth_it", WORTH_IT.version, "safe", 1)
    desk.store.finish(second.person_id, "items")

    app.run()
    text = page_text(app)
    assert "Partner 2: an answer says the relationship may not be safe." in text
    assert "Not sure" in text  # the private panel says which answer raised it
    # Homework comes from the plan, and there is none beside a safety concern.
    tab(app, "Notes & homework")
    assert not [m for m in app.multiselect if m.key == "homework:choose"]
    for suggestion in CONTENT.suggestions:
        assert suggestion.title not in page_text(app)

    tab(app, "Assessments")
    next(b for b in app.button if b.label == "Presentation view").click().run()
    shown = page_text(app)
    assert "Partner 2's results are not shown here." in shown
    assert "may not be safe" not in shown and "Not sure" not in shown


def test_an_unsafe_partner_on_their_own_device_is_offered_only_privacy(db_path: Any) -> None:
    from storage import Store

    store = Store.from_url(f"sqlite:///{db_path}")
    person_id, token = store.create_person()
    store.save_answers(person_id, {"worth_it": {"safe": 0, "respect": 2}}, {"worth_it": WORTH_IT.version})
    store.create_couple_two_devices(person_id)  # the person keeps their own resume link
    app = new_app({"r": token})
    app.switch_page("ui/pages/share.py").run()
    assert not app.exception
    (choice,) = [r for r in app.radio if r.key.startswith("share:choice")]
    assert list(choice.options) == ["Don't share my results this time"]
    assert CONTENT.guidance.safety_title in texts(app)
