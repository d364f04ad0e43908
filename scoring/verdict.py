"""The worth-it verdict in words that fit the person.

The seed's rule (``001_…``) gives "likely worth fighting for" to yes on most questions.
For a person whose every topic of closeness is a strength, and who shows no sign that
support could help, there is nothing to fight about: they get the rule's ``thriving``
band instead ("Keep doing what works", questions/data/worth_it.yaml). The verdict's kind
stays ``worth_fighting_for``, so every rule built on the kind (a couple's plan, the CLI)
reads it as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from questions.schema import VerdictRule
from scoring.bands import is_strength
from scoring.results import ScaleScore, Verdict


def thriving(verdict: Verdict | None, scales: Sequence[ScaleScore], support_needed: bool) -> bool:
    """Yes to most, every scored scale a strength (an unscored one, e.g. "doesn't apply to
    us", counts against no one), at least one scored, and no call for outside help."""
    scored = [scale.score for scale in scales if scale.score is not None]
    return (
        verdict is not None
        and verdict.kind == "worth_fighting_for"
        and not support_needed
        and bool(scored)
        and all(is_strength(score) for score in scored)
    )


def fitting_verdict(
    rule: VerdictRule, verdict: Verdict | None, scales: Sequence[ScaleScore], support_needed: bool
) -> Verdict | None:
    """``verdict``, with the ``thriving`` band's words when :func:`thriving` holds."""
    if rule.thriving is None or verdict is None or not thriving(verdict, scales, support_needed):
        return verdict
    band = rule.thriving
    return dataclasses.replace(verdict, title=band.title, text=band.text, sources=band.sources)
