"""Properties of scoring over any answers the real questionnaires allow (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from questions.guidance import Suggestion
from questions.loader import default_content
from questions.schema import Condition
from scoring.bands import STRENGTH as GROWTH_THRESHOLD
from scoring.bands import STRENGTH as STRENGTH_THRESHOLD
from scoring.engine import build_profile, counts, enough_answered, score_questionnaire, validate_answers
from scoring.results import Profile, ScaleScore
from scoring.steps import EFFORT_ORDER, need
from tests.scoring.strategies import (
    Answers,
    AnswersByQuestionnaire,
    flipped,
    profile_answers,
    questionnaire_answers,
    scale_items,
)

CONTENT = default_content()
WORTH_IT = CONTENT.questionnaire("worth_it")
INTIMACY = CONTENT.questionnaire("intimacy")
PROPERTY = settings(max_examples=200, deadline=None)


def _intimacy_scored(profile: Profile) -> list[ScaleScore]:
    return [s for s in profile.results["intimacy"].scales if s.score is not None]


def _unsafe(answers: AnswersByQuestionnaire) -> bool:
    return answers.get("worth_it", {}).get("safe") in (0, 1) or answers.get("intimacy", {}).get("abuse") == 1


# --------------------------------------------------------------------------- scale scores


@PROPERTY
@given(qid=st.sampled_from(sorted(CONTENT.questionnaires)), data=st.data())
def test_generated_answers_are_valid(qid: str, data: st.DataObject) -> None:
    answers = data.draw(questionnaire_answers(qid))
    assert validate_answers(CONTENT.questionnaire(qid), answers) == answers


@PROPERTY
@given(qid=st.sampled_from(sorted(CONTENT.questionnaires)), data=st.data())
def test_a_scale_has_a_score_in_range_iff_two_thirds_are_answered(qid: str, data: st.DataObject) -> None:
    questionnaire = CONTENT.questionnaire(qid)
    answers = data.draw(questionnaire_answers(qid))
    result = score_questionnaire(questionnaire, answers)
    for scale in result.scales:
        items = scale_items(questionnaire, scale.scale_id)
        # "Doesn't apply to us" is saved but scored as unanswered.
        answered = sum(1 for item in items if counts(questionnaire, item, answers))
        assert (scale.answered, scale.total) == (answered, len(items))
        assert (scale.score is not None) == (3 * answered >= 2 * len(items))
        assert (scale.score is not None) == enough_answered(answered, len(items))
        if scale.score is not None:
            assert 0.0 <= scale.score <= 100.0


@PROPERTY
@given(qid=st.sampled_from(sorted(CONTENT.questionnaires)), data=st.data())
def test_flipping_every_answer_mirrors_every_score(qid: str, data: st.DataObject) -> None:
    """Exact property: mirroring every answered scale item (v -> min + max - v, on positive and
    reverse-keyed items alike, leaving the set of answered items unchanged) maps each scale's
    score s to 100 - s, and a missing score stays missing. It holds whatever the mix of keying,
    because mirroring an answer turns each item's points p into 100 - p."""
    questionnaire = CONTENT.questionnaire(qid)
    answers = data.draw(questionnaire_answers(qid))
    before = score_questionnaire(questionnaire, answers)
    after = score_questionnaire(questionnaire, flipped(questionnaire, answers))
    for old, new in zip(before.scales, after.scales, strict=True):
        assert old.answered == new.answered
        if old.score is None:
            assert new.score is None
        else:
            assert new.score == pytest.approx(100.0 - old.score, abs=1e-9)


@PROPERTY
@given(data=st.data())
def test_raising_a_positive_answer_never_lowers_the_score(data: st.DataObject) -> None:
    """Monotonicity, the other half of keying: a higher answer helps on a positive item, hurts on a reverse one."""
    answers = data.draw(questionnaire_answers("intimacy"))
    item = data.draw(st.sampled_from([i for i in INTIMACY.items if i.kind == "scored"]))
    scale_id = item.scale or ""
    for other in scale_items(INTIMACY, scale_id):  # enough scored answers for the scale to have a score
        scored = [
            v for v in INTIMACY.response_set_of(other).values if v not in INTIMACY.response_set_of(other).not_applicable
        ]
        if not counts(INTIMACY, other, answers):
            answers[other.id] = data.draw(st.sampled_from(scored))
    rset = INTIMACY.response_set_of(item)
    scored_values = sorted(v for v in rset.values if v not in rset.not_applicable)
    low = data.draw(st.sampled_from(scored_values[:-1]))
    high = data.draw(st.sampled_from([v for v in scored_values if v > low]))
    score_low = score_questionnaire(INTIMACY, {**answers, item.id: low}).scale(scale_id).score
    score_high = score_questionnaire(INTIMACY, {**answers, item.id: high}).scale(scale_id).score
    assert score_low is not None
    assert score_high is not None
    if item.reverse:
        assert score_high < score_low
    else:
        assert score_high > score_low


# --------------------------------------------------------------------------- verdict


@PROPERTY
@given(answers=questionnaire_answers("worth_it"))
def test_verdict_follows_the_yes_no_counts(answers: Answers) -> None:
    verdict = score_questionnaire(WORTH_IT, answers).verdict
    given_answers = [v for k, v in answers.items() if WORTH_IT.item(k).kind == "verdict"]
    yes = given_answers.count(2)
    no = given_answers.count(0)
    if len(given_answers) < 4 or answers.get("safe") in WORTH_IT.item("safe").unsafe_values:
        # Too few answers, or safety first: no "worth it" reading beside an unsafe answer.
        assert verdict is None
        return
    assert verdict is not None
    assert (verdict.yes, verdict.no, verdict.unsure) == (yes, no, len(given_answers) - yes - no)
    if yes >= 4:
        assert verdict.kind == "worth_fighting_for"
    elif no >= 4:
        assert verdict.kind == "different_conversation"
    else:
        assert verdict.kind == "mixed"


# --------------------------------------------------------------------------- safety override


@st.composite
def unsafe_profile_answers(draw: st.DrawFn) -> AnswersByQuestionnaire:
    """Any answers at all, with at least one answer on the unsafe side of a safety item."""
    answers = draw(profile_answers())
    worth_it = dict(answers.get("worth_it", {}))
    intimacy = dict(answers.get("intimacy", {}))
    which = draw(st.sampled_from(["safe", "abuse", "both"]))
    if which in ("safe", "both"):
        worth_it["safe"] = draw(st.sampled_from([0, 1]))
    if which in ("abuse", "both"):
        intimacy["abuse"] = 1
    return {"worth_it": worth_it, "intimacy": intimacy}


@PROPERTY
@given(answers=unsafe_profile_answers(), audience=st.sampled_from(["solo", "couple"]))
def test_the_safety_override_always_wins(answers: AnswersByQuestionnaire, audience: str) -> None:
    profile = build_profile(CONTENT, answers, audience)  # type: ignore[arg-type]
    assert profile.next_steps == ()
    assert profile.safety_concern is True
    assert profile.individual_support is True
    assert profile.professional_help is True


@PROPERTY
@given(answers=profile_answers())
def test_no_safety_concern_without_an_unsafe_answer(answers: AnswersByQuestionnaire) -> None:
    profile = build_profile(CONTENT, answers)
    assert profile.safety_concern is _unsafe(answers)
    assert profile.individual_support is _unsafe(answers)
    if not _unsafe(answers):
        assert not any(result.safety_concern for result in profile.results.values())


# --------------------------------------------------------------------------- next steps


@PROPERTY
@given(answers=profile_answers(), audience=st.sampled_from(["solo", "couple"]))
def test_next_steps_start_small_and_serve_the_highest_need(answers: AnswersByQuestionnaire, audience: str) -> None:
    assume(not _unsafe(answers))
    profile = build_profile(CONTENT, answers, audience)  # type: ignore[arg-type]
    scored = {s.ref: s for s in _intimacy_scored(profile)}
    steps = profile.next_steps
    if profile.discernment:
        # Weighing whether to stay: discernment steps in the file's order, not rekindling ones,
        # with or without topic scores.
        pool = [s.id for s in CONTENT.suggestions if s.purpose == "discernment" and audience in s.audience]
        assert [step.suggestion_id for step in steps] == pool[:3]
        return
    if not scored:
        assert steps == ()
        return
    growth = [s for s in scored.values() if s.score is not None and s.score < GROWTH_THRESHOLD]
    wanted = min(3, max(2, len(growth)))
    assert len(steps) == wanted
    assert len({step.suggestion_id for step in steps}) == len(steps)
    suggestions = {s.id: s for s in CONTENT.suggestions}
    specific = [step for step in steps if suggestions[step.suggestion_id].purpose == "rekindle"]
    upkeep = steps[len(specific) :]
    # Steps for the growth areas come first; light upkeep only fills up (all of it, with none).
    assert all(suggestions[step.suggestion_id].purpose == "maintain" for step in upkeep)
    assert bool(specific) == bool(growth)
    used: set[str] = set()
    for step in specific:
        assert step.sources
        assert step.because_of in {s.ref for s in growth}
        suggestion = suggestions[step.suggestion_id]
        assert step.because_of in suggestion.scales
        assert audience in suggestion.audience
        assert step.sources == suggestion.sources
        used.add(step.suggestion_id)
    for step in specific:
        # A step whose main topic is the area first, then least effort: no other step for
        # this area, unused or chosen for a later pick, ranks before it.
        suggestion = suggestions[step.suggestion_id]
        candidates = [
            s
            for s in CONTENT.suggestions
            if step.because_of in s.scales
            and audience in s.audience
            and s.purpose == "rekindle"
            and (s.id not in used or s.id == suggestion.id)
        ]

        def rank(s: Suggestion, area: str = step.because_of) -> tuple[bool, int]:
            return (s.scales[0] != area, EFFORT_ORDER[s.effort])

        assert rank(suggestion) <= min(rank(s) for s in candidates)
    if growth:
        # The growth area of highest need always has a step (issue 19).
        top = max(need(s) for s in growth)
        assert any(need(scored[step.because_of]) == top for step in specific)
        # The seeds' order: emotional closeness first; it orders, it drops nothing.
        first = [step.because_of in CONTENT.guidance.step_rules.first for step in specific]
        assert first == sorted(first, reverse=True)


# --------------------------------------------------------------------------- strengths, growth, support, stages


@PROPERTY
@given(answers=profile_answers())
def test_strengths_are_at_most_three_of_the_best_scales(answers: AnswersByQuestionnaire) -> None:
    profile = build_profile(CONTENT, answers)
    scores = [s.score for s in profile.strengths]
    assert len(scores) <= 3
    assert all(score is not None and score >= STRENGTH_THRESHOLD for score in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert all(s.questionnaire_id == "intimacy" for s in profile.strengths)
    eligible = [s for s in _intimacy_scored(profile) if s.score is not None and s.score >= STRENGTH_THRESHOLD]
    assert len(scores) == min(3, len(eligible))
    if scores:
        left_out = [s for s in eligible if s not in profile.strengths]
        assert all(s.score is not None and s.score <= min(scores) for s in left_out)  # type: ignore[type-var]


@PROPERTY
@given(answers=profile_answers())
def test_growth_areas_are_the_scales_below_70_by_need(answers: AnswersByQuestionnaire) -> None:
    profile = build_profile(CONTENT, answers)
    expected = {s.ref for s in _intimacy_scored(profile) if s.score is not None and s.score < GROWTH_THRESHOLD}
    assert {s.ref for s in profile.growth_areas} == expected
    needs = [need(s) for s in profile.growth_areas]
    assert needs == sorted(needs, reverse=True)


@PROPERTY
@given(answers=questionnaire_answers("intimacy"))
def test_support_flag_iff_enough_signs(answers: Answers) -> None:
    result = score_questionnaire(INTIMACY, answers)
    yes = tuple(i.id for i in INTIMACY.items if i.kind == "checklist" and answers.get(i.id) == 1)
    assert INTIMACY.support is not None
    assert result.support_signs == yes
    alone = set(yes) & set(INTIMACY.support.enough_alone)
    assert result.support_flag is (len(yes) >= INTIMACY.support.min_signs or bool(alone))


@PROPERTY
@given(answers=profile_answers())
def test_professional_help_follows_support_verdict_or_safety(answers: AnswersByQuestionnaire) -> None:
    profile = build_profile(CONTENT, answers)
    worth_it = profile.results["worth_it"].verdict
    expected = (
        profile.results["intimacy"].support_flag
        or (worth_it is not None and worth_it.kind == "different_conversation")
        or profile.safety_concern
    )
    assert profile.professional_help is expected


@PROPERTY
@given(answers=questionnaire_answers("intimacy"))
def test_the_stage_shown_is_the_furthest_whose_rule_holds(answers: Answers) -> None:
    result = score_questionnaire(INTIMACY, answers)
    scores = {s.scale_id: s.score for s in result.scales}

    def holds(c: Condition) -> bool:
        if c.scale is not None:
            score = scores[c.scale]
            return score is not None and score < (c.below or 0)
        value = answers.get(c.item or "")
        return value in c.values if c.values else value not in c.not_values

    reached = [
        stage.id
        for stage in INTIMACY.stages
        if all(holds(c) for c in stage.requires)
        and sum(holds(c) for c in stage.conditions) >= (stage.min_matches or len(stage.conditions))
    ]
    assert [stage.stage_id for stage in result.stages] == reached[-1:]
    for reading in result.stages:
        assert reading.sources
