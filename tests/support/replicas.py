"""Replicas of app.py on one database behind HAProxy, for the tests (the benchmarks start their own).

:func:`running_cluster` starts two replicas (``tests.e2e.helpers.StreamlitServer``) at
once and :class:`~tests.support.cluster.HAProxy` in front of them, and stops them again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from storage import Store
from tests.e2e.helpers import StreamlitServer
from tests.support import REPO_ROOT
from tests.support.cluster import HAProxy
from tests.support.server import free_port

APP = REPO_ROOT / "app.py"


@dataclass
class Cluster:
    """Replicas of app.py (named as in deploy/haproxy.cfg) on one database, behind HAProxy."""

    database_url: str
    replicas: dict[str, StreamlitServer]
    proxy: HAProxy

    @property
    def url(self) -> str:
        return self.proxy.url

    def store(self) -> Store:
        return Store.from_url(self.database_url)  # migrates first, as a replica would, under the lock

    def ensure_all_up(self) -> None:
        """Restart any replica an earlier test killed, and wait until HAProxy routes to each."""
        for server in self.replicas.values():
            if not server.is_running():
                server.start()
        for name in self.replicas:
            self.proxy.wait_until_routed(name)


def start_together(servers: list[StreamlitServer]) -> None:
    """Launch every server at the same moment; return once all of them are healthy."""
    with ThreadPoolExecutor(len(servers)) as pool:
        for future in [pool.submit(server.start) for server in servers]:
            future.result()


def make_replicas(directory: Path, database_url: str, names: Sequence[str] = ("a", "b")) -> dict[str, StreamlitServer]:
    return {
        name: StreamlitServer(
            APP,
            port=free_port(),
            db_path=directory / f"unused-{name}.sqlite3",  # DATABASE_URL wins over it
            log_dir=directory / f"replica-{name}",
            env={"DATABASE_URL": database_url},
        )
        for name in names
    }


@contextlib.contextmanager
def running_cluster(directory: Path, database_url: str) -> Iterator[Cluster]:
    """Two replicas on ``database_url`` behind HAProxy, all started; stopped again afterwards."""
    replicas = make_replicas(directory, database_url)
    proxy = HAProxy([f"127.0.0.1:{r.port}" for r in replicas.values()], directory / "haproxy.log")
    try:
        start_together(list(replicas.values()))
        proxy.start()
        yield Cluster(database_url, replicas, proxy)
    finally:
        proxy.stop()
        for server in replicas.values():
            server.stop()
