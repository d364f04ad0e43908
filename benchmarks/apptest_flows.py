"""Reaching the app's pages through Streamlit's AppTest, as tests/ui does.

Each ``reach_*`` function starts a fresh AppTest of ``app.py`` (against the
SQLite file in ``SPARK_CHECK_SQLITE_PATH``), clicks and answers its way to one
page, and returns the AppTest sitting on that page. Answers are drawn from a
seeded random generator, so the results and comparison pages show a realistic
mix of strengths, growth areas, stages and differences.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

from benchmarks.common import REPO_ROOT
from questions.loader import default_content

APP = str(REPO_ROOT / "app.py")
TIMEOUT = 120


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def titles(app: AppTest) -> list[str]:
    return [str(t.value) for t in app.title]


def _check(app: AppTest) -> AppTest:
    if app.exception:
        raise RuntimeError(f"the app raised: {[e.message for e in app.exception]}")
    return app


def _state(app: AppTest) -> Any:
    return app.session_state["spark_check"]


def answer_questionnaire(
    app: AppTest, questionnaire_id: str, rng: random.Random, *, stop_at: int | None = None
) -> None:
    """Answer every section (or up to section ``stop_at``), clicking "Next" in between."""
    questionnaire = default_content().questionnaire(questionnaire_id)
    slot = _state(app).widget_slot
    for index, _section in enumerate(questionnaire.sections):
        if stop_at is not None and index == stop_at:
            return
        for radio in app.radio:
            if radio.key is None:
                continue
            _, qid, item_id, _ = radio.key.split(":")
            if qid != questionnaire_id:
                continue
            item = questionnaire.item(item_id)
            rset = questionnaire.response_set_of(item)
            values = list(rset.values)
            if item.kind == "checklist":
                values = [rset.min_value] * 3 + [rset.max_value]  # a sign now and then
            # Always safe: a safety concern would change the flow (privacy, no exercises).
            values = [v for v in values if not (item.safety and v in item.unsafe_values)]
            radio.set_value(rng.choice(values))
        _check(app.run())
        if index < len(questionnaire.sections) - 1:
            _check(app.button(key=f"next:{questionnaire_id}:{slot}").click().run())


def reach_worth_it(rng: random.Random) -> AppTest:
    app = _check(new_app().run())
    _check(app.button(key="start:worth_it").click().run())
    assert titles(app) == ["Is it worth it?"], titles(app)
    return app


def reach_intimacy_first(rng: random.Random) -> AppTest:
    app = _check(new_app().run())
    _check(app.button(key="start:intimacy").click().run())
    assert titles(app) == ["Is our intimacy fading?"], titles(app)
    return app


def reach_intimacy_last(rng: random.Random) -> AppTest:
    """The last section: the support checklist and the context questions (multi-choice pills)."""
    app = reach_intimacy_first(rng)
    sections = default_content().questionnaire("intimacy").sections
    answer_questionnaire(app, "intimacy", rng, stop_at=len(sections) - 1)
    return app


def reach_results(rng: random.Random) -> AppTest:
    app = reach_worth_it(rng)
    answer_questionnaire(app, "worth_it", rng)
    _check(app.switch_page("ui/pages/intimacy.py").run())
    # AppTest keeps requesting a switch_page() target on every later run, even
    # after the script itself moved on; a browser asks for the current page.
    app._page_hash = ""
    answer_questionnaire(app, "intimacy", rng)
    _check(app.button(key="finish:intimacy:solo").click().run())
    assert titles(app) == ["My results"], titles(app)
    assert app.get("plotly_chart"), "the results page should show its chart"
    return app


def _take_turn(app: AppTest, rng: random.Random) -> None:
    slot = _state(app).widget_slot
    _check(app.button(key="home:worth_it").click().run())
    answer_questionnaire(app, "worth_it", rng)
    _check(app.button(key=f"finish:worth_it:{slot}").click().run())
    answer_questionnaire(app, "intimacy", rng)
    _check(app.button(key=f"finish:intimacy:{slot}").click().run())
    for radio in app.radio:
        radio.set_value(rng.randint(1, 5))
    _check(app.run())
    _check(app.button(key="predictions:next").click().run())
    app.radio(key=f"share:choice:{slot}").set_value("items")
    _check(app.run())
    _check(app.button(key="share:done").click().run())


def reach_comparison(rng: random.Random) -> AppTest:
    """A couple on one device: both take their turn, then the comparison."""
    app = _check(new_app().run())
    _check(app.button(key="couple:one_device").click().run())
    _take_turn(app, rng)
    _check(app.button(key="home:handover").click().run())
    _take_turn(app, rng)
    assert titles(app) == ["Our comparison"], titles(app)
    assert len(app.get("plotly_chart")) == 2, "the comparison page should show two charts"
    return app


#: The pages part 1 measures: label -> (how to reach it, its name in ui.pages_registry).
PAGES: dict[str, tuple[Callable[[random.Random], AppTest], str]] = {
    "worth_it (questionnaire)": (reach_worth_it, "worth_it"),
    "intimacy, first part (questionnaire)": (reach_intimacy_first, "intimacy"),
    "intimacy, last part (questionnaire)": (reach_intimacy_last, "intimacy"),
    "results": (reach_results, "results"),
    "comparison": (reach_comparison, "comparison"),
}
