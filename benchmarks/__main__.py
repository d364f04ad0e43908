"""``python -m benchmarks``: run the benchmarks and write their figures to docs/PERFORMANCE.md.

python -m benchmarks                     all of them, full size (about an hour on 2 cores)
python -m benchmarks rerun batch         only these
python -m benchmarks --quick             tiny sizes (what the smoke test runs)
python -m benchmarks load --sizes 50     one load level (default 50,100,200: the break point)
python -m benchmarks replicas --replica-sizes 50,100 --hold 60   through HAProxy, one and two replicas
python -m benchmarks browser --server-arg=--runner.postScriptGC=true   try a server setting
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import report
from benchmarks.common import DEFAULT_REPORT, Options, Section, machine
from benchmarks.registry import BENCHMARKS


def parse(argv: Sequence[str] | None) -> tuple[list[str], Options, Path]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that they work, measures nothing")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_REPORT, help="the report to write (default: %(default)s)"
    )
    parser.add_argument(
        "--sizes", default="50,100,200", help="load: concurrent sessions, comma-separated (default: %(default)s)"
    )
    parser.add_argument(
        "--pace", default="1,3", help="load: seconds between a person's interactions, min,max (default: %(default)s)"
    )
    parser.add_argument(
        "--replica-sizes",
        default="50,100",
        help="replicas: concurrent sessions, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--hold", type=float, default=60.0, help="replicas: seconds the sessions are held (default: %(default)s)"
    )
    parser.add_argument(
        "--responses", type=int, default=100_000, help="batch: responses to score (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=Options.seed)
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        metavar="OPTION",
        help="browser, load: an extra `streamlit run` option for both servers, e.g. --server-arg=--runner.postScriptGC=true",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where temporary files go (default: the system's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    low, high = (float(x) for x in args.pace.split(","))
    server_args: list[str] = []
    for option in args.server_arg:
        server_args += option.split("=", 1) if option.startswith("--") and "=" in option else shlex.split(option)
    options = Options(
        quick=args.quick,
        load_sizes=tuple(int(n) for n in args.sizes.split(",")),
        pace=(low, high),
        replica_sizes=tuple(int(n) for n in args.replica_sizes.split(",")),
        hold_seconds=args.hold,
        batch_responses=args.responses,
        seed=args.seed,
        server_args=tuple(server_args),
        workdir=args.workdir,
        verbose=not args.quiet,
    )
    return list(args.names or BENCHMARKS), options, args.output


def main(argv: Sequence[str] | None = None) -> int:
    names, options, output = parse(argv)
    given = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python -m benchmarks", *given])
    sections: list[Section] = []
    failed: list[str] = []
    began = time.perf_counter()
    for name in names:
        options.log(f"== {name}")
        try:
            sections.append(BENCHMARKS[name].run(options))
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
            options.log(f"{name} failed: {exc}")
        else:
            report.write(output, sections, machine(), command)
    options.log(f"done in {time.perf_counter() - began:.0f} s; report: {output}")
    for section in sections:
        for goal in section.goals:
            options.log(f"  {goal.verdict:>12}  {goal.name}: {goal.measured} (target {goal.target})")
    if failed:
        for line in failed:
            print(f"error: {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
