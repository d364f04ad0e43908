"""Who may see what of a person's answers: the one place that decides.

Every page, report, export and the command line asks this module; none of them
restates a rule. Pure Python: no Streamlit, no database.

The viewers:

* ``self``: the person about their own answers (results page, their report and
  JSON file, the command line).
* ``partner``: the other partner of a couple (the comparison, the couple's
  report and JSON file). On their own device a partner also sees their own
  guesses about the other (viewer ``self``), whatever they shared.
* ``counselor_shared``: what a counselor puts on a shared screen or hands to
  the couple (presentation view, couple report, homework picked from the plan).
* ``counselor_private``: the counselor's private panel and CSV export.

The rules (``visible`` below, tested as a table in tests/scoring/test_visibility.py):

1. Safety first. An answer on the unsafe side of a safety question ("No" or
   "Not sure" to feeling safe, abuse ticked) means the person sees support
   resources and no exercise, no stage reading and no verdict. Nobody but the
   person and, with consent, their counselor's private panel ever learns of it:
   to the partner and on a shared screen such a person looks exactly like one
   who shared nothing.
2. A partner sees what the person chose to share: ``scores`` (topic scores and
   the worth-it verdict), or ``items`` (also item answers, how much each topic
   matters, and their guesses about the partner), or ``nothing``.
3. A counselor sees only partners who agreed to share with them. A shared
   screen never shows item answers. The private panel shows safety and support
   answers, and the scores the person shared.
4. Safety answers never leave their owner except to that private panel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from questions.loader import Content
from scoring.compare import INTIMACY, WORTH_IT, CoupleComparison, compare, guess_scores, predictions_id
from scoring.couple_data import PartnerData, ShareLevel
from scoring.engine import build_profile
from scoring.results import AnswerValue, Profile, QuestionnaireResult

Viewer = Literal["self", "partner", "counselor_shared", "counselor_private"]
VIEWERS: tuple[Viewer, ...] = ("self", "partner", "counselor_shared", "counselor_private")
SHARE_LEVELS: tuple[ShareLevel, ...] = ("nothing", "scores", "items")

Answers = Mapping[str, Mapping[str, AnswerValue]]


@dataclass(frozen=True)
class SafetyConcern:
    """One answer that says the relationship may not be safe."""

    questionnaire_id: str
    item_id: str
    question: str
    answer: str


@dataclass(frozen=True)
class Subject:
    """The person whose answers are looked at, as far as visibility goes."""

    safe: bool
    share_level: ShareLevel | None = None
    counselor_consent: bool = False


@dataclass(frozen=True)
class Visible:
    """What one viewer may see of one subject's answers."""

    scores: bool = False
    verdict: bool = False
    items: bool = False
    importance: bool = False
    predictions: bool = False
    #: Safety and support answers, and which answer raised a concern.
    safety: bool = False
    #: Exercises, stage readings and other readings, discernment guidance, conversation
    #: starters and the check-in: anything that invites the person to work on the
    #: relationship.
    exercises: bool = False
    #: Support resources in place of exercises.
    safety_resources: bool = False


NOTHING = Visible()


def safety_concerns(content: Content, answers: Answers) -> tuple[SafetyConcern, ...]:
    """Every answer on the unsafe side of a safety question, in questionnaire order."""
    found: list[SafetyConcern] = []
    for qid, questionnaire in content.questionnaires.items():
        given = answers.get(qid, {})
        for item in questionnaire.items:
            value = given.get(item.id)
            if item.safety and isinstance(value, int) and value in item.unsafe_values:
                label = questionnaire.response_set_of(item).label_for(value)
                found.append(SafetyConcern(qid, item.id, item.text, label))
    return tuple(found)


def is_safe(content: Content, answers: Answers) -> bool:
    return not safety_concerns(content, answers)


def visible(viewer: Viewer, subject: Subject) -> Visible:
    """The table: what ``viewer`` may see of ``subject``."""
    if viewer == "self":
        return Visible(
            scores=True,
            verdict=subject.safe,
            items=True,
            importance=True,
            predictions=True,
            safety=True,
            exercises=subject.safe,
            safety_resources=not subject.safe,
        )
    if viewer == "counselor_private":
        if not subject.counselor_consent:
            return NOTHING
        shared = (subject.share_level or "nothing") != "nothing"
        return Visible(scores=shared, verdict=shared, safety=True)
    # The partner and a shared screen: an unsafe person looks like one who shared nothing.
    level = subject.share_level or "nothing"
    if viewer == "counselor_shared":
        if not subject.counselor_consent:
            return NOTHING
        level = "scores" if level == "items" else level  # never item answers on a shared screen
    if not subject.safe or level == "nothing":
        return NOTHING
    items = level == "items"
    return Visible(scores=True, verdict=True, items=items, importance=items, predictions=items, exercises=True)


# A person's own view ---------------------------------------------------------


def own_profile(profile: Profile) -> Profile:
    """A profile as its owner may see it (page, report, JSON, command line).

    Under a safety concern: no verdict, no stage reading or other reading, no step, no
    discernment guidance; support resources and individual support instead
    (``Profile.safety_concern``).
    """
    seen = visible("self", Subject(safe=not profile.safety_concern))
    if seen.exercises and seen.verdict:
        return profile
    results = {
        qid: dataclasses.replace(
            result,
            verdict=result.verdict if seen.verdict else None,
            stages=result.stages if seen.exercises else (),
        )
        for qid, result in profile.results.items()
    }
    return dataclasses.replace(
        profile,
        results=results,
        next_steps=profile.next_steps if seen.exercises else (),
        readings=profile.readings if seen.exercises else (),
        discernment=profile.discernment and seen.exercises,
        individual_support=profile.individual_support or seen.safety_resources,
        professional_help=profile.professional_help or seen.safety_resources,
    )


def profile_for_self(content: Content, answers: Answers) -> Profile:
    """A person's profile as they may see it: what every page, report and export of
    their own results starts from."""
    return own_profile(build_profile(content, answers))


def own_results(results: Mapping[str, QuestionnaireResult], safe: bool) -> dict[str, QuestionnaireResult]:
    """Per-questionnaire results as their owner may see them, given the person's safety
    across every questionnaire (an answer in one questionnaire counts for all)."""
    seen = visible("self", Subject(safe=safe))
    return {
        qid: dataclasses.replace(
            result,
            verdict=result.verdict if seen.verdict else None,
            stages=result.stages if seen.exercises else (),
            safety_concern=not safe,
        )
        for qid, result in results.items()
    }


# A couple --------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    """One partner as stored: answers, sharing choice and consent to a counselor."""

    slot: int
    answers: Answers
    share_level: ShareLevel | None
    counselor_consent: bool = False


def subject_of(content: Content, partner: Partner) -> Subject:
    return Subject(
        safe=is_safe(content, partner.answers),
        share_level=partner.share_level,
        counselor_consent=partner.counselor_consent,
    )


def shown_partner(content: Content, viewer: Viewer, partner: Partner) -> PartnerData:
    """The part of a partner's answers that ``viewer`` may see, with the share level it
    amounts to. Safety answers never pass; below ``items`` neither do the importance
    ratings and the guesses about the other partner."""
    seen = visible(viewer, subject_of(content, partner))
    level: ShareLevel = "items" if seen.items else "scores" if seen.scores else "nothing"
    if level == "nothing":
        return PartnerData(partner.slot, {}, "nothing")
    kept: dict[str, dict[str, AnswerValue]] = {}
    for qid, questionnaire in content.questionnaires.items():
        given = partner.answers.get(qid, {})
        kept[qid] = {
            item.id: given[item.id]
            for item in questionnaire.items
            if item.id in given
            and not item.safety
            and item.kind != "checklist"
            and (item.kind != "importance" or seen.importance)
            and (item.kind != "context" or seen.items)
        }
        guesses = partner.answers.get(predictions_id(qid), {})
        if seen.predictions and guesses:
            kept[predictions_id(qid)] = dict(guesses)
    # The verdict the partner saw on their own results: the engine's, on all their answers
    # (in the words that fit them, scoring.verdict). Only a safe partner is visible here, so
    # it can never be a verdict beside a safety concern, and it says nothing of the safety
    # answer that the verdict itself doesn't.
    verdict = None
    if seen.verdict and WORTH_IT in content.questionnaires:
        verdict = build_profile(content, partner.answers).results[WORTH_IT].verdict
    return PartnerData(partner.slot, kept, level, verdict)


def couple_comparison(
    content: Content, viewer: Viewer, first: Partner, second: Partner, viewer_slot: int | None = None
) -> CoupleComparison:
    """The comparison a viewer may see.

    ``viewer_slot``: a partner on their own device; their own safety decides whether
    exercises are offered to them. On a shared screen (one device, a counselor's screen)
    there is no viewer slot: a partner who is not safe is already hidden there like one
    who shared nothing, and nothing else may depend on it.
    """
    comparison = compare(content, shown_partner(content, viewer, first), shown_partner(content, viewer, second))
    # Words addressed to one partner reach that partner alone: on their own device only.
    personal = {slot: note for slot, note in comparison.personal_guidance.items() if slot == viewer_slot}
    comparison = dataclasses.replace(comparison, personal_guidance=personal)
    if viewer_slot is None:
        return comparison
    own = first if first.slot == viewer_slot else second
    if visible("self", subject_of(content, own)).predictions:
        # A partner's own guesses are theirs to see, whatever they shared with the other.
        guesses = guess_scores(content.questionnaire(INTIMACY), own.answers)
        scales = [
            dataclasses.replace(s, predictions={**s.predictions, own.slot: guesses.get(s.scale_id)})
            for s in comparison.scales
        ]
        comparison = dataclasses.replace(comparison, scales=tuple(scales))
    if visible("self", subject_of(content, own)).exercises:
        return comparison
    return without_exercises(comparison)


def without_exercises(comparison: CoupleComparison) -> CoupleComparison:
    """The comparison with nothing that invites work on the relationship."""
    differences = tuple(dataclasses.replace(d, starter=None) for d in comparison.differences)
    return dataclasses.replace(
        comparison,
        plan=(),
        starters=(),
        differences=differences,
        leaning_apart=False,
        exercises=False,
        personal_guidance={},
        shared_guidance=None,
    )


# A counselor's private panel -------------------------------------------------


class RaisedFlag(Protocol):
    """A safety concern as kept when it was raised (storage's ``FlagRecord``)."""

    @property
    def questionnaire_id(self) -> str: ...
    @property
    def item_id(self) -> str: ...
    @property
    def raised_at(self) -> datetime: ...
    @property
    def changed_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class ConcernRaised:
    """A safety question a partner once answered on the unsafe side: when, and when that
    answer changed or was cleared (None: it stands). An answer changed under pressure
    never erases it."""

    question: str
    raised_at: datetime
    changed_at: datetime | None


@dataclass(frozen=True)
class PrivatePanel:
    """What the counselor alone sees of one partner: safety answers and support signs."""

    slot: int
    concerns: tuple[SafetyConcern, ...]
    #: The support checklist's signs answered "yes" (question texts).
    support_signs: tuple[str, ...]
    #: Every safety concern ever raised in this assessment, oldest first.
    history: tuple[ConcernRaised, ...] = ()


def private_panel(content: Content, partner: Partner, flags: Sequence[RaisedFlag] = ()) -> PrivatePanel | None:
    """None unless the partner agreed to share with the counselor. ``flags``: the concerns
    this partner ever raised (kept by storage), shown with their times."""
    if not visible("counselor_private", subject_of(content, partner)).safety:
        return None
    signs: list[str] = []
    for qid, questionnaire in content.questionnaires.items():
        given = partner.answers.get(qid, {})
        for item in questionnaire.items:
            yes = questionnaire.response_set_of(item).max_value
            if item.kind == "checklist" and not item.safety and given.get(item.id) == yes:
                signs.append(item.text)
    questions = {(qid, i.id): i.text for qid, q in content.questionnaires.items() for i in q.items if i.safety}
    history = tuple(
        ConcernRaised(questions[key], f.raised_at, f.changed_at)
        for f in flags
        if (key := (f.questionnaire_id, f.item_id)) in questions
    )
    return PrivatePanel(partner.slot, safety_concerns(content, partner.answers), tuple(signs), history)
