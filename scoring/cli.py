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
response), ``jsonl`` one record a line, ``csv``. Files are read and checked by
:mod:`scoring.batches` and scored a batch at a time. Any failure prints one line saying what is
wrong and where, and nothing else, and exits with status 2: the output is kept aside until the
whole input is scored.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO, cast

from scoring import reader, records
from scoring.batches import InputProblem, Responses, checked, read_input
from scoring.records import MISSING, Scored

if TYPE_CHECKING:
    from questions.loader import Content
    from questions.schema import Questionnaire
    from scoring.vectorised import Codes

# The content (pydantic, YAML), the engine and NumPy are imported where they are used.

EXIT_BAD_INPUT = 2
#: The longest error line, not counting the file's name.
ERROR_LIMIT = reader.MESSAGE_LIMIT
FORMATS = ("json", "jsonl", "csv")


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


def _encode_checked(found: Responses, content: Content) -> tuple[Encoded, list[Any]]:
    """Each response checked by the engine (the first bad one raises InputProblem), then encoded."""
    from scoring.vectorised import encode_answers

    given_by_questionnaire: dict[str, tuple[list[int], list[dict[str, Any]]]] = {}
    ids: list[Any] = []
    for index, (_where, pid, qid, clean) in enumerate(checked(found, content)):
        ids.append(pid)
        rows, given = given_by_questionnaire.setdefault(qid, ([], []))
        rows.append(index)
        given.append(clean)
    encoded: Encoded = {}
    for qid, (rows, given) in given_by_questionnaire.items():
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
        for at, pid, qid, clean in checked(found, content):
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
