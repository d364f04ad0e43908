"""The score bands, defined once for every view: the solo results (strengths and growth
areas), the couple comparison (scoring.compare.categorise), the charts' colours and the
reports. The cut-offs are conventions we chose from the answer steps, not clinical norms
(docs/CONTENT.md "Scales and bands"), and the pages say so (:data:`BANDS_NOTE`).
"""

from __future__ import annotations

from typing import Literal

#: At or above: a strength (70: just under "Mostly true" on average).
STRENGTH = 70.0
#: Below: needs care (50: "Somewhat true" on average). Between the two: room to grow.
NEEDS_CARE = 50.0

Band = Literal["strength", "room to grow", "needs care", "not enough answers"]

#: What the pages and reports say about the bands.
BANDS_NOTE = (
    f"Bands: {STRENGTH:.0f} or more is a strength, {NEEDS_CARE:.0f} up to {STRENGTH:.0f} is room to grow, "
    f"under {NEEDS_CARE:.0f} needs care. These lines are conventions we chose to make the scores easier to "
    "read, not clinical norms or a diagnosis."
)


def band_of(score: float | None) -> Band:
    """The band of a 0-100 score (None: not enough answers)."""
    if score is None:
        return "not enough answers"
    if score >= STRENGTH:
        return "strength"
    if score >= NEEDS_CARE:
        return "room to grow"
    return "needs care"


def is_strength(score: float | None) -> bool:
    return band_of(score) == "strength"


def is_growth(score: float | None) -> bool:
    """A growth area for a person alone: scored, and below a strength."""
    return band_of(score) in ("room to grow", "needs care")
