"""Command line for counselors and researchers.

    python -m scoring questionnaires      the questionnaires as JSON
    python -m scoring score FILE          score responses (JSON object, JSON list, or CSV; - for stdin)

A response is ``{"questionnaire": ID, "answers": {ITEM_ID: VALUE}}``; a CSV has
a ``questionnaire`` column, an optional ``id`` column, and one column per item
(empty = not answered; several choices separated by ``;``). Bad input exits
with status 2 and one line saying what is wrong and where.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from questions.loader import Content, ContentError, default_content
from questions.schema import Questionnaire
from scoring.engine import AnswerError, clip, score_questionnaire, validate_answers
from scoring.results import to_jsonable

EXIT_BAD_INPUT = 2


class InputProblem(Exception):
    """Bad input: the message says what is wrong and where."""


def describe_questionnaire(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "id": questionnaire.id,
        "version": questionnaire.version,
        "title": questionnaire.title,
        "sources": list(questionnaire.sources),
        "scales": [
            {"id": s.id, "title": s.title, "description": s.description, "sources": list(s.sources)}
            for s in questionnaire.scales
        ],
        "items": [
            {
                "id": item.id,
                "section": section.id,
                "text": item.text,
                "kind": item.kind,
                "scale": item.scale,
                "reverse": item.reverse,
                "safety": item.safety,
                "unsafe_values": list(item.unsafe_values),
                "multi": questionnaire.response_set_of(item).multi,
                "options": [{"value": o.value, "label": o.label} for o in questionnaire.response_set_of(item).options],
                "sources": list(item.sources),
            }
            for section in questionnaire.sections
            for item in section.items
        ],
        "verdict": questionnaire.verdict.model_dump(mode="json") if questionnaire.verdict else None,
        "support": questionnaire.support.model_dump(mode="json") if questionnaire.support else None,
    }


def _parse_json(text: str, where: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise InputProblem(f"{where}{f' line {line}' if line else ''}: not valid JSON") from None
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list):
        return document
    raise InputProblem(f"{where}: expected a response object or a list of them")


def _csv_cell(value: str) -> int | list[int] | None:
    value = value.strip()
    if not value:
        return None
    if ";" in value:
        return [int(part) for part in value.split(";") if part.strip()]
    return int(value)


def _parse_csv(text: str, where: str, content: Content) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "questionnaire" not in reader.fieldnames:
        raise InputProblem(f"{where} line 1: a CSV needs a 'questionnaire' column")
    responses: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        qid = (row.get("questionnaire") or "").strip()
        questionnaire = content.questionnaires.get(qid)
        multi_items = (
            {i.id for i in questionnaire.items if questionnaire.response_set_of(i).multi} if questionnaire else set()
        )
        answers: dict[str, Any] = {}
        for column, cell in row.items():
            if column in ("questionnaire", "id") or column is None or cell is None:
                if column is None:
                    raise InputProblem(f"{where} line {line}: more cells than columns")
                continue
            try:
                value = _csv_cell(cell)
            except ValueError:
                raise InputProblem(
                    f"{where} line {line}, column {clip(column)}: '{clip(cell)}' is not a whole number"
                ) from None
            if value is not None:
                if isinstance(value, int) and column in multi_items:
                    value = [value]  # one choice of a multi-choice item
                answers[column] = value
        response: dict[str, Any] = {"questionnaire": qid, "answers": answers, "_line": line}
        if row.get("id"):
            response["id"] = row["id"]
        responses.append(response)
    return responses


def read_responses(path: str, content: Content, stdin: TextIO | None = None) -> list[dict[str, Any]]:
    where = "stdin" if path == "-" else path
    try:
        text = (
            (stdin or sys.stdin).read().removeprefix("\ufeff")
            if path == "-"
            else Path(path).read_text(encoding="utf-8-sig")
        )
    except OSError as exc:
        raise InputProblem(f"{where}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputProblem(f"{where}: not UTF-8 text") from None
    if path.lower().endswith(".csv") or (path == "-" and not text.lstrip().startswith(("{", "["))):
        return _parse_csv(text, where, content)
    return _parse_json(text, where)


def score_responses(responses: Sequence[Any], content: Content, where: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for index, response in enumerate(responses):
        at = (
            f"{where} line {response['_line']}"
            if isinstance(response, dict) and "_line" in response
            else (f"{where} response {index}" if len(responses) > 1 else where)
        )
        if not isinstance(response, dict):
            raise InputProblem(f"{at}: a response must be an object")
        qid = response.get("questionnaire")
        if not isinstance(qid, str) or qid not in content.questionnaires:
            known = ", ".join(sorted(content.questionnaires))
            raise InputProblem(f"{at}: questionnaire: '{clip(qid)}' is not one of {known}")
        answers = response.get("answers")
        if not isinstance(answers, dict):
            raise InputProblem(f"{at}: answers: expected an object of item ids to values")
        questionnaire = content.questionnaire(qid)
        try:
            clean = validate_answers(questionnaire, answers)
        except AnswerError as exc:
            raise InputProblem(f"{at}: {exc}") from None
        entry: dict[str, Any] = {"questionnaire": qid, "result": to_jsonable(score_questionnaire(questionnaire, clean))}
        if "id" in response:
            entry = {"id": response["id"], **entry}
        results.append(entry)
    return results


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = argparse.ArgumentParser(prog="python -m scoring", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("questionnaires", help="print the questionnaires as JSON")
    score = commands.add_parser("score", help="score responses from a JSON or CSV file (- for stdin)")
    score.add_argument("file")
    args = parser.parse_args(argv)
    try:
        content = default_content()
        if args.command == "questionnaires":
            document: Any = {"questionnaires": [describe_questionnaire(q) for q in content.questionnaires.values()]}
        else:
            responses = read_responses(args.file, content)
            results = score_responses(responses, content, "stdin" if args.file == "-" else args.file)
            single = not args.file.lower().endswith(".csv") and len(results) == 1 and _is_single_object(args.file)
            document = results[0] if single else results
    except (InputProblem, ContentError) as problem:
        print(f"error: {problem}", file=err)
        return EXIT_BAD_INPUT
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def _is_single_object(path: str) -> bool:
    # Only re-read a real file; stdin was consumed, and a one-item list stays a list there too.
    if path == "-":
        return False
    try:
        return Path(path).read_text(encoding="utf-8").lstrip().startswith("{")
    except OSError:
        return False
