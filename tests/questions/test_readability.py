"""Plain words (issue 19): every text the app can show reads at grade 8 or below.

People read their results tired and upset. The texts are gathered by walking the content
model (questionnaires, suggestions, guidance: every string in it, so a new text is covered
the day it is added) plus the few fixed texts scoring/ holds, and each is graded with
``textstat`` (Flesch-Kincaid).

The Flesch-Kincaid formula grades prose: on a title or a label one long word swings it by
ten grades ("Family" grades 20, "Individual therapy" 32), so it is applied to every text of
15 words or more (readings, steps, verdicts, guidance, starters, stage texts, the safety
text, descriptions) and, for the short questions, to each section's questions read as the
one passage a person reads them as.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import textstat
from pydantic import BaseModel

from questions.loader import Content, default_content
from scoring.bands import BANDS_NOTE
from scoring.compare import CATEGORY_NOTE
from scoring.engine import CONSISTENCY_NOTES
from scoring.visibility import profile_for_self
from tests.scoring.personas import personas

CONTENT: Content = default_content()
MAX_GRADE = 8.0
MIN_WORDS = 15
#: Never shown: notes say why content departs from the seeds; the article titles are
#: quoted as the articles give them.
NOT_SHOWN = {"note", "safety_note", "source_titles"}


def strings(node: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a content model, with where it is."""
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            if name not in NOT_SHOWN:
                yield from strings(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, tuple | list):
        for index, value in enumerate(node):
            yield from strings(value, f"{path}.{getattr(value, 'id', index)}")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}")
    elif isinstance(node, str):
        yield path, node


def shown_texts() -> dict[str, str]:
    found = dict(strings(tuple(CONTENT.questionnaires.values()), "questionnaires"))
    found |= dict(strings(CONTENT.suggestions, "suggestions"))
    found |= dict(strings(CONTENT.guidance, "guidance"))
    found |= {f"scoring.engine.CONSISTENCY_NOTES.{kind}": text for kind, text in CONSISTENCY_NOTES.items()}
    return found | {"scoring.bands.BANDS_NOTE": BANDS_NOTE, "scoring.compare.CATEGORY_NOTE": CATEGORY_NOTE}


SHOWN = shown_texts()
PROSE = {where: text for where, text in SHOWN.items() if textstat.lexicon_count(text) >= MIN_WORDS}


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


def test_the_walk_finds_every_kind_of_text() -> None:
    guidance = CONTENT.guidance
    for text in (
        guidance.safety_text,
        guidance.discernment.finding_help.text,
        guidance.couple.to_partner_stepping_back.text,
        guidance.readings[1].text,
        CONTENT.suggestions[0].text,
        CONTENT.questionnaire("intimacy").stages[-1].text,
        CONTENT.questionnaire("intimacy").scales[0].conversation_starter,
        CONTENT.questionnaire("worth_it").verdict.thriving.text,  # type: ignore[union-attr]
    ):
        assert text in PROSE.values()
    assert len(PROSE) > 100


@pytest.mark.parametrize("where", sorted(PROSE))
def test_every_text_reads_at_grade_eight_or_below(where: str) -> None:
    assert grade(PROSE[where]) <= MAX_GRADE, f"{where} reads at grade {grade(PROSE[where]):.1f}: {PROSE[where]}"


@pytest.mark.parametrize(
    "section",
    [(q.id, s.id) for q in CONTENT.questionnaires.values() for s in q.sections],
    ids=lambda pair: ".".join(pair),
)
def test_each_sections_questions_read_at_grade_eight_or_below(section: tuple[str, str]) -> None:
    questionnaire = CONTENT.questionnaire(section[0])
    items = next(s for s in questionnaire.sections if s.id == section[1]).items
    passage = " ".join(item.text for item in items)
    assert grade(passage) <= MAX_GRADE, f"{section}: grade {grade(passage):.1f}"


@pytest.mark.parametrize("persona", sorted(personas(CONTENT)))
def test_what_each_persona_reads_is_plain(persona: str) -> None:
    profile = profile_for_self(CONTENT, personas(CONTENT)[persona].answers)
    texts = [reading.text for reading in profile.readings] + [step.text for step in profile.next_steps]
    texts += [stage.text for result in profile.results.values() for stage in result.stages]
    texts += [result.verdict.text for result in profile.results.values() if result.verdict]
    for text in texts:
        assert grade(text) <= MAX_GRADE, text


def test_no_text_shown_speaks_of_seeds() -> None:
    # Issue 19, item 9: "the seeds name them among the usual reasons" is workshop language;
    # a person reads of therapists and articles.
    assert [where for where, text in SHOWN.items() if "seed" in text.lower()] == []


def test_every_text_cites_its_seeds_or_says_why_it_departs() -> None:
    # Issue 19, item 6: the safety text cited nothing and had no note.
    def unexplained(node: object, path: str) -> Iterator[str]:
        if isinstance(node, BaseModel):
            if "text" in type(node).model_fields and not getattr(node, "sources", None) and not node.note:  # type: ignore[attr-defined]
                yield path
            for name in type(node).model_fields:
                yield from unexplained(getattr(node, name), f"{path}.{name}")
        elif isinstance(node, tuple | list):
            for index, value in enumerate(node):
                yield from unexplained(value, f"{path}.{getattr(value, 'id', index)}")

    everything = (*CONTENT.questionnaires.values(), *CONTENT.suggestions, CONTENT.guidance)
    assert list(unexplained(everything, "content")) == []
    assert CONTENT.guidance.safety_sources and CONTENT.guidance.safety_note
