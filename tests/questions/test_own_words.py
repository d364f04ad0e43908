"""Content is written in our own words: no run of six words is copied from a seed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from questions.loader import DATA_DIR

SEEDS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
RUN = 6
#: Quoted on purpose: the seeds' article titles, cited as titles (guidance.yaml).
QUOTED = "source_titles."


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))


def _strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            label = value.get("id", index) if isinstance(value, dict) else index
            yield from _strings(value, f"{path}.{label}")
    elif isinstance(node, str):
        yield path, node


@pytest.mark.parametrize("name", sorted(p.name for p in DATA_DIR.glob("*.yaml")))
def test_no_run_of_six_words_is_copied_from_a_seed(name: str) -> None:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"no seed folder at {SEEDS_DIR}")
    runs: set[tuple[str, ...]] = set()
    for seed in SEEDS_DIR.glob("*.txt"):
        words = _words(seed.read_text(encoding="utf-8"))
        runs.update(tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1))
    copied = []
    for where, text in _strings(yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))):
        if where.startswith(QUOTED):
            continue
        words = _words(text)
        copied += [
            f"{where}: {' '.join(words[i : i + RUN])}"
            for i in range(len(words) - RUN + 1)
            if tuple(words[i : i + RUN]) in runs
        ]
    assert copied == []
