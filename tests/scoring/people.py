"""People for the visibility tests, shared with the chart and report-layout tests: a
person's answers in a given safety state, and a partner with a share level."""

from __future__ import annotations

from datetime import UTC, datetime

from questions.loader import default_content
from scoring.compare import INTIMACY, WORTH_IT, predictions_id
from scoring.couple_data import ShareLevel
from scoring.engine import item_points
from scoring.results import AnswerValue
from scoring.visibility import Partner

CONTENT = default_content()
INTIMACY_Q = CONTENT.questionnaire(INTIMACY)
WORTH_IT_Q = CONTENT.questionnaire(WORTH_IT)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NAMES = {1: "Partner 1", 2: "Partner 2"}
YES, UNSURE, NO = 2, 1, 0

Answers = dict[str, dict[str, AnswerValue]]


def intimacy_at(points: float, importance: int = 4) -> dict[str, AnswerValue]:
    """Every scored item worth ``points`` (0-100), every topic rated ``importance``; no signs."""
    answers: dict[str, AnswerValue] = {}
    for item in INTIMACY_Q.items:
        rset = INTIMACY_Q.response_set_of(item)
        if item.kind == "scored":
            answers[item.id] = next(v for v in rset.values if item_points(INTIMACY_Q, item, v) == points)
        elif item.kind == "importance":
            answers[item.id] = importance
        elif item.kind == "checklist":
            answers[item.id] = 0
    return answers


def person(state: str, points: float = 25.0, worth: int = YES) -> Answers:
    """A person who leans in (``worth``) with low-ish scores (so stages, starters and a plan
    appear when allowed), in the given safety state."""
    worth_it: dict[str, AnswerValue] = {item.id: worth for item in WORTH_IT_Q.items}
    worth_it["safe"] = {"not_sure": UNSURE, "unsafe": NO}.get(state, YES)
    intimacy = intimacy_at(points)
    if state == "abuse":
        intimacy["abuse"] = 1
    predictions = {scale.id: 2 for scale in INTIMACY_Q.scales}
    return {WORTH_IT: worth_it, INTIMACY: intimacy, predictions_id(INTIMACY): predictions}


def partner(slot: int, state: str, level: ShareLevel, consent: bool = True) -> Partner:
    return Partner(slot, person(state, points=25.0 if slot == 1 else 0.0), level, counselor_consent=consent)
