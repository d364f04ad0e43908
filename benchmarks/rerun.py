"""What one rerun (every click's fixed cost) costs the server, page by page, against the same page drawn plainly.

Each page is reached in AppTest with a fresh SQLite file (``pages.reach``); its baseline is
``pages.plain_script`` of it, which must draw the same kinds of elements. Both are rerun with
nothing changed: warm-up runs, then timed runs alternating app and baseline, so a busy moment
hits both (200 of them after 20 warm-ups: with 60 after 5, the same code's ratio moved by a
third from one run to the next on an idle machine, e.g. 0.93× and 1.36× for the results page).
Timed is ``ScriptRunner._run_script`` as a server runs it (``pages.server_like_runs``,
which also counts the SQL statements a rerun sends). The ratio is of the medians. Where the time
goes, element by element and function by function: ``python -m benchmarks.profile``.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks import pages
from benchmarks.common import SEED, Goal, Options, Section, Table, environment, median, ms, percentile, times

GOAL = 1.3


@contextmanager
def page_and_plain(label: str, directory: Path) -> Iterator[tuple[AppTest, AppTest, pages.Runs]]:
    """The app on page ``label`` and its plain twin (which must draw the same kinds of elements),
    in AppTest on a fresh SQLite file, and what :func:`pages.server_like_runs` sees of their runs."""
    sqlite = environment(SPARK_CHECK_SQLITE_PATH=str(directory / "app.sqlite3"), DATABASE_URL=None)
    with sqlite, pages.server_like_runs() as runs:
        app = pages.reach(label, random.Random(SEED))
        script = directory / "plain.py"
        script.write_text(pages.plain_script({label: app}, pages.PAGES[label][0]), encoding="utf-8")
        plain = pages.check(AppTest.from_file(str(script), default_timeout=pages.TIMEOUT).run())
        if pages.signature(plain) != pages.signature(app):
            raise RuntimeError(f"the plain {label} does not draw what the page draws")
        yield app, plain, runs
        if pages.signature(pages.check(app)) != pages.signature(plain):
            raise RuntimeError(f"{label}: the app left the page while rerunning")


def measure(label: str, count: int, warmup: int, directory: Path) -> tuple[int, list[float], list[float], list[float]]:
    """Elements drawn, script run times of the app and of the plain page, SQL statements per app rerun."""
    found: dict[str, list[float]] = {"app": [], "plain": [], "sql": []}
    with page_and_plain(label, directory) as (app, plain, runs):
        for index in range(warmup + count):
            for name, target in (("app", app), ("plain", plain)):
                runs.clear()
                target.run()
                found[name] += [sum(runs.durations)] if index >= warmup else []
                found["sql"] += [sum(map(len, runs.sql))] if index >= warmup and target is app else []
        return len(pages.signature(app)), found["app"], found["plain"], found["sql"]


def run(options: Options) -> Section:
    count, warmup = (3, 1) if options.quick else (200, 20)
    columns = ["page", "elements", "app: median (p90)", "plain: median (p90)", "ratio", "SQL statements per rerun"]
    table = Table(columns, f"One rerun with nothing changed, script run time, {count} timed runs each:")
    goals = []
    for label in pages.PAGES:
        options.log(f"rerun: {label}")
        with tempfile.TemporaryDirectory(prefix="bench-rerun-", dir=options.workdir) as tmp:
            elements, app, plain, sql = measure(label, count, warmup, Path(tmp))
        factor = median(app) / median(plain)
        figures = [f"{ms(median(found))} ({ms(percentile(found, 90))})" for found in (app, plain)]
        table.add(label, elements, *figures, times(factor), f"{median(sql):.0f}")
        goals.append(Goal(f"rerun: {label}", f"≤ {GOAL}× the plain page", times(factor), factor <= GOAL))
    return Section(__doc__ or "", [table], goals)
