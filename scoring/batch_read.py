"""Many responses read straight from their bytes with NumPy, for :mod:`scoring.batch`.

This module imports NumPy only (no content, no pydantic), so ``python -m
scoring score`` can read a big file in one thread while it loads the content
in another. :class:`CsvBytes` finds the cells of a plain CSV; the rest of this
docstring is about JSON.

``json.loads`` makes millions of small Python objects out of 100,000
responses, and walking them costs as much again. This reader finds every
string by its quotes and looks at the text *between* strings (a "gap": ``: 4,
``, ``: [1, 3], ``, ``}}, {``...) instead. A file has few distinct gaps; each
is read once by a small state machine that knows the one shape a response list
has::

    [ {"id": "...", "questionnaire": "...", "answers": {"ITEM": 4, "ITEM": [1, 3]}}, ... ]

(depth 1: the list; 2: a response; 3: its answers; 4: a multi-choice list).
Strings are told apart by fixed-width words of their bytes, looked up in a hash
table and compared word by word, so a string is found only if it is exactly
an id or item id.

It returns None for anything off that narrow road: a backslash anywhere, a
control character in a string, a key other than ``id``, ``questionnaire`` and
``answers``, a key twice, an ``id`` that is not a string, a number that is not
a plain whole number, an unknown item, a value that is not an option... The
caller then reads the file with ``json.loads`` as before, which gives the same
results or the same one-line error. ``tests/scoring/test_batch_read.py``
checks that both readers agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from questions.loader import Content
    from scoring.batch import Group, QuestionnairePlan

__all__ = ["UNANSWERED", "CsvBytes", "JsonLayout", "parse_json", "scan_json"]

Codes = npt.NDArray[np.int16]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]

#: The code of an unanswered item; an option's code is its position in the response set + 1.
UNANSWERED = 0
#: A value that is not one of the item's options (never stored in a code matrix).
_BAD = -1

# States of the machine: what may come next.
_KEY_OR_CLOSE, _KEY, _COLON, _VALUE, _AFTER, _ELEMENT_OR_CLOSE, _ELEMENT = range(7)
_OBJECT_DEPTHS = (2, 3)
_ARRAY_DEPTHS = (1, 4)
#: The role of a string: a key, or a value.
_ROLE_KEY, _ROLE_VALUE = 0, 1
_WHITESPACE = frozenset(b" \t\n\r")
_PUNCTUATION = frozenset(b"{}[],:")
_DIGITS = frozenset(b"0123456789")
_CONTROL_WHITESPACE = np.array([9, 10, 13], dtype=np.uint8)
#: MASKS[k]: the low k bytes of a little-endian word.
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
#: The longest gap read from its words (longer ones are sliced one by one).
_SHORT_GAP = 16
_HASH_BITS = 16

Token = str | int


def _tokens(gap: bytes) -> list[Token] | None:
    """The punctuation and plain whole numbers of a gap; None for anything else."""
    out: list[Token] = []
    i, n = 0, len(gap)
    while i < n:
        c = gap[i]
        if c in _WHITESPACE:
            i += 1
        elif c in _PUNCTUATION:
            out.append(chr(c))
            i += 1
        elif c in _DIGITS:
            j = i
            while j < n and gap[j] in _DIGITS:
                j += 1
            if j - i > 1 and c == ord("0"):
                return None  # a leading zero: not JSON
            out.append(int(gap[i:j]))
            i = j
        else:
            return None  # true, false, null, a sign, a fraction, anything else: off the road
    return out


def _run(tokens: Sequence[Token], depth: int, state: int) -> tuple[int, int, int] | None:
    """Run the machine over some tokens: (depth, state, responses opened) after them, or None."""
    opened = 0
    for token in tokens:
        if token == ":":
            if state != _COLON:
                return None
            state = _VALUE
        elif token == ",":
            if state != _AFTER:
                return None
            state = _KEY if depth in _OBJECT_DEPTHS else _ELEMENT
        elif token in ("{", "["):
            if state not in (_VALUE, _ELEMENT, _ELEMENT_OR_CLOSE):
                return None
            depth += 1
            if depth not in (_OBJECT_DEPTHS if token == "{" else _ARRAY_DEPTHS):
                return None
            opened += token == "{" and depth == 2
            state = _KEY_OR_CLOSE if token == "{" else _ELEMENT_OR_CLOSE
        elif token == "}":
            if state not in (_AFTER, _KEY_OR_CLOSE) or depth not in _OBJECT_DEPTHS:
                return None
            depth, state = depth - 1, _AFTER
        elif token == "]":
            if state not in (_AFTER, _ELEMENT_OR_CLOSE) or depth not in _ARRAY_DEPTHS:
                return None
            depth, state = depth - 1, _AFTER
        else:  # a number: an answer, or a choice in a multi-choice list
            if not ((state == _VALUE and depth == 3) or (state in (_ELEMENT, _ELEMENT_OR_CLOSE) and depth == 4)):
                return None
            state = _AFTER
    return depth, state, opened


def _next_role(depth: int, state: int) -> int | None:
    """The role of the string that follows a gap ending in this state; None if no string may follow."""
    if state in (_KEY, _KEY_OR_CLOSE) and depth in _OBJECT_DEPTHS:
        return _ROLE_KEY
    if state == _VALUE and depth == 2:
        return _ROLE_VALUE  # the value of "id" or "questionnaire"
    return None


def _value(tokens: Sequence[Token]) -> Any:
    """What a gap after a key holds: "string" (the next string), "object", a number, or a tuple of numbers."""
    if len(tokens) == 1:
        return "string"
    first = tokens[1]
    if first == "{":
        return "object"
    if first == "[":
        return tuple(t for t in tokens[2 : tokens.index("]")] if isinstance(t, int))
    return first


class _Strings:
    """Exact lookup of strings in the file among some known byte strings.

    A string of length ``n`` is read as ``words`` 8-byte windows, the ``k``-th
    at offset ``min(8k, n - 8)``: all inside the string, together covering it.
    (A string shorter than 8 bytes is one window with the bytes past its end
    cleared.) Windows and length pick a candidate name through a hash table;
    the string is that name only if every window and the length are equal.
    """

    def __init__(self, names: Sequence[bytes]) -> None:
        longest = max((len(name) for name in names), default=1)
        self.words = max(1, -(-longest // 8))
        self.lengths = np.array([len(name) for name in names] + [-1], dtype=np.int64)  # the last: no name
        table = np.zeros((len(names) + 1, self.words), dtype=np.uint64)
        for i, name in enumerate(names):
            for k in range(self.words):
                at = min(8 * k, max(len(name) - 8, 0))
                table[i, k] = int.from_bytes(name[at : at + 8].ljust(8, b"\0"), "little")
        self.table = [np.ascontiguousarray(column) for column in table.T]
        for seed in range(1, 64):
            self.multipliers = np.array(
                [(0x9E3779B97F4A7C15 * (seed + 2 * k + 1)) & (2**64 - 1) | 1 for k in range(self.words + 1)],
                dtype=np.uint64,
            )
            buckets = self._bucket([column[:-1] for column in self.table], self.lengths[:-1])
            if len(set(buckets.tolist())) == len(names):
                break
        else:  # pragma: no cover - 63 seeds without a perfect hash of a few dozen names
            raise AssertionError("no hash for these names")
        self.slot = np.full(1 << _HASH_BITS, len(names), dtype=np.int64)
        self.slot[buckets] = np.arange(len(names))
        self.index = {name: i for i, name in enumerate(names)}

    def _bucket(self, words: Sequence[U64], lengths: IntArray) -> IntArray:
        h = lengths.astype(np.uint64)
        h *= self.multipliers[-1]
        for k, word in enumerate(words):
            h += word * self.multipliers[k]
        h >>= np.uint64(64 - _HASH_BITS)
        return h.astype(np.int64)

    def find(self, raw: bytes, view: U64, starts: IntArray, lengths: IntArray) -> IntArray:
        """The index of each string (``raw[start:start + length]``) among the names, -1 for none."""
        found = np.full(len(starts), -1, dtype=np.int64)
        near_end = np.flatnonzero(starts + 8 * self.words > len(view))
        if len(near_end):  # a few strings at the very end, one by one
            for i in near_end.tolist():
                found[i] = self.index.get(raw[starts[i] : starts[i] + lengths[i]], -1)
            rest = np.flatnonzero(starts + 8 * self.words <= len(view))
            found[rest] = self.find(raw, view, starts[rest], lengths[rest])
            return found
        last = np.maximum(lengths - 8, 0)
        words = [view[starts]]
        for k in range(1, self.words):
            words.append(view[starts + np.minimum(8 * k, last)])
        short = np.flatnonzero(lengths < 8)
        if len(short):
            cleared = words[0][short] & _MASKS[lengths[short]]
            for word in words:
                word[short] = cleared
        candidate = self.slot[self._bucket(words, lengths)]
        same = self.lengths[candidate] == lengths
        for k, word in enumerate(words):
            same &= self.table[k][candidate] == word
        np.copyto(found, candidate, where=same)
        return found


def _texts(data: npt.NDArray[np.uint8], starts: IntArray, lengths: IntArray) -> list[str]:
    """The UTF-8 text of some byte ranges (none holding a line break), decoded at once."""
    if not len(starts):
        return []
    spans = lengths + 1
    offsets = np.cumsum(spans) - spans
    index = np.arange(int(spans.sum()), dtype=np.int64) + np.repeat(starts - offsets, spans)
    picked = data[index]
    picked[offsets + lengths] = ord("\n")
    return picked.tobytes().decode("utf-8").split("\n")[:-1]


@dataclass(frozen=True)
class JsonLayout:
    """Where every string of a JSON response list is, and its place: what :func:`scan_json` finds."""

    raw: bytes
    data: npt.NDArray[np.uint8]
    view: U64
    starts: IntArray
    lengths: IntArray
    #: Per string: the depth it sits at (2: a response, 3: its answers), and whether it is a key or a value.
    depth: IntArray
    role: IntArray
    #: Per string: the response it is in.
    response: IntArray
    #: Per key: what follows it (an index into ``values``).
    value: IntArray
    values: dict[Any, int]
    total: int


def parse_json(raw: bytes, content: Content) -> tuple[list[Group], int] | None:
    """The responses of a JSON list (UTF-8, no byte order mark) grouped and encoded, with their number; or None."""
    layout = scan_json(raw)
    return None if layout is None else responses(layout, content)


def scan_json(raw: bytes) -> JsonLayout | None:
    """The shape of a JSON response list, checked and laid out (no content needed); or None."""
    if b"\\" in raw or len(raw) < 16:
        return None
    data = np.frombuffer(raw, dtype=np.uint8)
    quotes = np.flatnonzero(data == ord('"'))
    if len(quotes) < 2 or len(quotes) % 2:
        return None
    opens, closes = quotes[0::2], quotes[1::2]
    # Control characters: only whitespace, and only between strings.
    control = np.flatnonzero(data < 0x20)
    if len(control) and (
        not np.isin(data[control], _CONTROL_WHITESPACE).all() or (np.searchsorted(quotes, control) % 2).any()
    ):
        return None

    # ---- the gaps between strings, each read once per distinct text
    starts = closes[:-1] + 1
    lengths = opens[1:] - starts
    view = np.ndarray(shape=(len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
    short = np.flatnonzero((lengths <= _SHORT_GAP) & (starts + _SHORT_GAP <= len(view)))
    s, n = (starts, lengths) if len(short) == len(starts) else (starts[short], lengths[short])
    w0 = view[s] & _MASKS[np.minimum(n, 8)]
    w1 = view[s + 8] & _MASKS[np.clip(n - 8, 0, 8)]
    h = w0 * np.uint64(0x9E3779B97F4A7C15) + w1 * np.uint64(0xC2B2AE3D27D4EB4F) + n.astype(np.uint64)
    bucket = (h >> np.uint64(64 - _HASH_BITS)).astype(np.int64)
    representative = np.zeros(1 << _HASH_BITS, dtype=np.int64)
    representative[bucket] = np.arange(len(short))
    r = representative[bucket]
    if not ((n[r] == n) & (w0[r] == w0) & (w1[r] == w1)).all():
        return None  # two different gaps in one bucket: a file too varied for this road
    kinds: dict[bytes, int] = {}
    kind_of_bucket = np.full(1 << _HASH_BITS, -1, dtype=np.int64)
    for b in np.flatnonzero(np.bincount(bucket, minlength=1 << _HASH_BITS)).tolist():
        i = int(short[representative[b]])
        gap = raw[starts[i] : starts[i] + lengths[i]]
        kind_of_bucket[b] = kinds.setdefault(gap, len(kinds))
    kind = np.empty(len(starts), dtype=np.int64)
    kind[short] = kind_of_bucket[bucket]
    long_gaps = np.ones(len(starts), dtype=np.bool_)
    long_gaps[short] = False
    for i in np.flatnonzero(long_gaps).tolist():
        kind[i] = kinds.setdefault(raw[starts[i] : starts[i] + lengths[i]], len(kinds))
    tokens: list[list[Token]] = []
    for gap in kinds:
        found = _tokens(gap)
        if not found:
            return None  # not JSON punctuation and plain numbers, or two strings side by side
        tokens.append(found)

    # ---- the machine, once per distinct (gap, depth and role at its start)
    lead, tail = _tokens(raw[: opens[0]]), _tokens(raw[closes[-1] + 1 :])
    if lead is None or tail is None:
        return None
    after_lead = _run(lead, 0, _VALUE)
    if after_lead is None or _next_role(after_lead[0], after_lead[1]) is None:
        return None
    delta = np.array([t.count("{") + t.count("[") - t.count("}") - t.count("]") for t in tokens], dtype=np.int64)
    ends_role = np.array(
        [_ROLE_VALUE if t[-1] == ":" else _ROLE_KEY if t[-1] in ("{", ",") else -1 for t in tokens], dtype=np.int64
    )
    count = len(opens)
    depth = np.empty(count, dtype=np.int64)  # the depth each string sits at
    depth[0] = after_lead[0]
    np.cumsum(delta[kind], out=depth[1:])
    depth[1:] += after_lead[0]
    role = np.empty(count, dtype=np.int64)
    role[0] = _next_role(after_lead[0], after_lead[1])
    role[1:] = ends_role[kind]
    if depth.min() < 2 or depth.max() > 3 or role.min() < 0:
        return None
    situation = (kind * 4 + depth[:-1]) * 2 + role[:-1]
    present = np.flatnonzero(np.bincount(situation))
    size = int(present[-1]) + 1
    opened_by = np.zeros(size, dtype=np.int64)
    value_of = np.full(size, -1, dtype=np.int64)
    values: dict[Any, int] = {}
    for code in present.tolist():
        k, rest = divmod(code, 8)
        d, string_role = divmod(rest, 2)
        ran = _run(tokens[k], d, _COLON if string_role == _ROLE_KEY else _AFTER)
        if ran is None or _next_role(ran[0], ran[1]) is None:
            return None
        opened_by[code] = ran[2]
        if string_role == _ROLE_KEY:
            value_of[code] = values.setdefault(_value(tokens[k]), len(values))
    ran = _run(tail, int(depth[-1]), _COLON if role[-1] == _ROLE_KEY else _AFTER)
    if ran is None or ran[:2] != (0, _AFTER) or ran[2]:
        return None  # the list must close after the last response
    opened = opened_by[situation]
    # The response each string belongs to (the lead opens the first).
    response = np.empty(count, dtype=np.int64)
    response[0] = 0
    np.cumsum(opened, out=response[1:])
    total = int(response[-1]) + 1
    if after_lead[2] != 1:
        return None
    value = np.full(count, -1, dtype=np.int64)
    value[:-1] = value_of[situation]
    if role[-1] == _ROLE_KEY:
        value[-1] = values.setdefault(_value(tail), len(values))
    return JsonLayout(raw, data, view, opens + 1, closes - opens - 1, depth, role, response, value, values, total)


def responses(layout: JsonLayout, content: Content) -> tuple[list[Group], int] | None:
    """The groups, from every string's place: its depth, role, response and (for a key) the value after it."""
    from scoring.batch import _NO_ID, Group, plan_for

    raw, data, view, starts, lengths = layout.raw, layout.data, layout.view, layout.starts, layout.lengths
    depth, role, response, value, values, total = (
        layout.depth,
        layout.role,
        layout.response,
        layout.value,
        layout.values,
        layout.total,
    )
    keys = np.flatnonzero((role == _ROLE_KEY) & (depth == 2))
    which_key = _Strings([b"id", b"questionnaire", b"answers"]).find(raw, view, starts[keys], lengths[keys])
    if (which_key < 0).any():
        return None  # a key other than id, questionnaire and answers
    kinds_of_value = {v: k for k, v in values.items()}
    string_value, object_value = values.get("string", -2), values.get("object", -2)
    at = {name: keys[which_key == k] for k, name in enumerate(("id", "questionnaire", "answers"))}
    for name, allowed in (("id", (0, 1)), ("questionnaire", (1,)), ("answers", (1,))):
        times = np.bincount(response[at[name]], minlength=total)
        if not np.isin(times, allowed).all():
            return None  # a key missing or given twice
    if (value[at["questionnaire"]] != string_value).any() or (value[at["id"]] != string_value).any():
        return None  # a questionnaire or id that is not a string
    if (value[at["answers"]] != object_value).any():
        return None
    known = list(content.questionnaires)
    q_strings = at["questionnaire"] + 1
    questionnaire = np.empty(total, dtype=np.int64)
    questionnaire[response[q_strings]] = _Strings([q.encode() for q in known]).find(
        raw, view, starts[q_strings], lengths[q_strings]
    )
    if (questionnaire < 0).any():
        return None

    answers = np.flatnonzero((role == _ROLE_KEY) & (depth == 3))
    plans = [plan_for(content.questionnaire(qid)) for qid in known]
    names = sorted({item.id for plan in plans for item in plan.items})
    item = _Strings([name.encode() for name in names]).find(raw, view, starts[answers], lengths[answers])
    if (item < 0).any():
        return None  # an item no questionnaire has
    answer_response = response[answers]
    answer_value = value[answers]
    id_strings = at["id"] + 1
    id_texts = _texts(data, starts[id_strings], lengths[id_strings])
    ids_in_order: list[Any] = [_NO_ID] * total
    for r, text in zip(response[id_strings].tolist(), id_texts, strict=True):
        ids_in_order[r] = text
    groups: list[Group] = []
    first_of = {int(g): int(np.argmax(questionnaire == g)) for g in np.unique(questionnaire).tolist()}
    for g in sorted(first_of, key=first_of.__getitem__):
        plan = plans[g]
        positions = np.flatnonzero(questionnaire == g)
        row_of = np.zeros(total, dtype=np.int64)
        row_of[positions] = np.arange(len(positions))
        mine = np.flatnonzero(questionnaire[answer_response] == g)
        column_of = np.array([plan.column.get(name, -1) for name in names], dtype=np.int64)
        columns = column_of[item[mine]]
        if (columns < 0).any():
            return None  # an item this questionnaire doesn't have
        codes_of = _code_table(plan, kinds_of_value, len(values))
        found = codes_of[columns, answer_value[mine]]
        if (found == _BAD).any():
            return None  # a value that is not an option
        rows = row_of[answer_response[mine]]
        codes = np.zeros((len(positions), plan.width), dtype=np.int16)
        codes[rows, columns] = found
        if (codes != UNANSWERED).sum() != len(mine):
            return None  # an item answered twice
        groups.append(Group(plan, positions, codes, [ids_in_order[p] for p in positions.tolist()]))
    return groups, total


def _code_table(plan: QuestionnairePlan, values: dict[int, Any], count: int) -> Codes:
    """[column, value]: the code of each value seen after an answer key, ``_BAD`` where it is not an option."""
    table = np.full((plan.width, max(count, 1)), _BAD, dtype=np.int16)
    for k, value in values.items():
        for j, options in enumerate(plan.options):
            if plan.multi[j]:
                if isinstance(value, tuple) and set(value) <= plan.allowed[j]:
                    table[j, k] = 1
            elif isinstance(value, int) and value in plan.allowed[j]:
                table[j, k] = options.index(value) + 1
    return table


class CsvBytes:
    """The cells of some rows of a CSV without quotes, found with NumPy in its UTF-8 bytes.

    Only for text the csv module would split at every comma and line break: no
    quote, no lone carriage return, no blank line, every row as wide as the
    header. :meth:`read` returns None otherwise.
    """

    def __init__(
        self,
        header: list[str],
        body: bytes,
        data: npt.NDArray[np.uint8],
        starts: IntArray,
        lengths: npt.NDArray[np.int32],
        first: npt.NDArray[np.uint8],
    ) -> None:
        self.header = header
        self.count = int(starts.shape[0])
        self._body = body
        self._data = data
        #: (rows, columns): where each cell starts in the body, its length in bytes, and its first
        #: byte (the comma or line break after it for an empty cell).
        self._starts = starts
        self._lengths = lengths
        self._first = first
        self._index = {name: c for c, name in enumerate(header)}

    @classmethod
    def read(cls, text: str) -> CsvBytes | None:
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
        width = len(header)
        data = np.frombuffer(body, dtype=np.uint8)
        newline = data == ord("\n")
        ends = np.flatnonzero(newline | (data == ord(",")))
        if ends.size % width:
            return None
        ends = ends.reshape(-1, width)
        # As many line breaks as rows, each row's last cell ending at one: no row is wider or narrower.
        if body.count(b"\n") != ends.shape[0] or not newline[ends[:, -1]].all():
            return None
        starts = np.empty_like(ends)
        if ends.size:
            starts[0, 0] = 0
            starts[1:, 0] = ends[:-1, -1] + 1
            starts[:, 1:] = ends[:, :-1] + 1
        return cls(header, body, data, starts, (ends - starts).astype(np.int32), data[starts])

    def select(self, positions: IntArray) -> CsvBytes:
        if len(positions) == self.count:
            return self
        return CsvBytes(
            self.header,
            self._body,
            self._data,
            self._starts[positions],
            self._lengths[positions],
            self._first[positions],
        )

    def strings(self, name: str) -> Sequence[str]:
        c = self._index[name]
        starts, lengths = self._starts[:, c], self._lengths[:, c].astype(np.int64)
        # Every cell with the comma or line break after it, the latter made a
        # line break, decoded at once and split again.
        spans = lengths + 1
        offsets = np.cumsum(spans) - spans
        index = np.arange(int(spans.sum()), dtype=np.int64) + np.repeat(starts - offsets, spans)
        data = self._data[index]
        data[offsets + lengths] = ord("\n")
        return data.tobytes().decode("utf-8").split("\n")[:-1]

    def empty(self, names: Sequence[str]) -> bool:
        if not names:
            return True
        filled = self._lengths.any(axis=0)
        return not any(filled[self._index[name]] for name in names)

    def answered(self, name: str) -> Codes:
        return (self._lengths[:, self._index[name]] > 0).astype(np.int16)

    def codes(self, plan: QuestionnairePlan, columns: Sequence[tuple[int, str]]) -> Codes | None:
        """The codes of some one-choice items (plan column, CSV column name), all at once."""
        js = np.array([j for j, _ in columns], dtype=np.int64)
        cs = [self._index[name] for _, name in columns]
        # A one-byte cell's code is its byte's in the item's table, where an
        # empty cell's first byte (a comma or line break) is "not answered".
        codes = plan.csv_byte_table[js[None, :], self._first[:, cs]]
        lengths = self._lengths[:, cs]
        longer = np.argwhere(lengths > 1) if lengths.max(initial=0) > 1 else ()
        for r, t in longer:  # e.g. "10": rare, one by one
            a, n = int(self._starts[r, cs[t]]), int(lengths[r, t])
            codes[r, t] = plan.csv_code_of[int(js[t])].get(self._body[a : a + n].decode("utf-8"), _BAD)
        return None if (codes == _BAD).any() else codes
