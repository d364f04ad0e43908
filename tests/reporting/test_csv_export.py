"""The counselor's CSV (reporting/csv_export.py): formula cells neutralised, nothing else changed."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.csv_export import to_csv
from scoring.records import FORMULA_STARTS, safe_cell

PROPERTY = settings(max_examples=300, deadline=None)
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["Couple", "Assessment date", "Partner", "Topic", "Score (0-100)"]


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def expected_cell(value: object) -> str:
    """What a spreadsheet should read back: the escaped text, or the number as written."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value[:1] in DANGEROUS else value
    return str(value)


def test_the_formula_starts_are_the_owasp_set() -> None:
    assert set(FORMULA_STARTS) == set(DANGEROUS)


@pytest.mark.parametrize("start", DANGEROUS)
def test_every_dangerous_first_character_gets_an_apostrophe(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell(start) == "'" + start


@pytest.mark.parametrize(
    "value",
    ["", "Rivers", " =1+1", "a=b", "1-2", "'already quoted", "x@y", "\n=1", "Ünïcödé ☺", "(=)"],
)
def test_other_text_is_unchanged(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [0, 42, -5, 3.5, -12.5, 1e-9, True, None])
def test_numbers_and_non_text_are_untouched(value: object) -> None:
    assert safe_cell(value) is value


def test_negative_numbers_are_written_as_numbers() -> None:
    rows = parse(to_csv(HEADER, [["Rivers", "2025-01-06", "Partner 1", "Talking", -5], ["R", "d", "p", "t", 72.5]]))
    assert rows[1][-1] == "-5"
    assert rows[2][-1] == "72.5"


def test_a_hyperlink_formula_label_comes_out_neutralised() -> None:
    label = '=HYPERLINK("http://x")'
    text = to_csv(HEADER, [[label, "2025-01-06", "Partner 1", "Talking and feeling heard", 62.5]])
    header, row = parse(text)
    assert header == HEADER
    assert row == ["'" + label, "2025-01-06", "Partner 1", "Talking and feeling heard", "62.5"]
    # No line of the file starts a cell with the formula itself.
    assert '"=HYPERLINK' not in text
    assert not any(line.startswith("=") for line in text.splitlines())


def test_the_header_is_neutralised_too_and_none_is_an_empty_cell() -> None:
    header, row = parse(to_csv(["=cmd", "ok"], [[None, "@SUM(A1)"]]))
    assert header == ["'=cmd", "ok"]
    assert row == ["", "'@SUM(A1)"]


# --------------------------------------------------------------------------- properties

#: Text without a carriage return (bare CRs are covered by their own test below).
no_cr_text = st.text(alphabet=st.characters(blacklist_characters="\r"))
cells = st.one_of(
    no_cr_text,
    no_cr_text.map(lambda s: "=" + s),
    st.sampled_from([c for c in DANGEROUS if c != "\r"]).flatmap(lambda start: no_cr_text.map(lambda s: start + s)),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)


@PROPERTY
@given(value=st.text())
def test_property_a_cell_is_escaped_iff_it_starts_dangerously(value: str) -> None:
    result = safe_cell(value)
    if value[:1] in DANGEROUS:
        assert result == "'" + value
    else:
        assert result == value


@PROPERTY
@given(start=st.sampled_from(DANGEROUS), rest=st.text())
def test_property_no_escaped_cell_starts_with_a_formula_character(start: str, rest: str) -> None:
    result = safe_cell(start + rest)
    assert isinstance(result, str)
    assert result.startswith("'")
    assert result[1:] == start + rest


@PROPERTY
@given(
    header=st.lists(no_cr_text, min_size=1, max_size=5),
    rows=st.lists(st.lists(cells, min_size=1, max_size=6), max_size=6),
)
def test_property_the_csv_parses_back_to_the_escaped_values(header: list[str], rows: list[Sequence[object]]) -> None:
    parsed = parse(to_csv(header, rows))
    assert parsed == [[expected_cell(h) for h in header]] + [[expected_cell(v) for v in row] for row in rows]
    for row in parsed:
        for cell in row:
            if cell[:1] in DANGEROUS:  # only a negative number may start like a formula
                assert cell.startswith("-") and _is_number(cell), cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("value", ["\r", "\r=1+1", "x\r=1+1", "x\r@SUM(A1)", "a\rb"])
def test_a_cell_holding_a_carriage_return_stays_one_cell(value: str) -> None:
    text = to_csv(["Couple", "Score"], [[value, 50]])
    assert parse(text) == [["Couple", "Score"], [expected_cell(value), "50"]]
