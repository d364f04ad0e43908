"""``python -m benchmarks``: run the benchmarks and write their figures to docs/PERFORMANCE.md.

python -m benchmarks                  all of them at full size (about two hours on 2 cores)
python -m benchmarks rerun batch      only these
python -m benchmarks --quick          tiny sizes: checks that they work (the smoke tests), measures nothing
python -m benchmarks load --sizes 50  one load level (default 50,100,200, and 300 on two replicas)
python -m benchmarks load --sizes 2:300  N = 300 on two replicas only (R:N: on R replicas)

Each benchmark rewrites only its own section of the report (between ``BEGIN``/``END benchmark``
markers); the rest of the file is written by hand. Printed only: ``python -m benchmarks.profile``
(where a rerun's time goes) and ``python -m benchmarks.sync_cost`` (what ``synchronous=FULL`` costs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import REPO_ROOT, Options, Table

#: module -> title, in the order they run and appear in the report.
BENCHMARKS = {
    "rerun": "1. Rerun cost in process (AppTest)",
    "browser": "2. Core Web Vitals in headless Chromium (4x CPU throttling)",
    "load": "3. Load: one replica and two behind HAProxy, the app against the plain pages",
    "batch": "4. Batch scoring: `python -m scoring score`",
    "dashboard": "5. Counselor dashboard at scale",
}
END = "<!-- END benchmarks -->"


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def cpu_clock() -> tuple[int, int]:
    """(stolen, all) CPU time of the machine so far, in clock ticks (``/proc/stat``): on a
    virtual machine, the host's other guests take "stolen" time, which slows a run as load
    does; (0, 0) where there is no such file."""
    try:
        ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0, 0
    return (ticks[7] if len(ticks) == 8 else 0), sum(ticks)


def stolen_since(before: tuple[int, int]) -> str:
    """The share of the machine's CPU time the host stole since ``before`` (``cpu_clock``), for
    the run's line, or "" where that is not known."""
    stolen, total = (now - then for now, then in zip(cpu_clock(), before, strict=True))
    return f"; {stolen / total:.1%} of the CPU time stolen by the host (a virtual machine's)" if total > 0 else ""


def machine() -> Table:
    import streamlit

    cpu = Path("/proc/cpuinfo").read_text().split("model name", 1)[-1].split("\n", 1)[0].strip(" \t:")
    table = Table(["", ""], rows=[["CPU", cpu or platform.machine()], ["cores", str(os.cpu_count())]])
    table.add("RAM", f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB")
    table.add("OS", f"{platform.system()} {platform.release()}")
    table.add("Python", platform.python_version())
    table.add("Streamlit", streamlit.__version__)
    return table


def replace_block(text: str, key: str, body: str) -> str:
    begin, end = f"<!-- BEGIN benchmark:{key} -->", f"<!-- END benchmark:{key} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _m: block, text, count=1)
    if END in text:
        return text.replace(END, f"{block}\n\n{END}", 1)
    return text.rstrip() + f"\n\n{block}\n"


def load_sizes(text: str) -> tuple[tuple[int | None, int], ...]:
    """``--sizes``: ``100,200`` (each on one replica and on two) or ``2:300`` (on two replicas only)."""
    sizes: list[tuple[int | None, int]] = []
    for entry in text.split(","):
        replicas, _, n = entry.strip().rpartition(":")
        if not n.isdigit() or not (replicas.isdigit() or not replicas) or int(n) < 1:
            raise argparse.ArgumentTypeError(f"not a size: {entry!r} (N sessions, or R:N for N on R replicas only)")
        sizes.append((int(replicas) if replicas else None, int(n)))
    return tuple(sizes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that they work, measures nothing")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "PERFORMANCE.md")
    parser.add_argument("--sizes", type=load_sizes, help="load: sessions, comma-separated (R:N: on R replicas only)")
    parser.add_argument("--responses", type=int, default=100_000, help="batch: responses to score")
    parser.add_argument("--workdir", type=Path, help="where temporary files go (default: the system's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    options = Options(args.quick, args.sizes, args.responses, args.workdir, not args.quiet)
    command = " ".join(["python -m benchmarks", *(sys.argv[1:] if argv is None else argv)])
    failed = []
    for name in args.names or BENCHMARKS:
        options.log(f"== {name}")
        began, before, clock = time.perf_counter(), load_average(), cpu_clock()
        try:
            section = importlib.import_module(f"benchmarks.{name}").run(options)
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
            options.log(f"{name} failed: {exc}")
            continue
        on = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        run = f"Run: `{command}` on {on}; took {time.perf_counter() - began:.0f} s; load average (1/5 min) before {before}, after {load_average()}{stolen_since(clock)}."
        text = args.output.read_text(encoding="utf-8") if args.output.exists() else f"# Performance\n\n{END}\n"
        text = replace_block(text, "machine", f"## Machine\n\n{machine().markdown()}\n")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(replace_block(text, name, section.markdown(BENCHMARKS[name], run)), encoding="utf-8")
        for goal in section.goals:
            options.log(f"  {goal.verdict:>12}  {goal.name}: {goal.measured} (target {goal.target})")
    for line in failed:
        print(f"error: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
