"""Many responses to one questionnaire scored at once with NumPy, for ``python -m scoring score``.

It gives, response by response, the fields :func:`fields_of` takes from
:func:`scoring.engine.score_questionnaire` as the person may see it
(:func:`scoring.visibility.own_results`: under a safety concern no verdict and
no stage reading); ``tests/scoring/test_vectorised.py`` checks that on random
answers. Answers become a matrix of small *codes*: 0 for "not answered",
otherwise the option's position in its response set + 1. A scale's score is
worked out once per distinct pattern of its items' codes with the engine's own
arithmetic (:func:`scoring.engine.item_points`, Python's ``sum`` and ``round``),
so the floats are the very same.

The encoders take only plainly valid answers (option values as JSON integers
or as CSV cells written like ``3`` or ``1;3``) and return None for anything
else: the caller then checks each response with the engine, which names the
problem, or cleans an odd but valid answer (``2.0``, ``" 3"``) to score it here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from questions.schema import Item, Questionnaire
from scoring.engine import enough_answered, item_points
from scoring.results import QuestionnaireResult
from scoring.visibility import Subject, visible

Codes = npt.NDArray[np.int16]
Bools = npt.NDArray[np.bool_]
#: What a field holds for each response: a number, a flag, a name, a tuple of names or None.
Fields = dict[str, list[Any]]


def fields_of(questionnaire: Questionnaire, result: QuestionnaireResult) -> dict[str, Any]:
    """What the command line prints of one result (as its owner may see it), by field name."""
    fields: dict[str, Any] = {
        "version": result.version,
        "answered": result.answered,
        "total": result.total,
        "safety_concern": result.safety_concern,
    }
    if questionnaire.verdict is not None:
        verdict = result.verdict
        fields["verdict"] = verdict.kind if verdict else None
        for count in ("yes", "no", "unsure"):
            fields[f"verdict.{count}"] = getattr(verdict, count) if verdict else None
    if questionnaire.support is not None:
        fields["support_flag"] = result.support_flag
        fields["support_signs"] = result.support_signs
    if questionnaire.stages:
        fields["stages"] = tuple(stage.stage_id for stage in result.stages)
    for scale in result.scales:
        for name in ("score", "answered", "total", "importance"):
            fields[f"{scale.scale_id}.{name}"] = getattr(scale, name)
    return fields


# --------------------------------------------------------------------------- encoding


def _multi(questionnaire: Questionnaire, item: Item) -> bool:
    return questionnaire.response_set_of(item).multi


def encode_answers(questionnaire: Questionnaire, answers: Sequence[dict[str, Any]]) -> Codes | None:
    """JSON answers (dicts of item id to value) as codes, or None unless each is plainly valid."""
    items = questionnaire.items
    single = [item for item in items if not _multi(questionnaire, item)]
    # Row by row (each dict read while it is at hand): every one-choice answer, or None.
    given = list(itertools.chain.from_iterable(map(answer.get, [i.id for i in single]) for answer in answers))
    if set(map(type, given)) - {int, type(None)}:  # true/false are ints to Python: not here
        return None
    # Every value any item allows, numbered from 1 (0: unanswered; one more: none of them).
    values = sorted({v for item in single for v in questionnaire.response_set_of(item).values})
    number = {None: 0, **{value: k for k, value in enumerate(values, start=1)}}
    numbers = np.fromiter(map(number.get, given, itertools.repeat(len(values) + 1)), np.int16, len(given))
    numbers = numbers.reshape(len(answers), len(single))
    codes = np.zeros((len(answers), len(items)), dtype=np.int16)
    for j, item in enumerate(single):
        code = np.full(len(values) + 2, -1, dtype=np.int16)
        code[0] = 0
        for position, value in enumerate(questionnaire.response_set_of(item).values, start=1):
            code[number[value]] = position
        codes[:, items.index(item)] = code[numbers[:, j]]
    found = int((numbers > 0).sum())
    for item in items:
        if _multi(questionnaire, item):
            chosen = [value for value in map(dict.get, answers, itertools.repeat(item.id)) if value is not None]
            flat = list(itertools.chain.from_iterable(chosen))
            if {type(value) for value in chosen} - {list} or {type(value) for value in flat} - {int}:
                return None
            if not questionnaire.response_set_of(item).allowed.issuperset(flat):
                return None
            found += len(chosen)
    # Any other key (not an item, or a null answer) goes to the engine, which names it.
    return None if found != sum(map(len, answers)) or (codes < 0).any() else codes


def encode_csv(
    questionnaires: Mapping[str, Questionnaire], header: Sequence[str], rows: Sequence[Sequence[str]]
) -> dict[str, tuple[list[int], Codes]] | None:
    """A CSV's rows grouped by their ``questionnaire`` cell (the rows' numbers, and the codes of
    their answers), or None unless every row is plainly valid: as wide as the header, and in
    each column written like ``3`` (``1;3`` for multi-choice) or empty, and empty if its
    questionnaire has no such item."""
    width = len(header)
    if "questionnaire" not in header or len(set(header)) < width or any(len(row) != width for row in rows):
        return None
    positions: dict[str, list[int]] = {}
    at_qid = header.index("questionnaire")
    for position, row in enumerate(rows):
        positions.setdefault(row[at_qid].strip(), []).append(position)
    if not positions.keys() <= questionnaires.keys():
        return None
    encoded: dict[str, tuple[list[int], Codes]] = {}
    for qid, at in positions.items():
        questionnaire = questionnaires[qid]
        cells = list(itertools.chain.from_iterable(map(rows.__getitem__, at)))  # column j: cells[j::width]
        codes = np.zeros((len(at), len(questionnaire.items)), dtype=np.int16)
        for j, name in enumerate(header):
            item = questionnaire.items_by_id.get(name)
            options = [str(value) for value in questionnaire.response_set_of(item).values] if item else []
            if name in ("id", "questionnaire"):
                continue
            if item is None:
                if set(cells[j::width]) - {""}:
                    return None
            elif _multi(questionnaire, item):
                if not all(cell == "" or set(options).issuperset(cell.split(";")) for cell in set(cells[j::width])):
                    return None
            else:
                code = {"": 0, **{option: k for k, option in enumerate(options, start=1)}}
                codes[:, questionnaire.items.index(item)] = np.fromiter(
                    map(code.get, cells[j::width], itertools.repeat(-1)), np.int16, len(at)
                )
        if (codes < 0).any():
            return None
        encoded[qid] = (at, codes)
    return encoded


# --------------------------------------------------------------------------- scoring


def _table(questionnaire: Questionnaire, item: Item, of_value: Callable[[int], Any], unanswered: Any) -> list[Any]:
    """Something of each code of an item: index 0 (not answered), then each option's."""
    return [unanswered, *map(of_value, questionnaire.response_set_of(item).values)]


def _names(chosen: Bools, names: Sequence[str]) -> list[tuple[str, ...]]:
    """For each row, the names whose column is True."""
    keys = chosen.astype(np.int64) @ (1 << np.arange(len(names), dtype=np.int64))
    distinct, inverse = np.unique(keys, return_inverse=True)
    named = [tuple(name for bit, name in enumerate(names) if key >> bit & 1) for key in distinct.tolist()]
    return [named[k] for k in inverse.tolist()]


def score(questionnaire: Questionnaire, codes: Codes) -> Fields:
    """Each response's fields, as :func:`fields_of` gives them from the engine's result."""
    count = len(codes)
    items = questionnaire.items
    column = {item.id: j for j, item in enumerate(items)}

    def holds(item: Item, test: Callable[[int], bool]) -> Bools:
        return np.array(_table(questionnaire, item, test, False), dtype=np.bool_)[codes[:, column[item.id]]]

    counted = [j for j, item in enumerate(items) if item.kind != "context"]
    unsafe = np.zeros(count, dtype=np.bool_)
    for item in items:
        if item.safety:
            unsafe |= holds(item, lambda value, item=item: value in item.unsafe_values)
    # What a person may see of their own answers, safe or not (scoring.visibility: safety first).
    own_view = {
        name: np.where(
            unsafe,
            getattr(visible("self", Subject(safe=False)), name),
            getattr(visible("self", Subject(safe=True)), name),
        )
        for name in ("verdict", "exercises")
    }
    fields: Fields = {
        "version": [questionnaire.version] * count,
        "answered": (codes[:, counted] > 0).sum(axis=1).tolist(),
        "total": [len(counted)] * count,
        "safety_concern": unsafe.tolist(),
    }
    rule = questionnaire.verdict
    if rule is not None:
        asked = [item for item in items if item.kind == "verdict"]
        given = sum((codes[:, column[item.id]] > 0).astype(np.int64) for item in asked)
        yes = sum(holds(item, lambda value: value == rule.yes_value).astype(np.int64) for item in asked)
        no = sum(holds(item, lambda value: value == rule.no_value).astype(np.int64) for item in asked)
        kind = np.where(
            yes >= rule.most, "worth_fighting_for", np.where(no >= rule.most, "different_conversation", "mixed")
        )
        shown = (3 * given >= 2 * len(asked)) & (len(asked) > 0) & own_view["verdict"]
        fields["verdict"] = np.where(shown, kind.astype(object), None).tolist()
        for name, number in (("yes", yes), ("no", no), ("unsure", given - yes - no)):
            fields[f"verdict.{name}"] = np.where(shown, number.astype(object), None).tolist()
    if questionnaire.support is not None:
        checklist = [item for item in items if item.kind == "checklist"]
        top = {item.id: questionnaire.response_set_of(item).max_value for item in checklist}
        signs = np.zeros((count, len(checklist)), dtype=np.bool_)
        for k, item in enumerate(checklist):
            signs[:, k] = holds(item, lambda value, item=item: value == top[item.id])
        fields["support_flag"] = (signs.sum(axis=1) >= questionnaire.support.min_signs).tolist()
        fields["support_signs"] = _names(signs, [item.id for item in checklist])
    scores: dict[str, npt.NDArray[np.float64]] = {}
    scale_fields: Fields = {}
    for scale in questionnaire.scales:
        measured = [i for i in questionnaire.items_by_scale[scale.id] if i.kind in ("scored", "verdict")]
        importance = [i for i in questionnaire.items_by_scale[scale.id] if i.kind == "importance"]
        found, pattern_scores = _scale_scores(questionnaire, measured, codes[:, [column[i.id] for i in measured]])
        scores[scale.id] = np.array([np.nan if s is None else s for s in pattern_scores])[found]
        scale_fields[f"{scale.id}.score"] = [pattern_scores[k] for k in found.tolist()]
        scale_fields[f"{scale.id}.answered"] = (codes[:, [column[i.id] for i in measured]] > 0).sum(axis=1).tolist()
        scale_fields[f"{scale.id}.total"] = [len(measured)] * count
        scale_fields[f"{scale.id}.importance"] = (
            np.array(_table(questionnaire, importance[0], int, None), dtype=object)[codes[:, column[importance[0].id]]]
            if importance
            else np.full(count, None, dtype=object)
        ).tolist()
    if questionnaire.stages:
        reached = np.zeros((count, len(questionnaire.stages)), dtype=np.bool_)
        for s, stage in enumerate(questionnaire.stages):  # scoring.engine._stages
            matches = sum((scores[c.scale] < c.below).astype(np.int64) for c in stage.conditions)  # NaN < x is False
            reached[:, s] = matches >= (stage.min_matches or len(stage.conditions))
        fields["stages"] = _names(
            reached & own_view["exercises"][:, None], [stage.id for stage in questionnaire.stages]
        )
    return fields | scale_fields


def _scale_scores(questionnaire: Questionnaire, measured: list[Item], codes: Codes) -> tuple[Any, list[float | None]]:
    """Each response's pattern of a scale's codes (an index), and each distinct pattern's score."""
    radix = max(len(questionnaire.response_set_of(item).values) for item in measured) + 1
    keys = codes.astype(np.int64) @ (radix ** np.arange(len(measured), dtype=np.int64))
    _, first, found = np.unique(keys, return_index=True, return_inverse=True)
    points = [
        _table(questionnaire, item, lambda v, item=item: item_points(questionnaire, item, v), 0.0) for item in measured
    ]
    pattern_scores: list[float | None] = []
    for row in codes[first].tolist():
        given = [table[code] for table, code in zip(points, row, strict=True) if code]
        # The engine's rule: the mean of the answered items' points, if two thirds were answered.
        enough = enough_answered(len(given), len(measured))
        pattern_scores.append(round(sum(given) / len(given), 1) if enough else None)
    return found, pattern_scores
