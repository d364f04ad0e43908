"""Scoring many responses at once, vectorised with NumPy, for the command line.

``python -m scoring score`` hands lists and CSVs of many responses to this
module. It gives exactly what :func:`scoring.engine.score_questionnaire` gives,
response by response (``tests/scoring/test_batch.py`` checks that on random
answers), and :mod:`scoring.cli` prints it byte for byte as the per-response
path would.

How it stays exact and fast:

* A questionnaire's answers become one matrix of small integer *codes*: 0 for
  "not answered", otherwise the option's position + 1.
* Counts, the verdict, the safety override, support signs and stages (the
  furthest whose rule holds) are NumPy operations on that matrix.
* A scale's score is a function of its items' codes only, and a scale has few
  items, so the responses share few distinct *patterns*. Each distinct pattern
  is scored once with the engine's own arithmetic
  (:func:`scoring.engine.item_points`, the two-thirds rule, Python's ``sum``
  and ``round``), so the floats are the very same on every Python version; the
  result is gathered back to every response by index.
* The JSON text is put together from pieces rendered once per distinct value
  by :func:`json.dumps` itself (a scale's entry, a verdict, the stages...),
  re-indented for where they sit, so it equals
  ``json.dump(document, indent=2, ensure_ascii=False)``.

Only *canonical* input takes the fast road: JSON answers that are numbers in
the allowed set (no ``true``/``false``), CSV cells written exactly as the
option value. Anything else (an unknown item, a bad value, a ragged CSV row,
``" 3"`` with spaces...) makes the parser return ``None``, and the caller uses
the per-response path, which prints the same results or the same one-line
error as it always did.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

import numpy as np
import numpy.typing as npt

from questions.loader import Content
from questions.schema import Condition, Item, Questionnaire
from scoring.engine import enough_answered, item_points, score_questionnaire
from scoring.reader import Table
from scoring.results import QuestionnaireResult, ScaleScore, StageReading, Verdict, to_jsonable

__all__ = [
    "UNANSWERED",
    "BatchScores",
    "QuestionnairePlan",
    "encode_answers",
    "iter_document",
    "iter_rendered",
    "parse_csv",
    "plan_for",
    "render_document",
    "score_answers",
    "score_codes",
    "split_json_responses",
]

Codes = npt.NDArray[np.int16]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: The code of an unanswered item; an option's code is its position in the response set + 1.
UNANSWERED = 0
#: A value that is not one of the item's options (never stored in a code matrix).
_BAD = -1
#: Python types a single-choice JSON answer may have on the fast road (``True`` is an int too: excluded).
_NUMBER_TYPES = frozenset({int, float})
INDENT = "  "
#: Verdict kinds by their code in :attr:`BatchScores.verdict_kind` (-1: no verdict).
VERDICT_KINDS = ("worth_fighting_for", "different_conversation", "mixed")


def _indented(text: str, depth: int) -> str:
    """A value rendered by ``json.dumps(indent=2)`` as it reads ``depth`` levels down."""
    return text.replace("\n", "\n" + INDENT * depth) if depth else text


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class _ScalePlan:
    scale_id: str
    title: str
    #: Columns of the items that measure the scale, in questionnaire order.
    measured: tuple[int, ...]
    #: The column of the scale's importance item, if it has one.
    importance: int | None


class QuestionnairePlan:
    """Everything about one questionnaire that does not depend on the answers."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire
        self.items: tuple[Item, ...] = questionnaire.items
        self.column: dict[str, int] = {item.id: j for j, item in enumerate(self.items)}
        self.multi: tuple[bool, ...] = tuple(questionnaire.response_set_of(i).multi for i in self.items)
        self.options: tuple[tuple[int, ...], ...] = tuple(questionnaire.response_set_of(i).values for i in self.items)
        #: Per column: the canonical CSV cell of each option -> code ("" -> 0).
        self.csv_code_of: tuple[dict[str, int], ...] = tuple(
            {"": UNANSWERED, **{str(value): k + 1 for k, value in enumerate(values)}} for values in self.options
        )
        #: [column, byte]: the code of a one-byte canonical CSV cell (e.g. b"3"), -1 for other bytes.
        self.csv_byte_table: npt.NDArray[np.int16] = np.array(
            [[table.get(chr(b), _BAD) if b < 128 else _BAD for b in range(256)] for table in self.csv_code_of],
            dtype=np.int16,
        ).reshape(len(self.items), 256)
        self.csv_byte_table[:, [ord(","), ord("\n")]] = UNANSWERED  # what an empty cell starts with
        width = max(len(values) for values in self.options) + 1
        #: value_table[column, code] is the option value (0 where unused).
        self.value_table: IntArray = np.zeros((len(self.items), width), dtype=np.int64)
        for j, values in enumerate(self.options):
            self.value_table[j, 1 : len(values) + 1] = values
        self.multi_mask: BoolArray = np.array(self.multi, dtype=np.bool_)
        self.allowed: tuple[frozenset[int], ...] = tuple(frozenset(values) for values in self.options)
        singles = [v for values, multi in zip(self.options, self.multi, strict=True) if not multi for v in values]
        #: Every option value of a one-choice item, as itself (a float 2.0 finds 2).
        self.value_of: dict[int, int] = {v: v for v in singles}
        self.lowest_value = min(singles, default=0)
        span = max(singles, default=0) - self.lowest_value + 2
        #: code_lut[column, value - lowest_value + 1] is the option's code; 0 where the item has no such option.
        self.code_lut: npt.NDArray[np.int16] = np.zeros((len(self.items), span), dtype=np.int16)
        for j, values in enumerate(self.options):
            if not self.multi[j]:
                for k, value in enumerate(values):
                    self.code_lut[j, value - self.lowest_value + 1] = k + 1
        self.scales: tuple[_ScalePlan, ...] = tuple(
            _ScalePlan(
                scale_id=scale.id,
                title=scale.title,
                measured=tuple(
                    j for j, i in enumerate(self.items) if i.scale == scale.id and i.kind in ("scored", "verdict")
                ),
                importance=next(
                    (j for j, i in enumerate(self.items) if i.scale == scale.id and i.kind == "importance"), None
                ),
            )
            for scale in questionnaire.scales
        )
        self.counted: tuple[int, ...] = tuple(j for j, i in enumerate(self.items) if i.kind != "context")
        self.verdict_items: tuple[int, ...] = tuple(j for j, i in enumerate(self.items) if i.kind == "verdict")
        self.checklist: tuple[int, ...] = tuple(j for j, i in enumerate(self.items) if i.kind == "checklist")
        self.safety: tuple[int, ...] = tuple(j for j, i in enumerate(self.items) if i.safety and not self.multi[j])
        self.scale_index: dict[str, int] = {s.scale_id: k for k, s in enumerate(self.scales)}
        self._frames: dict[tuple[Any, ...], _Frame] = {}

    @property
    def width(self) -> int:
        return len(self.items)

    def values(self, codes: Codes) -> IntArray:
        """The option value of every answer (0 where not answered, or for a multi-choice item)."""
        return self.value_table[np.arange(self.width)[None, :], codes]


_PLANS: dict[int, QuestionnairePlan] = {}


def plan_for(questionnaire: Questionnaire) -> QuestionnairePlan:
    """The (cached) plan of a questionnaire; questionnaires are immutable."""
    plan = _PLANS.get(id(questionnaire))
    if plan is None or plan.questionnaire is not questionnaire:
        plan = _PLANS[id(questionnaire)] = QuestionnairePlan(questionnaire)
    return plan


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class BatchScores:
    """The results of ``n`` responses to one questionnaire, as arrays.

    ``scale_key[:, k]`` indexes ``scale_table[k]``: the distinct (score,
    answered) pairs of scale ``k``.
    """

    plan: QuestionnairePlan
    scale_key: IntArray  # (n, scales)
    scale_table: tuple[tuple[tuple[float | None, int], ...], ...]
    scale_score: FloatArray  # (n, scales), NaN = not enough answers
    importance: IntArray  # (n, scales): the importance value, meaningful where has_importance
    has_importance: BoolArray  # (n, scales)
    answered: IntArray  # (n,)
    verdict_kind: IntArray  # (n,): index into VERDICT_KINDS, -1 = no verdict
    yes: IntArray
    no: IntArray
    unsure: IntArray
    safety_concern: BoolArray  # (n,)
    signs: BoolArray  # (n, checklist items)
    support_flag: BoolArray  # (n,)
    stages: BoolArray  # (n, stages)

    def __len__(self) -> int:
        return int(self.answered.shape[0])

    def results(self) -> list[QuestionnaireResult]:
        """The same objects :func:`scoring.engine.score_questionnaire` returns (slow: for tests and small batches)."""
        return [self.result(i) for i in range(len(self))]

    def result(self, i: int) -> QuestionnaireResult:
        plan = self.plan
        questionnaire = plan.questionnaire
        return QuestionnaireResult(
            questionnaire_id=questionnaire.id,
            title=questionnaire.title,
            version=questionnaire.version,
            scales=tuple(self.scale_score_of(i, k) for k in range(len(plan.scales))),
            answered=int(self.answered[i]),
            total=len(plan.counted),
            verdict=self.verdict_of(i),
            safety_concern=bool(self.safety_concern[i]),
            support_signs=self.signs_of(i),
            support_flag=bool(self.support_flag[i]),
            stages=self.stages_of(i),
        )

    def scale_score_of(self, i: int, k: int) -> ScaleScore:
        scale = self.plan.scales[k]
        score, answered = self.scale_table[k][int(self.scale_key[i, k])]
        return ScaleScore(
            questionnaire_id=self.plan.questionnaire.id,
            scale_id=scale.scale_id,
            title=scale.title,
            score=score,
            answered=answered,
            total=len(scale.measured),
            importance=int(self.importance[i, k]) if self.has_importance[i, k] else None,
        )

    def verdict_of(self, i: int) -> Verdict | None:
        kind = int(self.verdict_kind[i])
        return None if kind < 0 else _verdict(self.plan, kind, int(self.yes[i]), int(self.no[i]), int(self.unsure[i]))

    def signs_of(self, i: int) -> tuple[str, ...]:
        return _signs(self.plan, tuple(bool(b) for b in self.signs[i]))

    def stages_of(self, i: int) -> tuple[StageReading, ...]:
        return _stages(self.plan, tuple(bool(b) for b in self.stages[i]))


def _verdict(plan: QuestionnairePlan, kind: int, yes: int, no: int, unsure: int) -> Verdict:
    rule = plan.questionnaire.verdict
    assert rule is not None
    band = (rule.worth_fighting_for, rule.different_conversation, rule.mixed)[kind]
    return Verdict(
        kind=VERDICT_KINDS[kind],  # type: ignore[arg-type]
        title=band.title,
        text=band.text,
        sources=band.sources,
        yes=yes,
        no=no,
        unsure=unsure,
    )


def _signs(plan: QuestionnairePlan, mask: tuple[bool, ...]) -> tuple[str, ...]:
    return tuple(plan.items[j].id for j, on in zip(plan.checklist, mask, strict=True) if on)


def _stages(plan: QuestionnairePlan, mask: tuple[bool, ...]) -> tuple[StageReading, ...]:
    stages = plan.questionnaire.stages
    return tuple(StageReading(s.id, s.title, s.text, s.sources) for s, on in zip(stages, mask, strict=True) if on)


#: Up to this many possible rows, distinct rows are counted in a table instead of sorted.
_DENSE_PATTERNS = 1 << 20


def _distinct_rows(matrix: Codes, radix: int) -> tuple[list[list[int]], IntArray]:
    """(each distinct row, as a list, and the distinct row of every row) of a small-integer matrix."""
    n, m = matrix.shape
    if m == 0:
        return ([[]] if n else []), np.zeros(n, dtype=np.int64)
    if radix**m <= _DENSE_PATTERNS:
        key = matrix[:, 0].astype(np.int64)
        for t in range(1, m):
            key *= radix
            key += matrix[:, t]
        present = np.flatnonzero(np.bincount(key, minlength=radix**m))
        number = np.zeros(radix**m, dtype=np.int64)
        number[present] = np.arange(len(present))
        places = radix ** np.arange(m - 1, -1, -1, dtype=np.int64)
        rows: list[list[int]] = (present[:, None] // places[None, :] % radix).tolist()
        return rows, number[key]
    _, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    return matrix[first].tolist(), inverse.reshape(n).astype(np.int64)


def _scale_from_points(points: Sequence[float], total: int) -> tuple[float | None, int]:
    """The engine's arithmetic for one scale, on the points of its answered items in questionnaire order."""
    score = round(sum(points) / len(points), 1) if enough_answered(len(points), total) else None
    return score, len(points)


def score_codes(plan: QuestionnairePlan, codes: Codes) -> BatchScores:
    """Score a code matrix (``n`` responses x ``plan.width`` items)."""
    questionnaire = plan.questionnaire
    n = codes.shape[0]
    given = codes != UNANSWERED
    values = plan.values(codes)

    scale_count = len(plan.scales)
    scale_key = np.zeros((n, scale_count), dtype=np.int64)
    scale_score = np.full((n, scale_count), np.nan)
    importance = np.zeros((n, scale_count), dtype=np.int64)
    has_importance = np.zeros((n, scale_count), dtype=np.bool_)
    tables: list[tuple[tuple[float | None, int], ...]] = []
    seen: dict[tuple[tuple[float, ...], ...], dict[tuple[int, ...], tuple[float | None, int]]] = {}
    for k, scale in enumerate(plan.scales):
        columns = list(scale.measured)
        # The engine's points of every option of every item, computed once.
        points = [
            [0.0] + [item_points(questionnaire, plan.items[j], value) for value in plan.options[j]] for j in columns
        ]
        radix = max((len(plan.options[j]) for j in columns), default=1) + 1
        patterns, inverse = _distinct_rows(codes[:, columns], radix)
        pairs: dict[tuple[float | None, int], int] = {}
        key_of_pattern = np.zeros(len(patterns), dtype=np.int64)
        # Scales whose items give the same points share every pattern's result.
        known = seen.setdefault(tuple(map(tuple, points)), {})
        for p, row in enumerate(patterns):
            pattern = tuple(row)
            pair = known.get(pattern)
            if pair is None:
                pair = known[pattern] = _scale_from_points([points[t][c] for t, c in enumerate(row) if c], len(columns))
            key_of_pattern[p] = pairs.setdefault(pair, len(pairs))
        table = tuple(pairs)
        tables.append(table)
        scale_key[:, k] = key_of_pattern[inverse]
        lookup = np.array([np.nan if score is None else score for score, _ in table], dtype=np.float64)
        if n:
            scale_score[:, k] = lookup[scale_key[:, k]]
        if scale.importance is not None:
            importance[:, k] = values[:, scale.importance]
            has_importance[:, k] = given[:, scale.importance]

    answered = given[:, list(plan.counted)].sum(axis=1).astype(np.int64)

    safety = np.zeros(n, dtype=np.bool_)
    for j in plan.safety:
        unsafe = np.isin(values[:, j], np.array(plan.items[j].unsafe_values, dtype=np.int64))
        safety |= given[:, j] & unsafe

    verdict_kind = np.full(n, -1, dtype=np.int64)
    yes = np.zeros(n, dtype=np.int64)
    no = np.zeros(n, dtype=np.int64)
    unsure = np.zeros(n, dtype=np.int64)
    rule = questionnaire.verdict
    if rule is not None:
        columns = list(plan.verdict_items)
        answered_v = given[:, columns]
        count = answered_v.sum(axis=1)
        yes = (answered_v & (values[:, columns] == rule.yes_value)).sum(axis=1).astype(np.int64)
        no = (answered_v & (values[:, columns] == rule.no_value)).sum(axis=1).astype(np.int64)
        unsure = count - yes - no
        total = len(columns)
        enough = (3 * count >= 2 * total) if total > 0 else np.zeros(n, dtype=np.bool_)
        kind = np.where(yes >= rule.most, 0, np.where(no >= rule.most, 1, 2))
        verdict_kind = np.where(enough & ~safety, kind, -1).astype(np.int64)

    checklist = list(plan.checklist)
    top = np.array([max(plan.options[j]) for j in checklist], dtype=np.int64)
    signs = given[:, checklist] & (values[:, checklist] == top[None, :])
    support = questionnaire.support
    if support is not None:
        # The engine's support_flagged: min_signs in all, or one sign that is enough alone.
        alone = [t for t, j in enumerate(checklist) if plan.items[j].id in support.enough_alone]
        support_flag = (signs.sum(axis=1) >= support.min_signs) | signs[:, alone].any(axis=1)
    else:
        support_flag = np.zeros(n, dtype=np.bool_)

    def holds(condition: Condition) -> BoolArray:
        """The engine's condition_holds, for every response at once (one-choice items only)."""
        if condition.scale is not None:
            score = scale_score[:, plan.scale_index[condition.scale]]
            return ~np.isnan(score) & (np.nan_to_num(score, nan=math.inf) < (condition.below or 0.0))
        j = plan.column[condition.item or ""]
        chosen = np.isin(values[:, j], np.array(condition.values or condition.not_values, dtype=np.int64))
        return given[:, j] & chosen if condition.values else ~(given[:, j] & chosen)

    # The engine's stage_reading: the furthest stage whose rule holds, and only that one.
    furthest = np.full(n, -1, dtype=np.int64)
    for t, stage in enumerate(questionnaire.stages):
        reached = np.ones(n, dtype=np.bool_)
        for condition in stage.requires:
            reached &= holds(condition)
        needed = stage.min_matches or len(stage.conditions)
        matches = np.zeros(n, dtype=np.int64)
        for condition in stage.conditions:
            matches += holds(condition)
        furthest = np.where(reached & (matches >= needed), t, furthest)
    stages = furthest[:, None] == np.arange(len(questionnaire.stages), dtype=np.int64)[None, :]

    return BatchScores(
        plan=plan,
        scale_key=scale_key,
        scale_table=tuple(tables),
        scale_score=scale_score,
        importance=importance,
        has_importance=has_importance,
        answered=answered,
        verdict_kind=verdict_kind,
        yes=yes,
        no=no,
        unsure=unsure,
        safety_concern=safety,
        signs=signs,
        support_flag=np.asarray(support_flag, dtype=np.bool_),
        stages=stages,
    )


# --------------------------------------------------------------------------- encoding answers


def encode_answers(plan: QuestionnairePlan, answers: Sequence[Mapping[str, Any]]) -> Codes | None:
    """The code matrix of already-parsed answers, or None if any answer is off the fast road.

    Off the road: an item id the questionnaire doesn't have, a value that is
    not one of the options (a string, a fraction, null, a list for a
    one-choice item, ``True``...), a multi-choice list that is not a list of
    option values.
    """
    n = len(answers)
    codes = np.zeros((n, plan.width), dtype=np.int16)
    # Every (response, item, value) in one flat run, straight from C: far
    # kinder to the cache than walking 100,000 dicts once per item.
    sizes = np.fromiter(map(len, answers), dtype=np.int64, count=n)
    keys = list(itertools.chain.from_iterable(answers))
    values = list(itertools.chain.from_iterable(map(_values, answers)))
    columns = np.fromiter(map(plan.column.get, keys, itertools.repeat(-1)), dtype=np.int64, count=len(keys))
    if (columns < 0).any():
        return None  # an item id this questionnaire doesn't have
    rows = np.repeat(np.arange(n, dtype=np.int64), sizes)
    multi = plan.multi_mask[columns]
    if multi.any():
        at = np.flatnonzero(multi)
        for p, j in zip(at.tolist(), columns[at].tolist(), strict=True):
            if _multi_ok(values[p], plan.allowed[j]) != 1:
                return None
        codes[rows[at], columns[at]] = 1
        at = np.flatnonzero(~multi)
        values = list(_gather(values, at.tolist())) if len(at) else []
        rows, columns = rows[at], columns[at]
    if not set(map(type, values)) <= _NUMBER_TYPES:
        return None  # a string, a list, null, True/False...
    low = plan.lowest_value
    numbers = np.fromiter(map(plan.value_of.get, values, itertools.repeat(low - 1)), dtype=np.int64, count=len(values))
    found = plan.code_lut[columns, numbers - low + 1] if len(values) else np.zeros(0, dtype=np.int16)
    if (found <= UNANSWERED).any():
        return None  # not one of this item's options
    codes[rows, columns] = found
    return codes


def _values(answers: Mapping[str, Any]) -> Any:
    return answers.values()


def _get(answers: Mapping[str, Any], key: str) -> Any:
    return answers.get(key)


def _multi_ok(value: Any, allowed: frozenset[int]) -> int | None:
    """1 for a valid multi-choice answer, 0 for none, None when it is not valid (or not canonical)."""
    if value is None:
        return 0
    if type(value) is not list:
        return None
    for choice in value:
        if type(choice) is not int or choice not in allowed:
            return None
    return 1


def score_answers(questionnaire: Questionnaire, answers: Sequence[Mapping[str, Any]]) -> BatchScores:
    """Score validated answers (as :func:`scoring.engine.validate_answers` returns them)."""
    plan = plan_for(questionnaire)
    codes = encode_answers(plan, answers)
    if codes is None:
        raise ValueError("answers must be validated first (scoring.engine.validate_answers)")
    return score_codes(plan, codes)


# --------------------------------------------------------------------------- parsing many responses


@dataclass
class Group:
    """The responses to one questionnaire, where they sit in the input, and their ids."""

    plan: QuestionnairePlan
    positions: IntArray
    codes: Codes
    #: Per response: its "id", or _NO_ID when it has none.
    ids: list[Any]


class _NoId:
    def __repr__(self) -> str:
        return "<no id>"


_NO_ID: Any = _NoId()


def split_json_responses(responses: Sequence[Any], content: Content) -> list[Group] | None:
    """Parsed JSON responses (``{"questionnaire", "answers", "id"?}``) grouped and encoded, or None."""
    if not all(type(r) is dict for r in responses):
        return None
    qids = list(map(_get, responses, itertools.repeat("questionnaire")))
    groups: list[Group] = []
    by_questionnaire = _positions_by_key(qids)
    if not set(by_questionnaire) <= set(content.questionnaires):
        return None
    for qid, positions in by_questionnaire.items():
        members = [responses[p] for p in positions]
        answers = list(map(_get, members, itertools.repeat("answers")))
        if not all(type(a) is dict for a in answers):
            return None
        plan = plan_for(content.questionnaire(qid))
        codes = encode_answers(plan, answers)
        if codes is None:
            return None
        ids = [r.get("id", _NO_ID) for r in members]
        groups.append(Group(plan, np.asarray(positions, dtype=np.int64), codes, ids))
    return groups


def _positions_by_key(keys: Sequence[Any]) -> dict[Any, list[int]]:
    positions: dict[Any, list[int]] = {}
    try:
        for index, key in enumerate(keys):
            positions.setdefault(key, []).append(index)
    except TypeError:  # an unhashable questionnaire id: not a known one
        return {object(): []}
    return positions


class _CsvCells:
    """The cells of some rows of a CSV (as :func:`scoring.reader.read_csv` reads it), column by column."""

    def __init__(self, header: list[str], columns: Mapping[str, Sequence[str]], count: int) -> None:
        self.header = header
        self.count = count
        self._columns = columns

    @classmethod
    def of(cls, table: Table) -> _CsvCells | None:
        header, rows = table.header, table.rows
        if any(len(row) != len(header) for row in rows):
            return None
        columns = dict(zip(header, zip(*rows, strict=True), strict=True)) if rows else {}
        return cls(header, columns, len(rows))

    def select(self, positions: IntArray) -> _CsvCells:
        if len(positions) == self.count:
            return self
        chosen = positions.tolist()
        return _CsvCells(self.header, {k: _gather(v, chosen) for k, v in self._columns.items()}, len(chosen))

    def strings(self, name: str) -> Sequence[str]:
        return self._columns[name]

    def empty(self, names: Sequence[str]) -> bool:
        return not any(any(self._columns[name]) for name in names)

    def answered(self, name: str) -> Codes:
        return np.fromiter(map(bool, self._columns[name]), dtype=np.bool_, count=self.count).astype(np.int16)

    def codes(self, plan: QuestionnairePlan, columns: Sequence[tuple[int, str]]) -> Codes | None:
        """The codes of some one-choice items (plan column, CSV column name)."""
        codes = np.zeros((self.count, len(columns)), dtype=np.int16)
        for t, (j, name) in enumerate(columns):
            table = plan.csv_code_of[j]
            codes[:, t] = np.fromiter(
                map(table.get, self._columns[name], itertools.repeat(_BAD)), dtype=np.int16, count=self.count
            )
        return None if (codes == _BAD).any() else codes


def parse_csv(csv_table: Table, content: Content) -> tuple[list[Group], int] | None:
    """A CSV of responses grouped and encoded, with the number of responses; or None.

    None whenever the per-response reader might see it differently: a missing
    ``questionnaire`` column, duplicate column names, a row with more or fewer
    cells than the header, a cell that is not written exactly as an option
    value (or as values joined by ``;`` for a multi-choice item), an answer in
    a column its row's questionnaire doesn't have.
    """
    table = _CsvCells.of(csv_table)
    if table is None:
        return None
    header = table.header
    if "questionnaire" not in header or len(set(header)) != len(header):
        return None
    if not table.count:
        return [], 0
    known = list(content.questionnaires)
    number_of = {qid: g for g, qid in enumerate(known)}
    cells = table.strings("questionnaire")
    which = np.fromiter(map(number_of.get, cells, itertools.repeat(-1)), dtype=np.int64, count=table.count)
    if (which < 0).any():  # not written exactly as an id: as the per-response reader reads it
        which = np.fromiter((number_of.get(cell.strip(), -1) for cell in cells), dtype=np.int64, count=table.count)
        if (which < 0).any():
            return None
    groups: list[Group] = []
    for g in sorted(set(np.unique(which).tolist()), key=lambda g: int(np.argmax(which == g))):
        plan = plan_for(content.questionnaire(known[g]))
        positions = np.flatnonzero(which == g)
        rows = table.select(positions)
        codes = np.zeros((len(positions), plan.width), dtype=np.int16)
        answers = [(plan.column.get(name), name) for name in header if name not in ("questionnaire", "id")]
        if not rows.empty([name for j, name in answers if j is None]):
            return None  # an answer to a question this questionnaire doesn't have
        singles = [(j, name) for j, name in answers if j is not None and not plan.multi[j]]
        if singles:
            found = rows.codes(plan, singles)
            if found is None:
                return None
            codes[:, [j for j, _ in singles]] = found
        for j, name in answers:
            if j is not None and plan.multi[j]:
                if not all(_csv_multi_ok(cell, plan.allowed[j]) for cell in set(rows.strings(name))):
                    return None
                codes[:, j] = rows.answered(name)
        if "id" in header:
            ids: list[Any] = [cell or _NO_ID for cell in rows.strings("id")]
        else:
            ids = [_NO_ID] * len(positions)
        groups.append(Group(plan, positions, codes, ids))
    return groups, table.count


def _gather(column: Sequence[Any], positions: Sequence[int]) -> Sequence[Any]:
    """column[p] for each p, in C."""
    if len(positions) == 1:
        return (column[positions[0]],)
    return operator.itemgetter(*positions)(column)  # type: ignore[no-any-return]


def _csv_multi_ok(cell: str, allowed: frozenset[int]) -> bool:
    """Whether a multi-choice cell is empty or option values written exactly, joined by ``;``."""
    if not cell:
        return True
    parts = cell.split(";")
    if not all(part and part == part.strip() and part.isdigit() and str(int(part)) == part for part in parts):
        return False
    return {int(part) for part in parts} <= allowed


# --------------------------------------------------------------------------- JSON output


_VARIABLE_FIELDS = ("scales", "answered", "verdict", "safety_concern", "support_signs", "support_flag", "stages")
_VARIABLE_SCALE_FIELDS = ("score", "answered", "importance")


def _token(name: str) -> str:
    # Private-use characters: never in real content, kept as they are by ensure_ascii=False.
    return f"\ue000{name}\ue001"


@dataclass(frozen=True)
class _Frame:
    """Constant JSON text cut where variable values go."""

    pieces: tuple[str, ...]
    #: The value that goes after each piece but the last, and the depth it sits at.
    slots: tuple[tuple[str, int], ...]


def _cut(text: str) -> _Frame:
    """Cut JSON text at its ``"<token>"`` strings."""
    pieces: list[str] = []
    slots: list[tuple[str, int]] = []
    rest = text
    while '"\ue000' in rest:
        start = rest.index('"\ue000')
        end = rest.index('\ue001"', start) + 2
        line_start = rest.rfind("\n", 0, start) + 1
        line = rest[line_start:start]
        depth = (len(line) - len(line.lstrip(" "))) // len(INDENT)
        pieces.append(rest[:start])
        slots.append((rest[start + 2 : end - 2], depth))
        rest = rest[end:]
    pieces.append(rest)
    return _Frame(tuple(pieces), tuple(slots))


def _entry_frame(plan: QuestionnairePlan, with_id: bool, depth: int) -> _Frame:
    """One entry ``{"id"?, "questionnaire", "result"}`` at ``depth``, cut at its variable fields."""
    key = ("entry", with_id, depth)
    cached = plan._frames.get(key)  # type: ignore[call-overload]
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    sample = to_jsonable(score_questionnaire(plan.questionnaire, {}))
    assert set(_VARIABLE_FIELDS) <= set(sample), "QuestionnaireResult changed: update scoring.batch"
    result = {name: (_token(name) if name in _VARIABLE_FIELDS else sample[name]) for name in sample}
    entry: dict[str, Any] = {"questionnaire": plan.questionnaire.id, "result": result}
    if with_id:
        entry = {"id": _token("id"), **entry}
    frame = plan._frames[key] = _cut(_indented(_dumps(entry), depth))  # type: ignore[index]
    return frame


def _scale_frame(plan: QuestionnairePlan, k: int, depth: int) -> _Frame:
    """Scale ``k``'s entry at ``depth``, cut at its score, answered count and importance."""
    key = ("scale", k, depth)
    cached = plan._frames.get(key)  # type: ignore[call-overload]
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    sample = to_jsonable(score_questionnaire(plan.questionnaire, {}).scales[k])
    assert set(_VARIABLE_SCALE_FIELDS) <= set(sample), "ScaleScore changed: update scoring.batch"
    value = {name: (_token(name) if name in _VARIABLE_SCALE_FIELDS else sample[name]) for name in sample}
    frame = plan._frames[key] = _cut(_indented(_dumps(value), depth))  # type: ignore[index]
    return frame


def _scalar(value: float | int | None) -> str:
    """A number or null as json.dumps writes it."""
    if value is None:
        return "null"
    if isinstance(value, float):
        return float.__repr__(value)
    return int.__repr__(value)


ObjectArray = npt.NDArray[np.object_]


def _objects(values: Sequence[Any] | Any, count: int) -> ObjectArray:
    """An object array of ``count`` values (one value repeated when it is not a list)."""
    if isinstance(values, list):
        column = np.empty(count, dtype=object)
        column[:] = values
        return column
    return np.full(count, values, dtype=object)


def _rendered(keys: IntArray, render: Callable[[int], str], before: str) -> ObjectArray:
    """Per response, ``before`` and the text of its key, in UTF-8: rendered once per distinct key."""
    if not len(keys):
        return np.empty(0, dtype=object)
    present = np.flatnonzero(np.bincount(keys))
    table = np.empty(int(present[-1]) + 1, dtype=object)
    for key in present.tolist():
        table[key] = (before + render(key)).encode()
    return table[keys]  # type: ignore[no-any-return]


def _mask_keys(mask: BoolArray) -> IntArray:
    """Each row of a boolean matrix as a number, column t being bit t."""
    key = np.zeros(mask.shape[0], dtype=np.int64)
    for t in range(mask.shape[1]):
        key |= mask[:, t].astype(np.int64) << t
    return key


def _bits(key: int, width: int) -> tuple[bool, ...]:
    return tuple(bool(key >> t & 1) for t in range(width))


def _scale_columns(scores: BatchScores, depth: int, before: str) -> list[ObjectArray]:
    """The ``"scales"`` list at ``depth``, as one column per scale; ``before`` goes in front of the first."""
    plan = scores.plan
    count = len(plan.scales)
    if count == 0:
        return [_objects((before + "[]").encode(), len(scores))]
    columns: list[ObjectArray] = []
    for k in range(count):
        head = before + "[\n" + INDENT * (depth + 1) if k == 0 else INDENT * (depth + 1)
        tail = ",\n" if k < count - 1 else "\n" + INDENT * depth + "]"
        frame = _scale_frame(plan, k, depth + 1)
        has = scores.has_importance[:, k]
        low = int(scores.importance[has, k].min()) if has.any() else 0
        width = int(scores.importance[has, k].max()) - low + 2 if has.any() else 1
        keys = scores.scale_key[:, k] * width + np.where(has, scores.importance[:, k] - low + 1, 0)

        def render(
            key: int, k: int = k, frame: _Frame = frame, width: int = width, low: int = low, tail: str = tail
        ) -> str:
            score, answered = scores.scale_table[k][key // width]
            values = {
                "score": score,
                "answered": answered,
                "importance": key % width - 1 + low if key % width else None,
            }
            parts = []
            for piece, (name, _depth) in zip(frame.pieces, frame.slots, strict=False):
                parts += (piece, _scalar(values[name]))
            parts.append(frame.pieces[-1])
            return "".join(parts) + tail

        columns.append(_rendered(keys, render, head))
    return columns


def _field_column(scores: BatchScores, name: str, depth: int, before: str) -> ObjectArray:
    """One variable field of the result for every response, with ``before`` in front."""
    plan = scores.plan
    if name == "answered":
        return _rendered(scores.answered, int.__repr__, before)
    if name in ("safety_concern", "support_flag"):
        flags = scores.safety_concern if name == "safety_concern" else scores.support_flag
        return _rendered(flags.astype(np.int64), lambda key: ("false", "true")[key], before)
    if name == "verdict":
        radix = len(plan.verdict_items) + 1
        keys = ((scores.verdict_kind + 1) * radix + scores.yes) * radix + scores.no
        keys = keys * radix + scores.unsure

        def render_verdict(key: int) -> str:
            key, unsure = divmod(key, radix)
            key, no = divmod(key, radix)
            kind, yes = divmod(key, radix)
            verdict = None if kind == 0 else _verdict(plan, kind - 1, yes, no, unsure)
            return _indented(_dumps(to_jsonable(verdict)), depth)

        return _rendered(keys, render_verdict, before)
    if name in ("support_signs", "stages"):
        mask = scores.signs if name == "support_signs" else scores.stages
        width = mask.shape[1]
        describe = _signs if name == "support_signs" else _stages
        return _rendered(
            _mask_keys(mask),
            lambda key: _indented(_dumps(to_jsonable(describe(plan, _bits(key, width)))), depth),  # type: ignore[operator]
            before,
        )
    raise AssertionError(f"unknown field {name}")


def _id_text(value: Any, depth: int) -> str:
    if type(value) is str:
        return encode_basestring(value)  # type: ignore[no-any-return]
    return _indented(_dumps(value), depth)


#: What JSON escapes in a string (besides the NUL that :func:`_id_texts` joins ids with).
_NEEDS_ESCAPE = re.compile(r'[\x01-\x1f\\"]')


def _id_texts(ids: Sequence[Any], depth: int, before: str) -> list[bytes]:
    """``before`` and each id as JSON, in UTF-8; string ids that need no escape all at once."""
    if ids and set(map(type, ids)) == {str}:
        joined = "\x00".join(ids)
        if joined.count("\x00") == len(ids) - 1 and not _NEEDS_ESCAPE.search(joined):
            glue = '"\x00' + before + '"'
            return (before + '"' + joined.replace("\x00", glue) + '"').encode().split(b"\x00")
    return [(before + _id_text(value, depth)).encode() for value in ids]


#: What goes before every entry but the first, and before the first.
_SEPARATOR = ",\n" + INDENT
_OPENING = "[\n" + INDENT


def _entry_columns(scores: BatchScores, ids: Sequence[Any], with_id: bool, depth: int) -> list[ObjectArray]:
    """Entries ``{"id"?, "questionnaire", "result"}`` at ``depth``, as columns of UTF-8 pieces, each entry
    led by :data:`_SEPARATOR`."""
    n = len(scores)
    frame = _entry_frame(scores.plan, with_id, depth)
    columns: list[ObjectArray] = []
    for index, (piece, (name, field_depth)) in enumerate(zip(frame.pieces, frame.slots, strict=False)):
        before = _SEPARATOR + piece if index == 0 else piece
        if name == "id":
            columns.append(_objects(_id_texts(ids, field_depth, before), n))
        elif name == "scales":
            columns.extend(_scale_columns(scores, field_depth, before))
        else:
            columns.append(_field_column(scores, name, field_depth, before))
    columns.append(_objects(frame.pieces[-1].encode(), n))
    return columns


def _take(scores: BatchScores, rows: IntArray) -> BatchScores:
    values = {f.name: getattr(scores, f.name) for f in fields(scores)}
    for name, value in values.items():
        if isinstance(value, np.ndarray):
            values[name] = value[rows]
    return BatchScores(**values)


def iter_document(groups: Sequence[Group], count: int, chunk: int = 4096) -> Iterator[bytes]:
    """The JSON list of ``count`` entries, in UTF-8 pieces, exactly as
    ``json.dump(results, indent=2, ensure_ascii=False)`` writes it."""
    return iter_rendered(groups, [score_codes(group.plan, group.codes) for group in groups], count, chunk)


def iter_rendered(
    groups: Sequence[Group], scores: Sequence[BatchScores], count: int, chunk: int = 4096
) -> Iterator[bytes]:
    """:func:`iter_document` for groups already scored (``scores[g]`` for ``groups[g]``).

    Every entry is a row of UTF-8 pieces (rendered once per distinct value and
    shared), the rows sit in input order in one object matrix, and each chunk
    of rows is joined at once.
    """
    if count == 0:
        yield b"[]"
        return
    parts: list[tuple[IntArray, list[ObjectArray]]] = []
    for group, scored in zip(groups, scores, strict=True):
        with_id = np.fromiter((value is not _NO_ID for value in group.ids), dtype=np.bool_, count=len(group.ids))
        for has_id in (False, True):
            chosen = np.flatnonzero(with_id == has_id)
            if not len(chosen):
                continue
            whole = len(chosen) == len(group.ids)
            part = scored if whole else _take(scored, chosen)
            ids = group.ids if whole else _gather(group.ids, chosen.tolist())
            parts.append((group.positions[chosen], _entry_columns(part, ids, has_id, 1)))
    rows = np.full((count, max(len(columns) for _, columns in parts)), b"", dtype=object)
    for positions, columns in parts:
        whole = len(positions) == count
        for c, column in enumerate(columns):
            if whole:
                rows[:, c] = column
            else:
                rows[positions, c] = column
    rows[0, 0] = _OPENING.encode() + rows[0, 0][len(_SEPARATOR.encode()) :]
    for start in range(0, count, chunk):
        yield b"".join(rows[start : start + chunk].ravel().tolist())
    yield b"\n]"


def render_document(groups: Sequence[Group], count: int) -> str:
    """:func:`iter_document` as one string."""
    return b"".join(iter_document(groups, count)).decode()
