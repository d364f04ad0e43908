"""Command line for counselors and researchers.

    python -m scoring questionnaires      the questionnaires as JSON
    python -m scoring score FILE          score responses (JSON, JSON Lines or CSV; - for stdin)
    python -m scoring profile FILE [--format csv]
                                          one profile per person (responses grouped by id) across
                                          both questionnaires: verdict, readings, growth areas,
                                          next steps, safety flag (scoring/profile_cli.py)

A response is ``{"questionnaire": ID, "answers": {ITEM_ID: VALUE}}``: a JSON
file holds one or a list of them, a JSON Lines file (``.jsonl``) one per line;
a CSV has a ``questionnaire`` column, an optional ``id`` column, and one column
per item (empty = not answered; several choices separated by ``;``). Files are
read by :mod:`scoring.reader` (at most MAX_INPUT_BYTES). Bad input exits with
status 2 and one line saying what is wrong and where.
"""

from __future__ import annotations

import argparse
import codecs
import json
import queue
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scoring import reader
from scoring.reader import Table
from scoring.results import to_jsonable

if TYPE_CHECKING:
    from questions.loader import Content
    from questions.schema import Questionnaire

# The content (pydantic, YAML), scoring.engine and NumPy are imported where
# they are used.

EXIT_BAD_INPUT = 2
#: The largest input ``score`` reads (README: "Command line").
MAX_INPUT_BYTES = 100 * 1024 * 1024
#: The longest error line, not counting the file's name.
ERROR_LIMIT = reader.MESSAGE_LIMIT


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
        for column in header[len(cells) :]:
            row[column] = None
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
        buffer = getattr(source, "buffer", None)
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
    #: One JSON object in a file: ``score`` prints one result rather than a list.
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


def with_csv_responses(found: Responses, content: Content) -> Responses:
    """``found``, a CSV's rows made responses."""
    if found.table is not None:
        found.responses, found.lines = _csv_responses(found.table, found.where, content), found.table.lines
    return found


def score_responses(
    responses: Sequence[Any], content: Content, where: str, lines: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    from scoring.engine import AnswerError, clip, score_questionnaire, validate_answers

    results: list[dict[str, Any]] = []
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
    score = commands.add_parser("score", help="score responses from a JSON, JSON Lines or CSV file (- for stdin)")
    score.add_argument("file")
    profile = commands.add_parser("profile", help="one profile per person (responses grouped by id)")
    profile.add_argument("file")
    profile.add_argument("--format", choices=("json", "csv"), default="json")
    args = parser.parse_args(argv)
    from questions.loader import ContentError, default_content

    try:
        content = default_content()
        if args.command == "questionnaires":
            document: Any = {"questionnaires": [describe_questionnaire(q) for q in content.questionnaires.values()]}
        elif args.command == "profile":
            return profile_command(args.file, args.format, content, out)
        else:
            found = read_input(args.file)
            output = _score_at_once(found, content)
            if output is not None:
                _write_utf8(out, output)
                out.write("\n")
                return 0
            with_csv_responses(found, content)
            results = score_responses(found.responses, content, found.where, found.lines)
            document = results[0] if found.single else results
    except (InputProblem, ContentError) as problem:
        limit = ERROR_LIMIT + (len(args.file) if args.command == "score" else 0)  # the file's name in full
        print(f"error: {reader.one_line(str(problem), limit)}", file=err)
        return EXIT_BAD_INPUT
    json.dump(document, out, indent=2, ensure_ascii=False, allow_nan=False)
    out.write("\n")
    return 0


def profile_command(path: str, output_format: str, content: Content, out: TextIO) -> int:
    """``profile``: read the responses as ``score`` does, one profile per person."""
    from scoring.profile_cli import ProfileInputProblem, as_csv, group_people, profiles

    found = with_csv_responses(read_input(path), content)
    responses = found.responses
    if found.lines is not None:  # name a response by its line, as ``score`` does
        responses = [
            {**response, "_line": line} if isinstance(response, dict) else response
            for response, line in zip(found.responses, found.lines, strict=True)
        ]
    try:
        rows = profiles(group_people(responses, content, found.where), content)
    except ProfileInputProblem as problem:
        raise InputProblem(str(problem)) from None
    if output_format == "csv":
        out.write(as_csv(rows, content))
    else:
        json.dump(rows, out, indent=2, ensure_ascii=False, allow_nan=False)
        out.write("\n")
    return 0


#: From this many responses on, ``score`` scores them all at once (scoring.batch, NumPy).
BATCH_MIN_RESPONSES = 200

# Many responses are scored at once by scoring.batch, which prints exactly what
# the per-response road prints. It returns None for anything it won't vouch for
# (see scoring.batch): the per-response road then prints the same results, or
# the same one-line error, as it always has.


def _score_at_once(found: Responses, content: Content) -> Iterator[bytes] | None:
    count = len(found.table.rows) if found.table is not None else len(found.responses)
    if count < BATCH_MIN_RESPONSES:
        return None
    from scoring import batch  # NumPy is imported only for many responses

    if found.table is not None:
        parsed = batch.parse_csv(found.table, content)
        return None if parsed is None else batch.iter_document(*parsed)
    groups = batch.split_json_responses(found.responses, content)
    return None if groups is None else batch.iter_document(groups, count)


def _write_utf8(out: TextIO, chunks: Iterable[bytes]) -> None:
    """UTF-8 pieces to a text stream: straight to its byte buffer when it has a UTF-8 one."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None and codecs.lookup(getattr(out, "encoding", None) or "ascii").name == "utf-8":
        out.flush()
        _write_behind(buffer, chunks)
        buffer.flush()
    else:
        for chunk in chunks:
            out.write(chunk.decode("utf-8"))


def _write_behind(buffer: Any, chunks: Iterable[bytes]) -> None:
    """Write each chunk in a thread while the next one is put together (a write lets go of the GIL)."""
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def writer() -> None:
        while (chunk := pending.get()) is not None:
            if not failed:
                try:
                    buffer.write(chunk)
                except BaseException as exc:  # e.g. a closed pipe: raised again below
                    failed.append(exc)

    thread = threading.Thread(target=writer, name="scoring-writer", daemon=True)
    thread.start()
    try:
        for chunk in chunks:
            if failed:
                break
            pending.put(chunk)
    finally:
        pending.put(None)
        thread.join()
    if failed:
        raise failed[0]
