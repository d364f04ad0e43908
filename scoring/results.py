"""Result types of scoring: plain frozen dataclasses that turn into JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

VerdictKind = Literal["worth_fighting_for", "different_conversation", "mixed"]

#: An answer is an option value, or a list of them for a multi-choice item.
AnswerValue = int | list[int]


@dataclass(frozen=True)
class ScaleScore:
    questionnaire_id: str
    scale_id: str
    title: str
    #: 0-100, or None when fewer than two thirds of the items were answered.
    score: float | None
    answered: int
    total: int
    #: The person's "how much does this matter to me right now" rating, if given.
    importance: int | None = None

    @property
    def ref(self) -> str:
        return f"{self.questionnaire_id}.{self.scale_id}"


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    title: str
    text: str
    sources: tuple[str, ...]
    yes: int
    no: int
    unsure: int


@dataclass(frozen=True)
class StageReading:
    stage_id: str
    title: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PersonReading:
    """A reading for one person beyond the stages (questions/data/guidance.yaml ``readings``)."""

    reading_id: str
    title: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class QuestionnaireResult:
    questionnaire_id: str
    title: str
    version: int
    scales: tuple[ScaleScore, ...]
    answered: int
    total: int
    verdict: Verdict | None = None
    #: True when an answer says the relationship is not safe.
    safety_concern: bool = False
    #: Checklist item ids answered "yes".
    support_signs: tuple[str, ...] = ()
    support_flag: bool = False
    stages: tuple[StageReading, ...] = ()
    #: The answers may not reflect the person: "same_answers" (one option everywhere) or
    #: "contradictory" (a statement and its opposite agreed with on several topics); see
    #: :func:`scoring.engine.consistency`. None when nothing stands out.
    consistency: str | None = None

    def scale(self, scale_id: str) -> ScaleScore:
        return {scale.scale_id: scale for scale in self.scales}[scale_id]


@dataclass(frozen=True)
class NextStep:
    suggestion_id: str
    title: str
    text: str
    effort: str
    minutes: int | None
    sources: tuple[str, ...]
    #: The scale this step was chosen for, e.g. ``intimacy.communication``.
    because_of: str
    #: A couple's plan: the partner (slot) whose need the step answers first, where both
    #: shared item answers and one partner's need is the larger; otherwise None.
    whose: int | None = None


@dataclass(frozen=True)
class Profile:
    """Everything the results page shows for one person."""

    results: dict[str, QuestionnaireResult]
    strengths: tuple[ScaleScore, ...]
    growth_areas: tuple[ScaleScore, ...]
    next_steps: tuple[NextStep, ...]
    safety_concern: bool
    #: Outside help is suggested (support signs, or a "different conversation").
    professional_help: bool
    #: Individual (not couples) support: always so under the safety override.
    individual_support: bool = False
    notes: tuple[str, ...] = field(default=())
    #: Readings beyond the stage reading (not seeing each other, a partner not on board...).
    readings: tuple[PersonReading, ...] = ()
    #: A "different conversation" (the verdict, or someone thinking of leaving): the next
    #: steps are discernment steps, with guidance on finding professional help.
    discernment: bool = False

    @property
    def scales(self) -> tuple[ScaleScore, ...]:
        return tuple(s for r in self.results.values() for s in r.scales)


def to_jsonable(value: Any) -> Any:
    """Dataclasses (and tuples of them) as JSON-ready dicts and lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
