"""``python -m scoring profile FILE``: one profile per person, across both questionnaires.

The responses are read as ``score`` reads them (scoring.batches) and grouped by person by
scoring.cli. Each person's profile is what they see on their own results page
(scoring.visibility.profile_for_self): under a safety concern no verdict, reading or step.
Output, a person at a time: JSON (default) or CSV (``--format csv``, spreadsheet-safe).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from scoring.records import safe_cell
from scoring.results import AnswerValue, Profile

if TYPE_CHECKING:
    from questions.loader import Content

AnswersByQuestionnaire = dict[str, dict[str, AnswerValue]]


def profile_row(person: str, profile: Profile) -> dict[str, Any]:
    """One person's profile as a flat record (the JSON entry; the CSV row flattens lists)."""
    worth_it = profile.results.get("worth_it")
    stages = [stage.stage_id for result in profile.results.values() for stage in result.stages]
    return {
        "id": person,
        "safety_concern": profile.safety_concern,
        "verdict": worth_it.verdict.kind if worth_it is not None and worth_it.verdict is not None else None,
        "stage": stages[0] if stages else None,
        "readings": [reading.reading_id for reading in profile.readings],
        "discernment": profile.discernment,
        "professional_help": profile.professional_help,
        "individual_support": profile.individual_support,
        "support_signs": [sign for result in profile.results.values() for sign in result.support_signs],
        "scores": {scale.ref: scale.score for scale in profile.scales},
        "strengths": [scale.ref for scale in profile.strengths],
        "growth_areas": [scale.ref for scale in profile.growth_areas],
        "next_steps": [
            {
                "id": step.suggestion_id,
                "title": step.title,
                "because_of": step.because_of,
                "effort": step.effort,
                "minutes": step.minutes,
                "sources": list(step.sources),
            }
            for step in profile.next_steps
        ],
    }


def write_profiles(
    people: Iterable[tuple[str, AnswersByQuestionnaire]], content: Content, out: TextIO, fmt: str
) -> None:
    """Each person's profile row as it comes: a JSON list, or a CSV of one line per person (lists
    joined by ``;``, one column per scale score)."""
    from scoring.visibility import profile_for_self

    rows = (profile_row(person, profile_for_self(content, answers)) for person, answers in people)
    if fmt == "json":  # as json.dump(list(rows), indent=2) writes it, a row at a time
        before = "["
        for row in rows:
            out.write(
                f"{before}\n  " + json.dumps(row, indent=2, ensure_ascii=False, allow_nan=False).replace("\n", "\n  ")
            )
            before = ","
        out.write("[]\n" if before == "[" else "\n]\n")
        return
    refs = [f"{qid}.{scale.id}" for qid, q in content.questionnaires.items() for scale in q.scales]
    flat = ("safety_concern", "verdict", "stage", "discernment", "professional_help", "individual_support")
    listed = ("readings", "support_signs", "strengths", "growth_areas")
    writer = csv.writer(out)  # "\r\n" ends a row: a cell holding a line break is quoted
    writer.writerow(["id", *flat, *listed, "next_steps", *refs])
    for row in rows:
        cells = [
            row["id"],
            *(str(row[name]).lower() if isinstance(row[name], bool) else row[name] for name in flat),
            *(";".join(row[name]) for name in listed),
            ";".join(step["id"] for step in row["next_steps"]),
            *(row["scores"].get(ref) for ref in refs),
        ]
        writer.writerow([safe_cell(cell) for cell in cells])
