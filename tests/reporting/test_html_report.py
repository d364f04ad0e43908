"""The self-contained HTML report: offline charts, a table per chart, safety first, escaped text."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markupsafe import escape

from questions.loader import Content, default_content, source_titles
from reporting.html_report import solo_report
from scoring.engine import build_profile
from tests.scoring.strategies import AnswersByQuestionnaire, bottom_answers, top_answers

CONTENT = default_content()
INTIMACY = CONTENT.questionnaire("intimacy")
WORTH_IT = CONTENT.questionnaire("worth_it")
VERDICT_YES = dict.fromkeys(("respect", "both_willing", "love_foundation", "same_future", "safe", "happy_again"), 2)


def _low_intimacy() -> dict[str, int | list[int]]:
    answers: dict[str, int | list[int]] = {}
    for scale in INTIMACY.scales:
        answers.update(top_answers(INTIMACY, scale.id))
    answers.update(bottom_answers(INTIMACY, "communication"))
    answers.update(bottom_answers(INTIMACY, "affection"))
    answers.update(bottom_answers(INTIMACY, "life_load"))
    return answers


SAFE_ANSWERS: AnswersByQuestionnaire = {"worth_it": VERDICT_YES, "intimacy": _low_intimacy()}
UNSAFE_ANSWERS: AnswersByQuestionnaire = {"worth_it": {**VERDICT_YES, "safe": 0}, "intimacy": _low_intimacy()}


@pytest.fixture(scope="module")
def safe_report() -> str:
    return solo_report(CONTENT, SAFE_ANSWERS)


@pytest.fixture(scope="module")
def unsafe_report() -> str:
    return solo_report(CONTENT, UNSAFE_ANSWERS)


def _esc(text: str) -> str:
    """Text as Jinja's autoescape writes it."""
    return str(escape(text))


#: A report is a few dozen kilobytes: static bars, no script (it was 4.8 MB with Plotly inlined).
MAX_REPORT_BYTES = 100_000


def test_report_is_a_full_html_document(safe_report: str) -> None:
    assert safe_report.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="en">' in safe_report
    assert '<meta charset="utf-8">' in safe_report
    assert safe_report.rstrip().endswith("</html>")
    assert _esc(CONTENT.guidance.not_therapy) in safe_report


def test_report_is_small_has_no_script_and_loads_nothing_from_the_network(safe_report: str) -> None:
    assert len(safe_report.encode()) < MAX_REPORT_BYTES
    assert re.search(r"<script", safe_report, flags=re.IGNORECASE) is None
    assert re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", safe_report, flags=re.IGNORECASE) is None
    assert re.search(r"@import|url\(", safe_report) is None


def test_the_chart_draws_a_bar_per_topic_at_its_score(safe_report: str) -> None:
    profile = build_profile(CONTENT, SAFE_ANSWERS)
    chart = safe_report[safe_report.index('<figure class="chart bars"') : safe_report.index("</figure>")]
    labels = re.findall(r'<span class="bar-label">(.*?)</span>', chart)
    widths = [float(w) for w in re.findall(r"width: ([\d.]+)%", chart)]
    scales = profile.results["intimacy"].scales
    assert labels == [_esc(s.title) for s in scales]
    assert widths == [round(s.score or 0, 1) for s in scales]


def test_every_chart_has_a_table_with_every_topic(safe_report: str) -> None:
    figures = [
        m.end() for m in re.finditer(r"<figure class=\"chart bars\"[^>]*>.*?</figure>", safe_report, flags=re.DOTALL)
    ]
    assert len(figures) == 1
    for end in figures:
        table = safe_report[end : safe_report.index("</table>", end)]
        assert table.lstrip().startswith("<table>")
        rows = re.findall(r"<tr><td>(.*?)</td>", table)
        assert rows == [_esc(scale.title) for scale in INTIMACY.scales]
    assert safe_report.count("<table>") >= len(figures)


def test_report_lists_the_next_steps_with_their_sources(safe_report: str) -> None:
    profile = build_profile(CONTENT, SAFE_ANSWERS)
    assert len(profile.next_steps) == 3
    assert 'id="steps-h"' in safe_report
    steps_section = safe_report[safe_report.index('id="steps-h"') :]
    for step in profile.next_steps:
        assert _esc(step.title) in steps_section
        assert _esc(step.text) in steps_section
        assert f"Source: {_esc(source_titles(step.sources))}" in steps_section


def test_report_shows_the_verdict_and_the_non_safety_answers(safe_report: str) -> None:
    assert WORTH_IT.verdict is not None
    assert _esc(WORTH_IT.verdict.worth_fighting_for.title) in safe_report
    for item in WORTH_IT.items:
        if not item.safety:
            assert _esc(item.text) in safe_report


def test_safety_report_shows_resources_and_no_steps(unsafe_report: str) -> None:
    guidance = CONTENT.guidance
    assert 'class="safety"' in unsafe_report
    assert _esc(guidance.safety_title) in unsafe_report
    assert _esc(guidance.safety_text) in unsafe_report
    for resource in guidance.safety_resources:
        assert _esc(resource.title) in unsafe_report
        if resource.contact:
            assert _esc(resource.contact) in unsafe_report
        if resource.url:
            assert resource.url in unsafe_report
        for phone in resource.phones:
            assert f'href="{phone.tel_url}"' in unsafe_report
    assert _esc(guidance.individual_support.title) in unsafe_report

    assert 'id="steps-h"' not in unsafe_report
    assert "Next steps" not in unsafe_report
    for suggestion in CONTENT.suggestions:
        assert _esc(suggestion.text) not in unsafe_report
    # Couples counseling is not the next step when someone may not be safe.
    assert 'id="help-h"' not in unsafe_report


def test_the_safety_resources_have_tap_to_call_numbers_and_a_line_for_men() -> None:
    resources = {r.title: r for r in CONTENT.guidance.safety_resources}
    men = resources["Men's Advice Line (UK)"]
    assert [p.tel_url for p in men.phones] == ["tel:+448088010327"]
    # Every number written in a contact line can be tapped.
    assert all(r.phones for r in resources.values() if r.contact)


def test_safety_section_comes_first(unsafe_report: str) -> None:
    body = unsafe_report[unsafe_report.index("<main>") :]
    assert body.index('class="safety"') < body.index("<h2", body.index("</header>"))


@pytest.mark.parametrize("item_id", ["safe", "abuse"])
def test_safety_report_never_prints_the_safety_question(unsafe_report: str, item_id: str) -> None:
    questionnaire = WORTH_IT if item_id == "safe" else INTIMACY
    item = questionnaire.item(item_id)
    for text in (item.text, item.help or item.text):
        assert text not in unsafe_report
        assert _esc(text) not in unsafe_report


def test_abuse_answer_also_shows_safety_and_hides_steps() -> None:
    page = solo_report(CONTENT, {"intimacy": {**_low_intimacy(), "abuse": 1}})
    assert 'class="safety"' in page
    assert 'id="steps-h"' not in page
    assert _esc(INTIMACY.item("abuse").text) not in page


def test_report_without_intimacy_scores_has_no_chart() -> None:
    page = solo_report(CONTENT, {"worth_it": VERDICT_YES})
    assert "<script" not in page
    assert "chart bars" not in page
    assert "<table>" in page
    assert len(page) < 100_000


def _content_with(questionnaire_id: str, **changes: object) -> Content:
    questionnaire = CONTENT.questionnaire(questionnaire_id).model_copy(update=changes)
    return replace(CONTENT, questionnaires={**CONTENT.questionnaires, questionnaire_id: questionnaire})


def test_scale_titles_are_escaped() -> None:
    scales = tuple(
        scale.model_copy(update={"title": "<b>x</b>"}) if scale.id == "communication" else scale
        for scale in INTIMACY.scales
    )
    content = _content_with("intimacy", scales=scales)
    answers = {"intimacy": {**_low_intimacy(), **top_answers(INTIMACY, "communication")}}
    page = solo_report(content, answers)
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page
    assert build_profile(content, answers).strengths[0].title == "<b>x</b>"


def test_option_labels_and_question_texts_are_escaped() -> None:
    rsets = dict(WORTH_IT.response_sets)
    rset = rsets["yes_unsure_no"]
    options = tuple(o.model_copy(update={"label": "<i>Yes</i>"}) if o.value == 2 else o for o in rset.options)
    rsets["yes_unsure_no"] = rset.model_copy(update={"options": options})
    sections = tuple(
        section.model_copy(
            update={
                "items": tuple(
                    item.model_copy(update={"text": "Respect? <script>alert(1)</script>"})
                    if item.id == "respect"
                    else item
                    for item in section.items
                )
            }
        )
        for section in WORTH_IT.sections
    )
    content = _content_with("worth_it", response_sets=rsets, sections=sections)
    page = solo_report(content, {"worth_it": VERDICT_YES})
    assert "&lt;i&gt;Yes&lt;/i&gt;" in page
    assert "<i>Yes</i>" not in page
    assert "Respect? &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_sources_are_cited_by_article_title_not_file_name(safe_report: str) -> None:
    cited = {s for q in CONTENT.questionnaires.values() for s in q.sources}
    cited |= {s for suggestion in CONTENT.suggestions for s in suggestion.sources}
    assert cited <= CONTENT.guidance.source_titles.keys(), "every cited seed has a title"
    assert "Source:" in safe_report
    assert ".txt" not in safe_report
