"""Every benchmark still runs, at its tiny size, and reports what it should.

These are not timed tests: nothing here asserts a speed. Each runs
``python -m benchmarks NAME --quick`` in a process of its own (tests never import
``benchmarks``), into a report in a temporary directory, and reads the report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.support import REPO_ROOT
from tests.support.chromium import CHROMIUM
from tests.support.cluster import haproxy_path
from tests.support.stclient import STREAMLIT_VERSION

RERUN_PAGES = (
    "welcome",
    "worth_it (questionnaire)",
    "intimacy, first part (questionnaire)",
    "intimacy, last part (questionnaire)",
    "results",
    "comparison",
)
POSTGRES_URL_ENVS = ("SPARK_CHECK_BENCH_POSTGRES_URL", "SPARK_CHECK_TEST_POSTGRES_URL")
TIMEOUT = 900


def run_quick(name: str, tmp_path: Path, env: dict[str, str] | None = None, report: Path | None = None) -> str:
    report = report or tmp_path / "PERFORMANCE.md"
    args = [name, "--quick", "--quiet", "--output", str(report), "--workdir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=REPO_ROOT,
        env=env if env is not None else dict(os.environ),
        timeout=TIMEOUT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = report.read_text(encoding="utf-8")
    assert f"<!-- BEGIN benchmark:{name} -->" in text
    assert f"<!-- END benchmark:{name} -->" in text
    assert "<!-- BEGIN benchmark:machine -->" in text
    assert re.search(r"\| cores \| \d+ \|", text)
    # How busy the machine was, the host's other guests included (Linux: /proc/stat).
    stolen = "; [\\d.]+% of the CPU time stolen by the host" if Path("/proc/stat").exists() else ""
    assert re.search(rf"load average \(1/5 min\) before [\d.]+/[\d.]+, after [\d.]+/[\d.]+{stolen}", text)
    return text


def goal_row(text: str, name: str) -> str:
    match = re.search(rf"^\| {re.escape(name)} \| [^\n]*\| (met|\*\*missed\*\*|not measured) \|$", text, re.MULTILINE)
    assert match, f"no goal row for {name!r}"
    return match.group(0)


def needs_chromium() -> None:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true, so this is an error, not a skip)", pytrace=False)
        pytest.skip(reason)


def test_rerun_benchmark_reports_every_page(tmp_path: Path) -> None:
    text = run_quick("rerun", tmp_path)
    for label in RERUN_PAGES:
        goal_row(text, f"rerun: {label}")
        assert re.search(rf"^\| {re.escape(label)} \| \d+ \| [\d.]+ ms", text, re.MULTILINE), label


def test_batch_benchmark_reports_both_inputs_and_keeps_the_rest_of_the_report(tmp_path: Path) -> None:
    report = tmp_path / "PERFORMANCE.md"
    report.write_text(
        "# Performance\n\nWritten by hand.\n\n<!-- BEGIN benchmark:load -->\nold load figures\n<!-- END benchmark:load -->\n"
        "\n<!-- BEGIN benchmark:batch -->\nold batch figures\n<!-- END benchmark:batch -->\n"
        "\n## Findings\n\nAlso by hand.\n\n<!-- END benchmarks -->\n",
        encoding="utf-8",
    )
    text = run_quick("batch", tmp_path, report=report)
    for label in ("JSON", "CSV"):
        goal_row(text, f"{label}: end to end, 1,000 responses")
        for fmt in ("json", "jsonl", "csv"):
            row = rf"^\| {label} \| [\d.]+ MB \| {fmt} \| [\d.]+ MB \| [\d.]+ s \| [\d,]+/s \| [\d.]+ s \|$"
            assert re.search(row, text, re.MULTILINE), (label, fmt)
    assert "identical" in goal_row(text, "JSON and CSV input: the same output")
    # A second run replaces its own section only: the hand-written text and the others stay.
    assert "Written by hand." in text and "Also by hand." in text
    assert "old load figures" in text and "old batch figures" not in text
    assert text.count("<!-- BEGIN benchmark:batch -->") == 1


@pytest.mark.e2e
def test_browser_benchmark_reports_web_vitals_beside_the_plain_pages(tmp_path: Path) -> None:
    """That it works, not how fast: a busy machine may leave an LCP out ("–", said to be not
    measured), never fail the run; INP is measured (a click that starts no run, 5 tries, is left out)."""
    needs_chromium()
    text = run_quick("browser", tmp_path)
    for goal in ("welcome: LCP p75", "Is it worth it?: LCP p75", "Is it worth it?: INP p75"):
        goal_row(text, goal)
    lcp = r"(?:[\d.]+ ms \| st\w+ “[^|]+…”|– \| –)"  # a figure and its element, or left out
    for page in ("welcome", "welcome, drawn plainly"):
        assert re.search(rf"^\| {re.escape(page)} \| {lcp} \| – \| loads: [01] \|$", text, re.M), page
    for page in ("Is it worth it?", "Is it worth it?, drawn plainly"):
        row = rf"^\| {re.escape(page)} \| {lcp} \| [\d.]+ ms \| loads: [01], clicks: [12] \|$"
        assert re.search(row, text, re.M), page
    if re.search(r"^\| [^|]+ \| – \| – \| ", text, re.M):  # an LCP left out is said to be
        assert "Left out after 3 tries (a load) or 5 (a click), not measured: " in text


@pytest.mark.e2e
def test_load_benchmark_without_postgresql_runs_one_replica_on_sqlite_beside_the_plain_pages(tmp_path: Path) -> None:
    """Two replicas share one PostgreSQL: without one they are said to be unmeasured, never faked.
    (With PostgreSQL: tests/deploy/test_replicas_benchmark.py.)"""
    if haproxy_path() is None:
        skip_or_fail("HAProxy not found at /usr/sbin/haproxy (apt-get install haproxy)")
    text = run_quick("load", tmp_path, {k: v for k, v in os.environ.items() if k not in POSTGRES_URL_ENVS})
    assert goal_row(text, "1 replica, N = 2: p95, errors").endswith("| met |")  # both couples got through
    goal_row(text, "1 replica, N = 2: p95 vs the plain pages")
    assert "not measured" in goal_row(text, "2 replicas: p95, errors")
    assert "Two replicas: not measured" in text
    ms = r"[\d.]+ ms"
    assert re.search(
        rf"^\| 2 \| 1 \| {ms} / {ms} \| {ms} / {ms} \| [\d.]+× \| 0 / 0 \| {ms} / {ms} \| \d+ / \d+ \|$", text, re.M
    )
    assert not re.search(r"^\| 2 \| 2 \| ", text, re.M)


def test_load_sizes_are_checked_and_a_size_for_two_replicas_only_runs_nothing_on_one(tmp_path: Path) -> None:
    """``--sizes R:N`` runs N on R replicas only: without PostgreSQL there is one replica, so
    ``2:300`` measures nothing, and says so (no server is started). A bad size is refused."""
    env = {k: v for k, v in os.environ.items() if k not in POSTGRES_URL_ENVS}
    report = tmp_path / "PERFORMANCE.md"
    command = [sys.executable, "-m", "benchmarks", "load", "--quiet", "--output", str(report)]
    refused = subprocess.run([*command, "--sizes", "2:x"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "not a size: '2:x'" in refused.stderr
    assert not report.exists()
    done = subprocess.run([*command, "--sizes", "2:300"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Not measured: no size for 1 replica." in report.read_text(encoding="utf-8")


@pytest.mark.parametrize("database", ["SQLite", pytest.param("PostgreSQL", marks=pytest.mark.postgres)])
def test_dashboard_benchmark_reports_the_roster_and_the_trend(
    tmp_path: Path, request: pytest.FixtureRequest, database: str
) -> None:
    """Tiny size (20 couples x 3 assessments), seeded through the services; PostgreSQL only
    when the test server is set (a database of its own is created on it, and dropped)."""
    env = {k: v for k, v in os.environ.items() if k not in POSTGRES_URL_ENVS}
    if database == "PostgreSQL":
        env["SPARK_CHECK_BENCH_POSTGRES_URL"] = request.getfixturevalue("postgres_url")
    text = run_quick("dashboard", tmp_path, env)
    pages = ["roster: first page", "a couple's page, Trend tab (3 assessments)"]
    for page in pages:
        goal_row(text, f"{page} ({database})")
        assert re.search(
            rf"^\| {database} \| {re.escape(page)} \| \d+ \| [\d.]+ ms \([\d.]+ ms\) \|", text, re.MULTILINE
        )
    assert re.search(rf"^\| {database} \| couples: 66, answers: [\d,]+; \d+ MiB \|", text, re.MULTILINE)
    if database == "SQLite":  # no server named: PostgreSQL is said to be unmeasured, never faked
        assert "PostgreSQL was not measured" in text


def test_the_websocket_client_is_pinned_to_the_streamlit_it_speaks_to() -> None:
    """The load test's client copies the frontend's protocol: a new Streamlit means checking it again."""
    import streamlit

    assert streamlit.__version__ == STREAMLIT_VERSION
    requirements = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert f"streamlit=={STREAMLIT_VERSION}" in requirements
