"""Reading files that come from outside: one reader for the web import and ``python -m scoring``.

Pure Python (no Streamlit, no content). It turns bytes into data, or raises
:class:`ReadProblem` saying in a few words what is wrong:

* at most ``limit`` bytes (each caller has its own), checked before anything is decoded;
* UTF-8, with or without a byte order mark (Excel and Notepad write one);
  line breaks ``\\r\\n`` and ``\\r`` read as ``\\n``;
* JSON arrays and objects nested at most :data:`MAX_DEPTH` deep, checked before
  parsing (Python's parser would otherwise recurse until ``RecursionError``);
* no ``NaN``, ``Infinity`` or number too large for a float: JSON has none, and
  echoing one would make invalid JSON;
* CSV cells at most 128 KiB (the csv module's limit).

:func:`one_line` makes any message one short line of printable text.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "MAX_DEPTH",
    "MESSAGE_LIMIT",
    "ReadProblem",
    "Table",
    "decode",
    "one_line",
    "read_csv",
    "read_json",
    "read_json_lines",
]

#: How deep JSON arrays and objects may nest (a response list needs 4).
MAX_DEPTH = 32
#: The longest message :func:`one_line` gives, in characters.
MESSAGE_LIMIT = 200

Kind = Literal["size", "encoding", "syntax", "depth", "number", "csv"]


class ReadProblem(ValueError):
    """Input that can't be read: ``kind`` says what kind of problem, ``reason`` in a few words, ``line`` where."""

    def __init__(self, kind: Kind, reason: str, line: int | None = None, *, more: bool = False) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.kind: Kind = kind
        self.reason = reason
        self.line = line
        #: JSON text that holds one whole value and then more (JSON Lines, perhaps).
        self.more = more


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` as one line of printable characters, clipped to ``limit`` characters with "…"."""
    flat = " ".join(text[: limit * 4].split())
    printable = "".join(ch if ch.isprintable() else "\ufffd" for ch in flat[: limit + 1])
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def decode(data: bytes, limit: int) -> str:
    """UTF-8 text (a byte order mark dropped, line breaks made ``\\n``) of at most ``limit`` bytes."""
    if len(data) > limit:
        raise ReadProblem("size", f"larger than the limit of {_size(limit)}")
    try:
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError:
        raise ReadProblem("encoding", "not UTF-8 text") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_json(data: bytes, limit: int) -> Any:
    """One JSON value."""
    text = decode(data, limit)
    _check_depth(data)
    return _loads(text)


def read_json_lines(data: bytes, limit: int) -> tuple[list[Any], list[int]]:
    """JSON Lines: one JSON value per line (blank lines skipped), and the line of each."""
    text = decode(data, limit)
    _check_depth(data)
    values: list[Any] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                values.append(_loads(line))
            except ReadProblem as problem:
                raise ReadProblem(problem.kind, problem.reason, number) from None
            lines.append(number)
    return values, lines


@dataclass(frozen=True)
class Table:
    """A CSV as ``csv.DictReader`` sees it: the first row, then the rows that are not blank."""

    header: list[str]
    rows: list[list[str]]
    #: The line each row ends on.
    lines: list[int]


def read_csv(data: bytes, limit: int) -> Table:
    reader = csv.reader(io.StringIO(decode(data, limit)))
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = next(reader, [])
        for row in reader:
            if row:
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise ReadProblem("csv", f"not valid CSV: {exc}", reader.line_num) from None
    return Table(header, rows, lines)


# --------------------------------------------------------------------------- JSON


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
        raise ReadProblem("syntax", "not valid JSON", exc.lineno, more=exc.msg == "Extra data") from None
    except (ValueError, RecursionError):  # an integer of more than 4,300 digits; nesting (see _check_depth)
        raise ReadProblem("syntax", "not valid JSON") from None


#: Every byte but JSON's brackets and quote, to delete; and the steps the brackets take.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def _check_depth(data: bytes) -> None:
    """Refuse JSON whose arrays and objects nest more than MAX_DEPTH deep (brackets in strings don't count).

    Works on the bytes (UTF-8 never hides an ASCII byte in a longer
    character): escaped backslashes and quotes go, then everything but quotes
    and brackets; two quotes side by side are a string without brackets (or
    the end of one and the start of the next, with no bracket between them),
    so they go too. What is left between quotes is inside strings; the rest
    are the brackets, whose running sum is the depth.
    """
    structure = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    brackets = b"".join(structure.split(b'"')[0::2]).translate(_STEPS)
    deepest = max(itertools.accumulate(memoryview(brackets).cast("b")), default=0)
    if deepest > MAX_DEPTH:
        raise ReadProblem("depth", f"nested more than {MAX_DEPTH} levels deep")


def _size(limit: int) -> str:
    return f"{limit // 1024 // 1024} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
