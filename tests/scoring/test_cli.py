"""``python -m scoring``: the questionnaires as JSON, and scoring of JSON or CSV responses into JSON,
JSON Lines or CSV records."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from questions.loader import Content, default_content
from scoring.cli import EXIT_BAD_INPUT, FORMATS, main
from scoring.engine import score_questionnaire, validate_answers
from scoring.records import SCOPES, fields_of
from scoring.visibility import own_results

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def content() -> Content:
    return default_content()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def expected(content: Content, questionnaire_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """The record ``score`` prints: the engine's result as the person may see it (scoring.visibility)."""
    questionnaire = content.questionnaire(questionnaire_id)
    result = score_questionnaire(questionnaire, validate_answers(questionnaire, answers))
    seen = own_results({questionnaire_id: result}, safe=not result.safety_concern)[questionnaire_id]
    record = {"questionnaire": questionnaire_id, "scope": SCOPES[False], **fields_of(questionnaire, seen)}
    return json.loads(json.dumps(record))


def assert_one_error_line(status: int, out: str, err: str, *fragments: str) -> str:
    assert status == EXIT_BAD_INPUT == 2
    assert out == ""
    assert err.endswith("\n")
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("error: ")
    assert "Traceback" not in line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


WORTH_IT_YES = {"respect": 2, "both_willing": 2, "love_foundation": 2, "same_future": 2, "safe": 2, "happy_again": 1}
INTIMACY_SOME = {"comm_heard": 5, "comm_honest": 4, "comm_logistics": 2, "comm_listen": 4, "pressures": [3, 1]}


# --------------------------------------------------------------------------- questionnaires


def test_questionnaires_prints_both_with_options_and_flags(content: Content) -> None:
    status, out, err = run("questionnaires")
    assert (status, err) == (0, "")
    document = json.loads(out)
    by_id = {q["id"]: q for q in document["questionnaires"]}
    assert set(by_id) == {"worth_it", "intimacy"}
    for qid, described in by_id.items():
        questionnaire = content.questionnaire(qid)
        assert [item["id"] for item in described["items"]] == [item.id for item in questionnaire.items]
        assert described["version"] == questionnaire.version
        for item in described["items"]:
            rset = questionnaire.response_set_of(questionnaire.item(item["id"]))
            assert [o["value"] for o in item["options"]] == list(rset.values)
            assert all(o["label"] for o in item["options"])
            assert item["sources"]
    items = {item["id"]: item for q in by_id.values() for item in q["items"]}
    assert items["comm_logistics"]["reverse"] is True
    assert items["comm_heard"]["reverse"] is False
    assert (items["safe"]["safety"], items["safe"]["unsafe_values"]) == (True, [0, 1])
    assert (items["abuse"]["safety"], items["abuse"]["unsafe_values"]) == (True, [1])
    assert items["respect"]["safety"] is False
    assert items["pressures"]["multi"] is True
    assert items["comm_heard"]["multi"] is False
    assert by_id["worth_it"]["verdict"]["most"] == 4
    assert by_id["intimacy"]["support"]["min_signs"] == 2
    assert by_id["intimacy"]["verdict"] is None
    assert [stage["id"] for stage in by_id["intimacy"]["stages"]] == [
        s.id for s in content.questionnaire("intimacy").stages
    ]
    assert all(stage["title"] and stage["text"] for stage in by_id["intimacy"]["stages"])


def test_questionnaires_via_python_dash_m() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "scoring", "questionnaires"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    ids = [q["id"] for q in json.loads(completed.stdout)["questionnaires"]]
    assert sorted(ids) == ["intimacy", "worth_it"]


# --------------------------------------------------------------------------- score: good input


def test_score_a_json_object_prints_one_result(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"questionnaire": "worth_it", "answers": WORTH_IT_YES}), encoding="utf-8")
    status, out, err = run("score", str(path))
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert document == expected(content, "worth_it", WORTH_IT_YES)
    assert (document["verdict"], document["verdict.yes"]) == ("worth_fighting_for", 5)
    assert document["safety_concern"] is False
    assert (document["worth_it.score"], document["worth_it.answered"], document["worth_it.total"]) == (91.7, 6, 6)


def test_score_a_json_list_keeps_ids_and_order(tmp_path: Path, content: Content) -> None:
    responses = [
        {"id": "a", "questionnaire": "intimacy", "answers": INTIMACY_SOME},
        {"questionnaire": "worth_it", "answers": {**WORTH_IT_YES, "safe": 0}},
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(responses), encoding="utf-8")
    status, out, err = run("score", str(path))
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert document == [
        {"id": "a", **expected(content, "intimacy", INTIMACY_SOME)},
        expected(content, "worth_it", {**WORTH_IT_YES, "safe": 0}),
    ]
    assert document[0]["communication.score"] == pytest.approx(81.25, abs=0.051)
    assert (document[1]["safety_concern"], document[1]["verdict"]) == (True, None)


def test_a_one_item_json_list_stays_a_list(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "one-in-list.json"
    path.write_text(json.dumps([{"questionnaire": "worth_it", "answers": {}}]), encoding="utf-8")
    status, out, _ = run("score", str(path))
    assert status == 0
    assert json.loads(out) == [expected(content, "worth_it", {})]


CSV_TEXT = (
    "id,questionnaire,comm_heard,comm_honest,comm_logistics,comm_listen,comm_defensive,pressures,respect,safe\n"
    "p1,intimacy,5,4,,2,2,1;3,,\n"
    "p2,worth_it,,,,,,,2,0\n"
)


def test_score_a_csv_with_ids_empty_cells_and_multi_cells(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "responses.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    status, out, err = run("score", str(path))
    assert (status, err) == (0, "")
    document = json.loads(out)
    p1 = {"comm_heard": 5, "comm_honest": 4, "comm_listen": 2, "comm_defensive": 2, "pressures": [1, 3]}
    assert document == [
        {"id": "p1", **expected(content, "intimacy", p1)},
        {"id": "p2", **expected(content, "worth_it", {"respect": 2, "safe": 0})},
    ]
    assert (document[0]["communication.answered"], document[0]["communication.total"]) == (4, 5)
    assert document[0]["communication.score"] == pytest.approx((100 + 75 + 25 + 75) / 4, abs=0.05)
    assert document[0]["answered"] == 4  # the context item is not counted
    assert document[1]["safety_concern"] is True


def test_a_csv_without_an_id_column_is_scored(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("questionnaire,respect\nworth_it,1\n", encoding="utf-8")
    status, out, _ = run("score", str(path))
    assert status == 0
    assert json.loads(out) == [expected(content, "worth_it", {"respect": 1})]


def test_score_from_stdin_as_json(monkeypatch: pytest.MonkeyPatch, content: Content) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"questionnaire": "worth_it", "answers": WORTH_IT_YES})))
    status, out, err = run("score", "-")
    assert (status, err) == (0, "")
    assert json.loads(out) == [expected(content, "worth_it", WORTH_IT_YES)]


def test_score_from_stdin_as_csv(monkeypatch: pytest.MonkeyPatch, content: Content) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(CSV_TEXT))
    status, out, err = run("score", "-")
    assert (status, err) == (0, "")
    assert [entry["id"] for entry in json.loads(out)] == ["p1", "p2"]


# --------------------------------------------------------------------------- score: bad input


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"questionnaire": "worth_it",\n   "answers": {oops}}\n]\n', encoding="utf-8")
    line = assert_one_error_line(*run("score", str(path)), str(path), "line 3", "not valid JSON")
    assert line == f"error: {path} line 3: not valid JSON"


@pytest.mark.parametrize("text", ["", " \n "])
def test_an_empty_json_file_is_not_valid_json(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.json"
    path.write_text(text, encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line ", ": not valid JSON")


def test_json_that_is_not_a_response(tmp_path: Path) -> None:
    path = tmp_path / "number.json"
    path.write_text("42", encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), str(path), "expected a response object")


def test_unknown_questionnaire(tmp_path: Path) -> None:
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps({"questionnaire": "closeness", "answers": {}}), encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), str(path), "questionnaire", "'closeness'", "worth_it")


def test_unknown_item_id_names_the_response_index(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    responses = [
        {"questionnaire": "worth_it", "answers": WORTH_IT_YES},
        {"questionnaire": "worth_it", "answers": {"respekt": 2}},
    ]
    path.write_text(json.dumps(responses), encoding="utf-8")
    line = assert_one_error_line(*run("score", str(path)), f"{path} response 1", "answers.respekt")
    assert "response 0" not in line


def test_value_out_of_range_in_a_list(tmp_path: Path) -> None:
    path = tmp_path / "range.json"
    responses = [
        {"questionnaire": "intimacy", "answers": INTIMACY_SOME},
        {"questionnaire": "intimacy", "answers": {}},
        {"questionnaire": "intimacy", "answers": {"comm_heard": 9}},
    ]
    path.write_text(json.dumps(responses), encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} response 2", "answers.comm_heard", "9")


def test_answers_that_are_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"questionnaire": "worth_it", "answers": [2, 2]}), encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), str(path), "answers")


def test_value_out_of_range_in_a_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "range.csv"
    path.write_text("questionnaire,comm_heard\nintimacy,3\nintimacy,9\n", encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line 3", "answers.comm_heard", "9")


def test_unknown_item_column_in_a_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "columns.csv"
    path.write_text("questionnaire,comm_heard\nworth_it,\nworth_it,2\n", encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line 3", "answers.comm_heard", "worth_it")


@pytest.mark.parametrize("cell", ["abc", "2.5", "1;x"])
def test_non_integer_csv_cell_names_line_and_column(tmp_path: Path, cell: str) -> None:
    path = tmp_path / "cells.csv"
    path.write_text(
        f"questionnaire,comm_heard,pressures\nintimacy,3,\nintimacy,4,\nintimacy,2,{cell}\n", encoding="utf-8"
    )
    assert_one_error_line(*run("score", str(path)), f"{path} line 4", "column pressures", repr(cell))


def test_csv_without_a_questionnaire_column(tmp_path: Path) -> None:
    path = tmp_path / "nocol.csv"
    path.write_text("id,respect\na,2\n", encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line 1", "'questionnaire' column")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    assert_one_error_line(*run("score", str(path)), str(path), "cannot be read")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"questionnaire": "worth_it", "answers": {}, "note": "caf\xe9"}')
    assert_one_error_line(*run("score", str(path)), str(path), "UTF-8")


def test_bad_json_from_stdin_says_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"questionnaire": "worth_it",'))
    assert_one_error_line(*run("score", "-"), "stdin", "not valid JSON")


def test_bad_value_from_stdin_names_the_response(monkeypatch: pytest.MonkeyPatch) -> None:
    responses = [{"questionnaire": "worth_it", "answers": {}}, {"questionnaire": "worth_it", "answers": {"safe": 7}}]
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(responses)))
    assert_one_error_line(*run("score", "-"), "stdin response 1", "answers.safe")


def test_bad_csv_from_stdin_names_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("questionnaire,respect\nworth_it,yes\n"))
    assert_one_error_line(*run("score", "-"), "stdin line 2", "column respect", "'yes'")


def test_bad_stdin_via_python_dash_m() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "scoring", "score", "-"],
        cwd=REPO_ROOT,
        input=json.dumps({"questionnaire": "worth_it", "answers": {"respect": 5}}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_one_error_line(completed.returncode, completed.stdout, completed.stderr, "stdin", "answers.respect")


def test_good_csv_via_python_dash_m(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "responses.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "scoring", "score", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (completed.returncode, completed.stderr) == (0, "")
    document = json.loads(completed.stdout)
    assert document[1] == {"id": "p2", **expected(content, "worth_it", {"respect": 2, "safe": 0})}


# --------------------------------------------------------------------------- known bugs


def test_a_single_choice_in_a_multi_choice_csv_column(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "single.csv"
    path.write_text("questionnaire,pressures\nintimacy,3\n", encoding="utf-8")
    status, out, err = run("score", str(path))
    assert (status, err) == (0, "")
    assert json.loads(out) == [expected(content, "intimacy", {"pressures": [3]})]


def test_an_item_id_with_a_line_break_still_gives_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "newline.json"
    path.write_text(json.dumps({"questionnaire": "worth_it", "answers": {"res\npect": 2}}), encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), str(path))


def test_a_csv_with_a_byte_order_mark(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("questionnaire,respect\r\nworth_it,2\r\n".encode("utf-8-sig"))
    status, out, err = run("score", str(path))
    assert (status, err) == (0, "")
    assert json.loads(out) == [expected(content, "worth_it", {"respect": 2})]


# --------------------------------------------------------------------------- JSON Lines, limits


def test_a_json_lines_file_is_scored_as_a_list(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "responses.jsonl"
    lines = [
        {"id": "a", "questionnaire": "worth_it", "answers": WORTH_IT_YES},
        {"questionnaire": "worth_it", "answers": {}},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    status, out, err = run("score", str(path))
    assert (status, err) == (0, "")
    assert json.loads(out) == [
        {"id": "a", **expected(content, "worth_it", WORTH_IT_YES)},
        expected(content, "worth_it", {}),
    ]


def test_a_bad_json_lines_response_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "responses.ndjson"
    good = json.dumps({"questionnaire": "worth_it", "answers": {}})
    path.write_text(good + "\n\n" + json.dumps({"questionnaire": "worth_it", "answers": {"safe": 7}}), encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line 3", "answers.safe")
    path.write_text(good + "\n[1, 2]\n", encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line 2", "a response must be an object")
    path.write_text(good + "\n{oops\n", encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line 2: not valid JSON")


def test_json_lines_from_stdin(monkeypatch: pytest.MonkeyPatch, content: Content) -> None:
    text = (
        json.dumps({"questionnaire": "worth_it", "answers": WORTH_IT_YES})
        + "\n"
        + json.dumps({"id": 7, "questionnaire": "worth_it", "answers": {}})
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status, out, err = run("score", "-")
    assert (status, err) == (0, "")
    assert json.loads(out) == [
        expected(content, "worth_it", WORTH_IT_YES),
        {"id": 7, **expected(content, "worth_it", {})},
    ]


def test_a_response_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scoring import batches

    monkeypatch.setattr(batches, "MAX_RESPONSE", 1024)
    path = tmp_path / "big.json"
    responses = [{"questionnaire": "worth_it", "answers": {}}] * 40 + [{"id": "x" * 2000, "questionnaire": "worth_it"}]
    path.write_text(json.dumps(responses, indent=1), encoding="utf-8")
    assert_one_error_line(*run("score", str(path)), f"{path} line 162: a response longer than the limit of 1 KiB")
    monkeypatch.setattr(sys, "stdin", io.StringIO("questionnaire\n" + "worth_it\n" * 200 + "worth_it," * 200))
    assert_one_error_line(*run("score", "-"), "stdin line 202: longer than the limit of 1 KiB")


def test_the_documented_size_limit_is_the_real_one() -> None:
    from scoring import batches, reader

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert batches.MAX_RESPONSE == 1024 * 1024
    assert "each response **at most 1 MiB**" in readme
    assert f"nested at most {reader.MAX_DEPTH} levels deep" in readme


# --------------------------------------------------------------------------- output formats, safety first


def parsed(out: str, fmt: str) -> list[dict[str, Any]]:
    """The records ``score`` printed; a CSV's cells as text."""
    if fmt == "json":
        return list(json.loads(out))
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines()]
    return list(csv.DictReader(io.StringIO(out)))


def as_csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ";".join(value) if isinstance(value, list) else str(value)


#: Every intimacy statement answered at the low end (a reverse-keyed one at its mirror): low
#: scores, stage readings.
LOW = {
    item.id: 5 if item.reverse else 1
    for item in default_content().questionnaire("intimacy").items
    if item.kind == "scored"
}
MIXED = [
    {"id": "a", "questionnaire": "intimacy", "answers": {**INTIMACY_SOME, "sign_unheard": 1, "sign_silence": 1}},
    {"questionnaire": "worth_it", "answers": WORTH_IT_YES},
    {"id": 3, "questionnaire": "intimacy", "answers": LOW},
]


def test_json_lines_and_csv_print_the_same_records_as_json(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(MIXED), encoding="utf-8")
    outputs = {}
    for fmt in ("json", "jsonl", "csv"):
        status, out, err = run("score", str(path), "--format", fmt)
        assert (status, err) == (0, "")
        outputs[fmt] = out
    records = parsed(outputs["json"], "json")
    assert records == [
        {"id": "a", **expected(content, "intimacy", MIXED[0]["answers"])},
        expected(content, "worth_it", WORTH_IT_YES),
        {"id": 3, **expected(content, "intimacy", LOW)},
    ]
    assert records[0]["support_signs"] == ["sign_unheard", "sign_silence"] and records[0]["support_flag"] is True
    assert outputs["json"].count("\n") == len(MIXED) + 2  # compact: one record a line
    assert parsed(outputs["jsonl"], "jsonl") == records
    rows = parsed(outputs["csv"], "csv")
    header = outputs["csv"].splitlines()[0].split(",")
    assert header[:4] == ["id", "questionnaire", "scope", "version"] and "verdict" in header and "stages" in header
    assert len(header) == len(set(header))
    for row, record in zip(rows, records, strict=True):
        assert row == {name: as_csv_cell(record.get(name)) for name in header}


def test_a_csv_always_has_the_same_columns(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps([{"questionnaire": "worth_it", "answers": {}}]), encoding="utf-8")
    first = run("score", str(path), "--format", "csv")[1].splitlines()[0]
    path.write_text(json.dumps(MIXED), encoding="utf-8")
    assert run("score", str(path), "--format", "csv")[1].splitlines()[0] == first


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_under_a_safety_concern_no_stage_reading_and_no_verdict_are_printed(
    tmp_path: Path, content: Content, fmt: str
) -> None:
    """Safety first, as in the app (scoring.visibility): abuse ticked, or not (sure of) feeling safe."""
    intimacy = content.questionnaire("intimacy")
    assert score_questionnaire(intimacy, {**LOW, "abuse": 1}).stages  # the engine has readings to hold back
    responses = [
        {"id": "low", "questionnaire": "intimacy", "answers": LOW},
        {"id": "low, abuse ticked", "questionnaire": "intimacy", "answers": {**LOW, "abuse": 1}},
        {"id": "yes", "questionnaire": "worth_it", "answers": WORTH_IT_YES},
        {"id": "yes, not safe", "questionnaire": "worth_it", "answers": {**WORTH_IT_YES, "safe": 0}},
        {"id": "yes, not sure", "questionnaire": "worth_it", "answers": {**WORTH_IT_YES, "safe": 1}},
    ]
    path = tmp_path / "safety.json"
    path.write_text(json.dumps(responses), encoding="utf-8")
    status, out, err = run("score", str(path), "--format", fmt)
    assert (status, err) == (0, "")
    records = {record["id"]: record for record in parsed(out, fmt)}
    none, no, yes = ("", "", "true") if fmt == "csv" else (None, [], True)
    assert records["low"]["stages"] not in (none, no)
    assert records["low"]["safety_concern"] in ("false", False)
    assert (records["low, abuse ticked"]["stages"], records["low, abuse ticked"]["safety_concern"]) == (no, yes)
    assert records["yes"]["verdict"] == "worth_fighting_for"
    for unsafe in ("yes, not safe", "yes, not sure"):
        assert (records[unsafe]["verdict"], records[unsafe]["safety_concern"]) == (none, yes)
        assert records[unsafe]["verdict.yes"] == none


def test_many_responses_via_python_dash_m(tmp_path: Path, content: Content) -> None:
    path = tmp_path / "many.jsonl"
    lines = [json.dumps({"id": f"r{n}", "questionnaire": "intimacy", "answers": LOW}) for n in range(600)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "scoring", "score", str(path), "--format", "csv"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (completed.returncode, completed.stderr) == (0, "")
    rows = list(csv.DictReader(io.StringIO(completed.stdout)))
    assert [row["id"] for row in rows] == [f"r{n}" for n in range(600)]
    assert rows[-1]["communication.score"] == str(expected(content, "intimacy", LOW)["communication.score"])


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """``python -m scoring questionnaires | head -1`` ends quietly, not with a BrokenPipeError."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scoring", "questionnaires"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # like head: read one line, then go away
    error = process.stderr.read().decode()
    process.wait(timeout=120)
    assert "Traceback" not in error and "BrokenPipe" not in error, error


# --------------------------------------------------------------------------- one person's two questionnaires (#19)

UNSAFE_WORTH_IT = {**WORTH_IT_YES, "safe": 0}
LOW_WITH_ABUSE = {**LOW, "abuse": 1}
BOTH, ALONE = SCOPES[True], SCOPES[False]


def person_records(tmp_path: Path, responses: list[dict[str, Any]], fmt: str) -> list[dict[str, Any]]:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(responses), encoding="utf-8")
    status, out, err = run("score", str(path), "--format", fmt)
    assert (status, err) == (0, "")
    return parsed(out, fmt)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_a_persons_unsafe_worth_it_answer_holds_back_the_stage_reading_of_their_intimacy_record(
    tmp_path: Path, content: Content, fmt: str
) -> None:
    """Issue #19 item 10: the person's safety override applies to both of their records."""
    assert expected(content, "intimacy", LOW)["stages"]  # alone, the intimacy answers give a stage reading
    records = person_records(
        tmp_path,
        [
            {"id": "p", "questionnaire": "worth_it", "answers": UNSAFE_WORTH_IT},
            {"id": "p", "questionnaire": "intimacy", "answers": LOW},
            {"id": "q", "questionnaire": "intimacy", "answers": LOW_WITH_ABUSE},
            {"id": "q", "questionnaire": "worth_it", "answers": WORTH_IT_YES},
        ],
        fmt,
    )
    none, no, yes = ("", "", "true") if fmt == "csv" else (None, [], True)
    for record in records:
        assert record["stages" if record["questionnaire"] == "intimacy" else "verdict"] in (none, no), record
        assert record["safety_concern"] == yes, record
    assert records[3]["verdict.yes"] == none  # q's "worth fighting for" is held back too
    assert [record["scope"] for record in records] == [BOTH] * 4
    if fmt == "json":
        safe_p = expected(content, "intimacy", LOW)
        assert records[1] == {**safe_p, "id": "p", "scope": BOTH, "safety_concern": True, "stages": []}


def test_a_safe_person_read_together_keeps_their_readings(tmp_path: Path, content: Content) -> None:
    records = person_records(
        tmp_path,
        [
            {"id": 7, "questionnaire": "intimacy", "answers": LOW},
            {"id": 7, "questionnaire": "worth_it", "answers": WORTH_IT_YES},
        ],
        "json",
    )
    assert records == [
        {"id": 7, **expected(content, "intimacy", LOW), "scope": BOTH},
        {"id": 7, **expected(content, "worth_it", WORTH_IT_YES), "scope": BOTH},
    ]


def test_a_record_scored_alone_says_it_is_one_questionnaire_and_points_to_profile(
    tmp_path: Path, content: Content
) -> None:
    """Without its person's other questionnaire next to it (no id, a lone id, the same id apart or
    repeated), a record is scored alone, and its scope says so."""
    assert "one questionnaire" in ALONE and "python -m scoring profile" in ALONE
    responses = [
        {"questionnaire": "worth_it", "answers": UNSAFE_WORTH_IT},
        {"questionnaire": "intimacy", "answers": LOW},
        {"id": "lone", "questionnaire": "intimacy", "answers": LOW},
        {"id": "apart", "questionnaire": "worth_it", "answers": UNSAFE_WORTH_IT},
        {"id": "other", "questionnaire": "worth_it", "answers": WORTH_IT_YES},
        {"id": "apart", "questionnaire": "intimacy", "answers": LOW},
        {"id": "twice", "questionnaire": "intimacy", "answers": LOW_WITH_ABUSE},
        {"id": "twice", "questionnaire": "intimacy", "answers": LOW},
        {"id": None, "questionnaire": "worth_it", "answers": UNSAFE_WORTH_IT},
        {"id": None, "questionnaire": "intimacy", "answers": LOW},
    ]
    records = person_records(tmp_path, responses, "json")
    assert [record["scope"] for record in records] == [ALONE] * len(responses)
    for response, record in zip(responses, records, strict=True):
        assert record == {
            **({"id": response["id"]} if "id" in response else {}),
            **expected(content, response["questionnaire"], response["answers"]),
        }
    rows = person_records(tmp_path, responses, "csv")
    assert [row["scope"] for row in rows] == [ALONE] * len(responses)


def test_a_person_is_never_split_between_batches(
    tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring import batches

    responses = [
        {"id": f"p{n // 2}", "questionnaire": ("worth_it", "intimacy")[n % 2], "answers": answers}
        for n, answers in enumerate([UNSAFE_WORTH_IT, LOW, WORTH_IT_YES, LOW_WITH_ABUSE, WORTH_IT_YES, LOW] * 3)
    ]
    whole = person_records(tmp_path, responses, "jsonl")
    for batch in [(1, 10**9), (2, 10**9), (3, 10**9), (10**9, 1)]:  # a response, two, three, a character
        monkeypatch.setattr(batches, "BATCH", batch)
        assert person_records(tmp_path, responses, "jsonl") == whole
        assert person_records(tmp_path, responses, "json") == whole
    assert [record["scope"] for record in whole] == [BOTH] * len(responses)
    assert [record["safety_concern"] for record in whole] == [True, True, True, True, False, False] * 3


def test_bad_input_in_a_later_batch_is_named_and_nothing_is_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring import batches

    monkeypatch.setattr(batches, "BATCH", (2, 10**9))
    path = tmp_path / "many.json"
    path.write_text(json.dumps([{"questionnaire": "worth_it", "answers": {}}] * 7 + [{"questionnaire": "x"}]))
    for fmt in FORMATS:
        assert_one_error_line(*run("score", str(path), "--format", fmt), f"{path} response 7: questionnaire")
    path = tmp_path / "many.csv"
    path.write_text("questionnaire,respect\n" + "worth_it,2\n" * 7 + "worth_it,9\n", encoding="utf-8")
    assert_one_error_line(*run("score", str(path), "--format", "csv"), f"{path} line 9: answers.respect")


def test_any_failure_is_one_line_and_status_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #18: not only bad input; out of memory, a full disk, a bug: one line, status 2, no output."""
    from scoring import cli

    path = tmp_path / "one.json"
    path.write_text(json.dumps([{"questionnaire": "worth_it", "answers": {}}] * 3), encoding="utf-8")
    for failure in (MemoryError(), OSError(28, "No space left on device"), KeyError("oops")):

        def fail(*_: object, failure: Exception = failure) -> None:
            raise failure

        monkeypatch.setattr(cli, "score_input", fail)
        line = assert_one_error_line(*run("score", str(path)), str(path), type(failure).__name__)
        assert "Traceback" not in line
