"""Per-person item order: a stable permutation that keeps the importance item last."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questions.loader import default_content
from questions.ordering import ordered_items
from questions.schema import Section


def _all_sections() -> list[Section]:
    return [section for q in default_content().questionnaires.values() for section in q.sections]


def _shuffled_sections() -> list[Section]:
    return [section for section in _all_sections() if section.shuffle]


def test_there_are_shuffled_sections_with_an_importance_item() -> None:
    shuffled = _shuffled_sections()
    assert len(shuffled) >= 8
    assert all(section.items[-1].kind == "importance" for section in shuffled)


@settings(max_examples=200, deadline=None)
@given(seed=st.text(min_size=1, max_size=40), section=st.sampled_from(_all_sections()))
def test_the_order_is_a_permutation_with_the_importance_item_last(seed: str, section: Section) -> None:
    order = ordered_items(section, seed)
    assert sorted(item.id for item in order) == sorted(item.id for item in section.items)
    assert len(order) == len(section.items)
    importance = [item for item in section.items if item.kind == "importance"]
    if importance:
        assert order[-len(importance) :] == tuple(importance)
    assert ordered_items(section, seed) == order, "the same seed gives the same order"


def test_unshuffled_sections_keep_the_file_order() -> None:
    unshuffled = [section for section in _all_sections() if not section.shuffle]
    assert unshuffled, "the worth-it and checklist sections are not shuffled"
    for section in unshuffled:
        assert ordered_items(section, "some-person") == section.items


@pytest.mark.parametrize("seed", [None, ""])
def test_no_seed_keeps_the_file_order(seed: str | None) -> None:
    for section in _shuffled_sections():
        assert ordered_items(section, seed) == section.items


def test_the_order_is_stable_for_a_seed_across_calls() -> None:
    first = {section.id: ordered_items(section, "person-42") for section in _shuffled_sections()}
    second = {section.id: ordered_items(section, "person-42") for section in _shuffled_sections()}
    assert first == second


def test_different_seeds_give_different_orders_for_some_section() -> None:
    sections = _shuffled_sections()
    for seed_a, seed_b in [("alice", "bob"), ("person-1", "person-2")]:
        orders_a = [ordered_items(section, seed_a) for section in sections]
        orders_b = [ordered_items(section, seed_b) for section in sections]
        assert orders_a != orders_b


def test_some_seed_moves_items_away_from_the_file_order() -> None:
    section = _shuffled_sections()[0]
    orders = {tuple(i.id for i in ordered_items(section, f"seed-{n}")) for n in range(30)}
    # Four movable items have 24 orders; thirty seeds reach many of them, not just one.
    assert len(orders) >= 5


def test_the_order_depends_on_the_section_too() -> None:
    """Sections with the same seed are shuffled independently, not with one shared pattern."""
    sections = _shuffled_sections()
    patterns = set()
    for section in sections:
        original = [item.id for item in section.items]
        order = ordered_items(section, "same-seed")
        patterns.add(tuple(original.index(item.id) for item in order))
    assert len(patterns) > 1
