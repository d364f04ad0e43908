"""What the benchmarks share: options, results (tables and goals), numbers, a server under test."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from tests.support.server import free_port, server_flags, stop_process_group

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "app.py"
SEED = 20_251_123
PACE = (1.0, 3.0)  # seconds a simulated person waits between two interactions (uniform, seeded)


@dataclass(frozen=True)
class Options:
    quick: bool = False  # tiny sizes: checks that a benchmark works, measures nothing
    sizes: tuple[tuple[int | None, int], ...] | None = None  # load: (replicas or any, sessions); None: its own
    responses: int = 100_000  # batch
    workdir: Path | None = None
    verbose: bool = True

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Table:
    columns: list[str]
    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        lines = [self.caption, ""] if self.caption else []
        lines += ["| " + " | ".join(self.columns) + " |", "|" + "|".join("---" for _ in self.columns) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in self.rows])


@dataclass
class Goal:
    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: "not measured"}[self.met]


@dataclass
class Section:
    """One benchmark's results: its module docstring's first paragraph says what it measures."""

    doc: str
    tables: list[Table] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self, title: str, run: str) -> str:
        summary = " ".join(self.doc.strip().split("\n\n", 1)[0].split())
        goals = [[goal.name, goal.target, goal.measured, goal.verdict] for goal in self.goals]
        tables = [Table(["goal", "target", "measured", "verdict"], rows=goals)] if goals else []
        parts = [f"## {title}", f"{summary} How: the module's docstring in `benchmarks/`.", run]
        parts += [table.markdown() for table in tables + self.tables] + [note.strip() for note in self.notes]
        return "\n\n".join(parts) + "\n"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks; NaN when empty."""
    if not values:
        return float("nan")
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]) if len(values) > 1 else values[0]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return "–" if seconds != seconds else f"{seconds * 1000:.1f} ms"


def times(x: float) -> str:
    return "–" if x != x else f"{x:.2f}×"


@contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Set (or, with None, unset) environment variables for the duration."""
    with mock.patch.dict(os.environ, {name: value for name, value in values.items() if value is not None}):
        for name in (name for name, value in values.items() if value is None):
            os.environ.pop(name, None)
        yield


def postgres_url() -> str | None:
    """The PostgreSQL server to make benchmark databases on, if one is named."""
    names = ("SPARK_CHECK_BENCH_POSTGRES_URL", "SPARK_CHECK_TEST_POSTGRES_URL")
    return next((url for name in names if (url := os.environ.get(name, "").strip())), None)


class Server:
    """``streamlit run SCRIPT`` on a free loopback port (the repository's .streamlit/config.toml applies),
    through ``benchmarks.probe`` so that :meth:`probe` can ask the process for its memory; as a context
    manager: started, healthy, then stopped."""

    def __init__(self, script: Path, directory: Path, *, args: Sequence[str] = (), env: dict[str, str] | None = None):
        self.script, self.directory, self.port, self.args, self.env = script, directory, free_port(), args, env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self, timeout: float = 120.0) -> Server:
        self.directory.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"SPARK_CHECK_SQLITE_PATH": str(self.directory / "app.sqlite3"), "PYTHONUNBUFFERED": "1", **self.env}
        probe = ["-m", "benchmarks.probe", str(self.directory / "memory.json")]
        with (self.directory / "server.log").open("ab") as log:
            command = [sys.executable, *probe, str(self.script), *server_flags(self.port), *self.args]
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                return self  # an answer that isn't 200 raises (HTTPError is an OSError)
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.script.name} did not start:\n{self.logs()}")

    def logs(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def probe(self, timeout: float = 60.0) -> dict[str, Any]:
        """The server's RSS and Python heap after a full garbage collection (``benchmarks.probe``)."""
        assert self.process is not None
        answer = self.directory / "memory.json"
        answer.unlink(missing_ok=True)
        os.kill(self.process.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while not answer.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the memory probe of {self.script.name} did not answer")
            time.sleep(0.05)
        return dict(json.loads(answer.read_text(encoding="utf-8")))

    def __exit__(self, *_exc: object) -> None:
        stop_process_group(self.process)
