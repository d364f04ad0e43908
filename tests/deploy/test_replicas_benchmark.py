"""The load benchmark (part 3) on one replica and on two behind HAProxy, sharing one PostgreSQL,
the app beside the plain pages served the same way: it still runs at its tiny size and reports what
it should (not how fast). Without PostgreSQL: tests/benchmarks/test_benchmarks_smoke.py."""

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


@pytest.mark.e2e
@pytest.mark.postgres
def test_load_benchmark_reports_one_and_two_replicas_beside_the_plain_pages(tmp_path: Path, postgres_url: str) -> None:
    if haproxy_path() is None:
        skip_or_fail("HAProxy not found at /usr/sbin/haproxy (apt-get install haproxy)")
    report = tmp_path / "PERFORMANCE.md"
    # N = 2 on one replica and on two; N = 3 on two only (R:N).
    args = ["load", "--quick", "--sizes", "2,2:3", "--quiet", "--output", str(report), "--workdir", str(tmp_path)]
    env = {**os.environ, "SPARK_CHECK_BENCH_POSTGRES_URL": postgres_url}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = report.read_text(encoding="utf-8")
    ms = r"[\d.]+ ms"
    for count, name in ((1, "1 replica"), (2, "2 replicas")):
        assert re.search(rf"^\| {name}, N = 2: p95, errors \| [^|]+ \| {ms}, 0 \| met \|$", text, re.M), name
        # One row each: 1 and 2 replicas, the app beside the plain pages, no errors either side.
        row = rf"^\| 2 \| {count} \| {ms} / {ms} \| {ms} / {ms} \| [\d.]+× \| 0 / 0 \| {ms} / {ms} \| \d+ / \d+ \|$"
        assert re.search(row, text, re.M), name
    ratio_goal = re.search(r"^\| 1 replica, N = 2: p95 vs the plain pages \| ≤ 1.5× \| [\d.]+× \| ", text, re.M)
    assert ratio_goal
    # Both servers on two replicas: the sticky cookie tells that each replica served a session or both.
    for server in ("app", "plain"):
        found = re.search(rf"^\| 2 \| 2 \| {server} \| (\d+) / (\d+) \| ", text, re.M)
        assert found and int(found[1]) + int(found[2]) == 2, server
    assert "Two replicas: not measured" not in text
    assert re.search(rf"^\| 3 \| 2 \| {ms} / {ms} \| {ms} / {ms} \| [\d.]+× \| 0 / 0 \| ", text, re.M)
    assert not re.search(r"^\| 3 \| 1 \| ", text, re.M)
    assert re.search(r"Most sessions held .*: 1 replica: 2; 2 replicas: 3\.", text)
