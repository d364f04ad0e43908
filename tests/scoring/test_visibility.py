"""What each viewer may see: the table in scoring/visibility.py, and every output built on it.

Viewer x safety (safe, not sure, unsafe, abuse ticked) x share level (scores, items,
nothing), checked on the rule itself and on what reaches a page, a report or a file.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from markupsafe import escape

from reporting.couple_report import comparison_json, couple_report
from reporting.export import export_result
from reporting.html_report import solo_report
from scoring import visibility
from scoring.compare import INTIMACY, WORTH_IT
from scoring.couple_data import ShareLevel
from scoring.engine import build_profile
from scoring.visibility import Partner, Subject, Visible, visible
from tests.scoring.people import CONTENT, NAMES, NOW, WORTH_IT_Q, partner, person

SAFETY_STATES = ("safe", "not_sure", "unsafe", "abuse")
LEVELS: tuple[ShareLevel, ...] = ("scores", "items", "nothing")


def esc(text: str) -> str:
    """``text`` as the reports' templates write it (Jinja2 autoescaping)."""
    return str(escape(text))


def safety_texts() -> list[str]:
    return [item.text for q in CONTENT.questionnaires.values() for item in q.items if item.safety]


# --------------------------------------------------------------------------- the rule


def expected(viewer: str, state: str, level: ShareLevel, consent: bool) -> Visible:
    safe = state == "safe"
    if viewer == "self":
        return Visible(
            scores=True,
            verdict=safe,
            items=True,
            importance=True,
            predictions=True,
            safety=True,
            exercises=safe,
            safety_resources=not safe,
        )
    if viewer == "counselor_private":
        if not consent:
            return Visible()
        return Visible(scores=level != "nothing", verdict=level != "nothing", safety=True)
    if viewer == "counselor_shared" and not consent:
        return Visible()
    if not safe or level == "nothing":
        return Visible()
    items = level == "items" and viewer == "partner"
    return Visible(scores=True, verdict=True, items=items, importance=items, predictions=items, exercises=True)


@pytest.mark.parametrize("consent", [True, False])
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("state", SAFETY_STATES)
@pytest.mark.parametrize("viewer", visibility.VIEWERS)
def test_the_visibility_table(viewer: visibility.Viewer, state: str, level: ShareLevel, consent: bool) -> None:
    subject = visibility.subject_of(CONTENT, partner(1, state, level, consent))
    assert subject.safe == (state == "safe")
    assert visible(viewer, subject) == expected(viewer, state, level, consent)


@pytest.mark.parametrize("state", SAFETY_STATES)
def test_each_unsafe_answer_is_named_with_the_answer_given(state: str) -> None:
    concerns = visibility.safety_concerns(CONTENT, person(state))
    found = {(c.item_id, c.answer) for c in concerns}
    assert (
        found
        == {
            "safe": set(),
            "not_sure": {("safe", "Not sure")},
            "unsafe": {("safe", "No")},
            "abuse": {("abuse", "Yes")},
        }[state]
    )


# --------------------------------------------------------------------------- the partner and the shared screen


def outputs(viewer: visibility.Viewer, first: Partner, second: Partner) -> tuple[str, str]:
    """The comparison JSON and the couple report as ``viewer`` gets them (a shared screen:
    no viewer slot)."""
    comparison = visibility.couple_comparison(CONTENT, viewer, first, second)
    return comparison_json(comparison, NAMES, now=NOW), couple_report(CONTENT, comparison, NAMES, now=NOW)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("state", ["not_sure", "unsafe", "abuse"])
@pytest.mark.parametrize("viewer", ["partner", "counselor_shared"])
def test_an_unsafe_partner_looks_byte_for_byte_like_one_who_shared_nothing(
    viewer: visibility.Viewer, state: str, level: ShareLevel
) -> None:
    other = partner(1, "safe", "items")
    unsafe = outputs(viewer, other, partner(2, state, level))
    shared_nothing = outputs(viewer, other, partner(2, "safe", "nothing"))
    assert unsafe == shared_nothing


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("state", SAFETY_STATES)
@pytest.mark.parametrize("viewer", ["partner", "counselor_shared"])
def test_no_safety_question_reaches_a_partner_or_a_shared_screen(
    viewer: visibility.Viewer, state: str, level: ShareLevel
) -> None:
    for document in outputs(viewer, partner(1, "safe", "items"), partner(2, state, level)):
        for text in safety_texts():
            assert text not in document and esc(text) not in document


def scale_entries(document: str) -> list[dict[str, Any]]:
    return json.loads(document)["comparison"]["scales"]


def test_the_comparison_file_at_share_level_scores_holds_scores_only() -> None:
    document, _ = outputs("partner", partner(1, "safe", "scores"), partner(2, "safe", "scores"))
    parsed = json.loads(document)["comparison"]
    for scale in parsed["scales"]:
        assert set(scale["scores"]) == {"1", "2"}
        assert scale["importance"] == {}
        assert scale["predictions"] == {}
    assert parsed["differences"] == []
    assert all(side["answers"] == {} for side in parsed["worth_it"].values())


def test_the_comparison_file_at_share_level_items_holds_importance_and_guesses() -> None:
    document, _ = outputs("partner", partner(1, "safe", "items"), partner(2, "safe", "scores"))
    for scale in scale_entries(document):
        assert set(scale["importance"]) == {"1"}
        assert set(scale["predictions"]) == {"1"}


def test_a_shared_screen_never_shows_item_answers() -> None:
    document, report = outputs("counselor_shared", partner(1, "safe", "items"), partner(2, "safe", "items"))
    parsed = json.loads(document)["comparison"]
    assert parsed["differences"] == []
    assert all(side["answers"] == {} for side in parsed["worth_it"].values())
    assert all(scale["importance"] == {} for scale in parsed["scales"])
    worth_it_question = WORTH_IT_Q.items[0].text
    assert esc(worth_it_question) not in report


def test_without_consent_a_counselor_sees_nothing_of_that_partner() -> None:
    unconsented = outputs("counselor_shared", partner(1, "safe", "items"), partner(2, "safe", "items", consent=False))
    shared_nothing = outputs("counselor_shared", partner(1, "safe", "items"), partner(2, "safe", "nothing"))
    assert unconsented == shared_nothing


def test_a_safe_couple_gets_a_plan_starters_and_the_check_in() -> None:
    comparison = visibility.couple_comparison(
        CONTENT, "counselor_shared", partner(1, "safe", "items"), partner(2, "safe", "items")
    )
    assert comparison.exercises and comparison.plan and comparison.starters
    report = couple_report(CONTENT, comparison, NAMES, now=NOW)
    assert "Our shared plan" in report
    assert esc(CONTENT.guidance.weekly_checkin.text) in report


@pytest.mark.parametrize("state", ["not_sure", "unsafe", "abuse"])
def test_a_shared_report_with_an_unsafe_partner_has_no_plan_and_no_exercise(state: str) -> None:
    comparison = visibility.couple_comparison(
        CONTENT, "counselor_shared", partner(1, "safe", "items"), partner(2, state, "scores")
    )
    assert comparison.plan == () and comparison.starters == ()
    report = couple_report(CONTENT, comparison, NAMES, now=NOW)
    assert "Our shared plan" not in report
    for step in CONTENT.suggestions:
        assert esc(step.text) not in report


@pytest.mark.parametrize("state", ["not_sure", "unsafe", "abuse"])
def test_an_unsafe_viewer_on_their_own_device_is_offered_no_exercise(state: str) -> None:
    # Both shared items; the viewer (slot 1) is not safe. The other partner sees them as
    # sharing nothing; the viewer sees the partner's side, but no plan, starter or check-in.
    first, second = partner(1, state, "items"), partner(2, "safe", "items")
    comparison = visibility.couple_comparison(CONTENT, "partner", first, second, viewer_slot=1)
    assert not comparison.exercises
    assert comparison.plan == () and comparison.starters == ()
    assert all(d.starter is None for d in comparison.differences)
    report = couple_report(CONTENT, comparison, NAMES, viewer_safety_concern=True, now=NOW)
    assert esc(CONTENT.guidance.weekly_checkin.text) not in report
    assert esc(CONTENT.guidance.safety_title) in report


# --------------------------------------------------------------------------- the counselor's private panel


@pytest.mark.parametrize("state", SAFETY_STATES)
def test_the_private_panel_names_the_answer_that_raised_a_concern(state: str) -> None:
    panel = visibility.private_panel(CONTENT, partner(1, state, "nothing"))
    assert panel is not None
    assert bool(panel.concerns) == (state != "safe")
    assert visibility.private_panel(CONTENT, partner(1, state, "items", consent=False)) is None


# --------------------------------------------------------------------------- a person's own view


@pytest.mark.parametrize("state", SAFETY_STATES)
def test_a_persons_own_results_put_safety_first(state: str) -> None:
    answers = person(state)
    raw = build_profile(CONTENT, answers)
    own = visibility.profile_for_self(CONTENT, answers)
    report = solo_report(CONTENT, answers, now=NOW)
    exported = json.loads(export_result(CONTENT, answers, now=NOW))["profile"]
    verdict_title = WORTH_IT_Q.verdict.worth_fighting_for.title  # type: ignore[union-attr]
    if state == "safe":
        # The fixture reaches stages, a verdict and steps, so the unsafe cases below show a real removal.
        assert raw.results[INTIMACY].stages and own.results[WORTH_IT].verdict and own.next_steps
        assert esc(verdict_title) in report and "A possible reading" in report
        return
    assert raw.results[INTIMACY].stages, "the fixture must reach a stage reading"
    assert own.safety_concern and own.individual_support
    assert own.next_steps == ()
    assert all(r.verdict is None and r.stages == () for r in own.results.values())
    assert esc(verdict_title) not in report
    assert "A possible reading" not in report
    assert esc(CONTENT.guidance.safety_title) in report
    assert all(r["verdict"] is None and r["stages"] == [] for r in exported["results"].values())
    assert exported["next_steps"] == []


def test_the_subject_of_a_partner_follows_their_answers() -> None:
    assert visibility.subject_of(CONTENT, partner(1, "unsafe", "items")) == Subject(
        safe=False, share_level="items", counselor_consent=True
    )


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("state", ["safe", "unsafe"])
def test_a_partner_sees_their_own_guesses_on_their_own_device_whatever_they_shared(
    level: ShareLevel, state: str
) -> None:
    first, second = partner(1, state, level), partner(2, "safe", "scores")
    own = visibility.couple_comparison(CONTENT, "partner", first, second, viewer_slot=1)
    theirs = visibility.couple_comparison(CONTENT, "partner", first, second, viewer_slot=2)
    shared_screen = visibility.couple_comparison(CONTENT, "partner", first, second)
    for mine, on_theirs, on_shared in zip(own.scales, theirs.scales, shared_screen.scales, strict=True):
        assert mine.predictions == {1: 25.0, 2: None}  # partner 2's, shared with scores only, stay theirs
        # Elsewhere partner 1's guesses follow what they shared (and their safety).
        assert (
            on_theirs.predictions[1]
            == on_shared.predictions[1]
            == (25.0 if (level, state) == ("items", "safe") else None)
        )
