"""Many responses to one questionnaire scored at once with NumPy, for ``python -m scoring score``.

:func:`score` gives each response's fields as :func:`scoring.records.fields_of` takes them
from :func:`scoring.engine.score_questionnaire`, as the person may see them
(:mod:`scoring.visibility`: no verdict and no stage reading beside an unsafe answer);
``tests/scoring/test_vectorised.py`` checks that on random answers. Answers are a
matrix of *codes*: 0 for "not answered", else the option's position + 1. A scale is
scored once per distinct pattern of its items' codes with the engine's own arithmetic,
so the floats are the very same.

The encoders take plainly valid answers only (JSON integers, CSV cells like ``3`` or
``1;3``) and return None for anything else: the caller then checks each response with
the engine, which names the problem or cleans an odd but valid answer (``2.0``, `` 3``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from questions.schema import Condition, Item, Questionnaire
from scoring.engine import CONTRADICTION_GAP, CONTRADICTION_PAIRS, SAME_ANSWERS_MIN, enough_answered, item_points
from scoring.visibility import Subject, visible

Codes = npt.NDArray[np.int16]
Bools = npt.NDArray[np.bool_]
#: What a field holds for each response: a number, a flag, a name, a tuple of names or None.
Fields = dict[str, list[Any]]


def _code(questionnaire: Questionnaire, item: Item, unanswered: Any, key: Callable[[int], Any]) -> dict[Any, int]:
    """An item's answer (as ``key`` writes an option value) to its code."""
    values = questionnaire.response_set_of(item).values
    return {unanswered: 0} | {key(value): code for code, value in enumerate(values, start=1)}


def encode_answers(questionnaire: Questionnaire, answers: Sequence[dict[str, Any]]) -> Codes | None:
    """JSON answers (dicts of item id to value) as codes, or None unless each is plainly valid."""
    items, count = questionnaire.items, len(answers)
    single = [item for item in items if not questionnaire.response_set_of(item).multi]
    ids = [item.id for item in single]
    # Row by row (each dict read while it is at hand): every one-choice answer, or None; then column by column.
    given = list(itertools.chain.from_iterable(map(answer.get, ids) for answer in answers))
    if set(map(type, given)) - {int, type(None)}:  # true and false are ints to Python: not here
        return None
    codes = np.zeros((count, len(items)), dtype=np.int16)
    column_of = {item.id: k for k, item in enumerate(items)}
    for j, item in enumerate(single):
        code = _code(questionnaire, item, None, int)
        column = given[j :: len(single)]
        codes[:, column_of[item.id]] = np.fromiter(map(code.get, column, itertools.repeat(-1)), np.int16, count)
    found = int(np.count_nonzero(codes))  # the one-choice answers given (-1: not an option)
    for item in [item for item in items if questionnaire.response_set_of(item).multi]:
        chosen = [value for value in map(dict.get, answers, itertools.repeat(item.id)) if value is not None]
        if set(map(type, chosen)) - {list}:
            return None
        flat = list(itertools.chain.from_iterable(chosen))
        if set(map(type, flat)) - {int} or not questionnaire.response_set_of(item).allowed.issuperset(flat):
            return None
        found += len(chosen)
    # Any other key (no such item, or a null answer) goes to the engine, which names it.
    return None if found != sum(map(len, answers)) or (codes < 0).any() else codes


def encode_csv(
    questionnaires: Mapping[str, Questionnaire], header: Sequence[str], rows: Sequence[Sequence[str]]
) -> dict[str, tuple[list[int], Codes]] | None:
    """A CSV's rows (:func:`scoring.reader.read_csv`) grouped by their ``questionnaire`` cell: the
    rows' numbers and the codes of their answers. None unless every row is plainly valid: as wide
    as the header, each cell written like ``3`` (``1;3`` for multi-choice) or empty, and empty
    in a column its questionnaire has no item for."""
    width = len(header)
    if "questionnaire" not in header or len(set(header)) < width or any(len(row) != width for row in rows):
        return None
    positions: dict[str, list[int]] = {}
    at_questionnaire = header.index("questionnaire")
    for position, row in enumerate(rows):
        positions.setdefault(row[at_questionnaire].strip(), []).append(position)
    if not positions.keys() <= questionnaires.keys():
        return None
    encoded: dict[str, tuple[list[int], Codes]] = {}
    for qid, at in positions.items():
        questionnaire = questionnaires[qid]
        cells = list(itertools.chain.from_iterable(map(rows.__getitem__, at)))  # column j: cells[j::width]
        codes = np.zeros((len(at), len(questionnaire.items)), dtype=np.int16)
        column_of = {item.id: k for k, item in enumerate(questionnaire.items)}
        for j, name in enumerate(header):
            item = questionnaire.items_by_id.get(name)
            if name in ("id", "questionnaire"):
                continue
            if item is None:
                if set(cells[j::width]) - {""}:
                    return None
            elif questionnaire.response_set_of(item).multi:
                options = set(_code(questionnaire, item, "", str))
                if not all(options.issuperset(cell.split(";")) for cell in set(cells[j::width]) - {""}):
                    return None
            else:
                code, column = _code(questionnaire, item, "", str), cells[j::width]
                codes[:, column_of[item.id]] = np.fromiter(
                    map(code.get, column, itertools.repeat(-1)), np.int16, len(at)
                )
        if (codes < 0).any():
            return None
        encoded[qid] = (at, codes)
    return encoded


def unsafe_answers(questionnaire: Questionnaire, codes: Codes) -> Bools:
    """Whether each response has an answer that says the relationship is not safe."""
    unsafe = np.zeros(len(codes), dtype=np.bool_)
    for j, item in enumerate(questionnaire.items):
        if item.safety:
            unsafe |= np.array(
                [False, *map(item.unsafe_values.__contains__, questionnaire.response_set_of(item).values)]
            )[codes[:, j]]
    return unsafe


def score(questionnaire: Questionnaire, codes: Codes, unsafe: Bools | None = None) -> Fields:
    """Each response's fields, as :func:`scoring.records.fields_of` gives them from the engine's result;
    ``unsafe``: whether the person's answers (to this questionnaire or another) say the relationship is not safe."""
    count, items = len(codes), questionnaire.items
    column = {item.id: j for j, item in enumerate(items)}
    scored_codes = _without_not_applicable(questionnaire, codes)

    def each(item: Item, of_value: Callable[[int], Any], unanswered: Any = False) -> npt.NDArray[Any]:
        """Something of each response's answer to ``item`` (``unanswered`` where there is none)."""
        table = [unanswered, *map(of_value, questionnaire.response_set_of(item).values)]
        return np.array(table, dtype=object if unanswered is None else None)[codes[:, column[item.id]]]

    def answered(of: Sequence[Item]) -> npt.NDArray[np.int64]:
        return (codes[:, [column[item.id] for item in of]] > 0).sum(axis=1)

    def enough(given: npt.NDArray[np.int64], total: int) -> Bools:  # the engine's two-thirds rule
        return np.array([enough_answered(k, total) for k in range(total + 1)])[given]

    unsafe = unsafe_answers(questionnaire, codes) if unsafe is None else unsafe
    # Safety first: what a person may see of their own results, safe or not (scoring.visibility).
    seen = {safe: visible("self", Subject(safe=safe)) for safe in (True, False)}
    verdict_shown = np.where(unsafe, seen[False].verdict, seen[True].verdict)
    exercises_shown = np.where(unsafe, seen[False].exercises, seen[True].exercises)
    counted = [item for item in items if item.kind != "context"]
    fields: Fields = {
        "version": [questionnaire.version] * count,
        "answered": answered(counted).tolist(),
        "total": [len(counted)] * count,
        "safety_concern": unsafe.tolist(),
        "consistency": _consistency(questionnaire, scored_codes),
    }
    rule = questionnaire.verdict
    if rule is not None:  # scoring.engine._verdict
        asked = [item for item in items if item.kind == "verdict"]
        given = answered(asked)
        yes = sum((each(item, lambda value: value == rule.yes_value) for item in asked), np.zeros(count, np.int64))
        no = sum((each(item, lambda value: value == rule.no_value) for item in asked), np.zeros(count, np.int64))
        kind = np.where(
            yes >= rule.most, "worth_fighting_for", np.where(no >= rule.most, "different_conversation", "mixed")
        )
        shown = (enough(given, len(asked)) & verdict_shown).tolist()
        fields["verdict"] = [k if seen else None for k, seen in zip(kind.tolist(), shown, strict=True)]
        for name, number in (("yes", yes), ("no", no), ("unsure", given - yes - no)):
            fields[f"verdict.{name}"] = [n if seen else None for n, seen in zip(number.tolist(), shown, strict=True)]
    if questionnaire.support is not None:
        checklist = [item for item in items if item.kind == "checklist"]
        signs = np.zeros((count, len(checklist)), dtype=np.bool_)
        for k, item in enumerate(checklist):
            signs[:, k] = each(item, questionnaire.response_set_of(item).max_value.__eq__)
        # scoring.engine.support_flagged: min_signs in all, or one sign that is enough alone.
        alone = [k for k, item in enumerate(checklist) if item.id in questionnaire.support.enough_alone]
        flagged = (signs.sum(axis=1) >= questionnaire.support.min_signs) | signs[:, alone].any(axis=1)
        fields["support_flag"] = flagged.tolist()
        fields["support_signs"] = _names(signs, [item.id for item in checklist])
    scores: dict[str, npt.NDArray[np.float64]] = {}
    by_scale: Fields = {}
    for scale in questionnaire.scales:
        measured = [i for i in questionnaire.items_by_scale[scale.id] if i.kind in ("scored", "verdict")]
        importance = [i for i in questionnaire.items_by_scale[scale.id] if i.kind == "importance"]
        of_scale = scored_codes[:, [column[i.id] for i in measured]]
        pattern, pattern_scores = _scale_scores(questionnaire, measured, of_scale)
        scores[scale.id] = np.array([np.nan if s is None else s for s in pattern_scores])[pattern]
        by_scale[f"{scale.id}.score"] = [pattern_scores[k] for k in pattern.tolist()]
        by_scale[f"{scale.id}.answered"] = (of_scale > 0).sum(axis=1).tolist()
        by_scale[f"{scale.id}.total"] = [len(measured)] * count
        by_scale[f"{scale.id}.importance"] = each(importance[0], int, None).tolist() if importance else [None] * count
    if questionnaire.stages:  # scoring.engine.stage_reading: the furthest stage whose rule holds

        def holds(condition: Condition) -> Bools:  # scoring.engine.condition_holds, one-choice items
            if condition.scale is not None:
                score = scores[condition.scale]  # NaN, "not enough answers", is below nothing
                return ~np.isnan(score) & (np.nan_to_num(score, nan=np.inf) < (condition.below or 0.0))
            item = questionnaire.item(condition.item or "")
            if condition.values:
                return each(item, condition.values.__contains__).astype(np.bool_)
            return ~each(item, condition.not_values.__contains__).astype(np.bool_)

        furthest = np.full(count, -1, dtype=np.int64)
        for s, stage in enumerate(questionnaire.stages):
            reached = np.ones(count, dtype=np.bool_)
            for condition in stage.requires:
                reached &= holds(condition)
            matches = sum((holds(c).astype(np.int64) for c in stage.conditions), np.zeros(count, np.int64))
            needed = stage.min_matches or len(stage.conditions)
            furthest = np.where(reached & (matches >= needed), s, furthest)
        reached_one = furthest[:, None] == np.arange(len(questionnaire.stages))[None, :]
        fields["stages"] = _names(reached_one & exercises_shown[:, None], [stage.id for stage in questionnaire.stages])
    return fields | by_scale


def _without_not_applicable(questionnaire: Questionnaire, codes: Codes) -> Codes:
    """The codes with "doesn't apply" answers as not answered (scoring.engine.counts)."""
    scored = codes.copy()
    for j, item in enumerate(questionnaire.items):
        values = questionnaire.response_set_of(item).values
        for code, value in enumerate(values, start=1):
            if value in questionnaire.response_set_of(item).not_applicable:
                scored[scored[:, j] == code, j] = 0
    return scored


def _consistency(questionnaire: Questionnaire, codes: Codes) -> list[str | None]:
    """scoring.engine.consistency for each response: one option everywhere, or contradicted pairs."""
    column = {item.id: j for j, item in enumerate(questionnaire.items)}
    scored = [item for item in questionnaire.items if item.kind == "scored"]
    if not scored:
        return [None] * len(codes)
    chosen = codes[:, [column[i.id] for i in scored]]
    # The same option everywhere: codes are positions, so compare the option values.
    value_of = [np.array([0, *questionnaire.response_set_of(i).values]) for i in scored]
    values = np.stack([table[chosen[:, k]] for k, table in enumerate(value_of)], axis=1)
    given = chosen > 0
    count = given.sum(axis=1)
    lowest = np.where(given, values, np.iinfo(np.int64).max).min(axis=1)
    highest = np.where(given, values, np.iinfo(np.int64).min).max(axis=1)
    same = (count >= SAME_ANSWERS_MIN) & (lowest == highest)
    contradicted = np.zeros(len(codes), dtype=np.int64)
    for pair in questionnaire.consistency_pairs:
        a, b = (
            np.array([np.nan, *(item_points(questionnaire, i, v) for v in questionnaire.response_set_of(i).values)])[
                codes[:, column[i.id]]
            ]
            for i in map(questionnaire.item, pair)
        )
        contradicted += np.nan_to_num(np.abs(a - b), nan=0.0) >= CONTRADICTION_GAP
    unmarked = np.full(len(codes), None, dtype=object)
    return np.where(
        same, "same_answers", np.where(contradicted >= CONTRADICTION_PAIRS, "contradictory", unmarked)
    ).tolist()


def _scale_scores(
    questionnaire: Questionnaire, measured: Sequence[Item], codes: Codes
) -> tuple[npt.NDArray[np.intp], list[float | None]]:
    """Each response's pattern of a scale's codes (a number), and each distinct pattern's score."""
    first, pattern = _distinct(codes)
    rows = codes[first]
    # The engine's arithmetic, float for float: the answered items' points added in order (an
    # unanswered one adds 0.0, which changes no sum), their mean, rounded by Python's round.
    total = np.zeros(len(rows))
    for k, item in enumerate(measured):
        values = questionnaire.response_set_of(item).values
        total += np.array([0.0, *(item_points(questionnaire, item, v) for v in values)])[rows[:, k]]
    given = (rows > 0).sum(axis=1)
    means = (total / np.maximum(given, 1)).tolist()
    rounded = {mean: round(mean, 1) for mean in set(means)}
    enough = [enough_answered(k, len(measured)) for k in range(len(measured) + 1)]
    return pattern, [rounded[mean] if enough[k] else None for mean, k in zip(means, given.tolist(), strict=True)]


def _names(chosen: Bools, names: Sequence[str]) -> list[tuple[str, ...]]:
    """For each row, the names whose column is True."""
    first, pattern = _distinct(chosen)
    named = [tuple(itertools.compress(names, row)) for row in chosen[first].tolist()]
    return [named[k] for k in pattern.tolist()]


def _distinct(matrix: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """A matrix of small whole numbers: the first row of each distinct row, and each row's number among them."""
    key = np.zeros(len(matrix), dtype=np.int64)
    for column in matrix.T.astype(np.int64):  # a row's key: its numbers as digits
        radix = int(column.max(initial=0)) + 1
        if int(key.max(initial=0)) >= (1 << 62) // radix:  # too many digits: the keys renumbered first
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
        key = key * radix + column
    _, first, pattern = np.unique(key, return_index=True, return_inverse=True)
    return first, pattern.reshape(-1)
