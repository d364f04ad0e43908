"""A Streamlit server for a benchmark: ``streamlit run`` on a free loopback port, with a memory probe.

Like ``tests/e2e/helpers.StreamlitServer`` (same flags: headless, loopback,
no file watcher, no usage stats; the working directory is the repository, so
``.streamlit/config.toml`` applies, XSRF protection included), but started
through :mod:`benchmarks.probe` so the benchmark can ask the process for its
memory, and without pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT
from tests.support.server import free_port, server_flags, stop_process_group

APP = REPO_ROOT / "app.py"
BARE = REPO_ROOT / "benchmarks" / "apps" / "bare_button.py"
STARTUP_TIMEOUT = 60.0


class Server:
    def __init__(
        self, script: Path, directory: Path, *, extra_args: Sequence[str] = (), env: dict[str, str] | None = None
    ) -> None:
        self.script = script
        self.directory = directory
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.probe_dir = directory / "probe"
        self._probes = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "benchmarks.probe",
            str(self.probe_dir),
            str(self.script),
            *server_flags(self.port),
            *self.extra_args,
        ]

    def start(self) -> Server:
        return self.launch().wait_until_healthy()

    def launch(self) -> Server:
        """Start the process; :meth:`wait_until_healthy` waits for it (start several, then wait)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env["SPARK_CHECK_SQLITE_PATH"] = str(self.directory / "spark_check.sqlite3")
        env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_until_healthy(self) -> Server:
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.script.name} exited at start-up:\n{self.logs()}")
            if self._healthy():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.script.name} did not become healthy:\n{self.logs()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def logs(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def probe(self, timeout: float = 60.0) -> dict[str, Any]:
        """Ask the server process for its memory (after a full garbage collection)."""
        self._probes += 1
        name = f"{self._probes:04d}"
        answer = self.probe_dir / f"answer-{name}.json"
        (self.probe_dir / f"request-{name}").write_text("", encoding="utf-8")
        deadline = time.monotonic() + timeout
        while not answer.exists():
            if time.monotonic() > deadline or (self.process is not None and self.process.poll() is not None):
                raise RuntimeError(f"the memory probe of {self.script.name} did not answer")
            time.sleep(0.05)
        return dict(json.loads(answer.read_text(encoding="utf-8")))

    def stop(self, timeout: float = 10.0) -> None:
        stop_process_group(self.process, timeout)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
