"""``python -m scoring profile FILE``: one profile per person, across both questionnaires.

The responses are read as ``python -m scoring score`` reads them; responses with the
same ``id`` are one person (at most one response per questionnaire each; without an
id, all the responses are one person). Each person's profile is what they see on
their own results page (scoring.visibility.profile_for_self): under a safety concern
no verdict, reading or step, and ``safety_concern`` says so across both
questionnaires. Output: JSON (default) or CSV (``--format csv``, spreadsheet-safe).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

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


def profiles(people: Mapping[str, AnswersByQuestionnaire], content: Content) -> list[dict[str, Any]]:
    from scoring.visibility import profile_for_self

    return [profile_row(person, profile_for_self(content, answers)) for person, answers in people.items()]


def as_csv(rows: Sequence[Mapping[str, Any]], content: Content) -> str:
    """One line per person; lists joined by ``;``; one column per scale score."""
    from reporting.csv_export import to_csv

    refs = [f"{qid}.{scale.id}" for qid, q in content.questionnaires.items() for scale in q.scales]
    flat = ("safety_concern", "verdict", "stage", "discernment", "professional_help", "individual_support")
    listed = ("readings", "support_signs", "strengths", "growth_areas")
    header = ["id", *flat, *listed, "next_steps", *refs]

    def cell(value: Any) -> Any:
        return str(value).lower() if isinstance(value, bool) else value

    lines = [
        [
            row["id"],
            *(cell(row[name]) for name in flat),
            *(";".join(row[name]) for name in listed),
            ";".join(step["id"] for step in row["next_steps"]),
            *(row["scores"].get(ref) for ref in refs),
        ]
        for row in rows
    ]
    return to_csv(header, lines)
