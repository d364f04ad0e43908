"""Issue 13, item 8: each partner may give a first name or nickname; both screens and both
downloads then call each partner the same (and colour them the same: by slot)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from questions import default_content
from reporting.charts import PARTNER_COLOURS
from reporting.couple_report import comparison_json
from services.partner import Partner, partner_names
from storage import Store
from tests.ui.couple_app import couple_id_of, page_text, start_together
from tests.ui.person_app import new_app, state_of
from ui.comparison_view import NOT_SHARED, NOT_SHARED_BOTH
from ui.text import plain

CONTENT = default_content()


def _answers() -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    given: dict[str, dict[str, Any]] = {}
    versions: dict[str, int] = {}
    for qid in ("worth_it", "intimacy"):
        questionnaire = CONTENT.questionnaire(qid)
        versions[qid] = questionnaire.version
        for item in questionnaire.items:
            if item.kind == "checklist":
                continue
            rset = questionnaire.response_set_of(item)
            given.setdefault(qid, {})[item.id] = rset.min_value if item.reverse else rset.max_value
    return given, versions


def _two_device_couple(path: Path, first_shares: str = "items") -> tuple[Store, str, dict[int, str]]:
    """Both partners finished on their own devices; returns (store, couple id, resume token per slot)."""
    store = Store.from_url(f"sqlite:///{path}")
    first, first_token = store.create_person()
    second, second_token = store.create_person()
    couple_id, _, _, code = store.create_couple_two_devices(first)
    store.join_couple(code, person_id=second)
    given, versions = _answers()
    for person, level in ((first, first_shares), (second, "items")):
        store.save_answers(person, given, versions)
        store.finish(person, level)
    return store, couple_id, {1: first_token, 2: second_token}


def _comparison(token: str) -> AppTest:
    app = new_app({"r": token})
    app.switch_page("ui/pages/comparison.py").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Our comparison"]
    return app


def _legend(app: AppTest) -> dict[str, str]:
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    return {trace["name"]: trace["marker"]["color"] for trace in figure["data"]}


def test_both_devices_name_and_colour_each_partner_the_same(db_path: Path) -> None:
    store, couple_id, tokens = _two_device_couple(db_path)
    record = store.couple(couple_id)
    assert record is not None
    store.set_nickname(record.partner(1).person_id, "Sam")  # type: ignore[union-attr]

    first = _comparison(tokens[1])
    text = page_text(first)
    assert "Sam (you)" in text and "Partner 2" in text
    assert "Your partner" not in text and "You:" not in text
    assert _legend(first) == {"Sam (you)": PARTNER_COLOURS[1], "Partner 2": PARTNER_COLOURS[2]}

    second = _comparison(tokens[2])
    text = page_text(second)
    assert "Sam" in text and "Sam (you)" not in text and "Partner 2 (you)" in text
    assert _legend(second) == {"Sam": PARTNER_COLOURS[1], "Partner 2 (you)": PARTNER_COLOURS[2]}

    # The downloads read the same for both partners: the names without "(you)".
    record = store.couple(couple_id)
    assert record is not None
    assert partner_names(record) == {1: "Sam", 2: "Partner 2"}
    comparison = Partner(store, CONTENT, tokens[1]).comparison()
    assert json.loads(comparison_json(comparison, partner_names(record)))["partners"] == {
        "1": "Sam",
        "2": "Partner 2",
    }


def test_a_partner_gives_a_name_on_one_device_and_markup_is_refused(db_path: Path) -> None:
    app = start_together()
    slot = state_of(app).widget_slot
    app.text_input[0].set_value("<b>Sam</b>")
    app.button[[b.label for b in app.button].index("Save name")].click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "Letters, digits, spaces, apostrophes, hyphens and full stops only, please."
    ]
    store = Store.from_url(f"sqlite:///{db_path}")
    record = store.couple(couple_id_of(app))
    assert record is not None and record.partner(1).nickname is None  # type: ignore[union-attr]

    app.text_input[0].set_value("Sam")
    app.button[[b.label for b in app.button].index("Save name")].click().run()
    assert not app.exception and not app.error
    record = store.couple(couple_id_of(app))
    assert record is not None and record.partner(1).nickname == "Sam"  # type: ignore[union-attr]
    assert "Sam: your steps" in [s.value for s in app.subheader]
    assert "Your name here: Sam" in [e.label for e in app.expander]
    assert slot == state_of(app).widget_slot


def test_not_sharing_is_told_kindly_to_the_other_and_plainly_to_the_one_who_chose_it(db_path: Path) -> None:
    _store, _couple_id, tokens = _two_device_couple(db_path, first_shares="nothing")
    other = page_text(_comparison(tokens[2]))
    assert NOT_SHARED.format(name="Partner 1") in other  # "it says nothing about you": to partner 2 alone
    own = page_text(_comparison(tokens[1]))
    assert NOT_SHARED_BOTH.format(name=plain("Partner 1 (you)")) in own
    assert "says nothing about you" not in own
