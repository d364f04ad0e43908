"""The downloadable JSON result and its import, which must trust nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings

from questions.loader import Content, default_content
from reporting.export import (
    FORMAT,
    MAX_IMPORT_BYTES,
    SCHEMA_VERSION,
    ImportProblem,
    export_result,
    import_result,
    with_titles,
)
from scoring.engine import build_profile
from scoring.results import to_jsonable
from tests.scoring.strategies import AnswersByQuestionnaire, profile_answers

CONTENT = default_content()
ANSWERS: AnswersByQuestionnaire = {
    "worth_it": {"respect": 2, "both_willing": 1, "love_foundation": 2, "same_future": 0, "safe": 2},
    "intimacy": {"comm_heard": 4, "comm_logistics": 2, "pressures": [1, 4], "together_for": 3},
}


@pytest.fixture(scope="module")
def content() -> Content:
    return CONTENT


def _document(**overrides: Any) -> dict[str, Any]:
    document = json.loads(export_result(CONTENT, ANSWERS))
    document.update(overrides)
    return document


def _raw(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


def _problem(content: Content, raw: bytes) -> str:
    with pytest.raises(ImportProblem) as caught:
        import_result(content, raw)
    message = str(caught.value)
    assert message
    assert "\n" not in message
    assert "Traceback" not in message
    assert 'File "' not in message
    assert "Error" not in message, "no exception class names in a message meant for people"
    assert message[0].isupper()
    return message


# --------------------------------------------------------------------------- export


def test_export_is_json_with_format_version_answers_and_profile(content: Content) -> None:
    now = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
    document = json.loads(export_result(content, ANSWERS, now=now))
    assert document["format"] == FORMAT == "spark-check-result"
    assert document["schema_version"] == SCHEMA_VERSION == 1
    assert document["exported_at"] == "2026-03-01T12:30:05+00:00"
    assert document["questionnaires"] == {
        qid: {"version": content.questionnaire(qid).version, "answers": answers} for qid, answers in ANSWERS.items()
    }
    profile = to_jsonable(build_profile(content, ANSWERS))
    assert document["profile"] == json.loads(json.dumps(with_titles(profile, content)))
    # Sources as a person reads them: the article's title, not the seed file's name.
    verdict = document["profile"]["results"]["worth_it"]["verdict"]
    assert verdict["sources"] == [content.guidance.source_titles["001_c9d6df4d0b5d511b.txt"]]


def test_export_leaves_out_unknown_questionnaires(content: Content) -> None:
    document = json.loads(export_result(content, {**ANSWERS, "retired": {"x": 1}}))
    assert set(document["questionnaires"]) == {"worth_it", "intimacy"}


@settings(max_examples=200, deadline=None)
@given(answers=profile_answers())
def test_export_then_import_gives_back_the_same_answers(answers: AnswersByQuestionnaire) -> None:
    raw = export_result(CONTENT, answers).encode("utf-8")
    assert len(raw) <= MAX_IMPORT_BYTES
    assert import_result(CONTENT, raw) == answers


def test_import_of_an_empty_result_gives_no_answers(content: Content) -> None:
    assert import_result(content, export_result(content, {}).encode("utf-8")) == {}


def test_import_canonicalises_multi_choice_answers(content: Content) -> None:
    document = _document(questionnaires={"intimacy": {"version": 1, "answers": {"pressures": [4, 1, 4]}}})
    assert import_result(content, _raw(document)) == {"intimacy": {"pressures": [1, 4]}}


# --------------------------------------------------------------------------- import refuses


def test_oversized_file_is_refused_unread(content: Content) -> None:
    document = export_result(content, ANSWERS)
    raw = (document[:-1] + " " * (MAX_IMPORT_BYTES + 1) + "}").encode("utf-8")
    assert len(raw) > MAX_IMPORT_BYTES
    message = _problem(content, raw)
    assert "too large" in message
    assert "256 KiB" in message


def test_a_file_at_the_size_limit_is_still_read(content: Content) -> None:
    document = export_result(content, ANSWERS)
    raw = (document[:-1] + " " * (MAX_IMPORT_BYTES - len(document.encode("utf-8"))) + "}").encode("utf-8")
    assert len(raw) == MAX_IMPORT_BYTES
    assert import_result(content, raw) == ANSWERS


@pytest.mark.parametrize("raw", [b"", b"{not json", b"<html></html>", b'{"format": "spark-check-result",'])
def test_not_json_is_refused(content: Content, raw: bytes) -> None:
    assert "isn't readable JSON" in _problem(content, raw)


@pytest.mark.parametrize("raw", [b"\xff\xfe{\x00}\x00", b'{"format": "spark-check-result", "x": "caf\xe9"}'])
def test_not_utf8_is_refused(content: Content, raw: bytes) -> None:
    assert "isn't readable JSON" in _problem(content, raw)


@pytest.mark.parametrize(
    "document",
    [[], "spark-check-result", 3, {"schema_version": 1}, {"format": "spark-check-profile", "schema_version": 1}],
)
def test_wrong_format_marker_is_refused(content: Content, document: Any) -> None:
    assert "format marker" in _problem(content, _raw(document))


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_wrong_schema_version_is_refused(content: Content, version: Any) -> None:
    message = _problem(content, _raw(_document(schema_version=version)))
    assert "version" in message
    assert repr(version) in message


def test_missing_answers_are_refused(content: Content) -> None:
    document = _document()
    del document["questionnaires"]
    assert "no answers" in _problem(content, _raw(document))


def test_unknown_questionnaire_is_refused(content: Content) -> None:
    document = _document(questionnaires={"closeness": {"version": 1, "answers": {}}})
    message = _problem(content, _raw(document))
    assert "unknown questionnaire" in message
    assert "closeness" in message


def test_a_very_long_questionnaire_id_is_shortened(content: Content) -> None:
    document = _document(questionnaires={"x" * 5000: {"version": 1, "answers": {}}})
    message = _problem(content, _raw(document))
    assert len(message) < 200


@pytest.mark.parametrize("entry", [[], {"version": 1}, {"answers": [1, 2]}, {"answers": "respect=2"}])
def test_answers_in_the_wrong_form_are_refused(content: Content, entry: Any) -> None:
    message = _problem(content, _raw(_document(questionnaires={"worth_it": entry})))
    assert "expected form" in message


@pytest.mark.parametrize(
    ("qid", "answers", "fragment"),
    [
        ("worth_it", {"respekt": 2}, "respekt"),
        ("worth_it", {"comm_heard": 3}, "comm_heard"),
        ("intimacy", {"comm_heard": 6}, "comm_heard"),
        ("worth_it", {"safe": -1}, "safe"),
        ("intimacy", {"pressures": [8]}, "pressures"),
        ("intimacy", {"pressures": 1}, "pressures"),
        ("worth_it", {"respect": True}, "respect"),
        ("worth_it", {"respect": 1.5}, "respect"),
    ],
)
def test_answers_that_do_not_fit_are_refused(
    content: Content, qid: str, answers: dict[str, Any], fragment: str
) -> None:
    message = _problem(content, _raw(_document(questionnaires={qid: {"version": 1, "answers": answers}})))
    assert "doesn't fit" in message
    assert fragment in message


@pytest.mark.parametrize(
    "answers",
    [
        {"respect": "<script>alert(1)</script>"},
        {"respect": ["<script>alert(1)</script>"]},
        {"<script>alert(1)</script>": 2},
    ],
)
def test_answer_text_with_a_script_is_refused(content: Content, answers: dict[str, Any]) -> None:
    message = _problem(content, _raw(_document(questionnaires={"worth_it": {"version": 1, "answers": answers}})))
    assert "doesn't fit" in message


def test_one_bad_questionnaire_refuses_the_whole_file(content: Content) -> None:
    document = _document()
    document["questionnaires"]["intimacy"]["answers"]["comm_heard"] = 99
    with pytest.raises(ImportProblem):
        import_result(content, _raw(document))
