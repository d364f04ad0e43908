"""The benchmarks, by name, in the order they run and appear in the report.

A benchmark is a module with ``KEY``, ``TITLE`` and ``run(options) -> Section``.
To add one (the counselor dashboard at scale, part 5 of the performance issue,
once the dashboard exists): write ``benchmarks/dashboard.py`` with those three
names and list it here. ``rerun.py`` already has what it needs: AppTest
drivers that reach a page and time its reruns against a baseline script drawn
from the page itself, and ``workload.py``-style seeding is the place for 2,000
couples x 12 assessments on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from types import ModuleType

from benchmarks import batch_scoring, browser, load, rerun

BENCHMARKS: dict[str, ModuleType] = {
    rerun.KEY: rerun,
    browser.KEY: browser,
    load.KEY: load,
    batch_scoring.KEY: batch_scoring,
}
