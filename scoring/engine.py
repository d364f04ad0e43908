"""Scoring of one person's answers: scales, verdict, support, stages, next steps.

Pure Python: no Streamlit, no database. Each rule is in the function that applies it
(the next steps: scoring/steps.py; bands: scoring/bands.py; the verdict's words for a
thriving person: scoring/verdict.py); docs/CONTENT.md ("Rules and advice") lists every
rule with its seed. An answer on the unsafe side of a safety item overrides everything:
no exercise, no verdict, individual support and safety resources instead.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TypeGuard

from questions.loader import Content
from questions.schema import Condition, Item, Questionnaire, Rule
from scoring.bands import is_growth, is_strength
from scoring.results import (
    AnswerValue,
    NextStep,
    PersonReading,
    Profile,
    QuestionnaireResult,
    ScaleScore,
    StageReading,
    Verdict,
    VerdictKind,
)
from scoring.steps import Audience, choose_next_steps, discernment_steps, in_discernment, need
from scoring.verdict import fitting_verdict

MAX_STRENGTHS = 3

#: Straight-lining: at least this many scored answers, all the very same option.
SAME_ANSWERS_MIN = 10
#: A contradiction: the two items of a pair (the questionnaire's ``consistency_pairs``, of
#: near-opposite meaning) this far apart once a reverse-keyed one is mirrored: two of the four
#: steps of a five-point scale.
CONTRADICTION_GAP = 50.0
#: Contradicted pairs before the answers are called inconsistent (calibrated on simulated
#: respondents: tests/scoring/test_consistency.py, docs/CONTENT.md).
CONTRADICTION_PAIRS = 3
#: What the person is told, kindly, instead of a confident result.
CONSISTENCY_NOTES = {
    "same_answers": (
        "You gave the same answer to every statement, even to ones that point opposite ways. So these "
        "scores may not show how things really are for you. For a truer picture, go back and answer a "
        "little more slowly. There's no rush."
    ),
    "contradictory": (
        "On several topics you agreed with a statement and also with its opposite. So this profile may "
        "not fit you well. That can happen when you answer fast, or when your feelings are mixed. Read "
        "the scores loosely, or go back and look again."
    ),
}


class AnswerError(ValueError):
    """An answer does not fit its questionnaire; the message says which and why."""


def enough_answered(answered: int, total: int) -> bool:
    """The two-thirds rule: at least 2/3 of a scale's items must be answered."""
    return total > 0 and 3 * answered >= 2 * total


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Check item ids and values; return the answers in canonical form."""
    items = questionnaire.items_by_id
    clean: dict[str, AnswerValue] = {}
    for item_id, value in answers.items():
        item = items.get(item_id)
        if item is None:
            raise AnswerError(f"answers.{clip(item_id)}: no such question in {questionnaire.id!r}")
        clean[item_id] = check_value(questionnaire, item, value)
    return clean


def clip(text: object, limit: int = 40) -> str:
    """Outside text made safe for a one-line message: printable, short."""
    shown = repr(str(text))[1:-1]
    return shown if len(shown) <= limit else shown[:limit] + "…"


def check_value(questionnaire: Questionnaire, item: Item, value: object) -> AnswerValue:
    rset = questionnaire.response_set_of(item)
    allowed = rset.allowed
    if rset.multi:
        if not isinstance(value, list) or not all(_is_int(v) for v in value):
            raise AnswerError(f"answers.{item.id}: expected a list of choices")
        chosen = sorted({int(v) for v in value})
        bad = [v for v in chosen if v not in allowed]
        if bad:
            raise AnswerError(f"answers.{item.id}: {bad[0]} is not one of the choices {sorted(allowed)}")
        return chosen
    if not _is_int(value):
        raise AnswerError(f"answers.{item.id}: expected a whole number, got {value!r}")
    number = int(value)
    if number not in allowed:
        raise AnswerError(f"answers.{item.id}: {number} is not one of the choices {sorted(allowed)}")
    return number


def _is_int(value: object) -> TypeGuard[int | float]:
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def counts(questionnaire: Questionnaire, item: Item, answers: Mapping[str, AnswerValue]) -> bool:
    """The item was answered with a value that is scored: not skipped, and not "doesn't apply"
    (saved as given, scored as unanswered)."""
    value = answers.get(item.id)
    return value is not None and value not in questionnaire.response_set_of(item).not_applicable


def item_points(questionnaire: Questionnaire, item: Item, value: int) -> float:
    """One scored answer on the 0-100 scale, mapped linearly from the response set's lowest
    value (0) to its highest (100), mirrored first for a reverse-keyed item."""
    rset = questionnaire.response_set_of(item)
    low, high = rset.min_value, rset.max_value
    if item.reverse:
        value = low + high - value
    return 100.0 * (value - low) / (high - low)


def score_questionnaire(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> QuestionnaireResult:
    """Score one questionnaire (``answers`` already validated). A scale scores the mean of its
    items' points; with fewer than two thirds of them answered it has no score, never a made-up number."""
    scales: list[ScaleScore] = []
    for scale in questionnaire.scales:
        of_scale = questionnaire.items_by_scale[scale.id]
        measured = [i for i in of_scale if i.kind in ("scored", "verdict")]
        points = [
            item_points(questionnaire, item, answers[item.id])  # type: ignore[arg-type]  # one number: not a multi-choice item
            for item in measured
            if counts(questionnaire, item, answers)
        ]
        importance_items = [i for i in of_scale if i.kind == "importance"]
        importance = answers.get(importance_items[0].id) if importance_items else None
        score = round(sum(points) / len(points), 1) if enough_answered(len(points), len(measured)) else None
        scales.append(
            ScaleScore(
                questionnaire_id=questionnaire.id,
                scale_id=scale.id,
                title=scale.title,
                score=score,
                answered=len(points),
                total=len(measured),
                importance=importance if isinstance(importance, int) else None,
            )
        )
    signs = tuple(
        item.id
        for item in questionnaire.items
        if item.kind == "checklist" and answers.get(item.id) == questionnaire.response_set_of(item).max_value
    )
    scored_items = [i for i in questionnaire.items if i.kind != "context"]
    return QuestionnaireResult(
        questionnaire_id=questionnaire.id,
        title=questionnaire.title,
        version=questionnaire.version,
        scales=tuple(scales),
        answered=sum(1 for i in scored_items if i.id in answers),
        total=len(scored_items),
        verdict=_verdict(questionnaire, answers),
        safety_concern=has_safety_concern(questionnaire, answers),
        support_signs=signs,
        support_flag=support_flagged(questionnaire, signs),
        stages=stage_reading(questionnaire, scales, answers),
        consistency=consistency(questionnaire, answers),
    )


def consistency_notes(profile: Profile) -> tuple[str, ...]:
    """The kind words for each questionnaire whose answers may not reflect the person."""
    kinds = dict.fromkeys(r.consistency for r in profile.results.values() if r.consistency)
    return tuple(CONSISTENCY_NOTES[kind] for kind in kinds)


def consistency(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> str | None:
    """Whether the scored answers may not reflect the person (a check in the spirit of the
    MSI-R's inconsistency scale): one option everywhere ("same_answers"), or the two items of
    :data:`CONTRADICTION_PAIRS` chosen pairs of near-opposite meaning far apart ("contradictory")."""
    scored = [i for i in questionnaire.items if i.kind == "scored" and counts(questionnaire, i, answers)]
    if len(scored) >= SAME_ANSWERS_MIN and len({answers[i.id] for i in scored}) == 1:
        return "same_answers"
    points = {i.id: item_points(questionnaire, i, answers[i.id]) for i in scored}  # type: ignore[arg-type]  # scored: one number
    pairs = [(a, b) for a, b in questionnaire.consistency_pairs if a in points and b in points]
    contradicted = sum(abs(points[a] - points[b]) >= CONTRADICTION_GAP for a, b in pairs)
    return "contradictory" if contradicted >= CONTRADICTION_PAIRS else None


def support_flagged(questionnaire: Questionnaire, signs: Collection[str]) -> bool:
    """Outside help may help: ``min_signs`` signs in all, or one sign that is enough alone."""
    rule = questionnaire.support
    if rule is None:
        return False
    return len(signs) >= rule.min_signs or any(sign in rule.enough_alone for sign in signs)


def has_safety_concern(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> bool:
    return any(item.safety and answers.get(item.id) in item.unsafe_values for item in questionnaire.items)


def _verdict(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> Verdict | None:
    """The seed's rule: yes to most -> worth fighting for; no to most -> a different conversation; else mixed."""
    rule = questionnaire.verdict
    if rule is None or has_safety_concern(questionnaire, answers):
        # Safety first: no reading of "worth it" is given beside an unsafe answer.
        return None
    items = [i for i in questionnaire.items if i.kind == "verdict"]
    given = [answers[i.id] for i in items if i.id in answers]
    if not enough_answered(len(given), len(items)):
        return None
    yes = sum(1 for v in given if v == rule.yes_value)
    no = sum(1 for v in given if v == rule.no_value)
    kind: VerdictKind
    if yes >= rule.most:
        kind, band = "worth_fighting_for", rule.worth_fighting_for
    elif no >= rule.most:
        kind, band = "different_conversation", rule.different_conversation
    else:
        kind, band = "mixed", rule.mixed
    return Verdict(
        kind=kind,
        title=band.title,
        text=band.text,
        sources=band.sources,
        yes=yes,
        no=no,
        unsure=len(given) - yes - no,
    )


def condition_holds(
    condition: Condition,
    scores: Mapping[str, float | None],
    answers: Mapping[str, AnswerValue],
    stages: Collection[str] = (),
) -> bool:
    """One condition on a person's answers (keys as the condition names them)."""
    if condition.scale is not None:
        score = scores.get(condition.scale)
        return score is not None and condition.below is not None and score < condition.below
    if condition.item is not None:
        value = answers.get(condition.item)
        chosen = set(value) if isinstance(value, list) else set() if value is None else {value}
        if condition.values:
            return bool(chosen & set(condition.values))
        return not chosen & set(condition.not_values)
    return condition.stage in stages


def rule_holds(rule: Rule, holds: Callable[[Condition], bool]) -> bool:
    """Every condition of ``requires`` and at least ``min_matches`` of ``conditions``."""
    if not all(holds(condition) for condition in rule.requires):
        return False
    needed = rule.min_matches or len(rule.conditions)
    return sum(1 for condition in rule.conditions if holds(condition)) >= needed


def stage_reading(
    questionnaire: Questionnaire, scales: Iterable[ScaleScore], answers: Mapping[str, AnswerValue]
) -> tuple[StageReading, ...]:
    """The furthest stage of the roadmap (the stages in file order) whose rule holds, if any.

    The stages follow one another (settling in, then talks that heat up, then a sexual
    slump): a person is given the one their answers reach furthest, never a list."""
    holds = functools.partial(condition_holds, scores={s.scale_id: s.score for s in scales}, answers=answers)
    reached = [stage for stage in questionnaire.stages if rule_holds(stage, holds)]
    return tuple(StageReading(stage.id, stage.title, stage.text, stage.sources) for stage in reached[-1:])


def person_readings(
    content: Content,
    results: Mapping[str, QuestionnaireResult],
    answers: Mapping[str, Mapping[str, AnswerValue]],
    discernment: bool,
) -> tuple[PersonReading, ...]:
    """The guidance readings whose rule holds on a person's answers (in the file's order);
    while weighing whether to stay, only those meant for that moment."""
    scores = {s.ref: s.score for r in results.values() for s in r.scales}
    given = {f"{qid}.{item_id}": value for qid, a in answers.items() for item_id, value in a.items()}
    stages = {f"{qid}.{stage.stage_id}" for qid, r in results.items() for stage in r.stages}
    holds = functools.partial(condition_holds, scores=scores, answers=given, stages=stages)
    return tuple(
        PersonReading(reading.id, reading.title, reading.text, reading.sources)
        for reading in content.guidance.readings
        if (reading.in_discernment or not discernment) and rule_holds(reading, holds)
    )


def build_profile(
    content: Content,
    answers: Mapping[str, Mapping[str, AnswerValue]],
    audience: Audience = "solo",
) -> Profile:
    """The whole result for one person; ``answers`` maps questionnaire id to answers. A "different
    conversation" (the verdict, or a sign of leaving) gives discernment steps and professional
    help instead of rekindling steps and stage readings."""
    results = {
        qid: score_questionnaire(questionnaire, answers.get(qid, {}))
        for qid, questionnaire in content.questionnaires.items()
    }
    # Strengths, growth areas and steps come from the scales; the worth-it
    # questions are read through their verdict instead.
    all_scales = [s for qid, r in results.items() if content.questionnaire(qid).verdict is None for s in r.scales]
    safety = any(r.safety_concern for r in results.values())
    strengths = sorted((s for s in all_scales if is_strength(s.score)), key=lambda s: -(s.score or 0.0))
    growth = sorted((s for s in all_scales if is_growth(s.score)), key=need, reverse=True)
    verdict_kinds = {r.verdict.kind for r in results.values() if r.verdict is not None}
    discernment = in_discernment(content.guidance.discernment, results)
    if discernment:
        # Weighing whether to stay: no reading of the roadmap back to closeness.
        results = {qid: dataclasses.replace(r, stages=()) for qid, r in results.items()}
    professional = (
        any(r.support_flag for r in results.values()) or "different_conversation" in verdict_kinds or discernment
    )
    results = {
        qid: dataclasses.replace(r, verdict=fitting_verdict(rule, r.verdict, all_scales, professional))
        if (rule := content.questionnaire(qid).verdict) is not None
        else r
        for qid, r in results.items()
    }
    readings = person_readings(content, results, answers, discernment)
    # The safety override wins over every other rule: no exercise at all.
    if safety:
        steps: tuple[NextStep, ...] = ()
    elif discernment:
        steps = discernment_steps(content.suggestions, audience)
    else:
        steps = choose_next_steps(all_scales, content.suggestions, audience, rules=content.guidance.step_rules)
    return Profile(
        results=results,
        strengths=tuple(strengths[:MAX_STRENGTHS]),
        growth_areas=tuple(growth),
        next_steps=steps,
        safety_concern=safety,
        professional_help=professional or safety,
        individual_support=safety,
        readings=readings,
        discernment=discernment,
    )
