"""Change over re-assessments (scoring/trends.py): what is marked, gaps, order, and properties."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.trends import CHANGE_THRESHOLD, TrendPoint, series, trends

START = datetime(2025, 1, 6, 10, 0)
PROPERTY = settings(max_examples=300, deadline=None)


def day(n: int) -> datetime:
    return START + timedelta(days=n)


def changes(points: list[TrendPoint]) -> list[float | None]:
    return [p.change for p in points]


def marks(points: list[TrendPoint]) -> list[bool]:
    return [p.marked for p in points]


# --------------------------------------------------------------------------- the threshold


def test_the_threshold_is_fifteen_points() -> None:
    assert CHANGE_THRESHOLD == 15.0


@pytest.mark.parametrize(
    ("before", "after", "marked"),
    [
        (50.0, 65.0, True),  # exactly the threshold, up: marked (inclusive)
        (65.0, 50.0, True),  # exactly the threshold, down
        (50.0, 64.9, False),  # 0.1 below: not marked
        (64.9, 50.0, False),
        (50.0, 65.1, True),
        (0.0, 100.0, True),
        (100.0, 0.0, True),
        (42.5, 42.5, False),
        (12.3, 27.3, True),  # floating point must not push an exact 15 below the line
        (27.3, 12.3, True),
        (70.1, 85.0, False),  # 14.9
    ],
)
def test_a_change_is_marked_at_the_threshold_not_below(before: float, after: float, marked: bool) -> None:
    first, second = series([(day(0), before), (day(14), after)])
    assert first.change is None and first.marked is False
    assert second.change == pytest.approx(round(after - before, 1))
    assert second.marked is marked


def test_a_custom_threshold_is_inclusive_too() -> None:
    points = series([(day(0), 50.0), (day(1), 60.0), (day(2), 69.9)], threshold=10.0)
    assert changes(points) == [None, 10.0, 9.9]
    assert marks(points) == [False, True, False]


def test_the_first_point_is_never_marked() -> None:
    (only,) = series([(day(0), 0.0)])
    assert only == TrendPoint(day(0), 0.0, None, False)
    assert series([]) == []


# --------------------------------------------------------------------------- gaps


def test_a_gap_skips_over_to_the_previous_scored_point() -> None:
    points = series([(day(0), 40.0), (day(14), None), (day(28), 60.0)])
    assert [p.score for p in points] == [40.0, None, 60.0]
    assert changes(points) == [None, None, 20.0]  # 60 - 40, across the gap
    assert marks(points) == [False, False, True]


def test_several_gaps_in_a_row_and_a_leading_gap() -> None:
    points = series([(day(0), None), (day(1), 30.0), (day(2), None), (day(3), None), (day(4), 38.0)])
    assert changes(points) == [None, None, None, None, 8.0]
    assert marks(points) == [False] * 5


def test_a_series_with_no_scores_has_no_changes() -> None:
    points = series([(day(0), None), (day(1), None)])
    assert changes(points) == [None, None]
    assert marks(points) == [False, False]


# --------------------------------------------------------------------------- order


def test_points_are_ordered_by_date_whatever_the_input_order() -> None:
    given_order = [(day(28), 90.0), (day(0), 50.0), (day(14), 70.0)]
    points = series(given_order)
    assert [p.when for p in points] == [day(0), day(14), day(28)]
    assert [p.score for p in points] == [50.0, 70.0, 90.0]
    assert changes(points) == [None, 20.0, 20.0]
    assert marks(points) == [False, True, True]


def test_trends_orders_assessments_by_date_per_scale_and_partner() -> None:
    assessments = [
        (day(14), {1: {"communication": 80.0, "affection": 55.0}, 2: {"communication": 60.0}}),
        (day(0), {1: {"communication": 50.0, "affection": 50.0}, 2: {"communication": 58.0}}),
    ]
    result = trends(assessments, ["communication", "affection", "novelty_play"])
    assert set(result) == {"communication", "affection", "novelty_play"}
    assert set(result["communication"]) == {1, 2}
    one = result["communication"][1]
    assert [p.when for p in one] == [day(0), day(14)]
    assert changes(one) == [None, 30.0] and marks(one) == [False, True]
    two = result["communication"][2]
    assert changes(two) == [None, 2.0] and marks(two) == [False, False]
    assert changes(result["affection"][1]) == [None, 5.0]
    # A scale or partner without a score in an assessment is a gap, not a zero.
    assert [p.score for p in result["affection"][2]] == [None, None]
    assert [p.score for p in result["novelty_play"][1]] == [None, None]


def test_trends_covers_a_partner_missing_from_some_assessments() -> None:
    assessments = [
        (day(0), {1: {"communication": 40.0}}),
        (day(7), {1: {"communication": 45.0}, 2: {"communication": 70.0}}),
        (day(14), {1: {"communication": 62.0}, 2: {"communication": 50.0}}),
    ]
    result = trends(assessments, ["communication"])
    assert changes(result["communication"][1]) == [None, 5.0, 17.0]
    assert marks(result["communication"][1]) == [False, False, True]
    assert [p.score for p in result["communication"][2]] == [None, 70.0, 50.0]
    assert changes(result["communication"][2]) == [None, None, -20.0]
    assert marks(result["communication"][2]) == [False, False, True]


def test_trends_passes_the_threshold_on() -> None:
    assessments = [(day(0), {1: {"s": 50.0}}), (day(1), {1: {"s": 55.0}})]
    assert marks(trends(assessments, ["s"], threshold=5.0)["s"][1]) == [False, True]
    assert marks(trends(assessments, ["s"])["s"][1]) == [False, False]


# --------------------------------------------------------------------------- properties

#: Scale scores are rounded to one decimal (scoring/engine.py), so draw them on that grid.
scores = st.integers(min_value=0, max_value=1000).map(lambda tenths: tenths / 10)
maybe_scores = st.one_of(st.none(), scores)


@st.composite
def dated_points(draw: st.DrawFn) -> list[tuple[datetime, float | None]]:
    """Distinct dates in any order, each with a score or a gap."""
    offsets = draw(st.lists(st.integers(min_value=0, max_value=3650), unique=True, max_size=12))
    return [(day(offset), draw(maybe_scores)) for offset in offsets]


@PROPERTY
@given(points=dated_points(), threshold=st.sampled_from([CHANGE_THRESHOLD, 5.0, 0.1, 25.0, 100.0]))
def test_property_marked_iff_the_change_reaches_the_threshold(
    points: list[tuple[datetime, float | None]], threshold: float
) -> None:
    result = series(points, threshold)
    assert [p.when for p in result] == sorted(when for when, _ in points)
    previous: float | None = None
    for point in result:
        if point.score is None or previous is None:
            assert point.change is None
            assert point.marked is False
        else:
            exact = point.score - previous
            assert point.change == pytest.approx(exact, abs=1e-9)
            # On the one-decimal grid, "at least the threshold" has no rounding slack.
            assert point.marked is (round(abs(exact), 6) >= threshold)
            assert point.marked is (abs(point.change) >= threshold)
        if point.score is not None:
            previous = point.score


@PROPERTY
@given(points=dated_points())
def test_property_changes_add_up_to_last_minus_first(points: list[tuple[datetime, float | None]]) -> None:
    result = series(points)
    scored = [p.score for p in result if p.score is not None]
    total = sum(p.change for p in result if p.change is not None)
    if len(scored) < 2:
        assert total == 0
        assert all(p.change is None for p in result)
    else:
        assert total == pytest.approx(scored[-1] - scored[0], abs=1e-6)
        assert sum(1 for p in result if p.change is not None) == len(scored) - 1


@PROPERTY
@given(points=dated_points(), data=st.data())
def test_property_input_order_does_not_matter(points: list[tuple[datetime, float | None]], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(points))
    assert series(shuffled) == series(points)
