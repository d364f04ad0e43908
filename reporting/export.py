"""The downloadable result file (JSON) and its import, which trusts nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from questions.loader import Content, source_title
from scoring import reader
from scoring.engine import AnswerError, validate_answers
from scoring.results import AnswerValue, to_jsonable
from scoring.visibility import profile_for_self

FORMAT = "spark-check-result"
SCHEMA_VERSION = 1
#: Far above any real export (a few KiB); anything larger is refused unread.
MAX_IMPORT_BYTES = 256 * 1024


class ImportProblem(ValueError):
    """A result file that can't be imported; the message (one line, clipped) is shown to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(reader.one_line(message))


_NOT_READABLE = "That file isn't a Spark Check result: it isn't readable JSON."
#: What the person is told for each kind of scoring.reader problem.
_READ_PROBLEMS: dict[str, str] = {
    "size": f"That file is too large to be a Spark Check result (the limit is {MAX_IMPORT_BYTES // 1024} KiB).",
    "encoding": _NOT_READABLE,
    "syntax": _NOT_READABLE,
    "csv": _NOT_READABLE,
    "depth": "That file isn't a Spark Check result: its JSON is nested too deeply.",
    "number": "That file isn't a Spark Check result: it has a number JSON doesn't allow (NaN or Infinity).",
}


def export_result(content: Content, answers: dict[str, dict[str, AnswerValue]], now: datetime | None = None) -> str:
    """Answers (to re-import) and the scored profile (to read), as JSON."""
    profile = profile_for_self(content, answers)
    document: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "questionnaires": {
            qid: {"version": content.questionnaire(qid).version, "answers": dict(items)}
            for qid, items in sorted(answers.items())
            if qid in content.questionnaires
        },
        "profile": with_titles(to_jsonable(profile), content),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def with_titles(node: Any, content: Content | None = None) -> Any:
    """A JSON document's sources as a person reads them everywhere: article titles, not file names."""
    if isinstance(node, dict):
        return {
            k: [source_title(f, content) for f in v] if k == "sources" else with_titles(v, content)
            for k, v in node.items()
        }
    return [with_titles(v, content) for v in node] if isinstance(node, list) else node


def import_result(content: Content, raw: bytes) -> dict[str, dict[str, AnswerValue]]:
    """Parse (with :func:`scoring.reader.read_json`) and check a result file; return its answers or raise ImportProblem."""
    try:
        document = reader.read_json(raw, MAX_IMPORT_BYTES)
    except reader.ReadProblem as problem:
        raise ImportProblem(_READ_PROBLEMS[problem.kind]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportProblem("That file isn't a Spark Check result (it has no Spark Check format marker).")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ImportProblem(
            f"That result file has format version {version!r}; this Spark Check reads version {SCHEMA_VERSION}."
        )
    questionnaires = document.get("questionnaires")
    if not isinstance(questionnaires, dict):
        raise ImportProblem("That result file has no answers in it.")
    answers: dict[str, dict[str, AnswerValue]] = {}
    for qid, entry in questionnaires.items():
        if qid not in content.questionnaires:
            raise ImportProblem(f"That result file has answers for an unknown questionnaire ({_short(qid)}).")
        if not isinstance(entry, dict) or not isinstance(entry.get("answers"), dict):
            raise ImportProblem(f"The answers for {_short(qid)} are not in the expected form.")
        try:
            answers[qid] = validate_answers(content.questionnaire(qid), entry["answers"])
        except AnswerError as exc:
            raise ImportProblem(f"That result file has an answer that doesn't fit {_short(qid)}: {exc}.") from None
    return answers


def _short(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")
