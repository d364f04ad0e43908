"""What one rerun (every click's fixed cost) costs the server, page by page, against the same page drawn plainly.

Each page is reached in AppTest with a fresh SQLite file (``pages.reach``); its baseline is
``pages.plain_script`` of it, which must draw the same kinds of elements. Both are rerun with
nothing changed: warm-up runs, then timed runs alternating app and baseline, so a busy moment
hits both. Timed is ``ScriptRunner._run_script`` as a server runs it (``pages.server_like_runs``);
``AppTest.run()``'s wall time (~15 ms of its own mocking and parsing on top) is reported too. The
ratio is of the medians.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks import pages
from benchmarks.common import SEED, Goal, Options, Section, Table, environment, median, ms, percentile, times

GOAL = 1.3


def measure(
    label: str, runs: int, warmup: int, directory: Path
) -> tuple[int, list[float], list[float], list[float], list[float]]:
    sqlite = environment(SPARK_CHECK_SQLITE_PATH=str(directory / "app.sqlite3"), DATABASE_URL=None)
    with sqlite, pages.server_like_runs() as durations:
        app = pages.reach(label, random.Random(SEED))
        script = directory / "plain.py"
        script.write_text(pages.plain_script({label: app}, pages.PAGES[label][0]), encoding="utf-8")
        plain = pages.check(AppTest.from_file(str(script), default_timeout=pages.TIMEOUT).run())
        if pages.signature(plain) != pages.signature(app):
            raise RuntimeError(f"the plain {label} does not draw what the page draws")
        for _ in range(warmup):
            app.run(), plain.run()
        found: tuple[list[float], ...] = ([], [], [], [])  # app, plain, app wall, plain wall
        for _ in range(runs):
            for target, sink, wall in ((app, found[0], found[2]), (plain, found[1], found[3])):
                durations.clear()
                start = time.perf_counter()
                target.run()
                wall.append(time.perf_counter() - start)
                sink.append(sum(durations))
        if pages.signature(pages.check(app)) != pages.signature(plain):
            raise RuntimeError(f"{label}: the app left the page while rerunning")
    return len(pages.signature(app)), found[0], found[1], found[2], found[3]


def run(options: Options) -> Section:
    runs, warmup = (3, 1) if options.quick else (60, 5)
    columns = [
        "page",
        "elements",
        "app: median (p90)",
        "plain: median (p90)",
        "ratio",
        "AppTest.run() wall: app / plain",
    ]
    table = Table(columns, f"One rerun with nothing changed, script run time, {runs} timed runs each:")
    goals = []
    for label in pages.PAGES:
        options.log(f"rerun: {label}")
        with tempfile.TemporaryDirectory(prefix="bench-rerun-", dir=options.workdir) as tmp:
            elements, app, plain, app_wall, plain_wall = measure(label, runs, warmup, Path(tmp))
        factor = median(app) / median(plain)
        table.add(
            label,
            elements,
            f"{ms(median(app))} ({ms(percentile(app, 90))})",
            f"{ms(median(plain))} ({ms(percentile(plain, 90))})",
            times(factor),
            f"{ms(median(app_wall))} / {ms(median(plain_wall))}",
        )
        goals.append(Goal(f"rerun: {label}", f"≤ {GOAL}× the plain page", times(factor), factor <= GOAL))
    return Section(__doc__ or "", [table], goals)
