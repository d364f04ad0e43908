"""Replicas behind HAProxy, run with ``deploy/haproxy.cfg``: shared by the replica tests and benchmark.

:class:`HAProxy` starts Debian's ``/usr/sbin/haproxy`` in the foreground with the
deploy's own files, laid out as the containers run them (``deploy/haproxy-global.cfg``
then ``deploy/haproxy.cfg``); only the environment differs (where to listen, which
replicas, the stats socket: see the files' headers). :meth:`HAProxy.admin` speaks to
its stats socket, as an operator draining a replica does. :func:`postgres_database`
makes a fresh PostgreSQL database for one run and drops it again (replicas of the app
behind HAProxy: ``tests.support.replicas``). Only loopback addresses.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
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
#: The global section the containers (and these tests) put before it; a Debian host uses its own.
HAPROXY_GLOBAL = REPO_ROOT / "deploy" / "haproxy-global.cfg"
#: The sticky cookie HAProxy sets (``cookie`` in deploy/haproxy.cfg); its value names the replica.
STICKY_COOKIE = "sc_replica"
#: The replicas' names in deploy/haproxy.cfg, in order: server ``a`` is SPARK_CHECK_REPLICA_A, and so on.
REPLICA_NAMES = ("a", "b", "c", "d")
BIND_ENV = "SPARK_CHECK_PROXY_BIND"
STATS_SOCKET_ENV = "SPARK_CHECK_STATS_SOCKET"
#: Settings of deploy/haproxy*.cfg that a run must not inherit from the caller's environment.
CONFIG_ENV_PREFIXES = (
    "SPARK_CHECK_REPLICA_",
    "SPARK_CHECK_PROXY_",
    "SPARK_CHECK_TLS_",
    "SPARK_CHECK_RESOLVER",
    "SPARK_CHECK_STATS_",
    "SPARK_CHECK_REDIRECT_",
    "SPARK_CHECK_HEALTH_",
)
STARTUP_TIMEOUT = 30.0


def haproxy_path() -> Path | None:
    """Debian's HAProxy, else one on the PATH; None when it is not installed."""
    if HAPROXY.exists():
        return HAPROXY
    found = shutil.which("haproxy")
    return Path(found) if found else None


def replica_env(name: str) -> str:
    return f"SPARK_CHECK_REPLICA_{name.upper()}"


def haproxy_environment(
    bind: str, replicas: Sequence[str], base: Mapping[str, str] | None = None, *, stats_socket: str
) -> dict[str, str]:
    """The environment that points deploy/haproxy.cfg at ``replicas`` (host:port each)."""
    if not 1 <= len(replicas) <= len(REPLICA_NAMES):
        raise ValueError(f"deploy/haproxy.cfg names 1 to {len(REPLICA_NAMES)} replicas, not {len(replicas)}")
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith(CONFIG_ENV_PREFIXES)}
    env[BIND_ENV] = bind
    env[STATS_SOCKET_ENV] = stats_socket
    for name, address in zip(REPLICA_NAMES, replicas, strict=False):
        env[replica_env(name)] = address
    return env


def compose_layout(binary: Path) -> list[str]:
    """``haproxy`` with the files as the containers load them (add ``-c`` to check, ``-db`` to run)."""
    return [str(binary), "-f", str(HAPROXY_GLOBAL), "-f", str(HAPROXY_CONFIG)]


class HAProxy:
    """HAProxy with deploy/haproxy-global.cfg and deploy/haproxy.cfg on a free 127.0.0.1 port,
    in front of ``replicas``, with its stats socket in a directory of its own."""

    def __init__(
        self,
        replicas: Sequence[str],
        log_path: Path,
        *,
        port: int | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.replicas = list(replicas)
        self.port = port or free_port()
        self.log_path = log_path
        #: More of the configuration's settings (SPARK_CHECK_TLS_CERT, ..._HEALTH_BIND, ...).
        self.extra_env = dict(extra_env or {})
        self.process: subprocess.Popen[bytes] | None = None
        # A short path: a Unix socket's may not exceed 107 bytes (pytest's tmp_path can).
        self.socket_dir = Path(tempfile.mkdtemp(prefix="sc-haproxy-"))
        self.stats_socket = self.socket_dir / "admin.sock"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        binary = haproxy_path()
        if binary is None:
            raise RuntimeError("HAProxy is not installed (apt-get install haproxy)")
        return [*compose_layout(binary), "-db"]

    def environment(self) -> dict[str, str]:
        env = haproxy_environment(f"127.0.0.1:{self.port}", self.replicas, stats_socket=str(self.stats_socket))
        return env | self.extra_env

    def start(self, timeout: float = STARTUP_TIMEOUT, *, until_routed: bool = True) -> HAProxy:
        """Start HAProxy and wait until it answers the health check through a replica
        (``until_routed``), or else until it accepts connections."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env=self.environment(),
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
                if not until_routed:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return self
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

    def admin(self, command: str) -> str:
        """One command on the stats socket (``set server replicas/a state drain``): its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(self.stats_socket))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""

    def stop(self, timeout: float = 10.0) -> None:
        stop_process_group(self.process, timeout)
        shutil.rmtree(self.socket_dir, ignore_errors=True)

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
