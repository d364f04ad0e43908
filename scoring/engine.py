"""Scoring of one person's answers: scales, verdict, support, stages, next steps.

Pure Python: no Streamlit, no database. The rules, in one place:

* A scale scores 0-100 as the mean of its items, each mapped linearly from the
  response set's lowest value (0) to its highest (100); reverse-keyed items are
  mirrored first. With fewer than two thirds of its items answered a scale has
  no score ("not enough answers"), never a made-up number.
* The worth-it verdict follows the seed: yes to most -> worth fighting for; no
  to most -> a different conversation; otherwise mixed.
* An answer on the unsafe side of a safety item overrides everything: no
  exercise is suggested, and individual support and safety resources are shown.
* Next steps: 2-3, for the scales with the highest need = (100 - score) x
  importance weight, the least effortful suggestion first ("start small").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from questions.loader import Content
from questions.schema import Item, Questionnaire, Suggestion
from scoring.results import (
    AnswerValue,
    NextStep,
    Profile,
    QuestionnaireResult,
    ScaleScore,
    StageReading,
    Verdict,
)

#: A scale at or above this score is named as a strength.
STRENGTH_THRESHOLD = 70.0
#: A scale below this score is a growth area.
GROWTH_THRESHOLD = 70.0
#: Importance ratings run 1-5; 3 ("somewhat") is neutral weight 1.0.
NEUTRAL_IMPORTANCE = 3
MAX_STRENGTHS = 3
MAX_NEXT_STEPS = 3
MIN_NEXT_STEPS = 2
EFFORT_ORDER = {"low": 0, "medium": 1, "high": 2}
#: Where general steps come from when the answered areas offer too few.
FOUNDATION = "intimacy.communication"

Audience = Literal["solo", "couple"]


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
        chosen = sorted({int(v) for v in value})  # type: ignore[arg-type]
        bad = [v for v in chosen if v not in allowed]
        if bad:
            raise AnswerError(f"answers.{item.id}: {bad[0]} is not one of the choices {sorted(allowed)}")
        return chosen
    if not _is_int(value):
        raise AnswerError(f"answers.{item.id}: expected a whole number, got {value!r}")
    number = int(value)  # type: ignore[call-overload]
    if number not in allowed:
        raise AnswerError(f"answers.{item.id}: {number} is not one of the choices {sorted(allowed)}")
    return number


def _is_int(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def item_points(questionnaire: Questionnaire, item: Item, value: int) -> float:
    """One answer on the 0-100 scale, mirrored for a reverse-keyed item."""
    rset = questionnaire.response_set_of(item)
    low, high = rset.min_value, rset.max_value
    if item.reverse:
        value = low + high - value
    return 100.0 * (value - low) / (high - low)


def score_questionnaire(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> QuestionnaireResult:
    """Score one questionnaire. ``answers`` must already be validated."""
    scales: list[ScaleScore] = []
    for scale in questionnaire.scales:
        of_scale = questionnaire.items_by_scale[scale.id]
        measured = [i for i in of_scale if i.kind in ("scored", "verdict")]
        points = [
            item_points(questionnaire, item, answers[item.id])  # type: ignore[arg-type]
            for item in measured
            if item.id in answers
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
    support_flag = questionnaire.support is not None and len(signs) >= questionnaire.support.min_signs
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
        support_flag=support_flag,
        stages=_stages(questionnaire, scales),
    )


def has_safety_concern(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> bool:
    return any(item.safety and answers.get(item.id) in item.unsafe_values for item in questionnaire.items)


def _verdict(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> Verdict | None:
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
    if yes >= rule.most:
        kind, band = "worth_fighting_for", rule.worth_fighting_for
    elif no >= rule.most:
        kind, band = "different_conversation", rule.different_conversation
    else:
        kind, band = "mixed", rule.mixed
    return Verdict(
        kind=kind,  # type: ignore[arg-type]
        title=band.title,
        text=band.text,
        sources=band.sources,
        yes=yes,
        no=no,
        unsure=len(given) - yes - no,
    )


def _stages(questionnaire: Questionnaire, scales: Iterable[ScaleScore]) -> tuple[StageReading, ...]:
    """Roadmap readings, only where the scores really support them."""
    scores = {s.scale_id: s.score for s in scales}
    readings: list[StageReading] = []
    for stage in questionnaire.stages:
        needed = stage.min_matches or len(stage.conditions)
        matches = sum(
            1
            for condition in stage.conditions
            if (score := scores.get(condition.scale)) is not None and score < condition.below
        )
        if matches >= needed:
            readings.append(StageReading(stage.id, stage.title, stage.text, stage.sources))
    return tuple(readings)


def importance_weight(importance: int | None) -> float:
    return (importance if importance is not None else NEUTRAL_IMPORTANCE) / NEUTRAL_IMPORTANCE


def need(scale: ScaleScore) -> float:
    """How much a scale calls for attention: low score x how much it matters."""
    assert scale.score is not None
    return (100.0 - scale.score) * importance_weight(scale.importance)


def choose_next_steps(
    scales: Iterable[ScaleScore],
    suggestions: Iterable[Suggestion],
    audience: Audience = "solo",
    limit: int = MAX_NEXT_STEPS,
) -> tuple[NextStep, ...]:
    """2-3 steps for the scales of highest need, least effort first."""
    ranked = sorted((s for s in scales if s.score is not None), key=lambda s: -need(s))
    pool = [s for s in suggestions if audience in s.audience]
    growth = [s for s in ranked if s.score is not None and s.score < GROWTH_THRESHOLD]
    # Start small: two steps, a third only when three areas call for one.
    wanted = min(limit, max(MIN_NEXT_STEPS, len(growth)))
    chosen: list[NextStep] = []
    used: set[str] = set()
    # One step per area first; with fewer areas than steps wanted, a second
    # pass takes another step for the areas of highest need.
    for _pass in range(wanted):
        for scale in ranked:
            if len(chosen) >= wanted:
                return tuple(chosen)
            candidates = [s for s in pool if scale.ref in s.scales and s.id not in used]
            if not candidates:
                continue
            best = min(candidates, key=lambda s: EFFORT_ORDER[s.effort])
            used.add(best.id)
            chosen.append(
                NextStep(
                    suggestion_id=best.id,
                    title=best.title,
                    text=best.text,
                    effort=best.effort,
                    minutes=best.minutes,
                    sources=best.sources,
                    because_of=scale.ref,
                )
            )
    if ranked and len(chosen) < wanted:
        # Too few steps for the areas answered: add general ones, least effort
        # first, from the foundation the seeds all start with (communication).
        general = sorted(
            (s for s in pool if s.id not in used),
            key=lambda s: (FOUNDATION not in s.scales, EFFORT_ORDER[s.effort]),
        )
        for suggestion in general[: wanted - len(chosen)]:
            chosen.append(
                NextStep(
                    suggestion_id=suggestion.id,
                    title=suggestion.title,
                    text=suggestion.text,
                    effort=suggestion.effort,
                    minutes=suggestion.minutes,
                    sources=suggestion.sources,
                    because_of=suggestion.scales[0],
                )
            )
    return tuple(chosen)


def build_profile(
    content: Content,
    answers: Mapping[str, Mapping[str, AnswerValue]],
    audience: Audience = "solo",
) -> Profile:
    """The whole result for one person; ``answers`` maps questionnaire id to answers."""
    results = {
        qid: score_questionnaire(questionnaire, answers.get(qid, {}))
        for qid, questionnaire in content.questionnaires.items()
    }
    # Strengths, growth areas and steps come from the scales; the worth-it
    # questions are read through their verdict instead.
    all_scales = [s for qid, r in results.items() if content.questionnaire(qid).verdict is None for s in r.scales]
    safety = any(r.safety_concern for r in results.values())
    strengths = sorted(
        (s for s in all_scales if s.score is not None and s.score >= STRENGTH_THRESHOLD),
        key=lambda s: -(s.score or 0.0),
    )[:MAX_STRENGTHS]
    growth = sorted(
        (s for s in all_scales if s.score is not None and s.score < GROWTH_THRESHOLD),
        key=lambda s: -need(s),
    )
    verdict_kinds = {r.verdict.kind for r in results.values() if r.verdict is not None}
    professional = any(r.support_flag for r in results.values()) or "different_conversation" in verdict_kinds
    # The safety override wins over every other rule: no exercise at all.
    steps = () if safety else choose_next_steps(all_scales, content.suggestions, audience)
    return Profile(
        results=results,
        strengths=tuple(strengths),
        growth_areas=tuple(growth),
        next_steps=steps,
        safety_concern=safety,
        professional_help=professional or safety,
        individual_support=safety,
    )
