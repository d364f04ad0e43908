"""Replicas behind HAProxy, run with ``deploy/haproxy.cfg``: shared by the replica test and benchmark.

:class:`HAProxy` starts Debian's ``/usr/sbin/haproxy`` in the foreground with the
deploy's own configuration file, the one ``compose.yaml`` mounts; only the
environment differs (where to listen, which replicas: see the file's header).
:func:`postgres_database` makes a fresh PostgreSQL database for one run and drops
it again. Only loopback addresses.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support import REPO_ROOT
from tests.support.server import free_port, stop_process_group

HAPROXY = Path("/usr/sbin/haproxy")
HAPROXY_CONFIG = REPO_ROOT / "deploy" / "haproxy.cfg"
#: The sticky cookie HAProxy sets (``cookie`` in deploy/haproxy.cfg); its value names the replica.
STICKY_COOKIE = "sc_replica"
#: The replicas' names in deploy/haproxy.cfg, in order: server ``a`` is SPARK_CHECK_REPLICA_A, and so on.
REPLICA_NAMES = ("a", "b", "c", "d")
BIND_ENV = "SPARK_CHECK_PROXY_BIND"
#: Settings of deploy/haproxy.cfg that a run must not inherit from the caller's environment.
CONFIG_ENV_PREFIXES = ("SPARK_CHECK_REPLICA_", "SPARK_CHECK_PROXY_", "SPARK_CHECK_TLS_", "SPARK_CHECK_RESOLVER")
STARTUP_TIMEOUT = 30.0


def haproxy_path() -> Path | None:
    """Debian's HAProxy, else one on the PATH; None when it is not installed."""
    if HAPROXY.exists():
        return HAPROXY
    found = shutil.which("haproxy")
    return Path(found) if found else None


def replica_env(name: str) -> str:
    return f"SPARK_CHECK_REPLICA_{name.upper()}"


def haproxy_environment(bind: str, replicas: Sequence[str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment that points deploy/haproxy.cfg at ``replicas`` (host:port each)."""
    if not 1 <= len(replicas) <= len(REPLICA_NAMES):
        raise ValueError(f"deploy/haproxy.cfg names 1 to {len(REPLICA_NAMES)} replicas, not {len(replicas)}")
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith(CONFIG_ENV_PREFIXES)}
    env[BIND_ENV] = bind
    for name, address in zip(REPLICA_NAMES, replicas, strict=False):
        env[replica_env(name)] = address
    return env


class HAProxy:
    """``haproxy -db -f deploy/haproxy.cfg`` on a free 127.0.0.1 port, in front of ``replicas``."""

    def __init__(self, replicas: Sequence[str], log_path: Path, *, port: int | None = None) -> None:
        self.replicas = list(replicas)
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        binary = haproxy_path()
        if binary is None:
            raise RuntimeError("HAProxy is not installed (apt-get install haproxy)")
        return [str(binary), "-db", "-f", str(HAPROXY_CONFIG)]

    def start(self, timeout: float = STARTUP_TIMEOUT) -> HAProxy:
        """Start HAProxy and wait until it answers the health check through a replica."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env=haproxy_environment(f"127.0.0.1:{self.port}", self.replicas),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"HAProxy exited with code {self.process.returncode}:\n{self.logs()}")
            with contextlib.suppress(urllib.error.URLError, OSError):
                if self.get("/_stcore/health")[0] == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"HAProxy did not answer on {self.url} within {timeout:.0f} s:\n{self.logs()}")

    def get(self, path: str, cookies: Mapping[str, str] | None = None) -> tuple[int, dict[str, list[str]]]:
        """GET ``path`` through HAProxy: the status and the response headers (lower-case names)."""
        request = urllib.request.Request(self.url + path)
        if cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        with urllib.request.urlopen(request, timeout=10) as response:
            headers: dict[str, list[str]] = {}
            for name, value in response.headers.items():
                headers.setdefault(name.lower(), []).append(value)
            return response.status, headers

    def served_by(self, cookies: Mapping[str, str] | None = None) -> str:
        """Which replica HAProxy sends a request with ``cookies`` to, judged by the sticky cookie:
        a new one names the replica chosen; none means the one the request's cookie named."""
        status, headers = self.get("/_stcore/health", cookies)
        if status != 200:
            raise RuntimeError(f"the health check through HAProxy answered {status}")
        for header in headers.get("set-cookie", []):
            name, _, rest = header.partition("=")
            if name.strip() == STICKY_COOKIE:
                return rest.split(";", 1)[0]
        if cookies and STICKY_COOKIE in cookies:
            return cookies[STICKY_COOKIE]
        raise RuntimeError("HAProxy set no sticky cookie")

    def wait_until_routed(self, name: str, timeout: float = STARTUP_TIMEOUT) -> None:
        """Wait until a request pinned to replica ``name`` is served by it (its health check passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(urllib.error.URLError, OSError, RuntimeError):
                if self.served_by({STICKY_COOKIE: name}) == name:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"HAProxy did not route to replica {name!r} within {timeout:.0f} s:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def stop(self, timeout: float = 10.0) -> None:
        stop_process_group(self.process, timeout)

    def __enter__(self) -> HAProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def postgres_database(base_url: str, prefix: str) -> Iterator[str]:
    """A fresh, empty database on the server of ``base_url`` (its URL), dropped again afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
