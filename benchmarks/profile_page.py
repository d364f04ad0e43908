"""Profile the reruns of one page, inside the script thread, as part 1 times them.

    python -m benchmarks.profile_page "comparison"             # cumulative time, top 40
    python -m benchmarks.profile_page "worth_it (questionnaire)" --runs 300 --sort tottime

The page is reached through AppTest as in part 1 (``apptest_flows.PAGES``
names them), on a fresh SQLite file, then rerun with nothing changed while
cProfile runs in the script thread only (AppTest's own mocking and thread
start-up are left out). This is how the causes in docs/PERFORMANCE.md
("Changes made for speed") were found.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from unittest import mock

from benchmarks import apptest_flows
from benchmarks.rerun import server_like_runs, sqlite_database


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_page", description=__doc__.split("\n\n")[0])
    parser.add_argument("page", choices=list(apptest_flows.PAGES), help="the page to rerun")
    parser.add_argument("--runs", type=int, default=200, help="reruns to profile (default: %(default)s)")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (default: %(default)s)")
    parser.add_argument("--top", type=int, default=40, help="lines to print (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    reach, _name = apptest_flows.PAGES[args.page]
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp, sqlite_database(Path(tmp)), server_like_runs():
        app = reach(random.Random(args.seed))
        for _ in range(5):  # warm: imports, content, the first queries
            app.run()
        original = LocalScriptRunner._run_script

        def profiled(self: LocalScriptRunner, rerun_data: object) -> None:
            profiler.enable()
            try:
                original(self, rerun_data)  # type: ignore[arg-type]
            finally:
                profiler.disable()

        with mock.patch.object(LocalScriptRunner, "_run_script", profiled):
            for _ in range(args.runs):
                app.run()
        if app.exception:
            print(f"the page raised: {[e.message for e in app.exception]}", file=sys.stderr)
            return 1
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
