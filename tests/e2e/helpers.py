"""Helpers for end-to-end tests: a real Streamlit server process and Playwright waits.

The fixtures that use these live in ``tests/conftest.py``; tests normally only need
``open_app`` and ``wait_for_app_idle`` from here.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

from tests.support.server import server_flags

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parents[2]

#: The app reads its SQLite database file from here (storage/database.py).
SQLITE_PATH_ENV = "SPARK_CHECK_SQLITE_PATH"

#: Seconds to wait for ``/_stcore/health`` to answer 200 after starting the server.
STARTUP_TIMEOUT_S = 60.0
#: Seconds to wait for the server to exit after SIGTERM before sending SIGKILL.
STOP_TIMEOUT_S = 10.0
#: How much of each server log a failure message includes.
LOG_TAIL_CHARS = 8000

#: The attributes Streamlit 1.67 sets on ``<div data-testid="stApp">`` (checked in its
#: frontend bundle). Script states: initial, running, rerunRequested, stopRequested,
#: notRunning, compilationError. Connection states include CONNECTED.
#: A resume, device or join link in an address.
LINK_IN_URL = re.compile(r"[?&](r|d|join)=")
APP_IDLE_SELECTOR = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_CONNECTED_SELECTOR = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, limit: int = LOG_TAIL_CHARS) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "<no output>"
    if len(text) > limit:
        text = "...\n" + text[-limit:]
    return text or "<empty>"


class StreamlitServer:
    """One ``streamlit run`` process on 127.0.0.1 with its own SQLite database file.

    ``stop()``, ``kill()`` and ``restart()`` can be called in any order; ``restart()``
    starts again on the same port with the same database and environment.
    """

    def __init__(
        self,
        script: Path,
        *,
        port: int,
        db_path: Path,
        log_dir: Path,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.script = script
        self.port = port
        self.db_path = db_path
        self.log_dir = log_dir
        self.cwd = cwd
        self.extra_env: dict[str, str] = dict(env or {})
        self.extra_args: list[str] = list(extra_args)
        self.process: subprocess.Popen[bytes] | None = None
        self.stdout_path = log_dir / "stdout.log"
        self.stderr_path = log_dir / "stderr.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def health_url(self) -> str:
        return f"{self.url}/_stcore/health"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            *server_flags(self.port),
            *self.extra_args,
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # DATABASE_URL would win over the SQLite file; a caller that wants PostgreSQL
        # passes env={"DATABASE_URL": postgres_url} explicitly.
        env.pop("DATABASE_URL", None)
        env[SQLITE_PATH_ENV] = str(self.db_path)
        env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        return env

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def is_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def logs(self) -> str:
        """stdout and stderr of every run of this server so far (tails)."""
        return f"--- stderr ---\n{_tail(self.stderr_path)}\n--- stdout ---\n{_tail(self.stdout_path)}"

    def start(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Start the server and wait until its health endpoint answers 200; fail the test otherwise."""
        if self.is_running():
            raise RuntimeError(f"Streamlit server on port {self.port} is already running")
        if not self.script.is_file():
            pytest.fail(f"Streamlit script not found: {self.script}", pytrace=False)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with self.stdout_path.open("ab") as stdout, self.stderr_path.open("ab") as stderr:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.cwd,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,  # own process group: stop()/kill() reach any children too
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            returncode = self.process.poll()
            if returncode is not None:
                self._fail_start(f"exited with code {returncode} before becoming healthy")
            if self.is_healthy():
                return
            time.sleep(0.2)
        self._fail_start(f"did not answer 200 on {self.health_url} within {timeout:.0f} s")

    def _fail_start(self, reason: str) -> None:
        command = " ".join(self.command())
        self.kill()
        pytest.fail(
            f"Streamlit server {reason}.\ncommand: {command}\ncwd: {self.cwd}\n{self.logs()}",
            pytrace=False,
        )

    def _signal_group(self, sig: signal.Signals) -> None:
        # Only while the leader is alive and unreaped: its pid (= the group id)
        # cannot have been reused by an unrelated process then.
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Terminate gracefully (SIGTERM), escalating to SIGKILL after ``timeout`` seconds."""
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """Simulate a crash: SIGKILL the server's whole process group at once."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)

    def restart(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Stop (if running) and start again on the same port, database and environment."""
        self.stop()
        self.start(timeout=timeout)


class StreamlitServerFactory(Protocol):
    """Type of the ``streamlit_server`` fixture."""

    def __call__(
        self,
        script: str | os.PathLike[str] = "app.py",
        *,
        env: Mapping[str, str] | None = None,
        db_path: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> StreamlitServer: ...


def wait_for_app_idle(page: Page, *, timeout_ms: float | None = None, settle_ms: int = 100) -> None:
    """Wait until the app is connected and Streamlit has finished (re)running the script.

    After a click, the frontend keeps reporting "notRunning" until the server's
    "script started" message arrives, so this waits, pauses ``settle_ms`` and waits
    again. Still, prefer ``expect(locator).to_be_visible()`` for what a click should
    show: Playwright's assertions retry until the content appears.
    """
    page.wait_for_selector(APP_CONNECTED_SELECTOR, state="attached", timeout=timeout_ms)
    page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=timeout_ms)
    if settle_ms:
        page.wait_for_timeout(settle_ms)
        page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=timeout_ms)


def open_app(page: Page, url: str, *, timeout_ms: float | None = None) -> None:
    """Navigate to a Streamlit app and wait for its first script run to finish."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    if LINK_IN_URL.search(url):
        # The tab takes a link out of the address and reloads (docs/SECURITY.md, "How links are carried").
        page.wait_for_url(lambda address: not LINK_IN_URL.search(address), timeout=timeout_ms)
    wait_for_app_idle(page, timeout_ms=timeout_ms)


def held_link(page: Page) -> str:
    """The link the tab keeps (never in the address: docs/SECURITY.md, "How links are
    carried") as a query string: ``r=TOKEN``, ``d=TOKEN`` or ``join=CODE``."""
    held = str(page.evaluate("sessionStorage.getItem('spark-link') || ''"))
    assert held[:2] in ("r.", "d.", "j."), held
    param = {"r": "r", "d": "d", "j": "join"}[held[0]]
    return f"{param}={held[2:]}"
