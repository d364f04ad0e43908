"""The benchmarks, by name, in the order they run and appear in the report.

A benchmark is a module with ``KEY``, ``TITLE`` and ``run(options) -> Section``;
to add one, write such a module and list it here.

- ``rerun``: part 1, one rerun in process (AppTest), page by page, against a baseline;
- ``browser``: part 2, LCP and INP in headless Chromium (4x CPU throttling), beside a plain page;
- ``load``: part 3, concurrent sessions over the websocket protocol;
- ``batch``: part 4, ``python -m scoring score`` on many responses;
- ``dashboard``: part 5, the counselor dashboard at scale (2,000 couples x 12
  assessments) on SQLite and PostgreSQL: the roster and a couple's trend page;
- ``replicas``: part 6, sessions held through HAProxy (deploy/haproxy.cfg) on one
  and on two replicas sharing one PostgreSQL.
"""

from __future__ import annotations

from types import ModuleType

from benchmarks import batch_scoring, browser, dashboard, load, replicas, rerun

BENCHMARKS: dict[str, ModuleType] = {
    rerun.KEY: rerun,
    browser.KEY: browser,
    load.KEY: load,
    batch_scoring.KEY: batch_scoring,
    dashboard.KEY: dashboard,
    replicas.KEY: replicas,
}
