"""Command line for counselors and researchers.

    python -m scoring questionnaires                  the questionnaires as JSON
    python -m scoring score FILE [--format FORMAT]    score responses (JSON, JSON Lines or CSV; - for stdin)
    python -m scoring profile FILE [--format csv]     one profile per person (scoring/profile_cli.py)

A response is ``{"questionnaire": ID, "answers": {ITEM_ID: VALUE}}``: a JSON file holds one or a
list of them, a JSON Lines file (``.jsonl``) one per line; a CSV has a ``questionnaire`` column, an
optional ``id`` column, and one column per item (empty = not answered; several choices separated by
``;``). Files are read by :mod:`scoring.reader` (at most MAX_INPUT_BYTES). Bad input exits with
status 2 and one line saying what is wrong and where. ``score`` prints one record per response, in
the order given (:mod:`scoring.records`): ``--format json`` (the default) a JSON list, one record a
line (one record alone for a file holding one response), ``jsonl`` one record a line, ``csv``.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import gc
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from scoring import reader, records
from scoring.reader import Table
from scoring.records import MISSING, Scored

if TYPE_CHECKING:
    from questions.loader import Content
    from questions.schema import Questionnaire
    from scoring.vectorised import Codes

# The content (pydantic, YAML), the engine and NumPy are imported where they are used.

EXIT_BAD_INPUT = 2
#: The largest input ``score`` reads (README: "Command line").
MAX_INPUT_BYTES = 100 * 1024 * 1024
#: The longest error line, not counting the file's name.
ERROR_LIMIT = reader.MESSAGE_LIMIT
FORMATS = ("json", "jsonl", "csv")


class InputProblem(Exception):
    """Bad input: the message says what is wrong and where."""


# --------------------------------------------------------------------------- questionnaires


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
        "stages": [stage.model_dump(mode="json") for stage in questionnaire.stages],
    }


def _questionnaires(args: argparse.Namespace, content: Content, out: TextIO) -> None:
    document = {"questionnaires": [describe_questionnaire(q) for q in content.questionnaires.values()]}
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


# --------------------------------------------------------------------------- reading


def _csv_cell(value: str) -> int | list[int] | None:
    value = value.strip()
    if not value:
        return None
    if ";" in value:
        return [int(part) for part in value.split(";") if part.strip()]
    return int(value)


def _csv_responses(table: Table, where: str, content: Content) -> list[dict[str, Any]]:
    """The responses of a CSV, one per row, read as ``csv.DictReader`` reads each row."""
    from scoring.engine import clip

    header = table.header
    if "questionnaire" not in header:
        raise InputProblem(f"{where} line 1: a CSV needs a 'questionnaire' column")
    responses: list[dict[str, Any]] = []
    for cells, line in zip(table.rows, table.lines, strict=True):
        row: dict[str | None, Any] = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            row[None] = cells[len(header) :]
        for missing in header[len(cells) :]:
            row[missing] = None
        qid = (row.get("questionnaire") or "").strip()
        questionnaire = content.questionnaires.get(qid)
        multi_items = (
            {i.id for i in questionnaire.items if questionnaire.response_set_of(i).multi} if questionnaire else set()
        )
        answers: dict[str, Any] = {}
        for column, cell in row.items():
            if column is None:
                raise InputProblem(f"{where} line {line}: more cells than columns")
            if column in ("questionnaire", "id") or cell is None:
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
        response: dict[str, Any] = {"questionnaire": qid, "answers": answers}
        if row.get("id"):
            response["id"] = row["id"]
        responses.append(response)
    return responses


def _read_bytes(path: str, stdin: TextIO | None = None) -> bytes:
    """The file's bytes (stdin's for ``-``), at most one more than MAX_INPUT_BYTES."""
    if path == "-":
        source = stdin or sys.stdin
        buffer: BinaryIO | None = getattr(source, "buffer", None)
        if buffer is not None:
            return buffer.read(MAX_INPUT_BYTES + 1)
        return source.read(MAX_INPUT_BYTES + 1).encode("utf-8", "surrogatepass")  # a text stream (tests)
    try:
        with open(path, "rb") as file:
            return file.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputProblem(f"{path}: cannot be read ({exc.strerror})") from None


def _format(path: str, data: bytes) -> str:
    """How to read the input: "csv", "jsonl", "json", or "json or jsonl" (stdin starting with ``{``)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if path != "-":
        return "json"
    start = data.removeprefix(codecs.BOM_UTF8).lstrip()[:1]
    return "json or jsonl" if start == b"{" else "json" if start == b"[" else "csv"


@dataclass
class Responses:
    """What ``score`` read: the responses (or, for a CSV, the table they are in) and where each is."""

    where: str
    responses: list[Any] = field(default_factory=list)
    #: The line of each response (CSV, JSON Lines); None for JSON, where a response is named by its place.
    lines: list[int] | None = None
    #: One JSON object in a file: ``score`` prints one record rather than a list.
    single: bool = False
    table: Table | None = None


def read_input(path: str, stdin: TextIO | None = None) -> Responses:
    """Read a JSON, JSON Lines or CSV file (``-``: stdin) through :mod:`scoring.reader`."""
    where = "stdin" if path == "-" else path
    data = _read_bytes(path, stdin)
    kind = _format(path, data)
    try:
        if kind == "csv":
            return Responses(where, table=reader.read_csv(data, MAX_INPUT_BYTES))
        if kind == "jsonl":
            return Responses(where, *reader.read_json_lines(data, MAX_INPUT_BYTES))
        try:
            document = reader.read_json(data, MAX_INPUT_BYTES)
        except reader.ReadProblem as problem:
            if kind == "json or jsonl" and problem.more:
                return Responses(where, *reader.read_json_lines(data, MAX_INPUT_BYTES))
            raise
    except reader.ReadProblem as problem:
        raise InputProblem(f"{where}{f' line {problem.line}' if problem.line else ''}: {problem.reason}") from None
    if isinstance(document, dict):
        return Responses(where, [document], single=path != "-")
    if isinstance(document, list):
        return Responses(where, document)
    raise InputProblem(f"{where}: expected a response object or a list of them")


# --------------------------------------------------------------------------- scoring

#: Per questionnaire: the positions of its responses in the input, and their answers as codes.
Encoded = dict[str, tuple[list[int], "Codes"]]


def score_input(found: Responses, content: Content) -> Scored:
    """Score what ``read_input`` read, or raise InputProblem naming the first bad response."""
    from scoring import vectorised

    if found.table is not None:
        fast = _encode_csv(found.table, content)
        count = len(found.table.rows)
    else:
        fast = _encode_json(found.responses, content)
        count = len(found.responses)
    encoded, ids = fast if fast is not None else _encode_checked(found, content)
    groups = [
        (content.questionnaire(qid), rows, vectorised.score(content.questionnaire(qid), codes))
        for qid, (rows, codes) in encoded.items()
    ]
    return Scored(count, ids, groups)


def _encode_json(responses: Sequence[Any], content: Content) -> tuple[Encoded, list[Any]] | None:
    """Plainly valid responses encoded at once; None if any might not be (see scoring.vectorised)."""
    from scoring.vectorised import encode_answers

    positions: dict[str, list[int]] = {}
    for position, response in enumerate(responses):
        if type(response) is not dict or type(response.get("answers")) is not dict:
            return None
        qid = response.get("questionnaire")
        if type(qid) is not str or qid not in content.questionnaires:
            return None
        positions.setdefault(qid, []).append(position)
    encoded: Encoded = {}
    for qid, rows in positions.items():
        codes = encode_answers(content.questionnaire(qid), [responses[row]["answers"] for row in rows])
        if codes is None:
            return None
        encoded[qid] = (rows, codes)
    return encoded, [response.get("id", MISSING) for response in responses]


def _encode_csv(table: Table, content: Content) -> tuple[Encoded, list[Any]] | None:
    """A plainly valid CSV encoded at once; None if any row might not be (see scoring.vectorised)."""
    from scoring.vectorised import encode_csv

    encoded = encode_csv(content.questionnaires, table.header, table.rows)
    if encoded is None:
        return None
    at = table.header.index("id") if "id" in table.header else None
    return encoded, [MISSING if at is None or not row[at] else row[at] for row in table.rows]


def _checked(found: Responses, content: Content) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    """Each response checked by the engine, as (its place, where it is named, questionnaire id,
    clean answers); the first bad one raises InputProblem. ``score`` and ``profile`` both read so."""
    from scoring.engine import AnswerError, clip, validate_answers

    if found.table is not None:
        found.responses, found.lines = _csv_responses(found.table, found.where, content), found.table.lines
    responses, lines, where = found.responses, found.lines, found.where
    for index, response in enumerate(responses):
        at = (
            f"{where} line {lines[index]}"
            if lines is not None
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
        try:
            yield index, at, qid, validate_answers(content.questionnaire(qid), answers)
        except AnswerError as exc:
            raise InputProblem(f"{at}: {exc}") from None


def _encode_checked(found: Responses, content: Content) -> tuple[Encoded, list[Any]]:
    """Each response checked by the engine (the first bad one raises InputProblem), then encoded."""
    from scoring.vectorised import encode_answers

    checked: dict[str, tuple[list[int], list[dict[str, Any]]]] = {}
    for index, _at, qid, clean in _checked(found, content):
        rows, given = checked.setdefault(qid, ([], []))
        rows.append(index)
        given.append(clean)
    encoded: Encoded = {}
    for qid, (rows, given) in checked.items():
        codes = encode_answers(content.questionnaire(qid), given)
        assert codes is not None, "validated answers are plainly valid"
        encoded[qid] = (rows, codes)
    return encoded, [response.get("id", MISSING) for response in found.responses]


def _score(args: argparse.Namespace, content: Content, out: TextIO) -> None:
    # The input is millions of small objects and not one reference cycle: the cyclic garbage
    # collector would only walk them again and again (a tenth of the time for nothing).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _score_without_collector(args, content, out)
    finally:
        if collecting:
            gc.enable()


def _score_without_collector(args: argparse.Namespace, content: Content, out: TextIO) -> None:
    found = read_input(args.file)
    scored = score_input(found, content)
    found.responses, found.table = [], None  # what was read is scored: its memory serves the output
    if args.format == "csv":
        header = records.csv_header(content)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(records.csv_records(scored, header))
        return
    lines = records.json_records(scored)
    if found.single and args.format == "json":
        out.write(lines[0] + "\n")
    elif lines:
        records.write_lines(out, lines, *(("\n", "", "\n") if args.format == "jsonl" else (",\n", "[\n", "\n]\n")))
    elif args.format == "json":
        out.write("[]\n")


def _profile(args: argparse.Namespace, content: Content, out: TextIO) -> None:
    """``profile``: read the responses as ``score`` does, one profile per person (by ``id``)."""
    from scoring.engine import clip
    from scoring.profile_cli import as_csv, profiles

    found = read_input(args.file)
    people: dict[str, dict[str, Any]] = {}
    for index, at, qid, clean in _checked(found, content):
        person = found.responses[index].get("id", "")
        if not isinstance(person, str | int) or isinstance(person, bool):
            raise InputProblem(f"{at}: id: expected text or a whole number")
        given = people.setdefault(str(person), {})
        if qid in given:
            who = f"person '{clip(str(person))}'" if str(person) else "the responses (they carry no id)"
            raise InputProblem(f"{at}: a second '{qid}' response for {who}")
        given[qid] = clean
    rows = profiles(people, content)
    if args.format == "csv":
        out.write(as_csv(rows, content))
    else:
        json.dump(rows, out, indent=2, ensure_ascii=False, allow_nan=False)
        out.write("\n")


#: name -> (help, what it does, its --format choices; none: it takes no file).
COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace, Content, TextIO], None], tuple[str, ...]]] = {
    "questionnaires": ("print the questionnaires as JSON", _questionnaires, ()),
    "score": ("score responses from a JSON, JSON Lines or CSV file (- for stdin)", _score, FORMATS),
    "profile": ("one profile per person (responses grouped by id)", _profile, ("json", "csv")),
}


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = argparse.ArgumentParser(prog="python -m scoring", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (help_, _run, formats) in COMMANDS.items():
        command = commands.add_parser(name, help=help_)
        if formats:
            command.add_argument("file", help="a .json, .jsonl (.ndjson) or .csv file; - for stdin")
            command.add_argument("--format", choices=formats, default="json")
    args = parser.parse_args(argv)
    from questions.loader import ContentError, default_content

    try:
        COMMANDS[args.command][1](args, default_content(), out)
    except (InputProblem, ContentError) as problem:
        limit = ERROR_LIMIT + len(getattr(args, "file", ""))  # the file's name in full
        print(f"error: {reader.one_line(str(problem), limit)}", file=err)
        return EXIT_BAD_INPUT
    return 0
