"""What ``python -m scoring score`` prints: each response's fields as JSON or CSV records.

:func:`fields_of` names a result's fields; :func:`scoring.vectorised.score` gives the same for
many responses at once, column by column, and the records are written from those columns (each
distinct value rendered once).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from questions.loader import Content
    from questions.schema import Questionnaire
    from scoring.results import QuestionnaireResult
    from scoring.vectorised import Fields

#: The id of a response that has none.
MISSING: Any = object()
#: A record's ``scope``: read with the person's other questionnaire, or alone.
SCOPES = {True: "both questionnaires", False: "one questionnaire (see python -m scoring profile)"}
#: A cell that begins so could run as a formula in Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell safe to open in a spreadsheet: text that could run as a formula gets a leading
    apostrophe, the OWASP-recommended neutraliser."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Scored:
    """A batch of responses scored: per questionnaire, the positions of its responses and their
    fields; and whether each was read with the person's other questionnaire."""

    count: int
    ids: list[Any]
    groups: list[tuple[Questionnaire, list[int], Fields]]
    both: list[bool]


def fields_of(questionnaire: Questionnaire, result: QuestionnaireResult) -> dict[str, Any]:
    """What ``score`` prints of one result (as the person may see it: scoring.visibility.own_results)
    after its ``id`` and ``questionnaire``; :func:`scoring.vectorised.score` gives the same for many."""
    fields: dict[str, Any] = {
        "version": result.version,
        "answered": result.answered,
        "total": result.total,
        "safety_concern": result.safety_concern,
        "consistency": result.consistency,
    }
    if questionnaire.verdict is not None:
        verdict = result.verdict
        fields["verdict"] = verdict.kind if verdict else None
        for count in ("yes", "no", "unsure"):
            fields[f"verdict.{count}"] = getattr(verdict, count) if verdict else None
    if questionnaire.support is not None:
        fields["support_flag"] = result.support_flag
        fields["support_signs"] = result.support_signs
    if questionnaire.stages:
        fields["stages"] = tuple(stage.stage_id for stage in result.stages)
    for scale in result.scales:
        for name in ("score", "answered", "total", "importance"):
            fields[f"{scale.scale_id}.{name}"] = getattr(scale, name)
    return fields


def _json(value: Any) -> str:
    if type(value) is str:
        return encode_basestring(value)
    return json.dumps(value, ensure_ascii=False)


def _csv(value: Any) -> str:
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ";".join(value)
    return value if isinstance(value, str) else _json(value)


def _rendered(values: Sequence[Any], render: Callable[[Any], str]) -> list[str]:
    """Each value rendered, each distinct one once (a column holds values of one type, or None)."""
    texts = {value: render(value) for value in set(values)}
    return list(map(texts.__getitem__, values))


def _json_column(name: str, values: Sequence[Any], end: str) -> list[str]:
    return _rendered(values, lambda value: f'"{name}": {_json(value)}{end}')


def json_records(scored: Scored) -> list[str]:
    """Each response's record as one line of JSON, in the input's order."""
    lines = [""] * scored.count
    for questionnaire, rows, fields in scored.groups:
        head = f'"questionnaire": {_json(questionnaire.id)}, "scope": '
        scopes = {both: f"{head}{_json(scope)}, " for both, scope in SCOPES.items()}
        starts = [
            "{"
            + (f'"id": {_json(scored.ids[row])}, ' if scored.ids[row] is not MISSING else "")
            + scopes[scored.both[row]]
            for row in rows
        ]
        last = len(fields) - 1
        columns = [
            _json_column(name, values, "}" if k == last else "") for k, (name, values) in enumerate(fields.items())
        ]
        for row, line in zip(rows, map(operator.add, starts, map(", ".join, zip(*columns, strict=True))), strict=True):
            lines[row] = line
    return lines


def csv_header(content: Content) -> list[str]:
    """``id``, ``questionnaire``, ``scope``, then every questionnaire's fields (the same for every input)."""
    from scoring.engine import score_questionnaire

    names = {"id": None, "questionnaire": None, "scope": None}
    for questionnaire in content.questionnaires.values():
        names |= dict.fromkeys(fields_of(questionnaire, score_questionnaire(questionnaire, {})))
    return list(names)


def csv_records(scored: Scored, header: Sequence[str]) -> list[Sequence[str]]:
    """Each response's record as the cells of a CSV row under ``header``, in the input's order."""
    records: list[Sequence[str]] = [()] * scored.count
    for questionnaire, rows, fields in scored.groups:
        blank = [""] * len(rows)
        columns = [_rendered(fields[name], _csv) if name in fields else blank for name in header[3:]]
        for row, cells in zip(rows, zip(*columns, strict=True), strict=True):
            records[row] = (_csv(safe_cell(scored.ids[row])), questionnaire.id, SCOPES[scored.both[row]], *cells)
    return records
