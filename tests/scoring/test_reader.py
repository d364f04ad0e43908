"""scoring.reader: the one reader of outside files (the web import and ``python -m scoring score``)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import reader
from scoring.reader import MAX_DEPTH, ReadProblem

LIMIT = 1024 * 1024


def problem(call: Any, *args: Any, **kwargs: Any) -> ReadProblem:
    with pytest.raises(ReadProblem) as caught:
        result = call(*args, **kwargs)
        if isinstance(result, Iterator):
            list(result)  # a stream: read it all
    return caught.value


def text(data: bytes) -> io.TextIOWrapper:
    """Bytes as the command line reads a file: UTF-8 text (a byte order mark dropped, line breaks made \\n)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig")


def rows(data: bytes, limit: int = LIMIT) -> list[reader.Read]:
    return list(reader.read_csv(text(data), limit))


def values(data: bytes, limit: int = LIMIT, *, one: bool = False) -> tuple[bool, list[reader.Read]]:
    found = reader.JsonValues(text(data), limit, one=one)
    return found.array, list(found)


def test_a_byte_order_mark_is_dropped() -> None:
    assert reader.read_json(b'\xef\xbb\xbf{"a": 1}', LIMIT) == {"a": 1}
    assert [row for row, _, _ in rows("questionnaire,respect\r\nworth_it,2\r\n".encode("utf-8-sig"))] == [
        ["questionnaire", "respect"],
        ["worth_it", "2"],
    ]
    assert values('\ufeff[{"a": 1}]'.encode()) == (True, [({"a": 1}, 0, 8)])  # in a list: named by place


def test_more_than_the_limit_is_refused_unread() -> None:
    found = problem(reader.read_json, b"[" + b" " * 100 + b"]", 100)
    assert (found.kind, found.reason) == ("size", "larger than the limit of 0 KiB")
    assert problem(reader.read_json, b"1" * (3 * 1024 * 1024), 2 * 1024 * 1024).reason.endswith("2 MiB")
    assert reader.read_json(b"[" + b" " * 98 + b"]", 100) == []


def test_not_utf8() -> None:
    assert problem(reader.read_json, b'"caf\xe9"', LIMIT).kind == "encoding"
    assert problem(values, b'["caf\xe9"]').kind == "encoding"
    assert problem(rows, b"questionnaire\ncaf\xe9\n").kind == "encoding"


def test_not_json_names_the_line() -> None:
    found = problem(reader.read_json, b'[\n  {"a": 1},\n  {oops}\n]', LIMIT)
    assert (found.kind, found.line, str(found)) == ("syntax", 3, "line 3: not valid JSON")
    found = problem(values, b'[\n  {"a": 1},\n  {oops}\n]')
    assert (found.kind, found.line, str(found)) == ("syntax", 3, "line 3: not valid JSON")
    assert problem(values, b'{"a": 1}\n\n{"a": 2}\n', LIMIT, one=True).line == 3  # one value only


@pytest.mark.parametrize(
    ("data", "line"),
    [(b"[1, 2", 1), (b"[1,\n]", 2), (b'[\n"abc', 2), (b"[1 2]", 1), (b"[] 3", 1), (b"[{}\n\n{}]", 3), (b"[[1]", 1)],
)
def test_a_stream_of_json_that_stops_or_goes_wrong_names_the_line(data: bytes, line: int) -> None:
    assert (problem(values, data).kind, problem(values, data).line) == ("syntax", line)


def test_a_json_stream_is_read_a_value_at_a_time_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values (numbers too) cut at the end of the text at hand are read on, and named by their line."""
    monkeypatch.setattr(reader, "CHUNK", 3)
    document = [{"id": 'é\\"[', "n": 12345}, 67890, "x" * 10, [1.5e3, None]]
    found = values(json.dumps(document, indent=1, ensure_ascii=False).encode())
    assert found[0] and [value for value, _, _ in found[1]] == document
    lines = "\n".join(json.dumps(value, indent=1, ensure_ascii=False) for value in document)
    found = values(lines.encode())
    assert [(value, line) for value, line, _ in found[1]] == list(zip(document, [1, 5, 6, 7], strict=True))
    assert values(b'{"a": 1}\n {"b": 22}\n\n3') == (False, [({"a": 1}, 1, 8), ({"b": 22}, 2, 9), (3, 4, 1)])


@pytest.mark.parametrize("chunk", [7, reader.CHUNK])
def test_a_response_longer_than_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(reader, "CHUNK", chunk)
    assert values(b'["' + b"x" * 98 + b'"]', 100)[1][0][2] == 100
    found = problem(values, b'[1,\n"' + b"x" * 200 + b'"]', 100)
    assert (found.kind, found.line, found.reason) == ("size", 2, "a response longer than the limit of 0 KiB")
    assert problem(values, b"[1,\n" + b"[" * 200 + b"]" * 200 + b"]", 100).kind == "size"
    found = problem(rows, b"questionnaire\n" + b"1," * 100 + b"\n", 100)
    assert (found.kind, found.line, found.reason) == ("size", 2, "longer than the limit of 0 KiB")
    assert problem(reader.read_json_lines, text(b"{}\n" + b" " * 200 + b"{}\n"), 100).line == 2


@pytest.mark.parametrize("text", ["[" * 120_000, "{" + '"a":{' * 5_000, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)])
def test_json_nested_too_deeply_is_refused(text: str) -> None:
    for read in (reader.read_json, values):
        found = problem(read, text.encode(), LIMIT)
        assert (found.kind, found.reason) == ("depth", f"nested more than {MAX_DEPTH} levels deep")


def test_nesting_up_to_the_limit_is_read() -> None:
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert reader.read_json(deepest.encode(), LIMIT) == json.loads(deepest)
    assert values(deepest.encode())[1][0][0] == json.loads(deepest)[0]  # the list's one element


@pytest.mark.parametrize(
    "value",
    ["[" * 100, "]]]" * 50, '\\"[[[[' * 50, "\\\\" + "{" * 100, '"' + "[" * 100, "{[" * 100],
)
def test_brackets_inside_strings_do_not_count(value: str) -> None:
    document = {"a": value, "b": [value, {"c": value}], value: 1}
    assert reader.read_json(json.dumps(document).encode(), LIMIT) == document
    assert values(json.dumps([document]).encode())[1][0][0] == document


@settings(max_examples=200, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.integers() | st.text(alphabet='[]{}"\\ab\n', max_size=8),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text('[]{}"\\a', max_size=4), children),
        max_leaves=40,
    )
)
def test_the_depth_check_agrees_with_the_real_depth(value: Any) -> None:
    def depth(v: Any) -> int:
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else None
        return 0 if children is None else 1 + max(map(depth, children), default=0)

    text = json.dumps(value, ensure_ascii=False).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "MAX_DEPTH", 2)  # small, so both sides of it are drawn
        if depth(value) <= 2:
            assert reader.read_json(text, LIMIT) == value
        else:
            assert problem(reader.read_json, text, LIMIT).kind == "depth"
        listed = b"[" + text + b"]"  # a list of the value: one level deeper
        if depth(value) < 2:
            assert values(listed)[1][0][0] == value
        else:
            assert problem(values, listed).kind == "depth"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_numbers_json_has_not_are_refused(number: str) -> None:
    for read in (reader.read_json, values):
        found = problem(read, f'{{"id": {number}}}'.encode(), LIMIT)
        assert found.kind == "number"
        assert number.lstrip("-") in found.reason


def test_an_integer_too_long_for_python_is_not_valid_json() -> None:
    assert problem(reader.read_json, b"1" * 5000, LIMIT).kind == "syntax"
    assert problem(values, b"[" + b"1" * 5000 + b"]", LIMIT).kind == "syntax"


def test_json_lines_skip_blank_lines_and_name_the_line() -> None:
    found = list(reader.read_json_lines(text(b'{"a": 1}\r\n\n  \n[2]\n'), LIMIT))
    assert found == [({"a": 1}, 1, 9), ([2], 4, 4)]
    found_problem = problem(reader.read_json_lines, text(b'{"a": 1}\n\n{"a": NaN}\n'), LIMIT)
    assert (found_problem.kind, found_problem.line) == ("number", 3)
    assert problem(reader.read_json_lines, text(b'{"a": 1}\n{"a": \n'), LIMIT).line == 2
    assert problem(reader.read_json_lines, text(b'{"a": 1}\n' + b"[" * 40), LIMIT).line == 2


def test_csv_like_dict_reader() -> None:
    found = rows(b'questionnaire,id\n\nworth_it,"a\nb"\nintimacy\n')
    assert [row for row, _, _ in found] == [["questionnaire", "id"], ["worth_it", "a\nb"], ["intimacy"]]
    assert [line for _, line, _ in found] == [1, 4, 5]
    assert rows(b"") == [] and rows(b"\nquestionnaire\n")[0][0] == []


def test_a_csv_cell_over_128_kib_names_the_line() -> None:
    found = problem(rows, b"questionnaire,respect\nworth_it,2\nworth_it," + b"x" * 200_000 + b"\n")
    assert (found.kind, found.line) == ("csv", 3)
    assert "field larger than field limit" in found.reason


def test_a_csv_row_over_the_limit_is_refused_even_over_many_lines() -> None:
    row = b'questionnaire\n"' + b"x\n" * 100 + b'"\n'
    assert (problem(rows, row, 100).kind, problem(rows, row, 100).line) == ("size", 51)
    assert rows(row, 1000)[1][1:] == (102, 203)


def test_line_breaks_are_made_newlines() -> None:
    found = rows(b"questionnaire,respect\rworth_it,2\rworth_it,1\r")
    assert [(row, line) for row, line, _ in found[1:]] == [(["worth_it", "2"], 2), (["worth_it", "1"], 3)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("two\nlines\r\n\tand tabs", "two lines and tabs"),
        ("a\u2028b\x85c\x1cd", "a b c d"),
        ("bell\x07 and \u202eoverride", "bell\ufffd and \ufffdoverride"),
        ("x" * 300, "x" * 199 + "…"),
        ("x" * 200, "x" * 200),
    ],
)
def test_one_line(text: str, expected: str) -> None:
    assert reader.one_line(text) == expected


def test_one_line_of_a_huge_text_is_quick_and_short() -> None:
    assert len(reader.one_line("y" * 10_000_000)) == reader.MESSAGE_LIMIT
