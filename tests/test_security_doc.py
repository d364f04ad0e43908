"""docs/SECURITY.md names the test behind each promise: every one of them must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "SECURITY.md"


def referenced_tests() -> list[tuple[str, str]]:
    """(file, test) for each `tests/x.py::test_y` and each `::test_z` that continues the last file."""
    found: list[tuple[str, str]] = []
    current = ""
    for token in re.findall(r"`([^`]+)`", DOC.read_text(encoding="utf-8")):
        match = re.fullmatch(r"(tests/[\w/]+\.py)?::(test_\w+)(?:\[[\w-]+\])?", token)  # [param] ids too
        if match is None:
            continue
        current = match.group(1) or current
        assert current, f"{token} names no file"
        found.append((current, match.group(2)))
    return found


def test_every_test_named_in_security_md_exists() -> None:
    references = referenced_tests()
    assert len(references) > 60
    missing = [
        f"{file}::{name}"
        for file, name in references
        if not (ROOT / file).is_file()
        or not re.search(rf"^def {name}\(", (ROOT / file).read_text(encoding="utf-8"), re.M)
    ]
    assert missing == []
