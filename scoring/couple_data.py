"""The data of a couple's comparison: what goes in (each partner's answers and sharing
choice) and what comes out for each topic. scoring/compare.py works the comparison out;
scoring/talk.py picks what to talk about from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from scoring.results import AnswerValue, ScaleScore, Verdict
from scoring.steps import need

ShareLevel = Literal["nothing", "scores", "items"]
Category = Literal["shared_strength", "shared_growth", "seen_differently", "in_between", "not_enough"]


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

    def need(self, slot: int) -> float | None:
        """One partner's need on this topic (scoring.steps.need, with their own importance)."""
        score = self.scores.get(slot)
        if score is None:
            return None
        return need(ScaleScore("", self.scale_id, self.title, score, 0, 0, self.importance.get(slot)))
