"""scoring.batch: the vectorised scorer equals the engine, and ``score`` prints the same either way."""

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
from scoring import batch, cli, reader
from scoring.engine import score_questionnaire
from tests.scoring.strategies import Answers, questionnaire_answers

CONTENT = default_content()
QIDS = sorted(CONTENT.questionnaires)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def answer_lists(draw: st.DrawFn) -> tuple[str, list[Answers]]:
    qid = draw(st.sampled_from(QIDS))
    return qid, draw(st.lists(questionnaire_answers(qid), min_size=1, max_size=40))


@PROPERTY
@given(drawn=answer_lists())
def test_batch_scores_equal_the_engine_response_by_response(drawn: tuple[str, list[Answers]]) -> None:
    qid, answers = drawn
    questionnaire = CONTENT.questionnaire(qid)
    scores = batch.score_answers(questionnaire, answers)
    assert scores.results() == [score_questionnaire(questionnaire, a) for a in answers]


@PROPERTY
@given(drawn=answer_lists())
def test_scale_scores_and_not_enough_answers_match(drawn: tuple[str, list[Answers]]) -> None:
    qid, answers = drawn
    questionnaire = CONTENT.questionnaire(qid)
    scores = batch.score_answers(questionnaire, answers)
    for i, given_answers in enumerate(answers):
        expected = score_questionnaire(questionnaire, given_answers).scales
        for k, scale in enumerate(expected):
            got = scores.scale_score[i, k]
            if scale.score is None:
                assert got != got  # NaN: "not enough answers"
            else:
                assert got == scale.score  # the very same float, not merely close


def test_every_answer_pattern_of_the_worth_it_questions() -> None:
    """All 4**6 ways to answer (or skip) the six questions, in one batch."""
    questionnaire = CONTENT.questionnaire("worth_it")
    items = [item.id for item in questionnaire.items]
    answers: list[Answers] = []
    for number in range(4**6):
        chosen: Answers = {}
        for position, item_id in enumerate(items):
            digit = (number // 4**position) % 4
            if digit:
                chosen[item_id] = digit - 1
        answers.append(chosen)
    scores = batch.score_answers(questionnaire, answers)
    assert scores.results() == [score_questionnaire(questionnaire, a) for a in answers]


def test_unvalidated_answers_are_refused() -> None:
    with pytest.raises(ValueError, match="validated"):
        batch.score_answers(CONTENT.questionnaire("worth_it"), [{"respect": 7}])


# --------------------------------------------------------------------------- the command line, both roads


@st.composite
def responses(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=1, max_value=12))
    drawn: list[dict[str, Any]] = []
    for index in range(count):
        qid = draw(st.sampled_from(QIDS))
        response: dict[str, Any] = {"questionnaire": qid, "answers": draw(questionnaire_answers(qid))}
        if draw(st.booleans()):
            response = {"id": draw(st.sampled_from([f"p{index}", "é “quoted” \\ id", index, None])), **response}
        drawn.append(response)
    return drawn


def run(path: Path, *, at_once: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    with monkeypatch.context() as patch:
        patch.setattr(cli, "BATCH_MIN_RESPONSES", 1 if at_once else 10**9)
        out, err = io.StringIO(), io.StringIO()
        status = cli.main(["score", str(path)], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def both_roads(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    return run(path, at_once=True, monkeypatch=monkeypatch), run(path, at_once=False, monkeypatch=monkeypatch)


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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=responses())
def test_json_lists_print_the_same_on_both_roads(
    drawn: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "responses.json"
    path.write_text(json.dumps(drawn, ensure_ascii=False), encoding="utf-8")
    at_once, one_by_one = both_roads(path, monkeypatch)
    if len(drawn) == 1:
        return  # a one-item list: the batch road is not taken below BATCH_MIN_RESPONSES either way
    assert at_once == one_by_one
    assert at_once[0] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=responses(), crlf=st.booleans())
def test_csv_files_print_the_same_on_both_roads(
    drawn: list[dict[str, Any]], crlf: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "responses.csv"
    write_csv(path, drawn, crlf=crlf)
    at_once, one_by_one = both_roads(path, monkeypatch)
    assert at_once == one_by_one
    assert at_once[0] == 0


def test_many_responses_take_the_batch_road_and_print_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    rng = random.Random(7)
    drawn = []
    for index in range(cli.BATCH_MIN_RESPONSES + 50):
        questionnaire = CONTENT.questionnaire(rng.choice(QIDS))
        answers: dict[str, Any] = {}
        for item in questionnaire.items:
            rset = questionnaire.response_set_of(item)
            if rng.random() < 0.85:
                answers[item.id] = sorted(rng.sample(rset.values, 2)) if rset.multi else rng.choice(rset.values)
        drawn.append({"id": f"r{index}", "questionnaire": questionnaire.id, "answers": answers})
    json_path, csv_path = tmp_path / "many.json", tmp_path / "many.csv"
    json_path.write_text(json.dumps(drawn), encoding="utf-8")
    write_csv(csv_path, drawn)
    calls: list[int] = []
    original = batch.iter_document
    monkeypatch.setattr(batch, "iter_document", lambda groups, count: calls.append(count) or original(groups, count))
    for path in (json_path, csv_path):
        out, err = io.StringIO(), io.StringIO()
        assert cli.main(["score", str(path)], stdout=out, stderr=err) == 0
        assert run(path, at_once=False, monkeypatch=monkeypatch)[1] == out.getvalue()
    assert calls == [len(drawn), len(drawn)]


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
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": 3}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": [3, 3.0]}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": [8]}}],
    [GOOD, {"questionnaire": "intimacy", "answers": {"pressures": [True]}}],
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
    "questionnaire,pressures\nintimacy,1;3\nintimacy,3\nintimacy,;\nintimacy,1;9\n",
    "questionnaire,pressures\nintimacy,1;3\nintimacy,1; 3\n",
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


def test_a_quoted_cell_reads_the_same() -> None:
    text = "id,questionnaire,respect,safe\nа1,worth_it,2,\n,worth_it,,0\n"
    plain = batch.parse_csv(reader.read_csv(text.encode(), 10_000), CONTENT)
    quoted = batch.parse_csv(reader.read_csv(text.replace("а1", '"а1"').encode(), 10_000), CONTENT)
    assert plain is not None and quoted is not None
    assert batch.render_document(*plain) == batch.render_document(*quoted)
