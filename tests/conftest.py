"""Shared pytest fixtures for Spark Check.

Fixtures
--------
postgres_url (session)
    SQLAlchemy URL of an empty PostgreSQL test database, from the environment
    variable SPARK_CHECK_TEST_POSTGRES_URL (``.ci/run`` starts a server and sets it).
    Unset: the test is skipped locally and fails under CI=true.
browser (session)
    Headless Debian Chromium (/usr/bin/chromium) driven by Playwright's sync API.
    Missing: skipped locally, fails under CI=true. ``playwright install`` is never used.
page (function)
    A fresh browser context and page from ``browser``; on failure a screenshot is
    saved under test-artifacts/.
streamlit_server (function)
    Factory: ``streamlit_server(script="app.py", *, env=None, db_path=None, extra_args=())``
    starts ``streamlit run`` on a free 127.0.0.1 port with SPARK_CHECK_SQLITE_PATH set
    to a fresh file under ``tmp_path`` (and DATABASE_URL removed from the inherited
    environment; pass ``env={"DATABASE_URL": postgres_url}`` to use PostgreSQL) and
    returns a ``tests.e2e.helpers.StreamlitServer`` (``.url``, ``.port``, ``.process``,
    ``.db_path``, ``.stop()``, ``.kill()``, ``.restart()``, ``.logs()``). A relative
    script path is taken from the repository root, the server's working directory.
    Every server is stopped at teardown.

The tests directory is a package (``tests/__init__.py``), imported with the repository
root on sys.path (``pythonpath = ["."]``): import helpers as ``from tests.e2e.helpers
import ...``, and give every new test subdirectory an ``__init__.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.e2e.helpers import REPO_ROOT, StreamlitServer, StreamlitServerFactory, free_port
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

POSTGRES_URL_ENV = "SPARK_CHECK_TEST_POSTGRES_URL"
CHROMIUM_PATH = CHROMIUM
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"

_REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip locally; fail under CI=true, where every prerequisite must be present."""
    if running_in_ci():
        pytest.fail(f"{reason} (CI=true, so this is an error, not a skip)", pytrace=False)
    pytest.skip(reason)


#: Test folders whose every test is slow: real servers, browsers, crash loops, benchmarks.
SLOW_FOLDERS = ("e2e", "faults", "benchmarks", "deploy")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in a slow folder ``slow``: ``-m "not slow"`` is the quick inner loop."""
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        parts = item.path.resolve().relative_to(tests_dir).parts if item.path.is_relative_to(tests_dir) else ()
        if parts and parts[0] in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Remember each phase's report so fixtures can tell whether the test failed."""
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS_KEY, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        skip_or_fail(f"no PostgreSQL configured: set {POSTGRES_URL_ENV}")
    return url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM_PATH.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        yield page
        reports = request.node.stash.get(_REPORTS_KEY, {})
        if any(report.failed for report in reports.values()):
            ARTIFACTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
            try:
                page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"), full_page=True)
            except Exception as exc:  # a screenshot must never hide the real failure
                print(f"could not save a failure screenshot: {exc!r}")
    finally:
        context.close()


@pytest.fixture
def streamlit_server(tmp_path: Path) -> Iterator[StreamlitServerFactory]:
    servers: list[StreamlitServer] = []

    def start(
        script: str | os.PathLike[str] = "app.py",
        *,
        env: Mapping[str, str] | None = None,
        db_path: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> StreamlitServer:
        index = len(servers)
        server_dir = tmp_path / f"streamlit-server-{index}"
        server_dir.mkdir()
        script_path = Path(script)
        if not script_path.is_absolute():
            script_path = REPO_ROOT / script_path
        server = StreamlitServer(
            script_path,
            port=free_port(),
            db_path=db_path if db_path is not None else server_dir / "spark_check.sqlite3",
            log_dir=server_dir,
            env=env,
            extra_args=extra_args,
        )
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
