"""``python -m scoring score`` reads a file as a stream, so memory stays bounded however large the
file (issue #18: memory was about 40 times the input; a valid 100 MB CSV ended in MemoryError, and
30 MB of one-cell rows under a 1 GiB address-space cap hung for minutes).

Each test runs the command in a subprocess whose address space is capped at 1 GiB
(``RLIMIT_AS``) on input generated here, and waits generously for it to finish with the right
output; nothing here measures time.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import resource
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from questions.loader import default_content
from scoring.cli import main

ROOT = Path(__file__).resolve().parents[2]
CAP = 1024 * 1024 * 1024
CONTENT = default_content()
ITEMS = [item.id for questionnaire in CONTENT.questionnaires.values() for item in questionnaire.items]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def score_capped(path: Path, out: Path) -> tuple[int, str]:
    """``python -m scoring score PATH --format csv > OUT`` under a 1 GiB address-space cap: (status, stderr)."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))

    with out.open("wb") as sink:
        completed = subprocess.run(
            [sys.executable, "-m", "scoring", "score", str(path), "--format", "csv"],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.PIPE,
            preexec_fn=cap,  # the child's own limit, set before it runs
            timeout=1500,
            check=False,
        )
    return completed.returncode, completed.stderr.decode(errors="replace")


def rows_of(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        yield from csv.reader(file)


def scored_small(path: Path, text: str) -> list[list[str]]:
    """What ``score --format csv`` prints for a small CSV, scored in this process."""
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert (main(["score", str(path), "--format", "csv"], stdout=out, stderr=err), err.getvalue()) == (0, "")
    return list(csv.reader(io.StringIO(out.getvalue())))


def person_lines(count: int) -> list[str]:
    """``count`` people's two responses as CSV cells after the id: every item answered at random."""
    rng, lines = random.Random(18), []
    for _ in range(count):
        for questionnaire in CONTENT.questionnaires.values():
            cells = dict.fromkeys(ITEMS, "")
            for item in questionnaire.items:
                values = questionnaire.response_set_of(item).values
                multi = questionnaire.response_set_of(item).multi
                cells[item.id] = ";".join(map(str, sorted(rng.sample(values, 2)))) if multi else str(rng.choice(values))
            lines.append(f"{questionnaire.id},{','.join(cells.values())}\n")
    return lines


def test_a_valid_100_mb_csv_is_scored_under_a_1_gib_cap(tmp_path: Path) -> None:
    patterns = person_lines(50)  # each person's two lines, one after the other
    header = f"id,questionnaire,{','.join(ITEMS)}\n"
    people = "".join(f"p{k // 2},{line}" for k, line in enumerate(patterns))
    expected = scored_small(tmp_path / "small.csv", header + people)  # the same people, in this process
    path, count = tmp_path / "big.csv", 0
    with path.open("w", encoding="utf-8") as file:
        file.write(header)
        while file.tell() < 100_000_000:
            file.writelines(f"p{(count + k) // 2},{line}" for k, line in enumerate(patterns))
            count += len(patterns)

    out = tmp_path / "scores.csv"
    assert score_capped(path, out) == (0, "")
    found = rows_of(out)
    assert next(found) == expected[0]
    total = 0
    for total, row in enumerate(found, start=1):
        want = expected[1 + (total - 1) % len(patterns)]
        assert (row[0], row[1:]) == (f"p{(total - 1) // 2}", want[1:]), total
    assert total == count > 600_000
    assert {row[2] for row in expected[1:]} == {"both questionnaires"}  # each person read whole


def test_30_mb_of_one_cell_rows_are_scored_under_a_1_gib_cap(tmp_path: Path) -> None:
    header, one = scored_small(tmp_path / "small.csv", "questionnaire\nworth_it\n")
    path, count = tmp_path / "one-cell.csv", 30 * 10**6 // len("worth_it\n") // 10_000 * 10_000
    with path.open("w", encoding="utf-8") as file:
        file.write("questionnaire\n")
        file.writelines(itertools.repeat("worth_it\n" * 10_000, count // 10_000))
    out = tmp_path / "scores.csv"
    assert score_capped(path, out) == (0, "")
    found = rows_of(out)
    assert next(found) == header
    assert Counter(map(tuple, found)) == {tuple(one): count}
    assert count > 3_000_000


def test_a_bad_last_row_of_a_million_is_named_and_nothing_printed_under_a_1_gib_cap(tmp_path: Path) -> None:
    path = tmp_path / "bad-end.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write("questionnaire,respect\n")
        file.writelines(itertools.repeat("worth_it,2\n" * 10_000, 100))
        file.write("worth_it,7\n")
    out = tmp_path / "scores.csv"
    status, error = score_capped(path, out)
    assert (status, out.read_bytes()) == (2, b"")
    assert error.startswith(f"error: {path} line 1000002: answers.respect") and error.count("\n") == 1, error
