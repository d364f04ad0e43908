"""The responses a command of ``python -m scoring`` reads: a JSON, JSON Lines or CSV file (or
stdin) read as a stream through :mod:`scoring.reader`, a batch at a time, each response named by
where it is and checked by the engine.

A person's responses (next to each other, the same id, one per questionnaire) are never split
between batches: an answer of theirs that says the relationship is not safe counts for both.
Bad input raises :class:`InputProblem`, whose message says what is wrong and where.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from scoring import reader
from scoring.records import MISSING

if TYPE_CHECKING:
    from questions.loader import Content

#: The longest response read: a JSON value, a line of JSON Lines, a CSV row (README: "Command line").
MAX_RESPONSE = 1024 * 1024
#: How much is scored at once: at most about this many responses, and characters of input.
BATCH = (20_000, 16 * 1024 * 1024)


class InputProblem(Exception):
    """Bad input: the message says what is wrong and where."""


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


def checked(found: Responses, content: Content) -> Iterator[tuple[str, Any, str, dict[str, Any]]]:
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


def _csv_cell(value: str) -> int | list[int] | None:
    value = value.strip()
    if not value:
        return None
    if ";" in value:
        return [int(part) for part in value.split(";") if part.strip()]
    return int(value)


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
