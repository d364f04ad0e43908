"""What a couple is invited to talk about: the items they answered furthest apart, and
conversation starters for the topics they see differently or both find hard.

* Item differences (only when both shared item answers): the widest gaps first; among
  equal gaps, a topic not yet shown, then the one that matters more to the couple, then
  the one they see most differently. A "Try saying" opener appears once per topic, and
  never for a topic that already has a conversation starter. "Doesn't apply to us" is no
  difference.
* Starters: the topics seen most differently, then the topics both partners say need care.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from questions.loader import Content
from questions.schema import Questionnaire
from scoring.couple_data import PartnerData, ScaleComparison
from scoring.engine import counts, item_points
from scoring.steps import NEUTRAL_IMPORTANCE

#: Item answers this far apart (on 0-100) count as a real difference: two steps
#: on a five-point scale.
ITEM_GAP = 50.0
MAX_DIFFERENCES = 5
MAX_STARTERS = 3


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


def item_differences(
    questionnaire: Questionnaire,
    a: PartnerData,
    b: PartnerData,
    scales: list[ScaleComparison],
    with_starter: set[str],
) -> tuple[ItemDifference, ...]:
    """The items answered furthest apart, most relevant first (see the module docstring)."""
    if a.share_level != "items" or b.share_level != "items":
        return ()
    answers_a = a.answers.get(questionnaire.id, {})
    answers_b = b.answers.get(questionnaire.id, {})
    by_scale = {s.scale_id: s for s in scales}
    found: list[tuple[float, int, ItemDifference]] = []  # (the unrounded gap, file order, the difference)
    for order, item in enumerate(questionnaire.items):
        if item.kind != "scored" or item.safety or item.scale is None:
            continue
        value_a, value_b = answers_a.get(item.id), answers_b.get(item.id)
        if not isinstance(value_a, int) or not isinstance(value_b, int):
            continue
        if not (counts(questionnaire, item, answers_a) and counts(questionnaire, item, answers_b)):
            continue  # "doesn't apply to us" is no difference to talk about
        gap = abs(item_points(questionnaire, item, value_a) - item_points(questionnaire, item, value_b))
        if gap >= ITEM_GAP:
            rset = questionnaire.response_set_of(item)
            difference = ItemDifference(
                item_id=item.id,
                text=item.text,
                scale_id=item.scale,
                scale_title=questionnaire.scale(item.scale).title,
                labels={a.slot: rset.label_for(value_a), b.slot: rset.label_for(value_b)},
                gap=round(gap, 1),
            )
            found.append((gap, order, difference))
    chosen: list[ItemDifference] = []
    shown: dict[str, int] = {}
    while found and len(chosen) < MAX_DIFFERENCES:
        best = min(
            found,
            key=lambda entry: (
                -entry[0],
                shown.get(entry[2].scale_id, 0),
                -scale_relevance(by_scale[entry[2].scale_id]),
                entry[1],
            ),
        )
        found.remove(best)
        difference = best[2]
        scale_id = difference.scale_id
        if scale_id not in shown and scale_id not in with_starter:
            # One opener per topic, and none where a conversation starter already has it.
            difference = dataclasses.replace(difference, starter=questionnaire.scale(scale_id).conversation_starter)
        shown[scale_id] = shown.get(scale_id, 0) + 1
        chosen.append(difference)
    return tuple(chosen)


def scale_relevance(scale: ScaleComparison) -> float:
    """How much a topic calls for talk: how much it matters to whichever partner it matters
    more to (1-5), then how differently they see it, then the larger need."""
    importance = max((i for i in scale.importance.values() if i is not None), default=NEUTRAL_IMPORTANCE)
    need_here = max((scale.need(slot) or 0.0) for slot in scale.scores)
    return importance * 1_000_000 + (scale.gap or 0.0) * 1_000 + need_here


def openers(content: Content, questionnaire: Questionnaire, scales: list[ScaleComparison]) -> tuple[Starter, ...]:
    """Openers for the scales seen most differently, then the topics both partners say need care."""
    sources = content.guidance.i_statements.sources
    order = [s.id for s in questionnaire.scales]
    ranked = sorted(
        (s for s in scales if s.category in ("seen_differently", "shared_growth")),
        key=lambda s: (s.category != "seen_differently", -(s.gap or 0.0), order.index(s.scale_id)),
    )
    found: list[Starter] = []
    for scale in ranked[:MAX_STARTERS]:
        text = questionnaire.scale(scale.scale_id).conversation_starter
        if not text:
            continue
        because = (
            "you see this differently" if scale.category == "seen_differently" else "you both see room to grow here"
        )
        found.append(Starter(scale.scale_id, scale.title, text, sources, because))
    return tuple(found)
