"""Command line for counselors and researchers.

    python -m scoring questionnaires                  the questionnaires as JSON
    python -m scoring score FILE [--format FORMAT]    score responses (JSON, JSON Lines or CSV; - for stdin)
    python -m scoring profile FILE [--format csv]     one profile per person (scoring/profile_cli.py)

A response is {"questionnaire": ID, "answers": {ITEM_ID: VALUE}}, with an optional "id": a JSON file
holds one or a list of them, a JSON Lines file (.jsonl) one per line; a CSV has a "questionnaire"
column, an optional "id" column, and one column per item (empty: not answered; choices separated
by ";"). The file is read as a stream, a response at a time (each at most 1 MiB), so memory stays
bounded however large it is. Two responses next to each other with the same id, one of each
questionnaire, are one person's: an answer in either that says the relationship is not safe
holds back the verdict and the stage reading of both ("scope": "both questionnaires"); any other
response is scored alone ("scope": "one questionnaire"; profile reads a person's both). So keep a
person's responses together (sort by id); profile refuses a person whose responses are apart.

``score`` prints one record per response, in the order given (:mod:`scoring.records`): ``--format
json`` (the default) a JSON list, one record a line (one record alone for a file holding one
response), ``jsonl`` one record a line, ``csv``. Files are read by :mod:`scoring.reader` and
scored a batch (BATCH) at a time. Any failure prints one line saying what is wrong and where, and
nothing else, and exits with status 2: the output is kept aside until the whole input is scored.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import dataclasses
import gc
import io
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from scoring import reader, records
from scoring.records import MISSING, Scored

if TYPE_CHECKING:
    from questions.loader import Content
    from questions.schema import Questionnaire
    from scoring.vectorised import Codes

# The content (pydantic, YAML), the engine and NumPy are imported where they are used.

EXIT_BAD_INPUT = 2
#: The longest response read: a JSON value, a line of JSON Lines, a CSV row (README: "Command line").
MAX_RESPONSE = 1024 * 1024
#: How much is scored at once: at most about this many responses, and characters of input.
BATCH = (20_000, 16 * 1024 * 1024)
#: The longest error line, not counting the file's name.
ERROR_LIMIT = reader.MESSAGE_LIMIT
FORMATS = ("json", "jsonl", "csv")


class InputProblem(Exception):
    """Bad input: the message says what is wrong and where."""


def describe_questionnaire(questionnaire: Questionnaire) -> dict[str, Any]:
    return {
        "id": questionnaire.id,
        "version": questionnaire.version,
        "title": questionnaire.title,
        "sources": list(questionnaire.sources),
        "scales": [s.model_dump(include={"id", "title", "description", "sources"}) for s in questionnaire.scales],
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


def _csv_cell(value: str) -> int | list[int] | None:
    value = value.strip()
    if not value:
        return None
    if ";" in value:
        return [int(part) for part in value.split(";") if part.strip()]
    return int(value)


def _csv_responses(found: Responses, content: Content) -> list[dict[str, Any]]:
    """The responses of a batch of CSV rows, read as ``csv.DictReader`` reads each row."""
    from scoring.engine import clip

    header = cast("list[str]", found.header)
    responses: list[dict[str, Any]] = []
    for index, cells in enumerate(found.responses):
        row = dict(zip(header, cells, strict=False))  # a name's last cell, as csv.DictReader
        for missing in header[len(cells) :]:
            row.pop(missing, None)  # csv.DictReader: a short row's missing cells are None
        qid = (row.get("questionnaire") or "").strip()
        questionnaire = content.questionnaires.get(qid)
        multi_items = (
            {i.id for i in questionnaire.items if questionnaire.response_set_of(i).multi} if questionnaire else set()
        )
        answers: dict[str, Any] = {}
        for column, cell in row.items():
            if column in ("questionnaire", "id"):
                continue
            try:
                value = _csv_cell(cell)
            except ValueError:
                raise InputProblem(
                    f"{_at(found, index)}, column {clip(column)}: '{clip(cell)}' is not a whole number"
                ) from None
            if value is not None:
                if isinstance(value, int) and column in multi_items:
                    value = [value]  # one choice of a multi-choice item
                answers[column] = value
        if len(cells) > len(header):
            raise InputProblem(f"{_at(found, index)}: more cells than columns")
        response: dict[str, Any] = {"questionnaire": qid, "answers": answers}
        if row.get("id"):
            response["id"] = row["id"]
        responses.append(response)
    return responses


def _open(path: str, stdin: TextIO | None) -> io.BufferedReader:
    if path != "-":
        try:
            return open(path, "rb")  # closed with read_input's text stream
        except OSError as exc:
            raise InputProblem(f"{path}: cannot be read ({exc.strerror})") from None
    source = stdin or sys.stdin
    if (buffer := getattr(source, "buffer", None)) is not None:
        return cast("io.BufferedReader", buffer)
    return io.BufferedReader(io.BytesIO(source.read().encode("utf-8", "surrogatepass")))  # a text stream (tests)


@dataclass
class Responses:
    """A batch of what ``score`` and ``profile`` read: the responses (or a CSV's rows), where each is, whose."""

    where: str
    responses: list[Any] = field(default_factory=list)
    #: The line of each response (CSV, JSON Lines, stdin); None for a JSON list or object, named by place.
    lines: list[int] | None = None
    #: Each response's person, a number in the input's order (see :func:`read_input`).
    people: list[int] = field(default_factory=list)
    #: The place of the batch's first response in the input.
    first: int = 0
    #: One JSON object in a file: ``score`` prints one record rather than a list.
    single: bool = False
    #: A CSV's first row: the responses are then its rows, lists of cells.
    header: list[str] | None = None


def _at(found: Responses, index: int) -> str:
    """Where a response of the batch is: a line, a place in a JSON list, or the file."""
    if found.lines is not None:
        return f"{found.where} line {found.lines[index]}"
    return found.where if found.single else f"{found.where} response {found.first + index}"


def read_input(path: str, stdin: TextIO | None = None) -> Iterator[Responses]:
    """The responses of a JSON, JSON Lines or CSV file (``-``: stdin, told by its first character),
    read as a stream through :mod:`scoring.reader`, a batch (BATCH) at a time; a person's responses
    (next to each other, the same id, one per questionnaire) are never split between batches."""
    where = "stdin" if path == "-" else path
    binary, batch = _open(path, stdin), Responses(where, lines=[])
    if binary.peek(3)[:3] == codecs.BOM_UTF8:  # Excel and Notepad write one
        binary.read(3)
    suffix, first = Path(path).suffix.lower(), binary.peek(4096)[:4096].lstrip()[:1]
    text = io.TextIOWrapper(binary, encoding="utf-8")
    try:
        if suffix == ".csv" or (path == "-" and first not in (b"{", b"[")):
            found = reader.read_csv(text, MAX_RESPONSE)
            batch.header = next(found, ([], 1, 0))[0]
            if "questionnaire" not in batch.header:
                raise InputProblem(f"{where} line 1: a CSV needs a 'questionnaire' column")
        elif suffix in (".jsonl", ".ndjson"):
            found = reader.read_json_lines(text, MAX_RESPONSE)
        else:
            values = reader.JsonValues(text, MAX_RESPONSE, one=path != "-")
            found, batch.single = iter(values), not values.array and path != "-"
            batch.lines = None if values.array or batch.single else []
        yield from _batches(batch, found)
    except reader.ReadProblem as problem:
        raise InputProblem(f"{where}{f' line {problem.line}' if problem.line else ''}: {problem.reason}") from None
    finally:
        text.close()


def _batches(batch: Responses, found: Iterator[reader.Read]) -> Iterator[Responses]:
    column = {name: i for i, name in enumerate(batch.header or [])}  # a name's last, as csv.DictReader
    at_id, at_qid = column.get("id", -1), column.get("questionnaire", -1)
    size, person, last, qids = 0, -1, MISSING, cast("tuple[Any, ...]", ())
    responses, people, lines = batch.responses, batch.people, batch.lines
    for response, line, length in found:
        if batch.header is not None:
            pid = response[at_id] if 0 <= at_id < len(response) and response[at_id] else MISSING
            qid = response[at_qid].strip() if at_qid < len(response) else None
        else:
            pid, qid = (response.get("id"), response.get("questionnaire")) if type(response) is dict else (None, None)
        if pid in (MISSING, None) or pid != last or type(pid) is not type(last) or qid in qids:
            person, qids = person + 1, ()  # the next person
            if len(responses) >= BATCH[0] or size >= BATCH[1]:
                yield batch
                first = batch.first + len(responses)
                batch = dataclasses.replace(batch, responses=[], lines=lines and [], people=[], first=first)
                size, responses, people, lines = 0, batch.responses, batch.people, batch.lines
        last, qids, size = pid, (*qids, qid), size + length
        responses.append(response)
        people.append(person)
        if lines is not None:
            lines.append(line)
        if type(pid) is str and _SURROGATE.search(pid):  # which UTF-8 can't write
            raise InputProblem(f"{_at(batch, len(responses) - 1)}: id: not text (a lone \\ud800-\\udfff escape)")
    yield batch


_SURROGATE = re.compile("[\ud800-\udfff]")


#: Per questionnaire: the positions of its responses in the batch, and their answers as codes.
Encoded = dict[str, tuple[list[int], "Codes"]]


def score_input(found: Responses, content: Content) -> Scored:
    """Score a batch, or raise InputProblem naming the first bad response. An answer of a person's
    that says the relationship is not safe counts for all their responses (scoring.visibility)."""
    import numpy as np

    from scoring import vectorised

    fast = _encode_csv(found, content) if found.header is not None else _encode_json(found.responses, content)
    encoded, ids = fast if fast is not None else _encode_checked(found, content)
    people = np.array(found.people, dtype=np.intp) - (found.people[0] if found.people else 0)
    unsafe = np.zeros(len(people), dtype=np.float64)
    for qid, (rows, codes) in encoded.items():
        unsafe[rows] = vectorised.unsafe_answers(content.questionnaire(qid), codes)
    persons_unsafe = (np.bincount(people, weights=unsafe) > 0)[people]
    both = (np.bincount(people) == len(content.questionnaires))[people]
    groups = [
        (content.questionnaire(qid), rows, vectorised.score(content.questionnaire(qid), codes, persons_unsafe[rows]))
        for qid, (rows, codes) in encoded.items()
    ]
    return Scored(len(people), ids, groups, both.tolist())


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


def _encode_csv(found: Responses, content: Content) -> tuple[Encoded, list[Any]] | None:
    """A plainly valid batch of CSV rows encoded at once; None if any row might not be (see scoring.vectorised)."""
    from scoring.vectorised import encode_csv

    header = cast("list[str]", found.header)
    encoded = encode_csv(content.questionnaires, header, found.responses)
    if encoded is None:
        return None
    at = header.index("id") if "id" in header else None
    return encoded, [MISSING if at is None or not row[at] else row[at] for row in found.responses]


def _checked(found: Responses, content: Content) -> Iterator[tuple[str, Any, str, dict[str, Any]]]:
    """Each response of a batch checked by the engine, as (where it is named, its id,
    questionnaire id, clean answers); the first bad one raises InputProblem. ``score`` and
    ``profile`` both read so."""
    from scoring.engine import AnswerError, clip, validate_answers

    responses = found.responses if found.header is None else _csv_responses(found, content)
    for index, response in enumerate(responses):
        at = _at(found, index)
        if not isinstance(response, dict):
            problem = "expected a response object or a list of them" if found.single else "a response must be an object"
            raise InputProblem(f"{at}: {problem}")
        qid = response.get("questionnaire")
        if not isinstance(qid, str) or qid not in content.questionnaires:
            known = ", ".join(sorted(content.questionnaires))
            raise InputProblem(f"{at}: questionnaire: '{clip(qid)}' is not one of {known}")
        answers = response.get("answers")
        if not isinstance(answers, dict):
            raise InputProblem(f"{at}: answers: expected an object of item ids to values")
        try:
            yield at, response.get("id", MISSING), qid, validate_answers(content.questionnaire(qid), answers)
        except AnswerError as exc:
            raise InputProblem(f"{at}: {exc}") from None


def _encode_checked(found: Responses, content: Content) -> tuple[Encoded, list[Any]]:
    """Each response checked by the engine (the first bad one raises InputProblem), then encoded."""
    from scoring.vectorised import encode_answers

    checked: dict[str, tuple[list[int], list[dict[str, Any]]]] = {}
    ids: list[Any] = []
    for index, (_where, pid, qid, clean) in enumerate(_checked(found, content)):
        ids.append(pid)
        rows, given = checked.setdefault(qid, ([], []))
        rows.append(index)
        given.append(clean)
    encoded: Encoded = {}
    for qid, (rows, given) in checked.items():
        codes = encode_answers(content.questionnaire(qid), given)
        assert codes is not None, "validated answers are plainly valid"
        encoded[qid] = (rows, codes)
    return encoded, ids


def _score(args: argparse.Namespace, content: Content, out: TextIO) -> None:
    header = records.csv_header(content)
    writer = csv.writer(out)  # "\r\n" ends a row: a cell holding a line break is quoted
    if args.format == "csv":
        writer.writerow(header)
    written = 0
    # The input is millions of small objects and not one reference cycle: the cyclic garbage
    # collector would only walk them again and again (a tenth of the time for nothing).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for found in read_input(args.file):
            scored = score_input(found, content)
            found.responses = []  # scored: its memory serves the output
            if args.format == "csv":
                writer.writerows(records.csv_records(scored, header))
                continue
            lines = records.json_records(scored)
            if found.single and args.format == "json":
                out.write(lines[0] + "\n")
                return
            for first in range(0, len(lines), 4096):  # joined a few thousand at a time
                some = lines[first : first + 4096]
                if args.format == "json":
                    out.write((",\n" if written else "[\n") + ",\n".join(some))
                else:
                    out.write("\n".join(some) + "\n")
                written += len(some)
    finally:
        if collecting:
            gc.enable()
    if args.format == "json":
        out.write("\n]\n" if written else "[]\n")


def _profile(args: argparse.Namespace, content: Content, out: TextIO) -> None:
    """``profile``: read the responses as ``score`` does, one profile per person (scoring.profile_cli)."""
    from scoring.profile_cli import write_profiles

    write_profiles(_people(args.file, content), content, out, args.format)


def _people(path: str, content: Content) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each person's id and clean answers by questionnaire: responses next to each other with the
    same id (or none), one per questionnaire; a person met again later is refused."""
    from scoring.engine import clip

    person: str | None = None
    given: dict[str, Any] = {}
    met: set[str] = set()
    for found in read_input(path):
        for at, pid, qid, clean in _checked(found, content):
            pid = "" if pid is MISSING else pid
            if not isinstance(pid, str | int) or isinstance(pid, bool):
                raise InputProblem(f"{at}: id: expected text or a whole number")
            pid = str(pid)
            who = f"person '{clip(pid)}'" if pid else "the responses (they carry no id)"
            if pid == person and qid in given:
                raise InputProblem(f"{at}: a second '{qid}' response for {who}")
            if pid != person:
                if pid in met:
                    raise InputProblem(f"{at}: {who} again, apart from their other responses: keep them together")
                if person is not None:
                    yield person, given
                person, given = pid, {}
                met.add(pid)
            given[qid] = clean
    if person is not None:
        yield person, given


#: name -> (help, what it does, its --format choices; none: it takes no file).
COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace, Content, TextIO], None], tuple[str, ...]]] = {
    "questionnaires": ("print the questionnaires as JSON", _questionnaires, ()),
    "score": ("score responses from a JSON, JSON Lines or CSV file (- for stdin)", _score, FORMATS),
    "profile": ("one profile per person (their responses next to each other, by id)", _profile, ("json", "csv")),
}


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    summary, _usage, epilog = __doc__.split("\n\n")[:3]
    parser = argparse.ArgumentParser(prog="python -m scoring", description=summary, epilog=epilog)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (help_, _run, formats) in COMMANDS.items():
        command = commands.add_parser(name, help=help_, description=help_, epilog=epilog)
        if formats:
            command.add_argument("file", help="a .json, .jsonl (.ndjson) or .csv file; - for stdin")
            command.add_argument("--format", choices=formats, default="json")
    args = parser.parse_args(argv)
    from questions.loader import ContentError, default_content

    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as kept:  # the output, until all went well
        try:
            COMMANDS[args.command][1](args, default_content(), kept)
        except Exception as problem:  # any failure: one line and status 2 (bad input names itself)
            known = isinstance(problem, InputProblem | ContentError)
            message = str(problem) if known else f"{getattr(args, 'file', '')}: {type(problem).__name__} {problem}"
            limit = ERROR_LIMIT + len(getattr(args, "file", ""))  # the file's name in full
            print(f"error: {reader.one_line(message, limit)}", file=err)
            return EXIT_BAD_INPUT
        kept.seek(0)
        shutil.copyfileobj(kept, out)
    return 0
