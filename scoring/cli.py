"""Command line for counselors and researchers.

    python -m scoring questionnaires      the questionnaires as JSON
    python -m scoring score FILE          score responses (JSON object, JSON list, or CSV; - for stdin)
    python -m scoring profile FILE [--format csv]
                                          one profile per person (responses grouped by id) across
                                          both questionnaires: verdict, readings, growth areas,
                                          next steps, safety flag (scoring/profile_cli.py)

A response is ``{"questionnaire": ID, "answers": {ITEM_ID: VALUE}}``; a CSV has
a ``questionnaire`` column, an optional ``id`` column, and one column per item
(empty = not answered; several choices separated by ``;``). Bad input exits
with status 2 and one line saying what is wrong and where.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json
import queue
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scoring.results import to_jsonable

if TYPE_CHECKING:
    from questions.loader import Content
    from questions.schema import Questionnaire

# The content (pydantic, YAML) and scoring.engine are imported where they are
# used: ``score`` reads a big file in a thread while the main thread imports
# and validates the content (see _Prescan).

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
    from scoring.engine import clip

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


def _read_text(path: str, stdin: TextIO | None = None) -> str:
    where = "stdin" if path == "-" else path
    try:
        return (
            (stdin or sys.stdin).read().removeprefix("\ufeff")
            if path == "-"
            else Path(path).read_text(encoding="utf-8-sig")
        )
    except OSError as exc:
        raise InputProblem(f"{where}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputProblem(f"{where}: not UTF-8 text") from None


def _is_csv(path: str, text: str) -> bool:
    return path.lower().endswith(".csv") or (path == "-" and not text.lstrip().startswith(("{", "[")))


def read_responses(path: str, content: Content, stdin: TextIO | None = None) -> list[dict[str, Any]]:
    where = "stdin" if path == "-" else path
    text = _read_text(path, stdin)
    if _is_csv(path, text):
        return _parse_csv(text, where, content)
    return _parse_json(text, where)


def score_responses(responses: Sequence[Any], content: Content, where: str) -> list[dict[str, Any]]:
    from scoring.engine import AnswerError, clip, score_questionnaire, validate_answers

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
    profile = commands.add_parser("profile", help="one profile per person (responses grouped by id)")
    profile.add_argument("file")
    profile.add_argument("--format", choices=("json", "csv"), default="json")
    args = parser.parse_args(argv)
    prescan = _Prescan.start_for(args.file) if args.command == "score" else None
    from questions.loader import ContentError, default_content

    try:
        content = default_content()
        if args.command == "questionnaires":
            document: Any = {"questionnaires": [describe_questionnaire(q) for q in content.questionnaires.values()]}
        elif args.command == "profile":
            return profile_command(args.file, args.format, content, out)
        else:
            path = args.file
            where = "stdin" if path == "-" else path
            output = prescan.finish(content) if prescan is not None else None
            if output is not None:
                _write_utf8(out, output)
                out.write("\n")
                return 0
            text = _read_text(path)
            if _is_csv(path, text):
                output = _score_csv_at_once(text, content)
                responses = _parse_csv(text, where, content) if output is None else []
            else:
                output = None if path != "-" else _score_json_bytes_at_once(text.encode("utf-8"), content)
                responses = []
                if output is None:
                    responses = _parse_json(text, where)
                    output = _score_json_at_once(responses, content)
            if output is not None:
                _write_utf8(out, output)
                out.write("\n")
                return 0
            results = score_responses(responses, content, where)
            single = not path.lower().endswith(".csv") and len(results) == 1 and _is_single_object(path)
            document = results[0] if single else results
    except (InputProblem, ContentError) as problem:
        print(f"error: {problem}", file=err)
        return EXIT_BAD_INPUT
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def profile_command(path: str, output_format: str, content: Content, out: TextIO) -> int:
    """``profile``: read the responses as ``score`` does, one profile per person."""
    from scoring.profile_cli import ProfileInputProblem, as_csv, group_people, profiles

    where = "stdin" if path == "-" else path
    try:
        rows = profiles(group_people(read_responses(path, content), content, where), content)
    except ProfileInputProblem as problem:
        raise InputProblem(str(problem)) from None
    if output_format == "csv":
        out.write(as_csv(rows, content))
    else:
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
    return 0


#: From this many responses on, ``score`` scores them all at once (scoring.batch, NumPy).
BATCH_MIN_RESPONSES = 200

# Many responses are scored at once by scoring.batch, which prints exactly what
# the per-response road prints. It returns None for anything it won't vouch for
# (see scoring.batch): the per-response road then prints the same results, or
# the same one-line error, as it always has.


def _score_csv_at_once(text: str, content: Content) -> Iterator[bytes] | None:
    if text.count("\n") < BATCH_MIN_RESPONSES:
        return None  # too few lines for BATCH_MIN_RESPONSES rows: no need to look closer
    from scoring import batch  # NumPy is imported only for many responses

    parsed = batch.parse_csv(text, content)
    if parsed is None or parsed[1] < BATCH_MIN_RESPONSES:
        return None
    return batch.iter_document(*parsed)


class _Prescan(threading.Thread):
    """Reading a big file, in a thread, as far as it goes without the content.

    While the main thread imports and validates the content, this one reads
    the file, imports NumPy and finds the cells of a CSV or the layout of a
    JSON list (scoring.batch_read needs no content). :meth:`finish` then
    encodes, scores and renders. Anything unusual (a small file, one that
    cannot be read, is not UTF-8 or not plain) leaves ``found`` None, and
    ``score`` reads the file the ordinary way, which says what is wrong.
    """

    def __init__(self, path: str) -> None:
        super().__init__(name="scoring-prescan", daemon=True)
        self.path = path
        self.found: tuple[str, Any, Any] | None = None

    @classmethod
    def start_for(cls, path: str) -> _Prescan | None:
        if path == "-":
            return None
        prescan = cls(path)
        prescan.start()
        return prescan

    def run(self) -> None:
        try:
            self.found = self._scan()
        except Exception:  # the ordinary road reads the file again and reports it
            self.found = None

    def _scan(self) -> tuple[str, Any, Any] | None:
        raw = Path(self.path).read_bytes().removeprefix(codecs.BOM_UTF8)
        if len(raw) < 30 * BATCH_MIN_RESPONSES:
            return None  # too short for BATCH_MIN_RESPONSES responses
        from scoring import batch_read  # NumPy only

        if _is_csv(self.path, ""):
            text = raw.decode("utf-8")
            if text.count("\n") < BATCH_MIN_RESPONSES:
                return None
            return "csv", text, batch_read.CsvBytes.read(text)
        if not raw.isascii():
            raw.decode("utf-8")  # not UTF-8: the ordinary road says so
        layout = batch_read.scan_json(raw)
        return None if layout is None else ("json", raw, layout)

    def finish(self, content: Content) -> Iterator[bytes] | None:
        self.join()
        if self.found is None:
            return None
        from scoring import batch, batch_read

        kind, text, found = self.found
        parsed = batch.parse_csv(text, content, found) if kind == "csv" else batch_read.responses(found, content)
        if parsed is None or parsed[1] < BATCH_MIN_RESPONSES:
            return None
        return batch.iter_document(*parsed)


def _score_json_bytes_at_once(raw: bytes, content: Content) -> Iterator[bytes] | None:
    if len(raw) < 30 * BATCH_MIN_RESPONSES:
        return None  # too short for BATCH_MIN_RESPONSES responses
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    from scoring import batch, batch_read

    parsed = batch_read.parse_json(raw, content)
    if parsed is None or parsed[1] < BATCH_MIN_RESPONSES:
        return None
    return batch.iter_document(*parsed)


def _score_json_at_once(responses: list[Any], content: Content) -> Iterator[bytes] | None:
    if len(responses) < BATCH_MIN_RESPONSES:
        return None
    from scoring import batch

    groups = batch.split_json_responses(responses, content)
    return None if groups is None else batch.iter_document(groups, len(responses))


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


def _is_single_object(path: str) -> bool:
    # Only re-read a real file; stdin was consumed, and a one-item list stays a list there too.
    if path == "-":
        return False
    try:
        return Path(path).read_text(encoding="utf-8").lstrip().startswith("{")
    except OSError:
        return False
