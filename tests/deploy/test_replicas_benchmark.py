"""The replica benchmark (part 6) still runs at its tiny size, through HAProxy, and reports
what it should; without PostgreSQL it says it measured nothing rather than fake a figure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.support import REPO_ROOT
from tests.support.cluster import haproxy_path

POSTGRES_URL_ENVS = ("SPARK_CHECK_BENCH_POSTGRES_URL", "SPARK_CHECK_TEST_POSTGRES_URL")


def run_quick(tmp_path: Path, env: dict[str, str]) -> str:
    report = tmp_path / "PERFORMANCE.md"
    args = ["replicas", "--quick", "--quiet", "--output", str(report), "--workdir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = report.read_text(encoding="utf-8")
    assert "<!-- BEGIN benchmark:replicas -->" in text and "<!-- END benchmark:replicas -->" in text
    assert re.search(r"\| cores \| \d+ \|", text)
    return text


@pytest.mark.e2e
@pytest.mark.postgres
def test_replica_benchmark_reports_one_and_two_replicas(tmp_path: Path, postgres_url: str) -> None:
    if haproxy_path() is None:
        skip_or_fail("HAProxy not found at /usr/sbin/haproxy (apt-get install haproxy)")
    text = run_quick(tmp_path, {**os.environ, "SPARK_CHECK_BENCH_POSTGRES_URL": postgres_url})
    for count in (1, 2):
        assert re.search(rf"^\| {count} replica\(s\), N = 2: p95 round trip \| [^\n]* \| [\d.]+ ms \|", text, re.M)
        assert re.search(rf"^\| {count} replica\(s\), N = 2: errors \| 0 \| 0 \| met \|$", text, re.M)
        assert re.search(rf"^\| {count} \| 2 \| [\d.]+ ms / [\d.]+ ms / [\d.]+ ms \| 0 \|", text, re.M)
    # Per replica, told by the sticky cookie: the two sessions were served by the replicas there are.
    rows = re.findall(r"^\| 2 \| 2 \| ([ab]) \| (\d+) \| \d+ \| ", text, re.M)
    assert [name for name, _ in rows] == ["a", "b"]
    assert sum(int(sessions) for _, sessions in rows) == 2


def test_without_postgresql_nothing_is_measured(tmp_path: Path) -> None:
    text = run_quick(tmp_path, {k: v for k, v in os.environ.items() if k not in POSTGRES_URL_ENVS})
    assert "Not measured: no PostgreSQL server named" in text
    assert "| 2 replica(s): p95 round trip | ≤ 250 ms | – | not measured |" in text
