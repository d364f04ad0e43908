"""scoring.reader: the one reader of outside files (the web import and ``python -m scoring score``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import reader
from scoring.reader import MAX_DEPTH, ReadProblem

LIMIT = 1024 * 1024


def problem(call: Any, *args: Any) -> ReadProblem:
    with pytest.raises(ReadProblem) as caught:
        call(*args)
    return caught.value


def test_a_byte_order_mark_is_dropped() -> None:
    assert reader.read_json(b'\xef\xbb\xbf{"a": 1}', LIMIT) == {"a": 1}
    table = reader.read_csv("questionnaire,respect\r\nworth_it,2\r\n".encode("utf-8-sig"), LIMIT)
    assert (table.header, table.rows) == (["questionnaire", "respect"], [["worth_it", "2"]])


def test_more_than_the_limit_is_refused_unread() -> None:
    found = problem(reader.read_json, b"[" + b" " * 100 + b"]", 100)
    assert (found.kind, found.reason) == ("size", "larger than the limit of 0 KiB")
    assert problem(reader.read_json, b"1" * (3 * 1024 * 1024), 2 * 1024 * 1024).reason.endswith("2 MiB")
    assert reader.read_json(b"[" + b" " * 98 + b"]", 100) == []


def test_not_utf8() -> None:
    assert problem(reader.read_json, b'"caf\xe9"', LIMIT).kind == "encoding"


def test_not_json_names_the_line() -> None:
    found = problem(reader.read_json, b'[\n  {"a": 1},\n  {oops}\n]', LIMIT)
    assert (found.kind, found.line, str(found)) == ("syntax", 3, "line 3: not valid JSON")
    assert not found.more
    assert problem(reader.read_json, b'{"a": 1}\n{"a": 2}\n', LIMIT).more


@pytest.mark.parametrize("text", ["[" * 120_000, "{" + '"a":{' * 5_000, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)])
def test_json_nested_too_deeply_is_refused_before_parsing(text: str) -> None:
    found = problem(reader.read_json, text.encode(), LIMIT)
    assert (found.kind, found.reason) == ("depth", f"nested more than {MAX_DEPTH} levels deep")


def test_nesting_up_to_the_limit_is_read() -> None:
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert reader.read_json(deepest.encode(), LIMIT) == json.loads(deepest)


@pytest.mark.parametrize(
    "value",
    ["[" * 100, "]]]" * 50, '\\"[[[[' * 50, "\\\\" + "{" * 100, '"' + "[" * 100, "{[" * 100],
)
def test_brackets_inside_strings_do_not_count(value: str) -> None:
    document = {"a": value, "b": [value, {"c": value}], value: 1}
    assert reader.read_json(json.dumps(document).encode(), LIMIT) == document


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


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_numbers_json_has_not_are_refused(number: str) -> None:
    found = problem(reader.read_json, f'{{"id": {number}}}'.encode(), LIMIT)
    assert found.kind == "number"
    assert number.lstrip("-") in found.reason


def test_an_integer_too_long_for_python_is_not_valid_json() -> None:
    assert problem(reader.read_json, b"1" * 5000, LIMIT).kind == "syntax"


def test_json_lines_skip_blank_lines_and_name_the_line() -> None:
    values, lines = reader.read_json_lines(b'{"a": 1}\r\n\n  \n[2]\n', LIMIT)
    assert (values, lines) == ([{"a": 1}, [2]], [1, 4])
    found = problem(reader.read_json_lines, b'{"a": 1}\n\n{"a": NaN}\n', LIMIT)
    assert (found.kind, found.line) == ("number", 3)
    assert problem(reader.read_json_lines, b'{"a": 1}\n{"a": \n', LIMIT).line == 2


def test_csv_like_dict_reader() -> None:
    table = reader.read_csv(b'questionnaire,id\n\nworth_it,"a\nb"\nintimacy\n', LIMIT)
    assert table.header == ["questionnaire", "id"]
    assert table.rows == [["worth_it", "a\nb"], ["intimacy"]]
    assert table.lines == [4, 5]
    assert reader.read_csv(b"", LIMIT).header == []


def test_a_csv_cell_over_128_kib_names_the_line() -> None:
    found = problem(reader.read_csv, b"questionnaire,respect\nworth_it,2\nworth_it," + b"x" * 200_000 + b"\n", LIMIT)
    assert (found.kind, found.line) == ("csv", 3)
    assert "field larger than field limit" in found.reason


def test_line_breaks_are_made_newlines() -> None:
    table = reader.read_csv(b"questionnaire,respect\rworth_it,2\rworth_it,1\r", LIMIT)
    assert (table.rows, table.lines) == ([["worth_it", "2"], ["worth_it", "1"]], [2, 3])


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
