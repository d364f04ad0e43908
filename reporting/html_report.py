"""A self-contained, printable HTML report that works offline.

The charts are static bars in plain HTML and CSS (templates/bars.html.j2): no
script, no network, a few dozen kilobytes, and they fit a phone and print as
drawn. Every chart has a table beside it, which is also what a screen reader
gets. Jinja2 autoescaping is on: no text reaches the page unescaped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from questions.loader import Content, source_titles
from reporting.charts import chart_alt_text, scale_rows, score_bars
from scoring.bands import BANDS_NOTE, band_of
from scoring.engine import consistency_notes
from scoring.results import AnswerValue, Profile
from scoring.visibility import profile_for_self

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Sources are cited by article title (the JSON downloads too); the file names stay in the data.
    env.filters["source_titles"] = source_titles
    return env


def solo_report(content: Content, answers: dict[str, dict[str, AnswerValue]], now: datetime | None = None) -> str:
    profile: Profile = profile_for_self(content, answers)
    intimacy_scales = profile.results["intimacy"].scales if "intimacy" in profile.results else ()
    worth_it = profile.results.get("worth_it")
    worth_it_rows = []
    if worth_it is not None:
        questionnaire = content.questionnaire("worth_it")
        given = answers.get("worth_it", {})
        for item in questionnaire.items:
            if item.safety:
                continue  # safety answers are never printed; their effect is shown instead
            value = given.get(item.id)
            label = questionnaire.response_set_of(item).label_for(value) if isinstance(value, int) else "—"
            worth_it_rows.append({"question": item.text, "answer": label})
    chart = score_bars(intimacy_scales) if any(s.score is not None for s in intimacy_scales) else None
    return (
        environment()
        .get_template("solo_report.html.j2")
        .render(
            generated=(now or datetime.now(UTC)).strftime("%d %B %Y"),
            profile=profile,
            consistency_notes=consistency_notes(profile),
            guidance=content.guidance,
            chart=chart,
            chart_alt=chart_alt_text(intimacy_scales),
            rows=scale_rows(intimacy_scales),
            worth_it=worth_it,
            worth_it_rows=worth_it_rows,
            band_of=band_of,
            bands_note=BANDS_NOTE,
        )
    )
