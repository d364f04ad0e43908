"""Typed schema of the questionnaire files (guidance and suggestions: ``questions.guidance``).

Every file under ``questions/data`` is validated against these models when the
app starts; a bad file stops the app with one message naming the file and the
field (see ``questions.loader``). Nothing here imports Streamlit or storage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

#: Seeds are cited by file name, e.g. ``001_c9d6df4d0b5d511b.txt``.
SEED_PATTERN = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"

Slug = str
ItemKind = Literal["verdict", "scored", "importance", "checklist", "context"]


class Strict(BaseModel):
    """Base: unknown fields are an error and models are immutable.

    Being immutable, a model may cache what it derives from its fields
    (``functools.cached_property``, kept in ``__dict__`` beside the fields and
    ignored by ``==``); a copy made with other field values derives it afresh.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Why this entry departs from the seeds on purpose (documentation only, never shown;
    #: docs/CONTENT.md lists every note).
    note: str | None = None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        for cached in copied.__dict__.keys() - type(self).model_fields.keys():
            del copied.__dict__[cached]
        return copied


def _check_sources(sources: tuple[str, ...]) -> tuple[str, ...]:
    if not sources:
        raise ValueError("at least one seed citation is required")
    for source in sources:
        if not SEED_PATTERN.match(source):
            raise ValueError(f"{source!r} is not a seed file name like '001_c9d6df4d0b5d511b.txt'")
    return sources


Sources = Annotated[tuple[str, ...], AfterValidator(_check_sources)]


class Option(Strict):
    value: int
    label: str = Field(min_length=1)
    #: "Doesn't apply to us": saved as given, scored as unanswered (scoring.engine.counts).
    not_applicable: bool = False


class ResponseSet(Strict):
    options: tuple[Option, ...] = Field(min_length=2)
    #: A multi-choice set stores a list of option values.
    multi: bool = False

    @field_validator("options")
    @classmethod
    def _distinct_values(cls, options: tuple[Option, ...]) -> tuple[Option, ...]:
        values = [o.value for o in options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be distinct")
        if sum(o.not_applicable for o in options) > 1 or len(options) - sum(o.not_applicable for o in options) < 2:
            raise ValueError("at most one option is 'not applicable', beside at least two others")
        return options

    @cached_property
    def values(self) -> tuple[int, ...]:
        return tuple(o.value for o in self.options)

    @cached_property
    def allowed(self) -> frozenset[int]:
        """The option values, to test an answer against."""
        return frozenset(self.values)

    @cached_property
    def not_applicable(self) -> frozenset[int]:
        """The value of a "doesn't apply" option (none or one): saved, scored as unanswered."""
        return frozenset(o.value for o in self.options if o.not_applicable)

    @cached_property
    def min_value(self) -> int:
        """The lowest value that is scored (a "doesn't apply" option is not)."""
        return min(v for v in self.values if v not in self.not_applicable)

    @cached_property
    def max_value(self) -> int:
        return max(v for v in self.values if v not in self.not_applicable)

    def label_for(self, value: int) -> str:
        return {option.value: option.label for option in self.options}[value]


class Scale(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    #: One sentence saying what a high score means, in kind language.
    description: str = Field(min_length=1)
    sources: Sources
    #: Couple mode: the question asking a partner to predict the other's view.
    prediction_prompt: str | None = None
    #: Couple mode: an "I"-statement opener for talking about this scale.
    conversation_starter: str | None = None


class Item(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    text: str = Field(min_length=1)
    kind: ItemKind
    response_set: Slug
    scale: Slug | None = None
    reverse: bool = False
    #: An answer on the unsafe side of a safety item overrides every other result.
    safety: bool = False
    #: For safety items: the option values that raise the safety concern.
    unsafe_values: tuple[int, ...] = ()
    sources: Sources
    help: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.kind in ("scored", "importance", "verdict") and self.scale is None:
            raise ValueError(f"a {self.kind} item needs a scale")
        if self.kind in ("checklist", "context") and self.scale is not None:
            raise ValueError(f"a {self.kind} item takes no scale")
        if self.reverse and self.kind != "scored":
            raise ValueError("only scored items can be reverse-keyed")
        if self.safety and not self.unsafe_values:
            raise ValueError("a safety item must list its unsafe_values")
        if self.unsafe_values and not self.safety:
            raise ValueError("unsafe_values is only for safety items")
        return self


class Section(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    intro: str | None = None
    items: tuple[Item, ...] = Field(min_length=1)
    #: Items of a shuffled section may be shown in a per-person order.
    shuffle: bool = False


class Band(Strict):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    sources: Sources


class VerdictRule(Strict):
    """The seed's rule: yes to most -> worth fighting for; no to most -> talk."""

    yes_value: int
    no_value: int
    #: "Most" of the questions: at least this many answers of one kind.
    most: int = Field(ge=1)
    worth_fighting_for: Band
    different_conversation: Band
    mixed: Band
    #: Instead of ``worth_fighting_for`` for a person with nothing to fight about: every
    #: scale a strength (scoring.verdict.fitting_verdict).
    thriving: Band | None = None


#: ``scale`` or ``questionnaire.scale``: bare inside a questionnaire, qualified in guidance.yaml.
REF_PATTERN = r"^([a-z][a-z0-9_]*\.)?[a-z][a-z0-9_]*$"


class Condition(Strict):
    """One test on a person's answers: a scale below a line, an answer among some values,
    or (guidance readings only) a stage reading given.

    * ``{scale: x, below: 50}``: the scale has a score and it is below 50.
    * ``{item: x, values: [1]}``: the item was answered with one of the values (for a
      multi-choice item: any of them was chosen).
    * ``{item: x, not_values: [1]}``: the item was not answered with one of the values
      (unanswered counts as "not").
    * ``{stage: x}``: the stage reading is the one given (guidance readings only).
    """

    scale: str | None = Field(default=None, pattern=REF_PATTERN)
    below: float | None = Field(default=None, gt=0, le=100)
    item: str | None = Field(default=None, pattern=REF_PATTERN)
    values: tuple[int, ...] = ()
    not_values: tuple[int, ...] = ()
    stage: str | None = Field(default=None, pattern=REF_PATTERN)

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [self.scale is not None, self.item is not None, self.stage is not None]
        if sum(kinds) != 1:
            raise ValueError("a condition names exactly one of scale, item or stage")
        if (self.scale is None) != (self.below is None):
            raise ValueError("a scale condition needs 'below' (and only a scale condition takes it)")
        if self.item is not None and bool(self.values) == bool(self.not_values):
            raise ValueError("an item condition needs either 'values' or 'not_values'")
        if self.item is None and (self.values or self.not_values):
            raise ValueError("'values' and 'not_values' are for item conditions")
        return self

    def refs(self) -> tuple[str, str]:
        """(what, reference): ``("scale", "intimacy.affection")`` and the like."""
        if self.scale is not None:
            return "scale", self.scale
        if self.item is not None:
            return "item", self.item
        return "stage", self.stage or ""


class Rule(Strict):
    """When a reading applies: every condition of ``requires``, and at least ``min_matches``
    of ``conditions`` (all of them by default; none needed when there are none)."""

    requires: tuple[Condition, ...] = ()
    conditions: tuple[Condition, ...] = ()
    min_matches: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _something(self) -> Rule:
        if not self.requires and not self.conditions:
            raise ValueError("a rule needs at least one condition")
        if self.min_matches is not None and self.min_matches > len(self.conditions):
            raise ValueError("min_matches is more than the number of conditions")
        return self

    @property
    def all_conditions(self) -> tuple[Condition, ...]:
        return self.requires + self.conditions


class Stage(Rule):
    """A gentle reading of where answers sit on the roadmap of intimate breakdown.

    The stages are listed in roadmap order; a person is shown only the furthest one
    whose rule holds (scoring.engine.stage_reading)."""

    id: Slug = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    sources: Sources


class SupportRule(Strict):
    """How many checklist signs flag that outside support may help.

    A sign in ``enough_alone`` flags it on its own; the others need ``min_signs`` in all."""

    min_signs: int = Field(ge=1)
    enough_alone: tuple[Slug, ...] = ()
    band: Band


class Questionnaire(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    minutes: int = Field(ge=1)
    sources: Sources
    response_sets: dict[Slug, ResponseSet]
    scales: tuple[Scale, ...] = Field(min_length=1)
    sections: tuple[Section, ...] = Field(min_length=1)
    verdict: VerdictRule | None = None
    support: SupportRule | None = None
    stages: tuple[Stage, ...] = ()
    #: Couple mode: the response set a partner uses to predict the other's view
    #: of each scale (scored like a scale item, 0-100).
    prediction_response_set: Slug | None = None
    #: Scored items of near-opposite (or near-identical) meaning: a careful person's two
    #: answers, a reverse-keyed one mirrored, land close (scoring.engine.consistency).
    consistency_pairs: tuple[tuple[Slug, Slug], ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Questionnaire:
        scale_ids = [s.id for s in self.scales]
        _no_duplicates("scales", scale_ids)
        _no_duplicates("sections", [s.id for s in self.sections])
        _no_duplicates("items", [i.id for s in self.sections for i in s.items])
        for section in self.sections:
            for item in section.items:
                where = f"sections.{section.id}.items.{item.id}"
                if item.response_set not in self.response_sets:
                    raise ValueError(f"{where}.response_set: unknown response set {item.response_set!r}")
                rset = self.response_sets[item.response_set]
                if item.scale is not None and item.scale not in scale_ids:
                    raise ValueError(f"{where}.scale: unknown scale {item.scale!r}")
                if rset.multi and item.kind != "context":
                    raise ValueError(f"{where}.response_set: only context items can be multi-choice")
                if rset.not_applicable and item.kind != "scored":
                    raise ValueError(f"{where}.response_set: only scored items can offer 'does not apply'")
                bad = [v for v in item.unsafe_values if v not in rset.values]
                if bad:
                    raise ValueError(f"{where}.unsafe_values: {bad} are not values of {item.response_set!r}")
        for scale_id in scale_ids:
            kinds = [i.kind for i in self.items if i.scale == scale_id]
            if not any(k in ("scored", "verdict") for k in kinds):
                raise ValueError(f"scales.{scale_id}: no item measures this scale")
            if kinds.count("importance") > 1:
                raise ValueError(f"scales.{scale_id}: more than one importance item")
        if self.verdict is not None:
            for item in self.items:
                if item.kind == "verdict":
                    values = self.response_sets[item.response_set].values
                    for name in ("yes_value", "no_value"):
                        if getattr(self.verdict, name) not in values:
                            raise ValueError(f"verdict.{name}: not a value of {item.response_set!r}")
        elif any(i.kind == "verdict" for i in self.items):
            raise ValueError("verdict: verdict items need a verdict rule")
        _no_duplicates("stages", [s.id for s in self.stages])
        items = self.items_by_id
        for stage in self.stages:
            for condition in stage.all_conditions:
                kind, ref = condition.refs()
                where = f"stages.{stage.id}.conditions"
                if kind == "stage" or "." in ref:
                    raise ValueError(f"{where}: a stage condition names a scale or an item of its own questionnaire")
                if kind == "scale" and ref not in scale_ids:
                    raise ValueError(f"{where}: unknown scale {ref!r}")
                if kind == "item":
                    if ref not in items:
                        raise ValueError(f"{where}: unknown item {ref!r}")
                    rset = self.response_sets[items[ref].response_set]
                    if rset.multi:
                        # Stages are computed in bulk too (scoring/vectorised.py), on one-choice answers.
                        raise ValueError(f"{where}: {ref!r} is multi-choice; stages use one-choice items")
                    bad = [v for v in condition.values + condition.not_values if v not in rset.values]
                    if bad:
                        raise ValueError(f"{where}: {bad} are not values of {ref!r}")
        for pair in self.consistency_pairs:
            if any(item_id not in items or items[item_id].kind != "scored" for item_id in pair):
                raise ValueError(f"consistency_pairs: {list(pair)} are not two scored items")
        if self.support is None and any(i.kind == "checklist" for i in self.items):
            raise ValueError("support: checklist items need a support rule")
        if self.support is not None:
            for sign in self.support.enough_alone:
                if sign not in items or items[sign].kind != "checklist" or items[sign].safety:
                    raise ValueError(f"support.enough_alone: {sign!r} is not a checklist sign")
        if self.prediction_response_set is not None:
            if self.prediction_response_set not in self.response_sets:
                raise ValueError(f"prediction_response_set: unknown response set {self.prediction_response_set!r}")
            for scale in self.scales:
                if not scale.prediction_prompt:
                    raise ValueError(f"scales.{scale.id}.prediction_prompt: needed for predictions")
                if not scale.conversation_starter:
                    raise ValueError(f"scales.{scale.id}.conversation_starter: needed for the comparison")
        return self

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def items_by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def items_by_scale(self) -> dict[str, tuple[Item, ...]]:
        """Each scale's items (scored, verdict and importance), in questionnaire order."""
        return {scale.id: tuple(i for i in self.items if i.scale == scale.id) for scale in self.scales}

    def item(self, item_id: str) -> Item:
        return self.items_by_id[item_id]

    def scale(self, scale_id: str) -> Scale:
        return {scale.id: scale for scale in self.scales}[scale_id]

    def response_set_of(self, item: Item) -> ResponseSet:
        return self.response_sets[item.response_set]


def _no_duplicates(what: str, ids: list[str]) -> None:
    for index, identifier in enumerate(ids):
        if identifier in ids[:index]:
            raise ValueError(f"{what}: duplicate id {identifier!r}")
