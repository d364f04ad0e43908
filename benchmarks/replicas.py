"""Part 6: sessions held through HAProxy, on one replica and on two, sharing one PostgreSQL.

The set-up is deploy/'s: HAProxy runs ``deploy/haproxy.cfg`` (``tests.support.cluster``),
in front of one, then two, ``streamlit run app.py`` replicas (as in part 3, through
``benchmarks.probe``) on a fresh PostgreSQL database made for the run
(``SPARK_CHECK_BENCH_POSTGRES_URL``, else ``SPARK_CHECK_TEST_POSTGRES_URL``; without
one, or without HAProxy, nothing is measured and the report says so). Each replica
first gets one couple's whole flow, pinned to it by the sticky cookie (imports,
caches, the database's first queries).

Then N sessions, each a couple on one device as in part 3 (``load.couple_flow``),
open through HAProxy like a browser: the health check's answer sets the sticky
cookie, the websocket carries it, and HAProxy (``balance leastconn``) spreads the
sessions over the replicas. They start spread over the first 3 s and are *held* for
a fixed time at a person's pace (a seeded random 1–3 s between interactions): no
new interaction starts after it. The round trip of an interaction is part 3's.

Per replica, from ``/proc``: the CPU time its process used while the sessions
were held (user + system), and so the CPU it spends per interaction; from that,
how many sessions at this pace one fully used core could serve (1000 ms per
second / CPU ms per interaction × the mean seconds between two interactions of a
session). That is an upper bound from CPU alone, the figure a bigger machine
would scale from (one replica per core: a replica runs its sessions' scripts
under one GIL); the measured p95 on this machine is the real answer here. The
load generator, HAProxy and PostgreSQL share the same machine, and their CPU
time is reported beside it (PostgreSQL's as the machine's total minus the rest
is not attempted: it runs as other processes).

Only loopback addresses; every interaction times out after 60 s.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Goal, Options, Section, Table, ms, percentile, stamp
from benchmarks.dashboard import postgres_url
from benchmarks.load import GOAL_P95, SERVER_ARGS, Visitor, _visit, couple_flow
from benchmarks.server import APP, Server
from tests.support.cluster import REPLICA_NAMES, STICKY_COOKIE, HAProxy, haproxy_path, postgres_database

KEY = "replicas"
TITLE = "6. Replicas behind HAProxy: one against two"
REPLICA_COUNTS = (1, 2)
QUICK_SIZES = (2,)
QUICK_HOLD = 5.0
START_SPREAD = 3.0
LEVEL_DEADLINE = 15 * 60.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Level:
    replicas: int
    sessions: int
    visitors: list[Visitor]
    seconds: float
    #: CPU seconds while the sessions were held: per replica name, and "haproxy", "load generator".
    cpu: dict[str, float]
    #: Each replica's RSS with the N sessions open, KiB.
    rss_kib: dict[str, int]

    def times(self, replica: str | None = None) -> list[float]:
        return [t for v in self.visitors if replica is None or served_by(v) == replica for t in v.times]

    @property
    def errors(self) -> list[str]:
        return [v.error for v in self.visitors if v.error]

    def p(self, q: float, replica: str | None = None) -> float:
        return percentile(self.times(replica), q)


def served_by(visitor: Visitor) -> str:
    return visitor.session.cookies.get(STICKY_COOKIE, "?")


async def _warm_up(proxy: HAProxy, names: list[str], options: Options) -> None:
    """One couple's whole flow per replica, pinned to it (--quick: opening the app once)."""
    for name in names:
        pinned = {STICKY_COOKIE: name}
        visitor = await _visit(
            proxy.url, _open_only if options.quick else couple_flow, random.Random(0), (0, 0), 0, cookies=pinned
        )
        if visitor.error:
            raise RuntimeError(f"the warm-up on replica {name!r} failed: {visitor.error}\n{proxy.logs()}")
        if served_by(visitor) != name:
            raise RuntimeError(f"the warm-up pinned to replica {name!r} was served by {served_by(visitor)!r}")
        await visitor.session.close()


async def _open_only(visitor: Visitor) -> None:
    await visitor.step(visitor.session.load)


async def _hold(
    proxy: HAProxy, servers: dict[str, Server], sessions: int, pace: tuple[float, float], hold: float, seed: int
) -> Level:
    pids = {name: server.process.pid for name, server in servers.items() if server.process is not None}
    assert proxy.process is not None
    pids["haproxy"] = proxy.process.pid
    spread = random.Random(seed)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    own_before = time.process_time()
    started = time.perf_counter()
    deadline = started + hold
    visitors = await asyncio.gather(
        *(
            _visit(
                proxy.url,
                couple_flow,
                random.Random(seed + i),
                pace,
                spread.uniform(0, START_SPREAD) if pace[1] else 0.0,
                deadline=deadline,
            )
            for i in range(sessions)
        )
    )
    seconds = time.perf_counter() - started
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    cpu["load generator"] = time.process_time() - own_before
    rss = {name: int((await asyncio.to_thread(server.probe))["rss_kib"]) for name, server in servers.items()}
    await asyncio.gather(*(v.session.close() for v in visitors))
    return Level(len(servers), sessions, list(visitors), seconds, cpu, rss)


def _run_replicas(count: int, database_url: str, options: Options, directory: Path) -> list[Level]:
    names = list(REPLICA_NAMES[:count])
    servers = {
        name: Server(
            APP,
            directory / f"{count}-replicas" / name,
            extra_args=(*SERVER_ARGS, *options.server_args),
            env={"DATABASE_URL": database_url},
        )
        for name in names
    }
    proxy = HAProxy([f"127.0.0.1:{s.port}" for s in servers.values()], directory / f"{count}-replicas" / "haproxy.log")
    try:
        for server in servers.values():
            server.launch()
        for server in servers.values():
            server.wait_until_healthy()
        proxy.start()
        for name in names:
            proxy.wait_until_routed(name)
        asyncio.run(_warm_up(proxy, names, options))
        sizes = QUICK_SIZES if options.quick else options.replica_sizes
        hold = QUICK_HOLD if options.quick else options.hold_seconds
        levels = []
        for n in sizes:
            options.log(f"replicas: {count} replica(s), {n} sessions held {hold:g} s through {proxy.url}")
            levels.append(
                asyncio.run(
                    asyncio.wait_for(_hold(proxy, servers, n, options.pace, hold, options.seed + n), LEVEL_DEADLINE)
                )
            )
        return levels
    finally:
        proxy.stop()
        for server in servers.values():
            server.stop()


def _not_measured(reason: str, began: float, started: dict[str, str]) -> Section:
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        goals=[
            Goal(f"{c} replica(s): p95 round trip", f"≤ {GOAL_P95 * 1000:.0f} ms", "–", None) for c in REPLICA_COUNTS
        ],
        notes=[f"Not measured: {reason}."],
        machine=started,
    )
    section.seconds = time.perf_counter() - began
    return section


def run(options: Options) -> Section:
    began = time.perf_counter()
    started = stamp()
    pace = (0.0, 0.0) if options.quick else options.pace
    options = Options(**{**options.__dict__, "pace": pace})
    base_url = postgres_url()
    if base_url is None:
        return _not_measured("no PostgreSQL server named (SPARK_CHECK_BENCH_POSTGRES_URL)", began, started)
    if haproxy_path() is None:
        return _not_measured("HAProxy is not installed (apt-get install haproxy)", began, started)
    mean_gap = (pace[0] + pace[1]) / 2
    latency = Table(
        [
            "replicas",
            "N",
            "p50 / p95 / max",
            "errors",
            "interactions (per session)",
            "held",
            "CPU s: replicas / HAProxy / load generator",
        ],
        caption=f"Round trip per interaction through HAProxy (pace {pace[0]:g}–{pace[1]:g} s between interactions):",
    )
    per_replica = Table(
        [
            "replicas",
            "N",
            "replica",
            "sessions",
            "interactions",
            "p95",
            "CPU per interaction",
            "sessions per core at this pace (CPU bound)",
            "RSS with N open",
        ],
        caption="Per replica (the sticky cookie says which replica served a session):",
    )
    goals: list[Goal] = []
    notes: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-replicas-", dir=options.workdir) as tmp,
        postgres_database(base_url, "spark_bench_replicas") as database_url,
    ):
        for count in REPLICA_COUNTS:
            for level in _run_replicas(count, database_url, options, Path(tmp)):
                names = list(REPLICA_NAMES[:count])
                interactions = len(level.times())
                replica_cpu = sum(level.cpu[name] for name in names)
                latency.add(
                    count,
                    level.sessions,
                    f"{ms(level.p(50))} / {ms(level.p(95))} / {ms(max(level.times(), default=float('nan')))}",
                    len(level.errors),
                    f"{interactions} ({interactions / level.sessions:.0f})",
                    f"{level.seconds:.0f} s",
                    f"{replica_cpu:.1f} / {level.cpu['haproxy']:.1f} / {level.cpu['load generator']:.1f}",
                )
                for name in names:
                    served = [v for v in level.visitors if served_by(v) == name]
                    count_here = len(level.times(name))
                    cpu_ms = level.cpu[name] * 1000 / count_here if count_here else float("nan")
                    per_core = 1000 / cpu_ms * mean_gap if count_here and mean_gap else float("nan")
                    per_replica.add(
                        count,
                        level.sessions,
                        name,
                        len(served),
                        count_here,
                        ms(level.p(95, name)),
                        f"{cpu_ms:.1f} ms" if cpu_ms == cpu_ms else "–",
                        f"{per_core:.0f}" if per_core == per_core else "–",
                        f"{level.rss_kib[name] / 1024:.0f} MiB",
                    )
                goals += [
                    Goal(
                        f"{count} replica(s), N = {level.sessions}: p95 round trip",
                        f"≤ {GOAL_P95 * 1000:.0f} ms",
                        ms(level.p(95)),
                        level.p(95) <= GOAL_P95,
                    ),
                    Goal(
                        f"{count} replica(s), N = {level.sessions}: errors",
                        "0",
                        str(len(level.errors)),
                        not level.errors,
                    ),
                ]
                if level.errors:
                    notes.append(
                        f"Errors ({count} replica(s), N = {level.sessions}): "
                        + "; ".join(sorted(set(level.errors))[:5])
                    )
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[latency, per_replica],
        goals=goals,
        notes=notes,
        machine={**started, "cores": str(os.cpu_count()), "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
