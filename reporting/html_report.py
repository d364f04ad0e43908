"""A self-contained, printable HTML report that works offline.

Plotly's JavaScript is embedded once, so the charts draw with no network; every
chart has a table beside it, which is also what a printer or screen reader
gets. Jinja2 autoescaping is on: no text reaches the page unescaped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import plotly.offline
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from questions.loader import Content
from reporting.charts import band_of, chart_alt_text, scale_chart, scale_rows
from scoring.results import AnswerValue, Profile
from scoring.visibility import profile_for_self

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def plotly_js() -> Markup:
    """Plotly's bundle, inlined so the report needs no network."""
    return Markup(plotly.offline.get_plotlyjs())


def figure_div(figure: object, div_id: str) -> Markup:
    html = figure.to_html(  # type: ignore[attr-defined]
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displayModeBar": False, "responsive": True}
    )
    return Markup(html)


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
    chart = (
        figure_div(scale_chart(intimacy_scales), "scales-chart")
        if any(s.score is not None for s in intimacy_scales)
        else None
    )
    return (
        _environment()
        .get_template("solo_report.html.j2")
        .render(
            generated=(now or datetime.now(UTC)).strftime("%d %B %Y"),
            profile=profile,
            guidance=content.guidance,
            plotly_js=plotly_js() if chart is not None else None,
            chart=chart,
            chart_alt=chart_alt_text(intimacy_scales),
            rows=scale_rows(intimacy_scales),
            worth_it=worth_it,
            worth_it_rows=worth_it_rows,
            band_of=band_of,
        )
    )
