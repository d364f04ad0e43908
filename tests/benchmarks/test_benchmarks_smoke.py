"""Every benchmark still runs, at its tiny size, and reports what it should.

These are not timed tests: nothing here asserts a speed. ``python -m
benchmarks --quick`` runs each benchmark at a size that only shows it works
(load: two sessions, no pacing), into a report in a temporary directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import apptest_flows, dashboard
from benchmarks.__main__ import main
from benchmarks.browser import CHROMIUM
from benchmarks.common import REPO_ROOT, Goal, Section
from benchmarks.report import write


def run_quick(name: str, tmp_path: Path, *, own_process: bool = False) -> str:
    report = tmp_path / "PERFORMANCE.md"
    args = [name, "--quick", "--quiet", "--output", str(report), "--workdir", str(tmp_path)]
    if own_process:
        # Playwright's sync API runs one driver per process: the e2e tests' browser may
        # already be open in this one, so the browser benchmark gets a process of its own.
        done = subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=REPO_ROOT, timeout=600)
        assert done.returncode == 0
    else:
        assert main(args) == 0
    text = report.read_text(encoding="utf-8")
    assert f"<!-- BEGIN benchmark:{name} -->" in text
    assert f"<!-- END benchmark:{name} -->" in text
    assert "<!-- BEGIN benchmark:machine -->" in text
    assert re.search(r"\| cores \| \d+ \|", text)
    return text


def goal_row(text: str, name: str) -> str:
    match = re.search(rf"^\| {re.escape(name)} \| [^\n]*\| (met|\*\*missed\*\*) \|$", text, re.MULTILINE)
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
    for label in apptest_flows.PAGES:
        goal_row(text, f"rerun: {label}")
        assert re.search(rf"^\| {re.escape(label)} \| \d+ \| [\d.]+ ms", text, re.MULTILINE), label


def test_batch_benchmark_reports_both_inputs_and_same_output(tmp_path: Path) -> None:
    text = run_quick("batch", tmp_path)
    for label in ("JSON", "CSV"):
        goal_row(text, f"{label}: end to end, 1,000 responses")
        for fmt in ("json", "jsonl", "csv"):
            row = rf"^\| {label} \| [\d.]+ MB \| {fmt} \| [\d.]+ MB \| [\d.]+ s \| [\d,]+/s \| [\d.]+ s \|$"
            assert re.search(row, text, re.MULTILINE), (label, fmt)
    assert "identical" in goal_row(text, "JSON and CSV input: the same output")


@pytest.mark.e2e
def test_browser_benchmark_reports_first_render_and_clicks(tmp_path: Path) -> None:
    needs_chromium()
    text = run_quick("browser", tmp_path, own_process=True)
    goal_row(text, "click to rendered on a questionnaire page")
    for row in (
        "first render (the app's root)",
        "click to rendered (worth-it radio / the button)",
        "click to rendered (worth-it radio)",  # against the same page drawn without the app
    ):
        assert re.search(rf"^\| {re.escape(row)} \| [\d.]+ ms", text, re.MULTILINE), row


@pytest.mark.e2e
def test_load_benchmark_reports_latency_errors_and_memory(tmp_path: Path) -> None:
    text = run_quick("load", tmp_path)
    for name in (
        "p95 round trip",
        "p95 vs the bare app",
        "server memory per session (RSS)",
        "Python heap after the sessions close",
    ):
        goal_row(text, f"N = 2: {name}")
    assert "met" in goal_row(text, "N = 2: errors")  # both couples got through the whole flow
    assert re.search(r"^\| 2 \| [\d.]+ ms / [\d.]+ ms / [\d.]+ ms \| [\d.]+ ms", text, re.MULTILINE)
    for server in ("app", "bare"):
        assert re.search(rf"^\| 2 \| {server} \| [\d.]+ MiB / [\d.]+ MiB / [\d.]+ MiB \|", text, re.MULTILINE), server


def test_a_second_run_keeps_the_other_sections_and_the_hand_written_text(tmp_path: Path) -> None:
    report = tmp_path / "PERFORMANCE.md"
    report.write_text(
        "# Performance\n\nWritten by hand.\n\n<!-- BEGIN benchmark:load -->\nold load figures\n<!-- END benchmark:load -->\n"
        "\n<!-- BEGIN benchmark:batch -->\nold batch figures\n<!-- END benchmark:batch -->\n"
        "\n## Findings\n\nAlso by hand.\n\n<!-- END benchmarks -->\n",
        encoding="utf-8",
    )
    fresh = Section(key="batch", title="4. Batch", method="How.", goals=[Goal("g", "≥ 1", "2", True)])
    added = Section(key="rerun", title="1. Rerun", method="How.")
    write(report, [fresh, added], {"cores": "2"}, "python -m benchmarks batch rerun")
    text = report.read_text(encoding="utf-8")
    assert "Written by hand." in text and "Also by hand." in text
    assert "old load figures" in text
    assert "old batch figures" not in text and "| g | ≥ 1 | 2 | met |" in text
    assert text.index("<!-- BEGIN benchmark:rerun -->") < text.index("<!-- END benchmarks -->")
    assert text.count("<!-- BEGIN benchmark:batch -->") == 1


@pytest.mark.parametrize("database", ["SQLite", pytest.param("PostgreSQL", marks=pytest.mark.postgres)])
def test_dashboard_benchmark_reports_the_roster_and_the_trend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, database: str
) -> None:
    """Tiny size (20 couples x 3 assessments); PostgreSQL only when the test server is set
    (a database of its own is created on it, and dropped)."""
    if database == "PostgreSQL":
        monkeypatch.setenv("SPARK_CHECK_BENCH_POSTGRES_URL", request.getfixturevalue("postgres_url"))
    else:
        for name in dashboard.POSTGRES_URL_ENVS:
            monkeypatch.delenv(name, raising=False)
    text = run_quick("dashboard", tmp_path)
    pages = dashboard.page_names(dashboard.QUICK)
    assert "a couple's page, Trend tab (3 assessments)" in pages
    for page in pages:
        goal_row(text, f"{page} ({database})")
        assert re.search(
            rf"^\| {database} \| {re.escape(page)} \| \d+ \| [\d.]+ ms \([\d.]+ ms\) \|", text, re.MULTILINE
        )
    assert re.search(rf"^\| {database} \| clients: 2\d, couples: \d+, people: \d+, answers: [\d,]+", text, re.MULTILINE)
    if database == "SQLite":
        for page in pages:  # no server named: PostgreSQL is said to be unmeasured, never faked
            assert f"| {page} (PostgreSQL) | ≤ 150 ms | – | not measured |" in text
        assert "PostgreSQL was not measured" in text


def test_rerun_profiler_names_the_page_code(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import profile_page

    assert profile_page.main(["worth_it (questionnaire)", "--runs", "3", "--top", "200"]) == 0
    printed = capsys.readouterr().out
    assert "function calls" in printed
    assert "questionnaire_view.py" in printed  # the page's own code is in the profile
