"""Change over re-assessments: a series per scale and partner, with real changes marked.

A change is marked only when it is at least ``CHANGE_THRESHOLD`` points (on
0-100) from the previous assessment that had a score. One answer step on one item
of an n-item five-point scale moves the score 25/n points (5 on five items, 6.25 on
four), so 15 takes at least three item-steps on a four- or five-item scale and two
on a two- or three-item one: about one step on most of the items. How much answers wobble from
day to day was never measured, so this is a convention (docs/CONTENT.md "Scales and
bands"), not a proven margin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

CHANGE_THRESHOLD = 15.0


@dataclass(frozen=True)
class TrendPoint:
    when: datetime
    score: float | None
    #: Points since the previous scored assessment (None for the first or a gap).
    change: float | None
    marked: bool


def series(points: Sequence[tuple[datetime, float | None]], threshold: float = CHANGE_THRESHOLD) -> list[TrendPoint]:
    """One scale for one partner, oldest first."""
    result: list[TrendPoint] = []
    previous: float | None = None
    for when, score in sorted(points, key=lambda p: p[0]):
        change = round(score - previous, 1) if score is not None and previous is not None else None
        result.append(TrendPoint(when, score, change, change is not None and abs(change) >= threshold))
        if score is not None:
            previous = score
    return result


def trends(
    assessments: Sequence[tuple[datetime, Mapping[int, Mapping[str, float | None]]]],
    scale_ids: Sequence[str],
    threshold: float = CHANGE_THRESHOLD,
) -> dict[str, dict[int, list[TrendPoint]]]:
    """For each scale and partner slot, the series across assessments."""
    slots = sorted({slot for _, by_slot in assessments for slot in by_slot})
    return {
        scale_id: {
            slot: series([(when, by_slot.get(slot, {}).get(scale_id)) for when, by_slot in assessments], threshold)
            for slot in slots
        }
        for scale_id in scale_ids
    }
