"""What every benchmark shares: options, results as tables and goals, timing helpers, the machine."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPORT = REPO_ROOT / "docs" / "PERFORMANCE.md"


@dataclass(frozen=True)
class Options:
    """How big and how long: ``quick`` is the smoke test's tiny size."""

    quick: bool = False
    #: Concurrent sessions of the load test.
    load_sizes: tuple[int, ...] = (50, 100, 200)
    #: Seconds a simulated person waits between answers (uniform, seeded); (0, 0) = no pacing.
    pace: tuple[float, float] = (1.0, 3.0)
    #: Concurrent sessions of the replica benchmark (through HAProxy, one and two replicas).
    replica_sizes: tuple[int, ...] = (50, 100)
    #: Seconds the replica benchmark holds its sessions at each size.
    hold_seconds: float = 60.0
    #: Responses for the batch scoring benchmark.
    batch_responses: int = 100_000
    seed: int = 20_251_123
    #: Extra ``streamlit run`` options for the servers under test, e.g. to try a setting (before/after).
    server_args: tuple[str, ...] = ()
    #: Where temporary files (databases, logs, inputs) go; a fresh directory if None.
    workdir: Path | None = None
    verbose: bool = True

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    caption: str = ""

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        lines = []
        if self.caption:
            lines += [self.caption, ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class Goal:
    """A goal of the issue and whether this run met it (None: not measured here)."""

    name: str
    target: str
    measured: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: "not measured"}[self.met]


@dataclass
class Section:
    """One benchmark's results, as they appear in the report."""

    key: str
    title: str
    method: str
    tables: list[Table] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def markdown(self) -> str:
        summary = self.method.strip().split("\n\n", 1)[0]
        parts = [f"## {self.title}", "", f"{summary} How it is measured: the module's docstring in `benchmarks/`.", ""]
        if self.machine:
            parts += [
                "Run: " + "; ".join(f"{k} {v}" for k, v in self.machine.items()) + f"; took {self.seconds:.0f} s.",
                "",
            ]
        if self.goals:
            goals = Table(["goal", "target", "measured", "verdict"])
            for goal in self.goals:
                goals.add(goal.name, goal.target, goal.measured, goal.verdict)
            parts += [goals.markdown(), ""]
        for table in self.tables:
            parts += [table.markdown(), ""]
        for note in self.notes:
            parts += [note.strip(), ""]
        return "\n".join(parts).rstrip() + "\n"


# --------------------------------------------------------------------------- numbers


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:.1f} ms"


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline > 0 else float("nan")


def times(x: float) -> str:
    return "–" if x != x else f"{x:.2f}×"


def repeat_timed(action: Callable[[], object], count: int) -> list[float]:
    out: list[float] = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start


# --------------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
        return f"{one:.2f}/{five:.2f}"
    except OSError:
        return "unknown"


def machine() -> dict[str, str]:
    import streamlit

    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "RAM": _ram(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Streamlit": streamlit.__version__,
    }


def stamp() -> dict[str, str]:
    """When a section ran, and how busy the machine was (1- and 5-minute load averages)."""
    return {
        "on": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load average before": load_average(),
    }
