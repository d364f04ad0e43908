"""scoring.batch_read: reading a JSON list from its bytes gives what json.loads and scoring.batch give, or None."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions.loader import default_content
from scoring import batch
from scoring.batch_read import parse_json
from tests.scoring.strategies import questionnaire_answers

CONTENT = default_content()
QIDS = sorted(CONTENT.questionnaires)
ODD_VALUES = [0, 1, 2, 5, 7, 10, 2.0, -1, True, None, "2", [], [1], [1, 3], [3, 3], [2.0], {"a": 1}, 10**30]


def same_as_json_loads(text: str) -> bool:
    """parse_json either declines or agrees with json.loads + scoring.batch; True if it agreed."""
    fast = parse_json(text.encode("utf-8"), CONTENT)
    try:
        document = json.loads(text)
    except ValueError:
        assert fast is None, "a file json.loads refuses must not be read"
        return False
    if fast is None:
        return False
    assert isinstance(document, list)
    slow = batch.split_json_responses(document, CONTENT)
    assert slow is not None, "parse_json read what the object road refuses"
    groups, count = fast
    assert count == len(document)
    assert [g.plan for g in groups] == [g.plan for g in slow]
    for mine, theirs in zip(groups, slow, strict=True):
        assert np.array_equal(mine.positions, theirs.positions)
        assert np.array_equal(mine.codes, theirs.codes)
        assert mine.ids == theirs.ids
    return True


@st.composite
def response_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = []
    for index in range(draw(st.integers(min_value=1, max_value=8))):
        qid = draw(st.sampled_from(QIDS))
        response: dict[str, Any] = {"questionnaire": qid, "answers": draw(questionnaire_answers(qid))}
        if draw(st.booleans()):
            response["id"] = draw(st.sampled_from([f"p{index}", "é “quoted” id", "", 'a"b', "tab\there", index]))
        if draw(st.integers(0, 9)) == 0:  # now and then something odd
            odd = draw(st.sampled_from(["value", "key", "extra", "twice", "questionnaire"]))
            answers = response["answers"]
            if odd == "value" and answers:
                answers[draw(st.sampled_from(sorted(answers)))] = draw(st.sampled_from(ODD_VALUES))
            elif odd == "key":
                answers[draw(st.sampled_from(["respekt", "comm_heard", "safe", "pressures", "x" * 40]))] = 1
            elif odd == "extra":
                response["note"] = "hello"
            elif odd == "questionnaire":
                response["questionnaire"] = draw(st.sampled_from(["closeness", "worth_it ", 3, None]))
        keys = list(response)
        order = draw(st.permutations(keys))
        drawn.append({key: response[key] for key in order})
    return drawn


def dump(document: Any, style: int) -> str:
    if style == 0:
        return json.dumps(document, ensure_ascii=False)
    if style == 1:
        return json.dumps(document, indent=2, ensure_ascii=False)
    if style == 2:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return "\n\t " + json.dumps(document, indent="\t", ensure_ascii=False) + " \r\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=response_lists(), style=st.integers(0, 3))
def test_the_byte_reader_agrees_with_json_loads(drawn: list[dict[str, Any]], style: int) -> None:
    same_as_json_loads(dump(drawn, style))


def test_plain_lists_take_the_byte_road() -> None:
    drawn = [
        {"id": "a", "questionnaire": "worth_it", "answers": {"respect": 2, "safe": 0}},
        {"questionnaire": "intimacy", "answers": {"comm_heard": 5, "pressures": [1, 3]}, "id": "é"},
        {"questionnaire": "intimacy", "answers": {}},
        {"answers": {"pressures": []}, "questionnaire": "intimacy"},
    ]
    for style in range(4):
        assert same_as_json_loads(dump(drawn, style))


DUPLICATES_AND_ODDITIES = [
    '[{"questionnaire": "worth_it", "answers": {"respect": 2, "respect": 1}}]',
    '[{"questionnaire": "worth_it", "questionnaire": "worth_it", "answers": {}}]',
    '[{"questionnaire": "worth_it", "answers": {}, "answers": {}}]',
    '[{"questionnaire": "worth_it", "answers": {}, "id": "a", "id": "b"}]',
    '[{"questionnaire": "worth_it", "answers": {}}, {}]',
    '[{"questionnaire": "worth_it", "answers": {}},]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 02}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}}] x',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}}]]',
    '[{"questionnaire": "worth_it", "answers": {"respect" 2}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}}{"questionnaire": "worth_it", "answers": {}}]',
    '[{"questionnaire": "worth_it" "answers": {}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": "safe"}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": [2]}}]',
    '[{"questionnaire": "intimacy", "answers": {"pressures": 3}}]',
    '[{"questionnaire": "intimacy", "answers": {"pressures": [3, [1]]}}]',
    '[{"questionnaire": "intimacy", "answers": {"pressures": [3,]}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}, "id": {"a": 1}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}, "id": 7}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}, "id": "line\nbreak"}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}, "id": "a\\"b"}]',
    '[{"questionnaire": "worth_it", "answers": {"comm_heard": 2}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}}, "worth_it"]',
    '{"questionnaire": "worth_it", "answers": {"respect": 2}}',
    '[[{"questionnaire": "worth_it", "answers": {"respect": 2}}]]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}, "answers2": {}}]',
    '[{"questionnaire": "worth_it", "answers": {"respect": 2}}]',
    '[ {"questionnaire":"worth_it","answers":{"respect":2}} ]',
]


@pytest.mark.parametrize("text", DUPLICATES_AND_ODDITIES, ids=[str(i) for i in range(len(DUPLICATES_AND_ODDITIES))])
def test_odd_lists_are_declined_or_read_the_same(text: str) -> None:
    same_as_json_loads(text)


def test_duplicates_are_declined() -> None:
    for text in DUPLICATES_AND_ODDITIES[:4]:
        assert parse_json(text.encode(), CONTENT) is None
