"""scoring.vectorised equals the engine, field by field, as the person may see it; ``score`` prints
the same whether the answers were encoded at once or checked one by one by the engine."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions.loader import default_content
from scoring import cli, records, vectorised
from scoring.engine import score_questionnaire
from scoring.visibility import own_results
from tests.scoring.strategies import Answers, questionnaire_answers

CONTENT = default_content()
QIDS = sorted(CONTENT.questionnaires)
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def engine_fields(qid: str, answers: Answers) -> dict[str, Any]:
    """What the engine gives, as the person may see it (scoring.visibility), in the CLI's fields."""
    questionnaire = CONTENT.questionnaire(qid)
    result = score_questionnaire(questionnaire, answers)
    return records.fields_of(questionnaire, own_results({qid: result}, safe=not result.safety_concern)[qid])


def vectorised_fields(qid: str, answers: list[Answers]) -> list[dict[str, Any]]:
    questionnaire = CONTENT.questionnaire(qid)
    codes = vectorised.encode_answers(questionnaire, answers)
    assert codes is not None, "valid answers are encoded"
    fields = vectorised.score(questionnaire, codes)
    return [{name: values[i] for name, values in fields.items()} for i in range(len(answers))]


@st.composite
def leaning_answers(draw: st.DrawFn, qid: str) -> Answers:
    """Any answers, then most statements answered on one side (low or high): stage readings and
    verdicts come up often, beside a safety concern too."""
    questionnaire = CONTENT.questionnaire(qid)
    answers = draw(questionnaire_answers(qid))
    low = draw(st.booleans())
    for item in questionnaire.items:
        if item.kind in ("scored", "verdict") and not item.safety and draw(st.integers(0, 5)):
            values = sorted(questionnaire.response_set_of(item).values)
            middle = len(values) // 2
            answers[item.id] = draw(st.sampled_from(values[: middle + 1] if low != item.reverse else values[middle:]))
    return answers


@st.composite
def answer_lists(draw: st.DrawFn) -> tuple[str, list[Answers]]:
    qid = draw(st.sampled_from(QIDS))
    answers = st.one_of(questionnaire_answers(qid), leaning_answers(qid))
    return qid, draw(st.lists(answers, min_size=1, max_size=40))


@PROPERTY
@given(drawn=answer_lists())
def test_every_field_equals_the_engine_as_the_person_may_see_it(drawn: tuple[str, list[Answers]]) -> None:
    qid, answers = drawn
    got = vectorised_fields(qid, answers)
    for given_answers, fields in zip(answers, got, strict=True):
        expected = engine_fields(qid, given_answers)
        assert list(fields) == list(expected)  # the same fields in the same order
        assert fields == expected  # the very same values (floats included)
        assert all(type(fields[name]) is type(expected[name]) for name in expected)


def test_every_answer_pattern_of_the_worth_it_questions() -> None:
    """All 4**6 ways to answer (or skip) the six questions, in one go."""
    items = [item.id for item in CONTENT.questionnaire("worth_it").items]
    answers: list[Answers] = []
    for number in range(4**6):
        digits = [(number // 4**position) % 4 for position in range(len(items))]
        answers.append({item: digit - 1 for item, digit in zip(items, digits, strict=True) if digit})
    assert vectorised_fields("worth_it", answers) == [engine_fields("worth_it", a) for a in answers]


def test_low_scores_give_a_stage_reading_unless_the_person_is_not_safe() -> None:
    low = {
        item.id: 5 if item.reverse else 1 for item in CONTENT.questionnaire("intimacy").items if item.kind == "scored"
    }
    low_and_abuse = {**low, "abuse": 1}
    fields = vectorised_fields("intimacy", [low, low_and_abuse, {**low, "abuse": 0}])
    assert fields[0]["stages"] and fields[2]["stages"] == fields[0]["stages"]
    assert (fields[1]["stages"], fields[1]["safety_concern"]) == ((), True)
    assert engine_fields("intimacy", low_and_abuse)["stages"] == ()
    assert score_questionnaire(CONTENT.questionnaire("intimacy"), low_and_abuse).stages  # the engine has one to hide


def test_a_scale_with_many_items_and_many_signs_keep_their_patterns_apart() -> None:
    """The pattern keys of scoring.vectorised._distinct stay exact however many columns there are."""
    import numpy as np

    rng = np.random.default_rng(7)
    matrix = rng.integers(0, 6, size=(600, 40)).astype(np.int16)
    matrix[300:] = matrix[:300]
    first, pattern = vectorised._distinct(matrix)
    assert len(first) == 300
    assert (matrix[first][pattern] == matrix).all()


# --------------------------------------------------------------------------- encoded at once, or checked one by one


def run(path: Path, monkeypatch: pytest.MonkeyPatch, *, at_once: bool, fmt: str = "json") -> tuple[int, str, str]:
    with monkeypatch.context() as patch:
        if not at_once:  # as if the encoders had declined: the engine checks each response
            patch.setattr(cli, "_encode_json", lambda *_: None)
            patch.setattr(cli, "_encode_csv", lambda *_: None)
        out, err = io.StringIO(), io.StringIO()
        status = cli.main(["score", str(path), "--format", fmt], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def both_roads(path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str = "json") -> tuple[Any, Any]:
    return run(path, monkeypatch, at_once=True, fmt=fmt), run(path, monkeypatch, at_once=False, fmt=fmt)


@st.composite
def responses(draw: st.DrawFn) -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = []
    for index in range(draw(st.integers(min_value=1, max_value=12))):
        qid = draw(st.sampled_from(QIDS))
        response: dict[str, Any] = {"questionnaire": qid, "answers": draw(questionnaire_answers(qid))}
        if draw(st.booleans()):
            response = {"id": draw(st.sampled_from([f"p{index}", "é “quoted” \\ id,", index, None])), **response}
        drawn.append(response)
    return drawn


def write_csv(path: Path, drawn: list[dict[str, Any]], *, crlf: bool = False) -> None:
    columns = ["id", "questionnaire"] + [item.id for q in CONTENT.questionnaires.values() for item in q.items]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(columns)
    for response in drawn:
        answers = response["answers"]
        cells = [
            ";".join(map(str, answers[c])) if isinstance(answers.get(c), list) else str(answers.get(c, ""))
            for c in columns[2:]
        ]
        writer.writerow([str(response.get("id") or ""), response["questionnaire"], *cells])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def expected_records(drawn: list[dict[str, Any]], *, csv_ids: bool = False) -> list[dict[str, Any]]:
    """The engine's records: a CSV's ids are the text written in the cell (none if it is empty).
    Responses next to each other with the same id, one per questionnaire, are one person's: an
    unsafe answer in one counts for both (scoring.visibility.own_results), and ``scope`` says so."""
    ids = [str(r.get("id") or "") or records.MISSING if csv_ids else r.get("id", records.MISSING) for r in drawn]
    people: list[list[int]] = []
    for index, (pid, response) in enumerate(zip(ids, drawn, strict=True)):
        previous = people[-1] if people else []
        same = previous and pid not in (records.MISSING, None) and ids[previous[-1]] == pid
        if same and response["questionnaire"] not in {drawn[i]["questionnaire"] for i in previous}:
            previous.append(index)
        else:
            people.append([index])
    found: list[dict[str, Any]] = [{} for _ in drawn]
    for person in people:
        results = {
            i: score_questionnaire(CONTENT.questionnaire(drawn[i]["questionnaire"]), drawn[i]["answers"])
            for i in person
        }
        safe = not any(result.safety_concern for result in results.values())
        for i, result in results.items():
            qid = drawn[i]["questionnaire"]
            record = {"id": ids[i]} if ids[i] is not records.MISSING else {}
            record |= {"questionnaire": qid, "scope": records.SCOPES[len(person) == len(QIDS)]}
            found[i] = record | records.fields_of(CONTENT.questionnaire(qid), own_results({qid: result}, safe)[qid])
    return json.loads(json.dumps(found))  # tuples as lists


FUNCTION_SCOPED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUNCTION_SCOPED
@given(drawn=responses(), fmt=st.sampled_from(cli.FORMATS))
def test_json_lists_print_the_engines_fields_on_both_roads(
    drawn: list[dict[str, Any]], fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "responses.json"
    path.write_text(json.dumps(drawn, ensure_ascii=False), encoding="utf-8")
    at_once, one_by_one = both_roads(path, monkeypatch, fmt)
    assert at_once == one_by_one
    assert at_once[0] == 0
    if fmt == "json":
        assert json.loads(at_once[1]) == expected_records(drawn)
    elif fmt == "jsonl":
        assert [json.loads(line) for line in at_once[1].splitlines()] == expected_records(drawn)


@FUNCTION_SCOPED
@given(drawn=responses(), crlf=st.booleans())
def test_csv_files_print_the_engines_fields_on_both_roads(
    drawn: list[dict[str, Any]], crlf: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "responses.csv"
    write_csv(path, drawn, crlf=crlf)
    at_once, one_by_one = both_roads(path, monkeypatch, "jsonl")
    assert at_once == one_by_one
    assert [json.loads(line) for line in at_once[1].splitlines()] == expected_records(drawn, csv_ids=True)


# --------------------------------------------------------------------------- odd and bad input: the same words

GOOD = {"questionnaire": "worth_it", "answers": {"respect": 2, "safe": 2}}
ODD_JSON = [
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": True}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": 2.0}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": 2.5}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": "2"}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": None}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": [2]}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respekt": 2}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": 9}}],
    [GOOD, {"questionnaire": "worth_it", "answers": {"respect": 10**30}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": 3}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": [3, 3.0]}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": [8]}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": [True]}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": None}}],
    [GOOD, {"questionnaire": "closeness", "answers": {}}],
    [GOOD, {"questionnaire": ["worth_it"], "answers": {}}],
    [GOOD, {"questionnaire": "worth_it", "answers": [2]}],
    [GOOD, "not an object"],
    [GOOD, {"questionnaire": "worth_it", "answers": {}, "id": {"nested": [1, 2]}}],
]


@pytest.mark.parametrize("document", ODD_JSON, ids=[str(i) for i in range(len(ODD_JSON))])
def test_odd_json_prints_the_same_result_or_error(
    document: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    at_once, one_by_one = both_roads(path, monkeypatch)
    assert at_once == one_by_one


ODD_CSV = [
    "questionnaire,respect\nworth_it,2\nworth_it, 2\n",
    "questionnaire,respect\nworth_it,2\nworth_it,02\n",
    "questionnaire,respect\nworth_it,2\nworth_it,9\n",
    "questionnaire,respect\nworth_it,2\nworth_it,yes\n",
    "questionnaire,respect\nworth_it,2\nworth_it,2,2\n",
    "questionnaire,respect\nworth_it,2\nworth_it\n",
    "questionnaire,respect\nworth_it,2\n\nworth_it,1\n",
    'questionnaire,respect\nworth_it,"2"\nworth_it,1\n',
    "questionnaire,respect\rworth_it,2\rworth_it,1\r",
    "questionnaire,respect\nworth_it,2\n closeness ,1\n",
    " worth_it ,respect\nworth_it,2\n",
    "questionnaire,respect,respect\nworth_it,2,1\nworth_it,1,1\n",
    "questionnaire,respect,comm_heard\nworth_it,2,\nworth_it,1,3\n",
    "questionnaire,respect,nonsense\nworth_it,2,\nworth_it,1,3\n",
    "questionnaire,pressures\nintimacy,1;3\nintimacy,3\nintimacy,;\nintimacy,1;9\n",
    "questionnaire,pressures\nintimacy,1;3\nintimacy,1; 3\n",
    "questionnaire,pressures\nintimacy,1;3\nintimacy,3;\n",
    "id,questionnaire,respect\n,worth_it,2\né,worth_it,1\n",
    "questionnaire,respect\n worth_it ,2\nworth_it,1",
    "questionnaire\n",
    "",
]


@pytest.mark.parametrize("text", ODD_CSV, ids=[str(i) for i in range(len(ODD_CSV))])
def test_odd_csv_prints_the_same_result_or_error(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8")
    at_once, one_by_one = both_roads(path, monkeypatch)
    assert at_once == one_by_one


def test_the_consistency_check_equals_the_engine_on_same_answers_and_contradictions() -> None:
    intimacy = CONTENT.questionnaire("intimacy")
    scored = [item for item in intimacy.items if item.kind == "scored"]
    answers: list[Answers] = [{item.id: value for item in scored} for value in (1, 3, 5)]
    answers.append({item.id: 5 for item in scored[:9]})  # too few to call it straight-lining
    answers.append({item.id: 1 if item.reverse else 5 for item in scored})  # consistent and high
    fields = vectorised_fields("intimacy", answers)
    assert [f["consistency"] for f in fields] == ["same_answers"] * 3 + [
        engine_fields("intimacy", answers[3])["consistency"],
        None,
    ]
    assert fields == [engine_fields("intimacy", a) for a in answers]


def test_doesnt_apply_is_scored_as_unanswered_as_the_engine_does() -> None:
    intimacy = CONTENT.questionnaire("intimacy")
    sexual = [i for i in intimacy.items if i.scale == "sexual_intimacy" and i.kind == "scored"]
    (not_applicable,) = intimacy.response_set_of(sexual[0]).not_applicable
    all_na = {item.id: not_applicable for item in sexual}
    one_na = {**{item.id: 4 for item in sexual}, sexual[0].id: not_applicable}
    straight = {i.id: 5 for i in intimacy.items if i.kind == "scored"} | all_na
    fields = vectorised_fields("intimacy", [all_na, one_na, straight])
    assert fields == [engine_fields("intimacy", a) for a in (all_na, one_na, straight)]
    assert fields[0]["sexual_intimacy.score"] is None and fields[0]["sexual_intimacy.answered"] == 0
    assert fields[1]["sexual_intimacy.answered"] == 4
