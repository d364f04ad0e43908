"""Hypothesis fuzzing of every parser: whatever comes in, the answer is a result
or the parser's own kind, clear error — never an unexpected exception."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions import ContentError, default_content
from questions.loader import parse_file
from questions.schema import Questionnaire
from reporting.export import FORMAT, SCHEMA_VERSION, ImportProblem, import_result
from scoring.cli import EXIT_BAD_INPUT, main
from scoring.engine import AnswerError, validate_answers
from storage.repository import JOIN_ALPHABET, normalise_join_code

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
        json.loads(out.getvalue())


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
