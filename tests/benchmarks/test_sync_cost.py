"""``python -m benchmarks.sync_cost`` runs, and each store really has the setting it is named for."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import sync_cost


def test_both_settings_are_measured(tmp_path: Path) -> None:
    timings = sync_cost.measure(tmp_path, saves=6, rounds=2)
    assert sorted(timings) == ["FULL", "NORMAL"]
    assert all(len(values) == 6 and min(values) > 0 for values in timings.values())


def test_the_command_prints_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sync_cost.main(["--saves", "4", "--rounds", "2", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| NORMAL |" in out and "| FULL |" in out
    assert list(tmp_path.iterdir()) == [], "its files are removed"
