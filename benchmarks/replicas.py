"""One replica against two behind HAProxy (deploy/haproxy.cfg), sharing one PostgreSQL.

HAProxy (``tests.support.cluster``) in front of one, then two, ``streamlit run app.py`` replicas on a
fresh PostgreSQL database (``SPARK_CHECK_BENCH_POSTGRES_URL``, else ``…_TEST_POSTGRES_URL``; without
one, or without HAProxy, the report says nothing was measured). Each replica first gets one couple's
whole flow, pinned by the sticky cookie. Then N sessions (``load.couple_flow``) open through HAProxy
as a browser does (the health check sets the sticky cookie; ``balance leastconn`` spreads them), start
over the first 3 s and are held for a fixed time at a person's pace. Per replica, from ``/proc``: its
CPU time while held, so CPU per interaction, and from that how many sessions at this pace one busy
core could serve (an upper bound from CPU alone: one replica per core, as a replica runs its scripts
under one GIL). The load generator, HAProxy and PostgreSQL share the machine.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    APP,
    PACE,
    SEED,
    Goal,
    Options,
    Section,
    Server,
    Table,
    ms,
    percentile,
    postgres_url,
    spread,
)
from benchmarks.load import GOAL_P95, SERVER_ARGS, Visitor, couple_flow, visit
from tests.support.cluster import REPLICA_NAMES, STICKY_COOKIE, HAProxy, haproxy_path, postgres_database

REPLICA_COUNTS, SIZES = (1, 2), (50, 100)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_by(visitor: Visitor) -> str:
    return visitor.session.cookies.get(STICKY_COOKIE, "?")


async def hold(proxy: HAProxy, servers: dict[str, Server], n: int, options: Options) -> dict[str, Any]:
    """N sessions held through HAProxy: the visitors, CPU seconds per process, each replica's RSS."""
    for name in servers:  # warm-up: one couple's whole flow (--quick: opening the app) pinned to each replica
        flow = (lambda v: v.step(v.session.load)) if options.quick else couple_flow
        warm = await visit(proxy.url, flow, SEED, (0, 0), 0, cookies={STICKY_COOKIE: name})
        if warm.error or served_by(warm) != name:
            raise RuntimeError(f"the warm-up on replica {name!r} failed: {warm.error}\n{proxy.logs()}")
        await warm.session.close()
    assert proxy.process is not None
    pids = {name: server.process.pid for name, server in servers.items() if server.process is not None}
    pids["HAProxy"] = proxy.process.pid
    before, own = {name: cpu_seconds(pid) for name, pid in pids.items()}, time.process_time()
    pace, starts = (0.0, 0.0) if options.quick else PACE, random.Random(SEED)
    deadline = time.perf_counter() + (5.0 if options.quick else options.hold)
    visitors = await asyncio.gather(
        *(visit(proxy.url, couple_flow, SEED + i, pace, starts.uniform(0, 3), deadline=deadline) for i in range(n))
    )
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    cpu["load generator"] = time.process_time() - own
    rss = {name: (await asyncio.to_thread(server.probe))["rss_kib"] for name, server in servers.items()}
    await asyncio.gather(*(v.session.close() for v in visitors))
    return {"visitors": visitors, "cpu": cpu, "rss_kib": rss}


def not_measured(reason: str) -> Section:
    goals = [Goal(f"{c} replica(s): p95 round trip", f"≤ {GOAL_P95 * 1000:.0f} ms", "–", None) for c in REPLICA_COUNTS]
    return Section(__doc__ or "", goals=goals, notes=[f"Not measured: {reason}."])


def run(options: Options) -> Section:
    base_url = postgres_url()
    if base_url is None:
        return not_measured("no PostgreSQL server named (SPARK_CHECK_BENCH_POSTGRES_URL)")
    if haproxy_path() is None:
        return not_measured("HAProxy is not installed (apt-get install haproxy)")
    columns = [
        "replicas",
        "N",
        "p50 / p95 / max",
        "errors",
        "interactions",
        "CPU s: replicas / HAProxy / load generator",
    ]
    latency = Table(columns, "Round trip per interaction through HAProxy:")
    columns = ["replicas", "N", "replica", "sessions", "interactions", "p95", "CPU per interaction"]
    per_replica = Table(
        [*columns, "sessions per busy core at a person's pace", "RSS with N open"],
        "Per replica (the sticky cookie says which replica served a session):",
    )
    goals, notes = [], []
    with (
        tempfile.TemporaryDirectory(prefix="bench-replicas-", dir=options.workdir) as tmp,
        postgres_database(base_url, "spark_bench_replicas") as database_url,
    ):
        for count in REPLICA_COUNTS:
            names, directory = list(REPLICA_NAMES[:count]), Path(tmp) / f"{count}-replicas"
            env = {"DATABASE_URL": database_url}
            servers = {name: Server(APP, directory / name, args=SERVER_ARGS, env=env).launch() for name in names}
            proxy = HAProxy([f"127.0.0.1:{s.port}" for s in servers.values()], directory / "haproxy.log")
            try:
                for server in servers.values():
                    server.wait_until_healthy()
                proxy.start()
                for name in names:
                    proxy.wait_until_routed(name)
                for n in (2,) if options.quick else options.sizes or SIZES:
                    options.log(f"replicas: {count} replica(s), {n} sessions through {proxy.url}")
                    level = asyncio.run(asyncio.wait_for(hold(proxy, servers, n, options), 1800))
                    visitors, cpu = level["visitors"], level["cpu"]
                    all_times = [t for v in visitors for t in v.times]
                    errors = [v.error for v in visitors if v.error]
                    latency.add(
                        count,
                        n,
                        spread(all_times),
                        len(errors),
                        len(all_times),
                        f"{sum(cpu[r] for r in names):.1f} / {cpu['HAProxy']:.1f} / {cpu['load generator']:.1f}",
                    )
                    for name in names:
                        served = [v for v in visitors if served_by(v) == name]
                        here = [t for v in served for t in v.times]
                        cpu_ms = cpu[name] * 1000 / len(here) if here else float("nan")
                        per_core = 1000 / cpu_ms * sum(PACE) / 2 if here else float("nan")
                        row = [count, n, name, len(served), len(here), ms(percentile(here, 95)), f"{cpu_ms:.1f} ms"]
                        per_replica.add(*row, f"{per_core:.0f}", f"{level['rss_kib'][name] / 1024:.0f} MiB")
                    p95 = percentile(all_times, 95)
                    goals += [
                        Goal(f"{count} replica(s), N = {n}: p95 round trip", "≤ 250 ms", ms(p95), p95 <= GOAL_P95),
                        Goal(f"{count} replica(s), N = {n}: errors", "0", str(len(errors)), not errors),
                    ]
                    if errors:
                        notes.append(f"Errors ({count} replica(s), N = {n}): " + "; ".join(sorted(set(errors))[:5]))
            finally:
                proxy.stop()
                for server in servers.values():
                    server.stop()
    return Section(__doc__ or "", [latency, per_replica], goals, notes)
