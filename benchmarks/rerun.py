"""Part 1: what one rerun costs in process (AppTest), page by page, against a baseline.

Each page is reached through AppTest as tests/ui does (``apptest_flows``),
with a fresh SQLite database. Its baseline is a script generated from the
page itself (``replay``): the same page config and sidebar navigation, the
same widgets with the same keys and selections, the same Plotly figures and
dataframes, and nothing of the app. Both are then rerun with no change (what
every click costs before the click's own work): a few warm-up runs, then
timed runs alternating app and baseline, so a busy moment on the machine hits
both.

What is timed is the script run itself, as the server's script thread does
it (``ScriptRunner._run_script``: widget states in, the page's script, every
element out), measured inside the thread. Two AppTest habits that a server
does not have are taken out, for both sides alike: AppTest compiles the
scripts afresh on every run (a new ``ScriptCache`` each time; the server
keeps one), and ``AppTest.run()`` itself adds ~15 ms of mocking, thread
start-up and tree parsing around the run, which would hide the difference.
Its wall time is reported too. The ratio is of the medians.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks import apptest_flows, replay
from benchmarks.common import Goal, Options, Section, Table, median, ms, percentile, stamp, times

KEY = "rerun"
TITLE = "1. Rerun cost in process (AppTest)"
GOAL = 1.3
RUNS, QUICK_RUNS = 60, 3
WARMUP, QUICK_WARMUP = 5, 1


@contextmanager
def sqlite_database(directory: Path) -> Iterator[Path]:
    """Point the app at a fresh SQLite file for the duration."""
    path = directory / "bench.sqlite3"
    saved = {name: os.environ.get(name) for name in ("SPARK_CHECK_SQLITE_PATH", "DATABASE_URL")}
    os.environ["SPARK_CHECK_SQLITE_PATH"] = str(path)
    os.environ.pop("DATABASE_URL", None)
    try:
        yield path
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def navigation(app: AppTest, page_name: str) -> list[tuple[str, str, str, bool]]:
    """The app's sidebar for the session in ``app``: (title, icon, url path, is this page)."""
    from ui import pages_registry

    state = app.session_state["spark_check"]
    return [
        (spec.title, spec.icon, spec.url_path, name == page_name)
        for name in pages_registry.page_names(state)
        for spec in (pages_registry.SPECS[name],)
    ]


def signature(app: AppTest) -> list[str]:
    """The kinds of everything drawn, in order: app and baseline must agree."""
    kinds: list[str] = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            kinds.append(child.type)
            walk(child)

    walk(app.main)
    return kinds


@contextmanager
def server_like_runs() -> Iterator[list[float]]:
    """AppTest with one ScriptCache for all runs, as a server has; yields the script run times."""
    from unittest import mock

    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.testing.v1 import app_test, local_script_runner
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    cache = ScriptCache()
    durations: list[float] = []
    original = LocalScriptRunner._run_script

    def timed(self: LocalScriptRunner, rerun_data: RerunData) -> None:
        start = time.perf_counter()
        try:
            original(self, rerun_data)
        finally:
            durations.append(time.perf_counter() - start)

    with (
        mock.patch.object(app_test, "ScriptCache", lambda: cache),
        mock.patch.object(local_script_runner, "ScriptCache", lambda: cache),
        mock.patch.object(LocalScriptRunner, "_run_script", timed),
    ):
        yield durations


@dataclass
class PageTimes:
    app: list[float]
    baseline: list[float]
    app_wall: list[float]
    baseline_wall: list[float]
    elements: int


def measure_page(label: str, options: Options, directory: Path) -> PageTimes:
    reach, page_name = apptest_flows.PAGES[label]
    with sqlite_database(directory), server_like_runs() as durations:
        app = reach(random.Random(options.seed))
        script = directory / "baseline.py"
        script.write_text(replay.baseline_script(app.main, label, navigation(app, page_name)), encoding="utf-8")
        baseline = AppTest.from_file(str(script), default_timeout=apptest_flows.TIMEOUT).run()
        if baseline.exception:
            raise RuntimeError(f"baseline for {label} raised: {[e.message for e in baseline.exception]}")
        if signature(baseline) != signature(app):
            raise RuntimeError(f"baseline for {label} does not draw what the page draws")
        warmup = QUICK_WARMUP if options.quick else WARMUP
        runs = QUICK_RUNS if options.quick else RUNS
        for _ in range(warmup):
            app.run()
            baseline.run()
        times_ = PageTimes([], [], [], [], len(signature(app)))
        for _ in range(runs):
            for target, sink, wall in (
                (app, times_.app, times_.app_wall),
                (baseline, times_.baseline, times_.baseline_wall),
            ):
                durations.clear()
                start = time.perf_counter()
                target.run()
                wall.append(time.perf_counter() - start)
                sink.append(sum(durations))
        if app.exception:
            raise RuntimeError(f"{label} raised while rerunning: {[e.message for e in app.exception]}")
        if len(signature(app)) != times_.elements:
            raise RuntimeError(f"{label}: the app left the page while rerunning")
        return times_


def run(options: Options) -> Section:
    began = time.perf_counter()
    started = stamp()
    table = Table(
        [
            "page",
            "elements",
            "app: median (p90)",
            "baseline: median (p90)",
            "ratio",
            "AppTest.run() wall: app / baseline",
        ],
        caption=f"One rerun with nothing changed, script run time, {QUICK_RUNS if options.quick else RUNS} timed runs each:",
    )
    goals: list[Goal] = []
    for label in apptest_flows.PAGES:
        options.log(f"rerun: {label}")
        with tempfile.TemporaryDirectory(prefix="bench-rerun-", dir=options.workdir) as tmp:
            measured = measure_page(label, options, Path(tmp))
        factor = median(measured.app) / median(measured.baseline)
        table.add(
            label,
            measured.elements,
            f"{ms(median(measured.app))} ({ms(percentile(measured.app, 90))})",
            f"{ms(median(measured.baseline))} ({ms(percentile(measured.baseline, 90))})",
            times(factor),
            f"{ms(median(measured.app_wall))} / {ms(median(measured.baseline_wall))}",
        )
        goals.append(Goal(f"rerun: {label}", f"≤ {GOAL}× the baseline", times(factor), factor <= GOAL))
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[table],
        goals=goals,
        machine={**started, "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
