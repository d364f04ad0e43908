"""``python -m scoring profile``: one profile per person, across both questionnaires."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from questions.loader import default_content
from scoring.cli import EXIT_BAD_INPUT, main
from scoring.profile_cli import profile_row
from scoring.visibility import profile_for_self
from tests.scoring.personas import personas

CONTENT = default_content()
PERSONAS = personas(CONTENT)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def responses_of(*persona_ids: str) -> list[dict[str, object]]:
    return [
        {"id": persona_id, "questionnaire": qid, "answers": answers}
        for persona_id in persona_ids
        for qid, answers in PERSONAS[persona_id].answers.items()
    ]


@pytest.fixture
def people_file(tmp_path: Path) -> Path:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(responses_of("wants_out", "after_kids_slump", "unsafe")), encoding="utf-8")
    return path


def test_each_person_gets_the_profile_they_see_in_the_app(people_file: Path) -> None:
    status, out, err = run("profile", str(people_file))
    assert (status, err) == (0, "")
    rows = json.loads(out)
    assert [row["id"] for row in rows] == ["wants_out", "after_kids_slump", "unsafe"]
    for row in rows:
        expected = profile_row(row["id"], profile_for_self(CONTENT, PERSONAS[row["id"]].answers))
        assert row == json.loads(json.dumps(expected))
    by_id = {row["id"]: row for row in rows}
    assert by_id["wants_out"]["discernment"] and by_id["wants_out"]["verdict"] == "different_conversation"
    assert [step["id"] for step in by_id["wants_out"]["next_steps"]] == [
        "take_stock",
        "say_where_you_are",
        "reach_out_for_help",
    ]
    assert by_id["after_kids_slump"]["stage"] == "sexual_slump"
    assert by_id["after_kids_slump"]["growth_areas"][0] == "intimacy.sexual_intimacy"
    # Safety as in the app: the flag across both questionnaires, and no verdict, reading or step.
    unsafe = by_id["unsafe"]
    assert unsafe["safety_concern"] and unsafe["individual_support"]
    assert (unsafe["verdict"], unsafe["stage"], unsafe["readings"], unsafe["next_steps"]) == (None, None, [], [])


def test_csv_in_and_out_one_line_per_person_and_spreadsheet_safe(tmp_path: Path) -> None:
    intimacy = CONTENT.questionnaire("intimacy")
    path = tmp_path / "people.csv"
    items = [i.id for i in intimacy.items]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "questionnaire", *items])
        for person in ("=HYPERLINK(1)", "kids"):
            answers = PERSONAS["after_kids_slump"].answers["intimacy"]
            cells = [";".join(map(str, v)) if isinstance(v, list) else v for v in (answers.get(i, "") for i in items)]
            writer.writerow([person, "intimacy", *cells])
    status, out, err = run("profile", str(path), "--format", "csv")
    assert (status, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == ["'=HYPERLINK(1)", "kids"]
    assert rows[1]["stage"] == "sexual_slump"
    assert rows[1]["safety_concern"] == "false"
    assert rows[1]["readings"] == "children_at_home;pressures"
    assert rows[1]["intimacy.sexual_intimacy"] == "0.0"
    assert rows[1]["next_steps"].split(";")[0] == "what_helps_me_feel_close"


@pytest.mark.parametrize(
    ("responses", "fragments"),
    [
        (
            [
                {"id": "a", "questionnaire": "worth_it", "answers": {}},
                {"id": "a", "questionnaire": "worth_it", "answers": {}},
            ],
            ("response 1", "a second 'worth_it' response", "'a'"),
        ),
        ([{"questionnaire": "worth_it", "answers": {"safe": 7}}], ("answers.safe",)),
        ([{"id": True, "questionnaire": "worth_it", "answers": {}}], ("id",)),
        ([{"id": "a", "questionnaire": "nope", "answers": {}}], ("questionnaire",)),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    tmp_path: Path, responses: list[object], fragments: tuple[str, ...]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(responses), encoding="utf-8")
    status, out, err = run("profile", str(path))
    assert status == EXIT_BAD_INPUT and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    for fragment in fragments:
        assert fragment in err


def test_a_person_whose_responses_are_apart_is_refused(tmp_path: Path) -> None:
    """A person is read as a stream: their responses next to each other (sort by id)."""
    responses = responses_of("wants_out", "after_kids_slump")
    responses.append(responses.pop(0))  # wants_out's first response moves to the end
    path = tmp_path / "apart.json"
    path.write_text(json.dumps(responses), encoding="utf-8")
    status, out, err = run("profile", str(path))
    assert (status, out) == (EXIT_BAD_INPUT, "")
    assert err.splitlines() == [
        f"error: {path} response {len(responses) - 1}: person 'wants_out' again, apart from their other "
        "responses: keep them together"
    ]


def test_profiles_are_the_same_read_a_response_at_a_time(
    people_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring import batches

    whole = run("profile", str(people_file))
    monkeypatch.setattr(batches, "BATCH", (1, 10**9))
    assert run("profile", str(people_file)) == whole
    empty = tmp_path / "empty.json"
    empty.write_text("[]", encoding="utf-8")
    assert run("profile", str(empty)) == (0, "[]\n", "")
    assert run("profile", str(empty), "--format", "csv")[1].count("\n") == 1  # the header alone
