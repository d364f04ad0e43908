"""Comparing two partners: categories, differences, predictions, a shared plan.

Privacy is applied here, once, before anything reaches a page, a report or an
export: each partner's side is reduced to what that partner chose to share
("nothing", "scores" or "items"), and safety items never leave at all. The
comparison is symmetric: swapping the partners swaps the sides and nothing else.

Categories (thresholds in one place, all inclusive as written):

* ``seen_differently``: the two scores are at least ``GAP`` (25) points apart
  — one full answer step on every item of the scale, on average (one step on
  one item of an n-item five-point scale moves its score 25/n points); a
  convention, not a norm (docs/CONTENT.md "Scales and bands").
* ``shared_strength``: otherwise, both at least ``HIGH`` (70).
* ``shared_growth``: otherwise, both below ``LOW`` (50).
* ``in_between``: everything else; ``not_enough`` when either score is missing.

Advice for the couple (docs/CONTENT.md, "Rules and advice"):

* No rekindling plan when either partner's worth-it verdict is "a different
  conversation". When one leans in and the other out, each gets words of their
  own (``personal_guidance``, by slot) and a shared screen only the words
  addressed to both (``shared_guidance``).
* The plan serves the larger of the two partners' needs on each topic, so one
  partner's acute need is never averaged away.
* Item differences: the widest gaps first; among equal gaps, a topic not yet
  shown, then the one that matters more to the couple, then the one they see
  most differently. A "Try saying" opener appears once per topic, and never for
  a topic that already has a conversation starter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from questions.guidance import Reading
from questions.loader import Content
from questions.schema import Band, Questionnaire
from scoring.engine import (
    MAX_NEXT_STEPS,
    NEUTRAL_IMPORTANCE,
    choose_next_steps,
    item_points,
    need,
    score_questionnaire,
)
from scoring.results import AnswerValue, NextStep, ScaleScore, Verdict

HIGH = 70.0
LOW = 50.0
GAP = 25.0
#: Item answers this far apart (on 0-100) count as a real difference: two steps
#: on a five-point scale.
ITEM_GAP = 50.0
MAX_DIFFERENCES = 5
MAX_STARTERS = 3
#: A prediction this close to the partner's own score counts as "read well".
PREDICTION_CLOSE = 20.0

INTIMACY = "intimacy"
WORTH_IT = "worth_it"
PREDICTIONS_SUFFIX = ".predicted"

ShareLevel = Literal["nothing", "scores", "items"]
Category = Literal["shared_strength", "shared_growth", "seen_differently", "in_between", "not_enough"]

CATEGORY_TITLES: dict[str, str] = {
    "shared_strength": "Shared strength",
    "shared_growth": "Shared growth area",
    "seen_differently": "Seen differently",
    "in_between": "In between",
    "not_enough": "Not enough answers",
}


def predictions_id(questionnaire_id: str) -> str:
    """Where a partner's predictions of the other are stored."""
    return questionnaire_id + PREDICTIONS_SUFFIX


def categorise(a: float | None, b: float | None) -> Category:
    if a is None or b is None:
        return "not_enough"
    if abs(a - b) >= GAP:
        return "seen_differently"
    if a >= HIGH and b >= HIGH:
        return "shared_strength"
    if a < LOW and b < LOW:
        return "shared_growth"
    return "in_between"


@dataclass(frozen=True)
class PartnerData:
    """One partner's answers (predictions included) and sharing choice."""

    slot: int
    answers: Mapping[str, Mapping[str, AnswerValue]]
    share_level: ShareLevel | None
    #: The worth-it verdict the partner saw on their own results (the engine's, on all
    #: their answers): scoring.visibility.shown_partner passes it on, so both screens
    #: show the same verdict. None: worked out here from the answers given, safety
    #: questions left out.
    verdict: Verdict | None = None


@dataclass(frozen=True)
class ScaleComparison:
    scale_id: str
    title: str
    #: Scores by slot (1 and 2); None where not shared or not enough answers.
    scores: dict[int, float | None]
    importance: dict[int, int | None]
    category: Category
    #: What each partner predicted about the other, keyed by the predictor's slot.
    predictions: dict[int, float | None]

    @property
    def gap(self) -> float | None:
        a, b = self.scores.get(1), self.scores.get(2)
        return None if a is None or b is None else round(abs(a - b), 1)


@dataclass(frozen=True)
class ItemDifference:
    item_id: str
    text: str
    scale_id: str
    scale_title: str
    labels: dict[int, str]
    gap: float
    #: An "I"-statement opener for talking about it (the scale's starter).
    starter: str | None = None


@dataclass(frozen=True)
class Starter:
    scale_id: str
    scale_title: str
    text: str
    sources: tuple[str, ...]
    because: str


@dataclass(frozen=True)
class GuidanceNote:
    """A fixed text from guidance.yaml, with its seeds."""

    title: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class WorthItSide:
    verdict_kind: str | None
    verdict_title: str | None
    #: Item answers (labels), only when the partner shared items; never safety items.
    answers: dict[str, str]


@dataclass(frozen=True)
class CoupleComparison:
    shared: dict[int, ShareLevel]
    scales: tuple[ScaleComparison, ...]
    worth_it: dict[int, WorthItSide]
    worth_it_questions: dict[str, str]
    differences: tuple[ItemDifference, ...]
    starters: tuple[Starter, ...]
    plan: tuple[NextStep, ...]
    #: One partner leans in, the other out: the "not on board" guidance replaces the plan.
    leaning_apart: bool
    professional_help: bool
    #: False when exercises may not be offered (scoring/visibility.py: safety first):
    #: no plan, no starters, no check-in.
    exercises: bool = True
    #: Words for one partner alone, by slot: the one who wants to try and the one with
    #: doubts get different texts. Never for a shared screen (scoring/visibility.py keeps
    #: only the viewer's own).
    personal_guidance: dict[int, GuidanceNote] = field(default_factory=dict)
    #: Words addressed to both: safe on a shared screen.
    shared_guidance: GuidanceNote | None = None

    @property
    def both_shared(self) -> bool:
        return all(level != "nothing" for level in self.shared.values())


def _level(partner: PartnerData) -> ShareLevel:
    return partner.share_level or "nothing"


def _scale_scores(questionnaire: Questionnaire, partner: PartnerData) -> dict[str, ScaleScore]:
    if _level(partner) == "nothing":
        return {}
    result = score_questionnaire(questionnaire, partner.answers.get(questionnaire.id, {}))
    return {s.scale_id: s for s in result.scales}


def _predictions(questionnaire: Questionnaire, partner: PartnerData) -> dict[str, float]:
    """A partner's predictions as 0-100, only if they shared at least scores."""
    if _level(partner) == "nothing" or questionnaire.prediction_response_set is None:
        return {}
    rset = questionnaire.response_sets[questionnaire.prediction_response_set]
    raw = partner.answers.get(predictions_id(questionnaire.id), {})
    low, high = rset.min_value, rset.max_value
    return {
        scale_id: round(100.0 * (value - low) / (high - low), 1)
        for scale_id, value in raw.items()
        if isinstance(value, int) and value in rset.values
    }


def _worth_it_side(content: Content, partner: PartnerData) -> WorthItSide | None:
    if WORTH_IT not in content.questionnaires or _level(partner) == "nothing":
        return None
    questionnaire = content.questionnaire(WORTH_IT)
    given = partner.answers.get(WORTH_IT, {})
    # The verdict the partner sees leaves the safety question out entirely.
    safety_ids = {item.id for item in questionnaire.items if item.safety}
    without_safety = {item_id: value for item_id, value in given.items() if item_id not in safety_ids}
    if not without_safety:
        return None
    verdict = partner.verdict or score_questionnaire(questionnaire, without_safety).verdict
    answers: dict[str, str] = {}
    if _level(partner) == "items":
        for item in questionnaire.items:
            value = given.get(item.id)
            if item.safety or not isinstance(value, int):
                continue  # safety answers never leave their owner
            answers[item.id] = questionnaire.response_set_of(item).label_for(value)
    return WorthItSide(
        verdict_kind=verdict.kind if verdict else None,
        verdict_title=verdict.title if verdict else None,
        answers=answers,
    )


def _differences(
    questionnaire: Questionnaire,
    a: PartnerData,
    b: PartnerData,
    scales: list[ScaleComparison],
    with_starter: set[str],
) -> tuple[ItemDifference, ...]:
    """The items answered furthest apart, most relevant first (see the module docstring)."""
    if _level(a) != "items" or _level(b) != "items":
        return ()
    answers_a = a.answers.get(questionnaire.id, {})
    answers_b = b.answers.get(questionnaire.id, {})
    by_scale = {s.scale_id: s for s in scales}
    found: list[tuple[float, int, int, str, ItemDifference]] = []
    for order, item in enumerate(questionnaire.items):
        if item.kind != "scored" or item.safety or item.scale is None:
            continue
        value_a, value_b = answers_a.get(item.id), answers_b.get(item.id)
        if not isinstance(value_a, int) or not isinstance(value_b, int):
            continue
        gap = abs(item_points(questionnaire, item, value_a) - item_points(questionnaire, item, value_b))
        if gap < ITEM_GAP:
            continue
        rset = questionnaire.response_set_of(item)
        found.append(
            (
                gap,
                order,
                0,
                item.scale,
                ItemDifference(
                    item_id=item.id,
                    text=item.text,
                    scale_id=item.scale,
                    scale_title=questionnaire.scale(item.scale).title,
                    labels={a.slot: rset.label_for(value_a), b.slot: rset.label_for(value_b)},
                    gap=round(gap, 1),
                ),
            )
        )
    chosen: list[ItemDifference] = []
    shown: dict[str, int] = {}
    while found and len(chosen) < MAX_DIFFERENCES:
        best = min(
            found,
            key=lambda entry: (
                -entry[0],
                shown.get(entry[3], 0),
                -_scale_relevance(by_scale[entry[3]]),
                entry[1],
            ),
        )
        found.remove(best)
        difference = best[4]
        scale_id = difference.scale_id
        if scale_id not in shown and scale_id not in with_starter:
            # One opener per topic, and none where a conversation starter already has it.
            difference = dataclasses.replace(difference, starter=questionnaire.scale(scale_id).conversation_starter)
        shown[scale_id] = shown.get(scale_id, 0) + 1
        chosen.append(difference)
    return tuple(chosen)


def _scale_relevance(scale: ScaleComparison) -> float:
    """How much a topic calls for talk: how much it matters to whichever partner it matters
    more to (1-5), then how differently they see it, then the larger need."""
    importance = max((i for i in scale.importance.values() if i is not None), default=NEUTRAL_IMPORTANCE)
    need_here = max((_need(scale, slot) or 0.0) for slot in scale.scores)
    return importance * 1_000_000 + (scale.gap or 0.0) * 1_000 + need_here


def _both_willing_split(content: Content, a: PartnerData, b: PartnerData) -> bool:
    """One says both are willing to work on it, the other says not (item level only)."""
    rule = content.questionnaire(WORTH_IT).verdict
    if rule is None or _level(a) != "items" or _level(b) != "items":
        return False
    values = {p.answers.get(WORTH_IT, {}).get("both_willing") for p in (a, b)}
    return {rule.yes_value, rule.no_value} <= values


def _need(scale: ScaleComparison, slot: int) -> float | None:
    score = scale.scores.get(slot)
    if score is None:
        return None
    return need(ScaleScore(INTIMACY, scale.scale_id, scale.title, score, 0, 0, scale.importance.get(slot)))


def _combined(scale: ScaleComparison) -> tuple[ScaleScore, int | None] | None:
    """The couple's need on one topic: the larger of the two partners' needs (each with
    their own importance), so one partner's acute need is never averaged away; and the
    slot whose need that is (None on a tie)."""
    needs = {slot: n for slot in scale.scores if (n := _need(scale, slot)) is not None}
    if len(needs) != 2:
        return None
    # The larger need; on a tie, the lower score (both equal: the same numbers either way).
    slot = max(needs, key=lambda s: (needs[s], -(scale.scores[s] or 0.0), -s))
    whose = None if len(set(needs.values())) == 1 else slot
    combined = ScaleScore(
        questionnaire_id=INTIMACY,
        scale_id=scale.scale_id,
        title=scale.title,
        score=scale.scores[slot],
        answered=0,
        total=0,
        importance=scale.importance.get(slot),
    )
    return combined, whose


def compare(content: Content, first: PartnerData, second: PartnerData) -> CoupleComparison:
    """The comparison both partners may see: each side cut to what it shared."""
    partners = {first.slot: first, second.slot: second}
    questionnaire = content.questionnaire(INTIMACY)
    scores = {slot: _scale_scores(questionnaire, p) for slot, p in partners.items()}
    predicted = {slot: _predictions(questionnaire, p) for slot, p in partners.items()}
    scales: list[ScaleComparison] = []
    for scale in questionnaire.scales:
        by_slot = {slot: (s.score if (s := scores[slot].get(scale.id)) else None) for slot in partners}
        importance = {slot: (s.importance if (s := scores[slot].get(scale.id)) else None) for slot in partners}
        values = list(by_slot.values())
        scales.append(
            ScaleComparison(
                scale_id=scale.id,
                title=scale.title,
                scores=by_slot,
                importance=importance,
                category=categorise(values[0], values[1]),
                predictions={slot: predicted[slot].get(scale.id) for slot in partners},
            )
        )

    worth_sides = {slot: side for slot, p in partners.items() if (side := _worth_it_side(content, p)) is not None}
    kinds = {side.verdict_kind for side in worth_sides.values()}
    out = {slot for slot, side in worth_sides.items() if side.verdict_kind == "different_conversation"}
    leaning_in = {
        slot for slot, side in worth_sides.items() if side.verdict_kind not in (None, "different_conversation")
    }
    verdict_split = bool(out) and bool(leaning_in)
    willing_split = _both_willing_split(content, first, second)
    leaning_apart = verdict_split or willing_split

    both_items = all(_level(p) == "items" for p in partners.values())
    combined: list[ScaleScore] = []
    whose: dict[str, int] = {}
    for scale in scales:
        pair = _combined(scale)
        if pair is None:
            continue
        combined.append(pair[0])
        if both_items and pair[1] is not None:
            whose[pair[0].ref] = pair[1]  # said only where both shared item answers
    # No rekindling plan beside a "different conversation", whoever it is and whatever was shared.
    no_plan = leaning_apart or bool(out)
    plan = (
        ()
        if no_plan
        else choose_next_steps(
            combined, content.suggestions, "couple", MAX_NEXT_STEPS, content.guidance.step_rules, whose
        )
    )

    personal, shared_note = _couple_guidance(content, out, leaning_in, verdict_split, willing_split)
    starters = _starters(content, questionnaire, scales)
    worth_questions = {item.id: item.text for item in content.questionnaire(WORTH_IT).items if not item.safety}
    return CoupleComparison(
        shared={slot: _level(p) for slot, p in partners.items()},
        scales=tuple(scales),
        worth_it=worth_sides,
        worth_it_questions=worth_questions,
        differences=_differences(questionnaire, first, second, scales, {s.scale_id for s in starters}),
        starters=starters,
        plan=plan,
        leaning_apart=leaning_apart,
        professional_help=leaning_apart or "different_conversation" in kinds,
        personal_guidance=personal,
        shared_guidance=shared_note,
    )


def _note(band: Band | Reading) -> GuidanceNote:
    return GuidanceNote(band.title, band.text, band.sources)


def _couple_guidance(
    content: Content, out: set[int], leaning_in: set[int], verdict_split: bool, willing_split: bool
) -> tuple[dict[int, GuidanceNote], GuidanceNote | None]:
    """Who is told what when the two are in different places about the future.

    * One leans in, the other out (verdicts): the seed's "partner not on board" guidance
      to the one who wants to try, words of their own to the one with doubts, and to both
      a note that they are in different places.
    * Both out: the discernment guidance, to both.
    * Only the "both willing" answers differ: a note to both to talk about that first.
    """
    guidance = content.guidance
    personal: dict[int, GuidanceNote] = {}
    if verdict_split:
        for slot in out:
            personal[slot] = _note(guidance.couple.to_partner_stepping_back)
        for slot in leaning_in:
            personal[slot] = _note(guidance.partner_not_on_board)
        return personal, _note(guidance.couple.shared)
    if len(out) == 2:
        return personal, _note(guidance.discernment)
    if out:
        for slot in out:
            personal[slot] = _note(guidance.couple.to_partner_stepping_back)
        return personal, None
    if willing_split:
        return personal, _note(guidance.couple.willing_split)
    return personal, None


def _starters(content: Content, questionnaire: Questionnaire, scales: list[ScaleComparison]) -> tuple[Starter, ...]:
    """Openers for the scales seen most differently, then the shared growth areas."""
    sources = content.guidance.i_statements.sources
    ranked = sorted(
        (s for s in scales if s.category in ("seen_differently", "shared_growth")),
        key=lambda s: (s.category != "seen_differently", -(s.gap or 0.0), scale_order(questionnaire, s.scale_id)),
    )
    starters: list[Starter] = []
    for scale in ranked[:MAX_STARTERS]:
        text = questionnaire.scale(scale.scale_id).conversation_starter
        if not text:
            continue
        because = (
            "you see this differently" if scale.category == "seen_differently" else "you both see room to grow here"
        )
        starters.append(Starter(scale.scale_id, scale.title, text, sources, because))
    return tuple(starters)


def scale_order(questionnaire: Questionnaire, scale_id: str) -> int:
    return [s.id for s in questionnaire.scales].index(scale_id)


def prediction_reading(predicted: float | None, actual: float | None) -> str | None:
    """A gentle word on how well one partner read the other."""
    if predicted is None or actual is None:
        return None
    gap = abs(predicted - actual)
    if gap <= PREDICTION_CLOSE:
        return "read closely"
    return "guessed higher" if predicted > actual else "guessed lower"
