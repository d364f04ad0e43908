"""Scoring many responses at once, vectorised with NumPy, for the command line.

``python -m scoring score`` hands lists and CSVs of many responses to this
module. It gives exactly what :func:`scoring.engine.score_questionnaire` gives,
response by response (``tests/scoring/test_batch.py`` checks that on random
answers), and :mod:`scoring.cli` prints it byte for byte as the per-response
path would.

How it stays exact and fast:

* A questionnaire's answers become one matrix of small integer *codes*: 0 for
  "not answered", otherwise the option's position + 1.
* Counts, the verdict, the safety override, support signs and stages are
  NumPy operations on that matrix.
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

import csv
import io
import itertools
import json
import math
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

import numpy as np
import numpy.typing as npt

from questions.loader import Content
from questions.schema import Item, Questionnaire
from scoring.engine import enough_answered, item_points, score_questionnaire
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
        #: Per column: code of each byte that alone is a canonical CSV cell (e.g. b"3"), -1 for others.
        self.csv_byte_lut: tuple[npt.NDArray[np.int16], ...] = tuple(
            np.array([table.get(chr(b), _BAD) if b < 128 else _BAD for b in range(256)], dtype=np.int16)
            for table in self.csv_code_of
        )
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


def _distinct_rows(matrix: Codes, radix: int) -> tuple[IntArray, IntArray]:
    """(first row index of each distinct row, inverse) of a small-integer matrix."""
    n, m = matrix.shape
    if m == 0:
        return np.zeros(1 if n else 0, dtype=np.int64), np.zeros(n, dtype=np.int64)
    if m * math.log2(radix) < 62:
        key = np.zeros(n, dtype=np.int64)
        for t in range(m):
            key = key * radix + matrix[:, t]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(n).astype(np.int64)


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
    for k, scale in enumerate(plan.scales):
        columns = list(scale.measured)
        # The engine's points of every option of every item, computed once.
        points = [
            [0.0] + [item_points(questionnaire, plan.items[j], value) for value in plan.options[j]] for j in columns
        ]
        radix = max((len(plan.options[j]) for j in columns), default=1) + 1
        sub = codes[:, columns]
        first, inverse = _distinct_rows(sub, radix)
        pairs: dict[tuple[float | None, int], int] = {}
        key_of_pattern = np.zeros(len(first), dtype=np.int64)
        for p, row in enumerate(sub[first].tolist()):
            pair = _scale_from_points([points[t][c] for t, c in enumerate(row) if c], len(columns))
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
        support_flag = signs.sum(axis=1) >= support.min_signs
    else:
        support_flag = np.zeros(n, dtype=np.bool_)

    stages = np.zeros((n, len(questionnaire.stages)), dtype=np.bool_)
    for t, stage in enumerate(questionnaire.stages):
        needed = stage.min_matches or len(stage.conditions)
        matches = np.zeros(n, dtype=np.int64)
        for condition in stage.conditions:
            score = scale_score[:, plan.scale_index[condition.scale]]
            matches += ~np.isnan(score) & (np.nan_to_num(score, nan=math.inf) < condition.below)
        stages[:, t] = matches >= needed

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
    """The cells of some rows of a CSV read by the csv module, column by column."""

    def __init__(self, header: list[str], columns: Mapping[str, Sequence[str]], count: int) -> None:
        self.header = header
        self.count = count
        self._columns = columns

    @classmethod
    def read(cls, text: str) -> _CsvCells | None:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None) or []
        rows = [row for row in reader if row]  # csv.DictReader skips blank rows too
        if any(len(row) != len(header) for row in rows):
            return None
        columns = dict(zip(header, zip(*rows, strict=True), strict=True)) if rows else {}
        return cls(header, columns, len(rows))

    def select(self, positions: Sequence[int]) -> _CsvCells:
        if len(positions) == self.count:
            return self
        return _CsvCells(self.header, {k: _gather(v, positions) for k, v in self._columns.items()}, len(positions))

    def strings(self, name: str) -> Sequence[str]:
        return self._columns[name]

    def empty(self, name: str) -> bool:
        return not any(self._columns[name])

    def codes(self, plan: QuestionnairePlan, j: int, name: str) -> Codes | None:
        mapped = np.fromiter(
            map(plan.csv_code_of[j].get, self._columns[name], itertools.repeat(_BAD)), dtype=np.int16, count=self.count
        )
        return None if (mapped == _BAD).any() else mapped


class _CsvBytes:
    """The cells of some rows of a CSV without quotes, found with NumPy in its UTF-8 bytes.

    Only for text the csv module would split at every comma and line break: no
    quote, no lone carriage return, no blank line, every row as wide as the
    header. :meth:`read` returns None otherwise.
    """

    def __init__(
        self, header: list[str], body: bytes, data: npt.NDArray[np.uint8], starts: IntArray, lengths: IntArray
    ) -> None:
        self.header = header
        self.count = int(starts.shape[1])
        self._body = body
        self._data = data
        self._starts = starts
        self._lengths = lengths
        self._index = {name: c for c, name in enumerate(header)}

    @classmethod
    def read(cls, text: str) -> _CsvBytes | None:
        if '"' in text:
            return None
        if "\r" in text:
            if text.count("\r") != text.count("\r\n"):
                return None
            text = text.replace("\r\n", "\n")
        if not text.endswith("\n"):
            text += "\n"
        first = text.index("\n")
        header = text[:first].split(",")
        body = text[first + 1 :].encode("utf-8")
        if body.startswith(b"\n") or b"\n\n" in body:
            return None  # a blank row: the csv module skips it
        data = np.frombuffer(body, dtype=np.uint8)
        newline = data == ord("\n")
        ends = np.flatnonzero(newline | (data == ord(",")))
        width = len(header)
        if ends.size % width:
            return None
        ends = ends.reshape(-1, width)
        if not newline[ends[:, -1]].all() or newline[ends[:, :-1]].any():
            return None  # a row with more or fewer cells than the header
        starts = np.empty_like(ends)
        if ends.size:
            starts[0, 0] = 0
            starts[1:, 0] = ends[:-1, -1] + 1
            starts[:, 1:] = ends[:, :-1] + 1
        # Column by column (one row of these per column): what each column's reading touches is together.
        return cls(header, body, data, np.ascontiguousarray(starts.T), np.ascontiguousarray((ends - starts).T))

    def select(self, positions: Sequence[int]) -> _CsvBytes:
        if len(positions) == self.count:
            return self
        rows = np.asarray(positions, dtype=np.int64)
        return _CsvBytes(self.header, self._body, self._data, self._starts[:, rows], self._lengths[:, rows])

    def strings(self, name: str) -> Sequence[str]:
        c = self._index[name]
        starts, lengths = self._starts[c], self._lengths[c]
        # Every cell with the comma or line break after it, the latter made a
        # line break, decoded at once and split again.
        spans = lengths + 1
        offsets = np.cumsum(spans) - spans
        index = np.arange(int(spans.sum()), dtype=np.int64) + np.repeat(starts - offsets, spans)
        data = self._data[index]
        data[offsets + lengths] = ord("\n")
        return data.tobytes().decode("utf-8").split("\n")[:-1]

    def empty(self, name: str) -> bool:
        return not self._lengths[self._index[name]].any()

    def codes(self, plan: QuestionnairePlan, j: int, name: str) -> Codes | None:
        c = self._index[name]
        starts, lengths = self._starts[c], self._lengths[c]
        out = np.zeros(self.count, dtype=np.int16)
        one = lengths == 1
        out[one] = plan.csv_byte_lut[j][self._data[starts[one]]]
        longer = np.flatnonzero(lengths > 1)
        if len(longer):  # e.g. "10": rare, one by one
            table = plan.csv_code_of[j]
            for r, a, n in zip(longer.tolist(), starts[longer].tolist(), lengths[longer].tolist(), strict=True):
                out[r] = table.get(self._body[a : a + n].decode("utf-8"), _BAD)
        return None if (out[lengths > 0] <= UNANSWERED).any() else out


def parse_csv(text: str, content: Content) -> tuple[list[Group], int] | None:
    """A CSV of responses grouped and encoded, with the number of responses; or None.

    None whenever the per-response reader might see it differently: a missing
    ``questionnaire`` column, duplicate column names, a row with more or fewer
    cells than the header, a cell that is not written exactly as an option
    value (or as values joined by ``;`` for a multi-choice item), an answer in
    a column its row's questionnaire doesn't have.
    """
    table: _CsvBytes | _CsvCells | None = _CsvBytes.read(text) or _CsvCells.read(text)
    if table is None:
        return None
    header = table.header
    if "questionnaire" not in header or len(set(header)) != len(header):
        return None
    if not table.count:
        return [], 0
    qids = [cell.strip() for cell in table.strings("questionnaire")]
    by_questionnaire = _positions_by_key(qids)
    if not set(by_questionnaire) <= set(content.questionnaires):
        return None
    groups: list[Group] = []
    for qid, positions in by_questionnaire.items():
        plan = plan_for(content.questionnaire(qid))
        rows = table.select(positions)
        codes = np.zeros((len(positions), plan.width), dtype=np.int16)
        for name in header:
            if name in ("questionnaire", "id"):
                continue
            j = plan.column.get(name)
            if j is None:
                if not rows.empty(name):
                    return None  # an answer to a question this questionnaire doesn't have
                continue
            flags = (
                _csv_multi_codes(rows.strings(name), plan.allowed[j]) if plan.multi[j] else rows.codes(plan, j, name)
            )
            if flags is None:
                return None
            codes[:, j] = flags
        if "id" in header:
            ids: list[Any] = [cell or _NO_ID for cell in rows.strings("id")]
        else:
            ids = [_NO_ID] * len(positions)
        groups.append(Group(plan, np.asarray(positions, dtype=np.int64), codes, ids))
    return groups, table.count


def _gather(column: Sequence[Any], positions: Sequence[int]) -> Sequence[Any]:
    """column[p] for each p, in C."""
    if len(positions) == 1:
        return (column[positions[0]],)
    return operator.itemgetter(*positions)(column)  # type: ignore[no-any-return]


def _csv_multi_codes(cells: Sequence[str], allowed: frozenset[int]) -> Codes | None:
    seen: dict[str, int] = {"": 0}
    out = np.zeros(len(cells), dtype=np.int16)
    for r, cell in enumerate(cells):
        flag = seen.get(cell)
        if flag is None:
            parts = cell.split(";")
            if not all(part and part == part.strip() and part.isdigit() and str(int(part)) == part for part in parts):
                return None
            if not {int(part) for part in parts} <= allowed:
                return None
            flag = seen[cell] = 1
        out[r] = flag
    return out


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


def _lookup(table: Sequence[str], index: IntArray) -> list[str]:
    return np.asarray(table, dtype=object)[index].tolist() if len(index) else []  # type: ignore[no-any-return]


def _distinct(*columns: IntArray) -> tuple[IntArray, IntArray]:
    """(first index, inverse) of the distinct rows of some non-negative integer columns."""
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    for column in columns:
        column = column.astype(np.int64)
        key = key * (int(column.max()) + 1) + column
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def _scale_texts(scores: BatchScores, depth: int) -> list[list[str]]:
    """The ``"scales"`` list at ``depth``, as one column of texts per scale."""
    plan = scores.plan
    count = len(plan.scales)
    columns: list[list[str]] = []
    for k in range(count):
        head = "[\n" + INDENT * (depth + 1) if k == 0 else INDENT * (depth + 1)
        tail = ",\n" if k < count - 1 else "\n" + INDENT * depth + "]"
        frame = _scale_frame(plan, k, depth + 1)
        has = scores.has_importance[:, k]
        low = int(scores.importance[has, k].min()) if has.any() else 0
        imp_code = np.where(has, scores.importance[:, k] - low + 1, 0)
        first, inverse = _distinct(scores.scale_key[:, k], imp_code)
        table: list[str] = []
        for i in first.tolist():
            scale = scores.scale_score_of(i, k)
            values = {"score": scale.score, "answered": scale.answered, "importance": scale.importance}
            parts = [head]
            for piece, (name, _depth) in zip(frame.pieces, frame.slots, strict=False):
                parts += (piece, _scalar(values[name]))
            parts += (frame.pieces[-1], tail)
            table.append("".join(parts))
        columns.append(_lookup(table, inverse))
    return columns


def _field_texts(scores: BatchScores, name: str, depth: int) -> list[str]:
    """The text of one variable field of the result, for every response."""
    n = len(scores)
    if name == "answered":
        return list(map(int.__repr__, scores.answered.tolist()))
    if name in ("safety_concern", "support_flag"):
        flags = scores.safety_concern if name == "safety_concern" else scores.support_flag
        return _lookup(("false", "true"), flags.astype(np.int64))
    if name == "verdict":
        first, inverse = _distinct(scores.verdict_kind + 1, scores.yes, scores.no, scores.unsure)
        table = [_indented(_dumps(to_jsonable(scores.verdict_of(i))), depth) for i in first.tolist()]
        return _lookup(table, inverse)
    if name in ("support_signs", "stages"):
        mask = scores.signs if name == "support_signs" else scores.stages
        if mask.shape[1] == 0:
            return ["[]"] * n
        first, inverse = _distinct(*(mask[:, t] for t in range(mask.shape[1])))
        getter = scores.signs_of if name == "support_signs" else scores.stages_of
        table = [_indented(_dumps(to_jsonable(getter(i))), depth) for i in first.tolist()]
        return _lookup(table, inverse)
    raise AssertionError(f"unknown field {name}")


def _id_text(value: Any, depth: int) -> str:
    if type(value) is str:
        return encode_basestring(value)  # type: ignore[no-any-return]
    return _indented(_dumps(value), depth)


def _entries(scores: BatchScores, ids: Sequence[Any], depth: int) -> list[str]:
    """Each response's ``{"id"?, "questionnaire", "result"}`` entry, as it reads ``depth`` levels down."""
    n = len(scores)
    with_id = np.fromiter((value is not _NO_ID for value in ids), dtype=np.bool_, count=n)
    entries: list[str] = [""] * n
    for has_id in (False, True):
        chosen = np.flatnonzero(with_id == has_id)
        if not len(chosen):
            continue
        frame = _entry_frame(scores.plan, has_id, depth)
        part = scores if len(chosen) == n else _take(scores, chosen)
        columns: list[Any] = []
        for piece, (name, field_depth) in zip(frame.pieces, frame.slots, strict=False):
            columns.append(itertools.repeat(piece))
            if name == "id":
                columns.append([_id_text(ids[i], field_depth) for i in chosen.tolist()])
            elif name == "scales":
                columns.extend(_scale_texts(part, field_depth))
            else:
                columns.append(_field_texts(part, name, field_depth))
        columns.append(itertools.repeat(frame.pieces[-1]))
        texts = list(map("".join, zip(*columns, strict=False)))
        if len(chosen) == n:
            entries = texts
        else:
            for position, text in zip(chosen.tolist(), texts, strict=True):
                entries[position] = text
    return entries


def _take(scores: BatchScores, rows: IntArray) -> BatchScores:
    values = {f.name: getattr(scores, f.name) for f in fields(scores)}
    for name, value in values.items():
        if isinstance(value, np.ndarray):
            values[name] = value[rows]
    return BatchScores(**values)


def iter_document(groups: Sequence[Group], count: int, chunk: int = 2048) -> Iterator[bytes]:
    """The JSON list of ``count`` entries, in UTF-8 pieces, exactly as
    ``json.dump(results, indent=2, ensure_ascii=False)`` writes it."""
    return iter_rendered(groups, [score_codes(group.plan, group.codes) for group in groups], count, chunk)


def iter_rendered(
    groups: Sequence[Group], scores: Sequence[BatchScores], count: int, chunk: int = 2048
) -> Iterator[bytes]:
    """:func:`iter_document` for groups already scored (``scores[g]`` for ``groups[g]``)."""
    if count == 0:
        yield b"[]"
        return
    entries: list[str] = [""] * count
    for group, scored in zip(groups, scores, strict=True):
        texts = _entries(scored, group.ids, 1)
        if len(groups) == 1 and len(texts) == count:
            entries = texts  # one questionnaire: already in input order
        else:
            for position, text in zip(group.positions.tolist(), texts, strict=True):
                entries[position] = text
    separator = ",\n" + INDENT
    yield b"[\n" + INDENT.encode()
    for start in range(0, count, chunk):
        if start:
            yield separator.encode()
        yield separator.join(entries[start : start + chunk]).encode()
    yield b"\n]"


def render_document(groups: Sequence[Group], count: int) -> str:
    """:func:`iter_document` as one string."""
    return b"".join(iter_document(groups, count)).decode()
