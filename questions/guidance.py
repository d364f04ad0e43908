"""Typed schema of guidance.yaml (fixed texts, readings, partner guidance) and the suggestion files.

Validated when the app starts, as the questionnaires are (``questions.loader``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from questions.schema import SLUG_PATTERN, Band, Rule, Slug, Sources, Strict

Effort = Literal["low", "medium", "high"]


class Suggestion(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    #: The scales (``questionnaire.scale``) this step serves.
    scales: tuple[str, ...] = Field(min_length=1)
    effort: Effort
    minutes: int | None = Field(default=None, ge=1)
    sources: Sources
    #: Who it suits: a person alone, a couple together, or both.
    audience: tuple[Literal["solo", "couple"], ...] = ("solo", "couple")
    #: ``rekindle``: a step towards closeness. ``discernment``: a step for someone weighing
    #: whether to stay (a "different conversation"), offered instead of rekindling steps.
    #: ``maintain``: light upkeep of what works, where no topic calls for more.
    purpose: Literal["rekindle", "discernment", "maintain"] = "rekindle"

    @field_validator("scales")
    @classmethod
    def _qualified(cls, scales: tuple[str, ...]) -> tuple[str, ...]:
        for ref in scales:
            if not re.match(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", ref):
                raise ValueError(f"{ref!r} must be 'questionnaire.scale'")
        return scales


class Phone(Strict):
    """A number to call, shown as a tap-to-call link (``tel:``) built from this data."""

    #: As people write it, e.g. "0808 801 0327".
    label: str = Field(min_length=1)
    #: Digits only, with a leading + for an international number.
    number: str = Field(pattern=r"^\+?[0-9]{3,15}$")

    @property
    def tel_url(self) -> str:
        return f"tel:{self.number}"


class Resource(Strict):
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    #: A phone number, text line or address, shown as plain text.
    contact: str | None = None
    url: str | None = Field(default=None, pattern=r"^https://")
    #: The numbers in ``contact`` to offer as tap-to-call links.
    phones: tuple[Phone, ...] = ()


class HelpKind(Strict):
    id: Slug = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    sources: Sources


class Reading(Rule):
    """A reading for one person, shown when its rule holds on their answers.

    Condition references are qualified: ``intimacy.emotional_openness``,
    ``worth_it.both_willing``, ``intimacy.sexual_slump`` (a stage)."""

    id: Slug = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    sources: Sources
    #: Also shown to someone weighing whether to stay (a "different conversation").
    in_discernment: bool = False


#: The reading that is also the couple's guidance for the partner who wants to try.
PARTNER_NOT_ON_BOARD = "partner_not_on_board"


class DiscernmentRule(Band):
    """When rekindling steps give way to discernment: a verdict of one of ``verdicts``, or a
    checklist sign of ``signs`` (``questionnaire.item``) answered yes."""

    verdicts: tuple[Literal["worth_fighting_for", "different_conversation", "mixed"], ...] = ()
    signs: tuple[str, ...] = ()
    #: How to find help: what it is, individual and couples options.
    finding_help: Band


class StepRules(Strict):
    """How the chosen next steps are ordered (scoring.steps.choose_next_steps)."""

    #: Topics whose steps come first (the seeds: emotional closeness before the physical side).
    first: tuple[str, ...] = ()


class CoupleGuidance(Strict):
    """Words for a couple who are in different places about the future.

    Addressed to one partner (``to_partner_who_wants_to_try`` is the seed's guidance when
    a partner isn't on board; ``to_partner_stepping_back``), or to both at once (``shared``:
    what a shared screen shows, ``willing_split``: when they answered differently whether
    both are willing to work on it)."""

    to_partner_stepping_back: Band
    shared: Band
    willing_split: Band


class Guidance(Strict):
    """Fixed texts: safety resources, kinds of professional help, partner guidance."""

    #: Each seed file's article title, shown wherever a source is cited, downloads included
    #: (the file name stays in the data and the CLI); see ``questions.loader.source_title``.
    source_titles: dict[str, str] = Field(min_length=1)
    safety_title: str
    safety_text: str
    safety_sources: Sources
    #: Why the safety text departs from its seed (required: it does, on purpose).
    safety_note: str = Field(min_length=1)
    safety_resources: tuple[Resource, ...] = Field(min_length=1)
    individual_support: Band
    professional_help: Band
    help_kinds: tuple[HelpKind, ...] = Field(min_length=1)
    start_small: Band
    not_therapy: str
    #: Couple mode: the weekly check-in that frames the conversation starters.
    weekly_checkin: Band
    #: Couple mode: how to speak in "I" statements.
    i_statements: Band
    #: A "different conversation": discernment instead of rekindling.
    discernment: DiscernmentRule
    #: Couple mode: partners in different places about the future.
    couple: CoupleGuidance
    #: Readings for one person, each shown when its rule holds (scoring.engine.readings).
    readings: tuple[Reading, ...] = ()
    step_rules: StepRules = StepRules()

    @model_validator(mode="after")
    def _has_partner_guidance(self) -> Guidance:
        if not any(reading.id == PARTNER_NOT_ON_BOARD for reading in self.readings):
            raise ValueError(f"readings: the {PARTNER_NOT_ON_BOARD!r} reading is needed (couples use it too)")
        return self

    @property
    def partner_not_on_board(self) -> Reading:
        """What to do when a partner isn't on board (001), to the partner who wants to try."""
        return next(reading for reading in self.readings if reading.id == PARTNER_NOT_ON_BOARD)


class SuggestionFile(Strict):
    suggestions: tuple[Suggestion, ...] = Field(min_length=1)
