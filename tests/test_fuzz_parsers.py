"""Hypothesis fuzzing of every parser: whatever comes in, the answer is a result
or the parser's own kind, clear error — never an unexpected exception. Then the
hostile files found so far, by name: the web import and ``python -m scoring
score`` read them through the same reader (scoring/reader.py) and answer alike."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions import ContentError, default_content
from questions.loader import parse_file
from questions.schema import Questionnaire
from reporting.export import FORMAT, SCHEMA_VERSION, ImportProblem, export_result, import_result
from scoring.cli import EXIT_BAD_INPUT, main
from scoring.engine import AnswerError, validate_answers
from storage.couples import JOIN_ALPHABET, normalise_join_code

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CONTENT = default_content()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_import_of_arbitrary_bytes_is_refused_cleanly(raw: bytes) -> None:
    try:
        import_result(CONTENT, raw)
    except ImportProblem as problem:
        assert str(problem) and "\n" not in str(problem)


@FUZZ
@given(questionnaires=json_values)
def test_import_of_arbitrary_answers_in_a_valid_envelope(questionnaires: object) -> None:
    document = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "questionnaires": questionnaires}
    try:
        answers = import_result(CONTENT, json.dumps(document).encode())
    except ImportProblem:
        return
    for qid, items in answers.items():
        assert validate_answers(CONTENT.questionnaire(qid), items) == items


@FUZZ
@given(answers=st.dictionaries(st.text(max_size=15), json_values, max_size=6))
def test_validate_answers_accepts_or_names_the_problem(answers: dict[str, object]) -> None:
    try:
        validate_answers(CONTENT.questionnaire("intimacy"), answers)
    except AnswerError as problem:
        assert str(problem).startswith("answers.")


@FUZZ
@given(text=st.text(max_size=600), suffix=st.sampled_from([".json", ".csv"]))
def test_scoring_cli_on_arbitrary_files_exits_0_or_2_with_one_line(
    tmp_path_factory: object, text: str, suffix: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")  # type: ignore[attr-defined]
    path = Path(folder) / f"responses{suffix}"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    status = main(["score", str(path)], stdout=out, stderr=err)
    assert status in (0, EXIT_BAD_INPUT)
    if status == EXIT_BAD_INPUT:
        assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("error: ")
    else:
        strict_json(out.getvalue())


def strict_json(text: str) -> Any:
    """JSON as the standard has it: no NaN or Infinity (which Python's json reads and writes by default)."""

    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in the output: not JSON")

    return json.loads(text, parse_constant=refuse)


@FUZZ
@given(text=st.text(max_size=800))
def test_content_loader_on_arbitrary_yaml_names_the_file(tmp_path_factory: object, text: str) -> None:
    folder = tmp_path_factory.mktemp("yaml")  # type: ignore[attr-defined]
    path = Path(folder) / "intimacy.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        parse_file(path, Questionnaire)
    except ContentError as problem:
        assert str(problem).startswith("intimacy.yaml: ")


@FUZZ
@given(code=st.text(max_size=300))
def test_join_codes_normalise_to_a_short_plain_string(code: str) -> None:
    clean = normalise_join_code(code)
    assert len(clean) <= 64
    assert clean == clean.upper() or not clean.isascii()
    assert all(ch.isalnum() for ch in clean)


def test_join_alphabet_has_no_look_alikes() -> None:
    assert not set("01IOL") & set(JOIN_ALPHABET)


# --------------------------------------------------------------------------- hostile files, by name

ROOT = Path(__file__).resolve().parents[1]
RESULT = json.loads(export_result(CONTENT, {"worth_it": {"respect": 2, "safe": 2}}))
WORTH_IT = {"questionnaire": "worth_it", "answers": {"respect": 2}}


def import_problem(raw: bytes) -> str:
    with pytest.raises(ImportProblem) as caught:
        import_result(CONTENT, raw)
    message = str(caught.value)
    assert "\n" not in message and len(message) <= 200, message
    return message


def score(tmp_path: Path, name: str, data: bytes) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    status = main(["score", str(path)], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def one_error_line(status: int, out: str, err: str, *fragments: str) -> str:
    assert (status, out) == (EXIT_BAD_INPUT, "")
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def test_a_byte_order_mark_is_read_by_the_import_and_the_cli(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    assert import_result(CONTENT, bom + json.dumps(RESULT).encode()) == {"worth_it": {"respect": 2, "safe": 2}}
    status, out, err = score(tmp_path, "bom.json", bom + json.dumps(WORTH_IT).encode())
    assert (status, err) == (0, "")
    assert strict_json(out)["questionnaire"] == "worth_it"


def test_json_nested_120000_deep_is_one_line_for_the_import_and_the_cli(tmp_path: Path) -> None:
    raw = b"[" * 120_000
    assert "nested too deeply" in import_problem(raw)
    one_error_line(*score(tmp_path, "deep.json", raw), "nested more than 32 levels deep")
    deep_id = b'{"id": ' + b"[" * 40 + b"]" * 40 + b', "questionnaire": "worth_it", "answers": {}}'
    one_error_line(*score(tmp_path, "deep-id.json", deep_id), "nested more than 32 levels deep")
    one_error_line(*score(tmp_path, "deep.jsonl", b"{}\n" + raw), "nested more than 32 levels deep")


def test_deep_json_from_stdin_exits_2_with_one_line_via_python_dash_m() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "scoring", "score", "-"],
        cwd=ROOT,
        input="[" * 120_000,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    one_error_line(completed.returncode, completed.stdout, completed.stderr, "stdin", "nested")


def test_a_200_kb_string_answer_gives_a_short_message_for_the_import_and_the_cli(tmp_path: Path) -> None:
    huge = "https://example.org/" + "x" * 200_000
    document = {**RESULT, "questionnaires": {"worth_it": {"version": 1, "answers": {"respect": huge}}}}
    message = import_problem(json.dumps(document).encode())
    assert message.startswith("That result file has an answer that doesn't fit")
    response = {"questionnaire": "worth_it", "answers": {"respect": huge, huge: 1}}
    err = one_error_line(*score(tmp_path, "long.json", json.dumps(response).encode()), "answers.respect")
    assert len(err) <= len(str(tmp_path / "long.json")) + 210


def test_a_csv_cell_over_128_kib_exits_2_naming_the_line(tmp_path: Path) -> None:
    data = b"questionnaire,respect\nworth_it,2\nworth_it," + b"2" * 200_000 + b"\n"
    one_error_line(*score(tmp_path, "wide.csv", data), "wide.csv line 3: not valid CSV", "field limit")


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_or_infinity_is_refused_so_the_output_is_always_json(tmp_path: Path, number: str) -> None:
    one_error_line(
        *score(tmp_path, "nan.json", f'{{"id": {number}, "questionnaire": "worth_it", "answers": {{}}}}'.encode()),
        "nan.json line 1: ",
        number.lstrip("-"),
    )
    raw = json.dumps(RESULT).replace('"schema_version": 1', f'"schema_version": {number}').encode()
    assert "NaN or Infinity" in import_problem(raw)


def test_a_float_id_prints_as_valid_json(tmp_path: Path) -> None:
    status, out, err = score(tmp_path, "float.json", b'{"id": 1e308, "questionnaire": "worth_it", "answers": {}}')
    assert (status, err) == (0, "")
    assert strict_json(out)["id"] == 1e308


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("surrogate.json", b'{"id": "\\ud800", "questionnaire": "worth_it", "answers": {}}', "surrogate.json"),
        (
            "list.json",
            b'[{"questionnaire": "worth_it", "answers": {}}, {"id": "a\\uDFFFb", "questionnaire": "worth_it"}]',
            "list.json response 1",
        ),
        (
            "lines.jsonl",
            b'{"questionnaire": "worth_it", "answers": {}}\n{"id": "\\ud83d", "questionnaire": "intimacy"}\n',
            "lines.jsonl line 2",
        ),
    ],
)
@pytest.mark.parametrize(
    "command", [["score"], ["score", "--format", "csv"], ["profile"], ["profile", "--format", "csv"]]
)
def test_a_lone_surrogate_in_an_id_is_one_error_line(
    tmp_path: Path, name: str, data: bytes, where: str, command: list[str]
) -> None:
    """Issue #18: an escaped lone surrogate can't be written as UTF-8; it was a UnicodeEncodeError traceback."""
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    status = main([command[0], str(path), *command[1:]], stdout=out, stderr=err)
    one_error_line(status, out.getvalue(), err.getvalue(), f"{where}: id: not text")


@pytest.mark.parametrize("command", [["score", "--format", "csv"], ["profile"]])
def test_a_lone_surrogate_in_an_id_via_python_dash_m_is_one_line(tmp_path: Path, command: list[str]) -> None:
    """As a person runs it: stdout is UTF-8, where the lone surrogate was a traceback."""
    path = tmp_path / "surrogate.json"
    path.write_bytes(b'[{"id": "\\ud800", "questionnaire": "worth_it", "answers": {}}]')
    completed = subprocess.run(
        [sys.executable, "-m", "scoring", command[0], str(path), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    one_error_line(completed.returncode, completed.stdout, completed.stderr, "response 0: id: not text")


def test_a_paired_surrogate_escape_in_an_id_is_text(tmp_path: Path) -> None:
    status, out, err = score(
        tmp_path, "emoji.json", b'{"id": "\\ud83d\\ude00", "questionnaire": "worth_it", "answers": {}}'
    )
    assert (status, err) == (0, "")
    assert strict_json(out)["id"] == "\U0001f600"


def test_a_lone_surrogate_elsewhere_is_named_in_printable_text(tmp_path: Path) -> None:
    for data, fragment in [
        (b'{"questionnaire": "\\ud800", "answers": {}}', "questionnaire"),
        (b'{"questionnaire": "worth_it", "answers": {"\\udc00": 1}}', "answers."),
    ]:
        one_error_line(*score(tmp_path, "elsewhere.json", data), fragment).encode()  # UTF-8, printable
