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


def fitting_verdict(
    rule: VerdictRule, verdict: Verdict | None, scales: Sequence[ScaleScore], support_needed: bool
) -> Verdict | None:
    """``verdict``, with the ``thriving`` band's words for a thriving person: yes to most, every
    scored scale a strength (an unscored one, e.g. "doesn't apply to us", counts against no one),
    at least one scored, and no call for outside help."""
    scored = [scale.score for scale in scales if scale.score is not None]
    if rule.thriving is None or verdict is None or verdict.kind != "worth_fighting_for" or support_needed:
        return verdict
    if not scored or not all(is_strength(score) for score in scored):
        return verdict
    band = rule.thriving
    return dataclasses.replace(verdict, title=band.title, text=band.text, sources=band.sources)
