"""Comparing two partners: categories, differences, predictions, a shared plan.

Privacy is applied here, once, before anything reaches a page, a report or an
export: each partner's side is reduced to what that partner chose to share
("nothing", "scores" or "items"), and safety items never leave at all. The
comparison is symmetric: swapping the partners swaps the sides and nothing else.
The categories (:func:`categorise`) use scoring/bands.py's bands, as everywhere; what to
talk about is scoring/talk.py's; docs/CONTENT.md ("Rules and advice") gives the seeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from questions.guidance import Reading
from questions.loader import Content
from questions.schema import Band, Questionnaire
from scoring.bands import NEEDS_CARE, STRENGTH, band_of
from scoring.couple_data import Category, PartnerData, ScaleComparison, ShareLevel
from scoring.engine import score_questionnaire
from scoring.results import AnswerValue, NextStep, ScaleScore
from scoring.steps import MAX_NEXT_STEPS, choose_next_steps
from scoring.talk import ItemDifference, Starter, item_differences, openers

#: Scores this far apart are seen differently: one full answer step on every item of the scale,
#: on average (one step on one item of an n-item five-point scale moves its score 25/n points);
#: a convention, not a norm (docs/CONTENT.md "Scales and bands").
GAP = 25.0
#: A prediction this close to the partner's own score counts as "read well".
PREDICTION_CLOSE = 20.0

INTIMACY = "intimacy"
WORTH_IT = "worth_it"
PREDICTIONS_SUFFIX = ".predicted"


#: What each category means, for the pages and reports (beside scoring.bands.BANDS_NOTE).
CATEGORY_NOTE = (
    f"Seen differently: {GAP:.0f} or more points apart. Shared strength: both {STRENGTH:.0f} or more. "
    f"Both need care: both under {NEEDS_CARE:.0f}."
)

CATEGORY_TITLES: dict[str, str] = {
    "shared_strength": "Shared strength",
    "shared_growth": "Both need care",
    "seen_differently": "Seen differently",
    "in_between": "In between",
    "not_enough": "Not enough answers",
}


def predictions_id(questionnaire_id: str) -> str:
    """Where a partner's predictions of the other are stored."""
    return questionnaire_id + PREDICTIONS_SUFFIX


def categorise(a: float | None, b: float | None) -> Category:
    """Seen differently (GAP or more apart), else both a strength, else both needing care, else in between."""
    if a is None or b is None:
        return "not_enough"
    if abs(a - b) >= GAP:
        return "seen_differently"
    bands = {band_of(a), band_of(b)}
    if bands == {"strength"}:
        return "shared_strength"
    if bands == {"needs care"}:
        return "shared_growth"
    return "in_between"


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
    if _level(partner) == "nothing":
        return {}
    return guess_scores(questionnaire, partner.answers)


def guess_scores(questionnaire: Questionnaire, answers: Mapping[str, Mapping[str, AnswerValue]]) -> dict[str, float]:
    """The guesses about the partner among ``answers``, by topic, as 0-100."""
    if questionnaire.prediction_response_set is None:
        return {}
    rset = questionnaire.response_sets[questionnaire.prediction_response_set]
    raw = answers.get(predictions_id(questionnaire.id), {})
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


def _both_willing_split(content: Content, a: PartnerData, b: PartnerData) -> bool:
    """One says both are willing to work on it, the other says not (item level only)."""
    rule = content.questionnaire(WORTH_IT).verdict
    if rule is None or _level(a) != "items" or _level(b) != "items":
        return False
    values = {p.answers.get(WORTH_IT, {}).get("both_willing") for p in (a, b)}
    return {rule.yes_value, rule.no_value} <= values


def _combined(scale: ScaleComparison) -> tuple[ScaleScore, int | None] | None:
    """The couple's need on one topic: the larger of the two partners' needs (each with
    their own importance), so one partner's acute need is never averaged away; and the
    slot whose need that is (None on a tie)."""
    needs = {slot: n for slot in scale.scores if (n := scale.need(slot)) is not None}
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
        scales.append(
            ScaleComparison(
                scale_id=scale.id,
                title=scale.title,
                scores=by_slot,
                importance=importance,
                category=categorise(*by_slot.values()),
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

    # No rekindling plan beside a "different conversation", whoever it is and whatever was shared.
    plan: tuple[NextStep, ...] = ()
    if not (leaning_apart or out):
        both_items = all(_level(p) == "items" for p in partners.values())
        combined = [pair for compared in scales if (pair := _combined(compared)) is not None]
        # Whose need a step answers is said only where both shared item answers.
        whose = {scale.ref: slot for scale, slot in combined if both_items and slot is not None}
        rules = content.guidance.step_rules
        plan = choose_next_steps([s for s, _ in combined], content.suggestions, "couple", MAX_NEXT_STEPS, rules, whose)

    personal, shared_note = _couple_guidance(content, out, leaning_in, verdict_split, willing_split)
    starters = openers(content, questionnaire, scales)
    worth_questions = {item.id: item.text for item in content.questionnaire(WORTH_IT).items if not item.safety}
    return CoupleComparison(
        shared={slot: _level(p) for slot, p in partners.items()},
        scales=tuple(scales),
        worth_it=worth_sides,
        worth_it_questions=worth_questions,
        differences=item_differences(questionnaire, first, second, scales, {s.scale_id for s in starters}),
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
    if len(out) == 2:
        return {}, _note(guidance.discernment)
    personal = {slot: _note(guidance.couple.to_partner_stepping_back) for slot in out}
    if verdict_split:
        personal |= {slot: _note(guidance.partner_not_on_board) for slot in leaning_in}
        return personal, _note(guidance.couple.shared)
    if out or not willing_split:
        return personal, None
    return personal, _note(guidance.couple.willing_split)


def prediction_reading(predicted: float | None, actual: float | None) -> str | None:
    """A gentle word on how well one partner read the other."""
    if predicted is None or actual is None:
        return None
    gap = abs(predicted - actual)
    if gap <= PREDICTION_CLOSE:
        return "read closely"
    return "guessed higher" if predicted > actual else "guessed lower"
