"""The type checker passes: mypy (pinned in requirements-dev.txt) with the project's
settings (``[tool.mypy]`` in pyproject.toml: which files, how strict)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the config's `files` are relative to the repository root
    # No cache: the same result on a clean clone, and nothing written into the tree.
    report, errors, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", os.devnull])
    assert status == 0, f"mypy found errors:\n{report}{errors}"
    assert report.startswith("Success: no issues found"), report
