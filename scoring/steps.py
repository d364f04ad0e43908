"""Next steps for one person or a couple: 2-3 rekindling steps chosen by need, or the
discernment steps for someone weighing whether to stay (:func:`in_discernment`).
docs/CONTENT.md ("Next steps") lists the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from questions.guidance import DiscernmentRule, StepRules, Suggestion
from scoring.bands import is_growth
from scoring.results import NextStep, QuestionnaireResult, ScaleScore

#: Importance ratings run 1-5; 3 ("somewhat") is neutral weight 1.0.
NEUTRAL_IMPORTANCE = 3
MAX_NEXT_STEPS = 3
MIN_NEXT_STEPS = 2
EFFORT_ORDER = {"low": 0, "medium": 1, "high": 2}

Audience = Literal["solo", "couple"]


def need(scale: ScaleScore) -> float:
    """How much a scale calls for attention: (100 - score) x importance weight (3, "somewhat", is 1.0)."""
    assert scale.score is not None
    importance = scale.importance if scale.importance is not None else NEUTRAL_IMPORTANCE
    return (100.0 - scale.score) * (importance / NEUTRAL_IMPORTANCE)


def step_of(suggestion: Suggestion, because_of: str, whose: int | None = None) -> NextStep:
    return NextStep(
        suggestion_id=suggestion.id,
        title=suggestion.title,
        text=suggestion.text,
        effort=suggestion.effort,
        minutes=suggestion.minutes,
        sources=suggestion.sources,
        because_of=because_of,
        whose=whose,
    )


def best_suggestion(candidates: Iterable[Suggestion], scale_ref: str) -> Suggestion | None:
    """For one scale: a suggestion whose main (first) topic it is, then the least effort
    ("start small"), then file order."""
    ordered = sorted(
        enumerate(candidates), key=lambda pair: (pair[1].scales[0] != scale_ref, EFFORT_ORDER[pair[1].effort], pair[0])
    )
    return ordered[0][1] if ordered else None


def choose_next_steps(
    scales: Iterable[ScaleScore],
    suggestions: Iterable[Suggestion],
    audience: Audience = "solo",
    limit: int = MAX_NEXT_STEPS,
    rules: StepRules | None = None,
    whose: Mapping[str, int] | None = None,
) -> tuple[NextStep, ...]:
    """2-3 steps for the growth areas of highest need, each picking in need order (so the
    highest always has one), then ordered with those of ``rules.first`` (emotional closeness)
    first. Light upkeep (``purpose: maintain``) fills up; with no growth area it is all there
    is. ``whose``: a couple's plan, the partner each scale is for."""
    # Scales with a score, highest need first (equal needs keep the questionnaire's order).
    ranked = sorted((s for s in scales if s.score is not None), key=lambda s: -need(s))
    suggestions = tuple(suggestions)
    pool = [s for s in suggestions if audience in s.audience and s.purpose == "rekindle"]
    growth = [s for s in ranked if is_growth(s.score)]
    # Start small: two steps, a third only when three areas call for one.
    wanted = min(limit, max(MIN_NEXT_STEPS, len(growth))) if ranked else 0
    chosen: list[NextStep] = []
    # One step per area first; with fewer areas than steps wanted, a second
    # pass takes another step for the areas of highest need.
    for scale in growth * wanted:
        used = {step.suggestion_id for step in chosen}
        best = best_suggestion((s for s in pool if scale.ref in s.scales and s.id not in used), scale.ref)
        if best is not None and len(chosen) < wanted:
            chosen.append(step_of(best, scale.ref, (whose or {}).get(scale.ref)))
    # The seeds (002, 004): the emotional side first. It orders the steps; it drops none.
    chosen.sort(key=lambda step: rules is None or step.because_of not in rules.first)
    upkeep = [s for s in suggestions if s.purpose == "maintain" and audience in s.audience]
    return tuple(chosen + [step_of(s, s.scales[0]) for s in upkeep[: wanted - len(chosen)]])


def in_discernment(rule: DiscernmentRule, results: Mapping[str, QuestionnaireResult]) -> bool:
    """A "different conversation": a verdict of ``rule.verdicts``, or a sign of ``rule.signs``
    (e.g. one of the two is thinking of leaving) answered yes."""
    for qid, result in results.items():
        if result.verdict is not None and result.verdict.kind in rule.verdicts:
            return True
        if any(f"{qid}.{sign}" in rule.signs for sign in result.support_signs):
            return True
    return False


def discernment_steps(
    suggestions: Iterable[Suggestion], audience: Audience = "solo", limit: int = MAX_NEXT_STEPS
) -> tuple[NextStep, ...]:
    """The steps for someone weighing whether to stay, in the file's order (take stock,
    talk honestly, find help), instead of rekindling steps."""
    pool = [s for s in suggestions if s.purpose == "discernment" and audience in s.audience]
    return tuple(step_of(s, s.scales[0]) for s in pool[:limit])
