"""``python -m benchmarks.sync_cost`` runs, measures both settings and leaves no files behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import REPO_ROOT


def test_the_command_prints_a_table(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "benchmarks.sync_cost", "--saves", "4", "--rounds", "2", "--dir", str(tmp_path)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "| NORMAL |" in done.stdout and "| FULL |" in done.stdout
    assert list(tmp_path.iterdir()) == [], "its files are removed"
