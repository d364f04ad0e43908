"""One set of bands everywhere (issue 11): the solo view, the couple comparison, the charts
and the reports classify every score the same way, and the pages say the bands are
conventions, not norms."""

from __future__ import annotations

import pytest

from questions.loader import default_content
from reporting import charts
from scoring import bands
from scoring.compare import categorise
from scoring.engine import build_profile
from tests.scoring.personas import topic_answers

CONTENT = default_content()
INTIMACY = CONTENT.questionnaire("intimacy")
#: A couple both at one score falls in the category of that score's band.
CATEGORY_OF_BAND = {"strength": "shared_strength", "room to grow": "in_between", "needs care": "shared_growth"}


@pytest.mark.parametrize("score", [x / 2 for x in range(0, 201)])
def test_engine_compare_and_charts_classify_every_score_alike(score: float) -> None:
    band = bands.band_of(score)
    assert charts.band_of(score) == band
    assert categorise(score, score) == CATEGORY_OF_BAND[band]
    assert bands.is_strength(score) == (band == "strength")
    assert bands.is_growth(score) == (band != "strength")


def test_the_solo_profile_uses_the_bands_on_real_scores() -> None:
    """Every scale's score from real answers: a strength iff its band says so, a growth area iff below."""
    for level in range(1, 6):
        answers = topic_answers(INTIMACY, {s.id: level for s in INTIMACY.scales})
        profile = build_profile(CONTENT, {"intimacy": answers})
        scored = [s for s in profile.results["intimacy"].scales if s.score is not None]
        assert {s.ref for s in profile.growth_areas} == {s.ref for s in scored if bands.band_of(s.score) != "strength"}
        strong = [s.ref for s in scored if bands.band_of(s.score) == "strength"]
        assert {s.ref for s in profile.strengths} <= set(strong)
        rows = charts.scale_rows(profile.results["intimacy"].scales)
        assert [row["Reading"] for row in rows] == [bands.band_of(s.score) for s in profile.results["intimacy"].scales]


def test_the_bands_are_said_to_be_conventions_not_norms() -> None:
    assert "conventions" in bands.BANDS_NOTE and "not clinical norms" in bands.BANDS_NOTE
    for number in ("70", "50"):
        assert number in bands.BANDS_NOTE


def test_the_solo_report_says_so_under_its_scores() -> None:
    from markupsafe import escape

    from reporting.html_report import solo_report

    answers = topic_answers(INTIMACY, {s.id: 4 for s in INTIMACY.scales})
    assert str(escape(bands.BANDS_NOTE)) in solo_report(CONTENT, {"intimacy": answers})
