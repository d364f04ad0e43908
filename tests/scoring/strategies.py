"""Hypothesis strategies and helpers that build answers from the real, loaded content."""

from __future__ import annotations

from hypothesis import strategies as st

from questions.loader import default_content
from questions.schema import Item, Questionnaire
from scoring.results import AnswerValue

Answers = dict[str, AnswerValue]
AnswersByQuestionnaire = dict[str, Answers]

UNANSWERED = None


def value_strategy(questionnaire: Questionnaire, item: Item) -> st.SearchStrategy[AnswerValue]:
    """One allowed value: an option value, or a sorted set of them for a multi-choice item."""
    rset = questionnaire.response_set_of(item)
    if rset.multi:
        return st.lists(st.sampled_from(rset.values), unique=True).map(sorted)
    return st.sampled_from(rset.values)


def answers_strategy(questionnaire: Questionnaire) -> st.SearchStrategy[Answers]:
    """For every item, either unanswered or one of its allowed values."""
    per_item = {item.id: st.one_of(st.none(), value_strategy(questionnaire, item)) for item in questionnaire.items}
    return st.fixed_dictionaries(per_item).map(lambda drawn: {k: v for k, v in drawn.items() if v is not UNANSWERED})


def questionnaire_answers(questionnaire_id: str) -> st.SearchStrategy[Answers]:
    return answers_strategy(default_content().questionnaire(questionnaire_id))


def profile_answers() -> st.SearchStrategy[AnswersByQuestionnaire]:
    """Answers for any subset of the questionnaires (an empty questionnaire may be left out)."""
    content = default_content()
    per_questionnaire = {qid: st.one_of(st.none(), answers_strategy(q)) for qid, q in content.questionnaires.items()}
    return st.fixed_dictionaries(per_questionnaire).map(
        lambda drawn: {qid: answers for qid, answers in drawn.items() if answers is not None}
    )


def flipped(questionnaire: Questionnaire, answers: Answers) -> Answers:
    """Every answer of a scale-measuring item mirrored: v -> min + max - v; other answers (and
    "doesn't apply", which is not scored) untouched."""
    result: Answers = {}
    for item_id, value in answers.items():
        item = questionnaire.item(item_id)
        rset = questionnaire.response_set_of(item)
        if item.kind in ("scored", "verdict") and isinstance(value, int) and value not in rset.not_applicable:
            result[item_id] = rset.min_value + rset.max_value - value
        else:
            result[item_id] = value
    return result


def top_answers(questionnaire: Questionnaire, scale_id: str) -> Answers:
    """Every item of a scale at its best: top on positive items, bottom on reverse-keyed ones."""
    answers: Answers = {}
    for item in questionnaire.items:
        if item.scale == scale_id and item.kind in ("scored", "verdict"):
            rset = questionnaire.response_set_of(item)
            answers[item.id] = rset.min_value if item.reverse else rset.max_value
    return answers


def bottom_answers(questionnaire: Questionnaire, scale_id: str) -> Answers:
    """Every item of a scale at its worst: the mirror image of :func:`top_answers`."""
    return flipped(questionnaire, top_answers(questionnaire, scale_id))


def scale_items(questionnaire: Questionnaire, scale_id: str) -> list[Item]:
    return [i for i in questionnaire.items if i.scale == scale_id and i.kind in ("scored", "verdict")]
