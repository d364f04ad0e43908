"""Reading files that come from outside: one reader for the web import and ``python -m scoring``.

Pure Python (no Streamlit, no content). It turns bytes into data, or raises
:class:`ReadProblem` saying in a few words what is wrong:

* a result file (:func:`read_json`) at most ``limit`` bytes, checked before anything is decoded;
  the command line's files are read as a stream (:class:`JsonValues`, :func:`read_json_lines`,
  :func:`read_csv`), one response at a time, each at most ``limit`` characters, so memory stays
  bounded however large the file;
* UTF-8, with or without a byte order mark (Excel and Notepad write one);
  line breaks ``\\r\\n`` and ``\\r`` read as ``\\n``;
* JSON arrays and objects nested at most :data:`MAX_DEPTH` deep (deeper than Python's
  recursion limit, its parser stops);
* no ``NaN``, ``Infinity`` or number too large for a float: JSON has none, and
  echoing one would make invalid JSON;
* CSV cells at most 128 KiB (the csv module's limit).

:func:`one_line` makes any message one short line of printable text.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any, Literal, TextIO

#: How deep JSON arrays and objects may nest (a response list needs 4).
MAX_DEPTH = 32
#: The longest message :func:`one_line` gives, in characters.
MESSAGE_LIMIT = 200
#: How much text a stream is read at a time, in characters.
CHUNK = 1024 * 1024

Kind = Literal["size", "encoding", "syntax", "depth", "number", "csv"]
#: One thing read from a stream: a value (or a CSV row), the line it starts (a CSV row: ends) on, its length.
Read = tuple[Any, int, int]


class ReadProblem(ValueError):
    """Input that can't be read: ``kind`` says what kind of problem, ``reason`` in a few words, ``line`` where."""

    def __init__(self, kind: Kind, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.kind: Kind = kind
        self.reason = reason
        self.line = line


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` as one line of printable characters, clipped to ``limit`` characters with "…"."""
    flat = " ".join(text[: limit * 4].split())
    printable = "".join(ch if ch.isprintable() else "\ufffd" for ch in flat[: limit + 1])
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def read_json(data: bytes, limit: int) -> Any:
    """One JSON value of at most ``limit`` bytes of UTF-8 (a byte order mark dropped)."""
    if len(data) > limit:
        raise ReadProblem("size", f"larger than the limit of {_size(limit)}")
    try:
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError:
        raise ReadProblem("encoding", "not UTF-8 text") from None
    return _check_depth(_loads(text))


def _read(read: Callable[[int], str], size: int) -> str:
    try:
        return read(size)
    except UnicodeDecodeError:
        raise ReadProblem("encoding", "not UTF-8 text") from None


def _lines(text: TextIO, limit: int) -> Iterator[tuple[int, str]]:
    """Each line of a text stream and its number; a line longer than ``limit`` raises ReadProblem."""
    number, rest = 0, ""
    while chunk := _read(text.read, CHUNK):
        *lines, rest = (rest + chunk).split("\n")
        for line in lines:
            number += 1
            if len(line) >= limit:
                raise ReadProblem("size", f"longer than the limit of {_size(limit)}", number)
            yield number, line + "\n"
        if len(rest) >= limit:
            raise ReadProblem("size", f"longer than the limit of {_size(limit)}", number + 1)
    if rest:
        yield number + 1, rest


def read_json_lines(text: TextIO, limit: int) -> Iterator[Read]:
    """JSON Lines: one JSON value per line (blank lines skipped)."""
    for number, line in _lines(text, limit):
        if line.strip():
            try:
                value = _loads(line)
            except ReadProblem as problem:
                raise ReadProblem(problem.kind, problem.reason, number) from None
            if line.count("[") + line.count("{") > MAX_DEPTH:
                _check_depth(value, number)
            yield value, number, len(line)


def read_csv(text: TextIO, limit: int) -> Iterator[Read]:
    """A CSV as ``csv.DictReader`` reads it: the first row (the header), then each row that is not
    blank; a row longer than ``limit`` characters raises ReadProblem."""
    taken = 0

    def lines() -> Iterator[str]:
        nonlocal taken
        for number, line in _lines(text, limit):
            taken += len(line)
            if taken > limit:
                raise ReadProblem("size", f"a row longer than the limit of {_size(limit)}", number)
            yield line

    rows = csv.reader(lines())
    try:
        for row in rows:
            if row or rows.line_num == 1:
                yield row, rows.line_num, taken
            taken = 0
    except csv.Error as exc:
        raise ReadProblem("csv", f"not valid CSV: {exc}", rows.line_num) from None


_SPACE = re.compile(r"[ \t\n\r]*")


class JsonValues:
    """The JSON values of a text stream, one at a time (each at most ``limit`` characters; what
    was read is let go): the elements of a top-level array (``array``), or else the values one
    after another (``one``: only one)."""

    def __init__(self, text: TextIO, limit: int, *, one: bool) -> None:
        self.text, self.limit, self.one = text, limit, one
        #: The text at hand, where the next value starts in it, and the line at ``counted``.
        self.data, self.at, self.line, self.counted = "", 0, 1, 0
        self.array = self._next() == "["
        self.at += self.array

    def __iter__(self) -> Iterator[Read]:
        more = self._next() != "]" if self.array else bool(self._next())
        if not (more or self.array or not self.one):
            raise self._problem("syntax", "not valid JSON")  # nothing
        self.at += not more  # an empty array's "]"
        while more:
            yield self._value()
            after = self._next()
            if self.array and after not in (",", "]"):
                raise self._problem("syntax", "not valid JSON")
            self.at += self.array
            more = after == "," if self.array else bool(after) and not self.one
        if self._next():
            raise self._problem("syntax", "not valid JSON")

    def _next(self) -> str:
        """The next character that is not white space ("" at the end)."""
        self.at = _SPACE.match(self.data, self.at).end()  # type: ignore[union-attr]  # it matches ""
        while self.at == len(self.data) and self._more():
            self.at = _SPACE.match(self.data).end()  # type: ignore[union-attr]
        return self.data[self.at : self.at + 1]

    def _more(self) -> bool:
        """Let go of what was read and read on; False at the end."""
        chunk = _read(self.text.read, CHUNK)
        self._line(self.at)
        self.data, self.at, self.counted = self.data[self.at :] + chunk, 0, 0
        return bool(chunk)

    def _line(self, position: int) -> int:
        self.line += self.data.count("\n", self.counted, position)
        self.counted = position
        return self.line

    def _problem(self, kind: Kind, reason: str, position: int | None = None) -> ReadProblem:
        """A problem at ``position``, else with the value that starts here."""
        return ReadProblem(kind, reason, self._line(self.at if position is None else position))

    def _value(self) -> Read:
        """The value that starts here (read on while it may go on past the text at hand), the line
        it starts on (0 in an array, where values are named by their place) and its length."""
        self._next()
        line, ended = 0 if self.array else self._line(self.at), False
        while True:
            try:
                value, end = _DECODE(self.data, self.at)
                cut = end == len(self.data)  # a number may go on
            except json.JSONDecodeError as exc:
                # A value cut short fails at the end of the text, or in a string that goes on.
                cut = exc.pos >= len(self.data) - 12 or exc.msg.startswith("Unterminated")
                if ended or not cut:
                    raise self._problem("syntax", "not valid JSON", exc.pos) from None
            except RecursionError:
                raise self._problem("depth", f"nested more than {MAX_DEPTH} levels deep") from None
            except ReadProblem as problem:
                raise self._problem(problem.kind, problem.reason) from None
            except ValueError:  # an integer of more than 4,300 digits
                raise self._problem("syntax", "not valid JSON") from None
            if (ended or not cut) and end - self.at <= self.limit:
                break
            if len(self.data) - self.at > self.limit:
                raise self._problem("size", f"a response longer than the limit of {_size(self.limit)}")
            ended = not self._more()
        start, self.at = self.at, end
        if self.data.count("[", start, end) + self.data.count("{", start, end) > MAX_DEPTH - self.array:
            _check_depth(value, self._line(start), self.array)
        return value, line, end - start


def _refuse_constant(name: str) -> Any:
    raise ReadProblem("number", f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ReadProblem("number", f"the number {text[:20]} is too large")
    return number


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except ReadProblem:
        raise
    except json.JSONDecodeError as exc:
        raise ReadProblem("syntax", "not valid JSON", exc.lineno) from None
    except RecursionError:  # Python's parser stops at its recursion limit
        raise ReadProblem("depth", f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ReadProblem("syntax", "not valid JSON") from None


_DECODE = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite).raw_decode


def _check_depth(value: Any, line: int | None = None, outer: int = 0) -> Any:
    """The value, unless its arrays and objects (``outer`` of them around it) nest more than MAX_DEPTH deep."""
    level, depth = [value], outer
    while containers := [v for v in level if isinstance(v, dict | list)]:
        if (depth := depth + 1) > MAX_DEPTH:
            raise ReadProblem("depth", f"nested more than {MAX_DEPTH} levels deep", line)
        level = [child for v in containers for child in (v.values() if isinstance(v, dict) else v)]
    return value


def _size(limit: int) -> str:
    return f"{limit // 1024 // 1024} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
