"""The break point, side by side in one run: N people at once on one replica and on two behind HAProxy, the app against the same pages drawn plainly.

Four deployments, each behind its own HAProxy (``tests.support.cluster``, ``deploy/haproxy.cfg``): the
app on one replica and on two, each on a fresh PostgreSQL database (``SPARK_CHECK_BENCH_POSTGRES_URL``,
else ``…_TEST_POSTGRES_URL``; without one: SQLite, and two replicas are not measured), and the plain
pages (``pages.plain_script``, the page chosen by a query parameter) on one and on two. For each N and
deployment in turn, each replica first gets one whole flow (pinned by the sticky cookie), then N
sessions (``tests.support.stclient``) open through HAProxy as a browser does, over 3 s: a couple on one
device through the whole check-up at a person's pace (a seeded 1–3 s between interactions); the
plain ones through the same pages in the same order, a choice for each radio (about 7 min a level). A
round trip: from the ``BackMsg`` to the ``script_finished`` of the run it caused (after a
``st.switch_page``, of the next). Also the replicas' CPU time per interaction (``/proc``) and memory
(``benchmarks.probe``, after a full GC) before, with N open, and after the sessions closed and expired
(2 s: ``server.disconnectedSessionTTL``). Loopback only; each interaction times out after 60 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import tempfile
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from benchmarks import common, pages
from benchmarks.common import APP, PACE, SEED, Goal, Options, Section, Server, Table, ms, percentile
from benchmarks.common import times as ratio
from questions.loader import default_content
from tests.support.cluster import REPLICA_NAMES, STICKY_COOKIE, HAProxy, haproxy_path, postgres_database
from tests.support.stclient import ProtocolError, Session

#: Concurrent sessions, by number of replicas.
SIZES, QUICK_SIZES = {1: (50, 100, 200), 2: (50, 100, 200, 300)}, (2,)
GOAL_P95, GOAL_RATIO, RATIO_UP_TO = 0.250, 1.5, 100  # the ratio goal: one replica, N ≤ 100
SERVER_ARGS = ("--server.disconnectedSessionTTL", "2")


@dataclass
class Visitor:
    session: Session
    rng: random.Random
    pace: tuple[float, float]
    times: list[float] = field(default_factory=list)
    error: str | None = None

    async def step(self, action: Callable[[], Awaitable[float]]) -> None:
        if self.pace[1] > 0:
            await asyncio.sleep(self.rng.uniform(*self.pace))
        self.times.append(await action())

    def expect(self, title: str) -> None:
        if self.session.page.title != title:
            raise ProtocolError(f"expected the page {title!r}, got {self.session.page.title!r}")

    async def answer(self, prefix: str = "") -> None:
        """Choose an option of every radio whose key starts with ``prefix`` (safety questions: the safe one)."""
        content = default_content()
        for widget in sorted((w for w in self.session.page.widgets if w.kind == "radio"), key=lambda w: w.key or ""):
            parts = (widget.key or "").split(":")
            if not (widget.key or "").startswith(prefix):
                continue
            option = self.rng.choice(widget.options)
            if parts[0] == "answer" and len(parts) > 2:
                item = content.questionnaire(parts[1]).item(parts[2])
                if item.safety or item.kind == "checklist":
                    option = widget.options[0 if item.safety or self.rng.random() < 0.75 else -1]
            await self.step(partial(self.session.choose, widget.key or "", option))


Flow = Callable[["Visitor"], Awaitable[None]]


async def couple_flow(visitor: Visitor) -> None:
    """Two partners on one device, from the welcome page to their comparison."""
    session = visitor.session
    await visitor.step(session.load)
    await visitor.step(lambda: session.click("couple:one_device"))
    for slot in ("p1", "p2"):
        visitor.expect("Our check-up")
        await visitor.step(lambda: session.click("home:worth_it"))
        await visitor.answer("answer:worth_it:")
        await visitor.step(partial(session.click, f"finish:worth_it:{slot}"))
        visitor.expect("Is our intimacy fading?")
        while session.page.has(f"next:intimacy:{slot}"):
            await visitor.answer("answer:intimacy:")
            await visitor.step(partial(session.click, f"next:intimacy:{slot}"))
        await visitor.answer("answer:intimacy:")
        await visitor.step(partial(session.click, f"finish:intimacy:{slot}"))
        visitor.expect("How I see my partner")
        await visitor.answer("predict:")
        await visitor.step(lambda: session.click("predictions:next"))
        await visitor.step(lambda: session.click("share:done"))
        if slot == "p1":
            await visitor.step(lambda: session.click("home:handover"))
    visitor.expect("Our comparison")


async def plain_flow(visitor: Visitor) -> None:
    """The same pages, drawn plainly, in the order the couple sees them (the welcome first)."""
    session = visitor.session
    parts = len(default_content().questionnaire("intimacy").sections)
    intimacy = ["intimacy, first part (questionnaire)"] * (parts - 1) + ["intimacy, last part (questionnaire)"]

    async def show(label: str) -> None:
        session.query_string = urllib.parse.urlencode({"page": label})
        await visitor.step(session.load)

    await visitor.step(session.load)
    for _partner in (1, 2):
        for label in ["worth_it (questionnaire)", *intimacy]:
            await show(label)
            await visitor.answer()
        await show("results")
    await show("comparison")


async def visit(url: str, flow: Flow, seed: int, pace: tuple[float, float], delay: float, **cookies: str) -> Visitor:
    """One person's whole flow (``cookies``: the sticky one, to pin it); an error ends it and is recorded, never raised."""
    await asyncio.sleep(delay)
    visitor = Visitor(Session(url, cookies=cookies), random.Random(seed), pace)
    try:
        await visitor.session.connect()
        await flow(visitor)
    except Exception as exc:  # a timeout, a closed socket, a page not as expected
        visitor.error = f"{type(exc).__name__}: {exc}"
    return visitor


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Deployment:
    """One script on some replicas behind HAProxy, and the flow its visitors go through."""

    proxy: HAProxy
    servers: dict[str, Server]  # replica name -> its server
    flow: Flow


def deployments(stack: contextlib.ExitStack, tmp: Path, counts: tuple[int, ...]) -> dict[tuple[int, str], Deployment]:
    """The app and the plain pages (drawn in AppTest on a scratch database), on each number of replicas."""
    with common.environment(SPARK_CHECK_SQLITE_PATH=str(tmp / "scratch.sqlite3"), DATABASE_URL=None):
        drawn = {label: pages.reach(label, random.Random(SEED)) for label in pages.PAGES}
    (tmp / "plain.py").write_text(pages.plain_script(drawn, "welcome"), encoding="utf-8")
    base_url, found = common.postgres_url(), {}
    for count in counts:
        for kind, script, flow in (("app", APP, couple_flow), ("plain", tmp / "plain.py", plain_flow)):
            env = {}
            if kind == "app" and base_url:
                env["DATABASE_URL"] = stack.enter_context(postgres_database(base_url, "spark_bench_load"))
            directory = tmp / f"{kind}-{count}"
            servers = {
                name: stack.enter_context(Server(script, directory / name, args=SERVER_ARGS, env=env))
                for name in REPLICA_NAMES[:count]
            }
            proxy = stack.enter_context(
                HAProxy([f"127.0.0.1:{s.port}" for s in servers.values()], directory / "proxy.log")
            )
            for name in servers:
                proxy.wait_until_routed(name)
            found[count, kind] = Deployment(proxy, servers, flow)
    return found


@dataclass
class Level:
    visitors: list[Visitor]
    cpu: float  # the replicas' CPU seconds while the sessions ran
    sessions: str  # per replica, as the sticky cookie tells
    rss: str  # all replicas: before / with N open / after
    mib: float  # RSS per session
    heap: float  # Python heap blocks after vs before

    @property
    def times(self) -> list[float]:
        return [t for v in self.visitors for t in v.times]

    @property
    def errors(self) -> list[str]:
        return [v.error for v in self.visitors if v.error]


async def _level(target: Deployment, n: int, options: Options) -> Level:
    pace, url, servers = (0.0, 0.0) if options.quick else PACE, target.proxy.url, target.servers

    async def probe() -> tuple[int, int]:
        found = [await asyncio.to_thread(server.probe) for server in servers.values()]
        return sum(probe["rss_kib"] for probe in found), sum(probe["blocks"] for probe in found)

    async def settled() -> tuple[int, int]:  # closed sessions expire when the next one is stored
        await asyncio.sleep(0.2 if options.quick else 3.0)
        for name in servers:
            flow = visit(url, lambda v: v.step(v.session.load), 0, (0, 0), 0, **{STICKY_COOKIE: name})
            await (await flow).session.close()
        return await probe()

    for name in servers:  # warm-up: one whole flow pinned to each replica
        warm = await visit(url, target.flow, SEED - 1, (0.0, 0.0), 0.0, **{STICKY_COOKIE: name})
        if warm.error or warm.session.cookies.get(STICKY_COOKIE) != name:
            raise RuntimeError(f"the warm-up on replica {name!r} failed: {warm.error}\n{target.proxy.logs()}")
        await warm.session.close()
    before = await settled()
    pids = [server.process.pid for server in servers.values() if server.process is not None]
    cpu, starts = sum(map(cpu_seconds, pids)), random.Random(SEED)
    visitors = await asyncio.gather(*(visit(url, target.flow, SEED + i, pace, starts.uniform(0, 3)) for i in range(n)))
    cpu = sum(map(cpu_seconds, pids)) - cpu
    opened = await probe()
    await asyncio.gather(*(v.session.close() for v in visitors))
    after = await settled()
    served = " / ".join(str(sum(v.session.cookies.get(STICKY_COOKIE) == name for v in visitors)) for name in servers)
    rss = " / ".join(f"{kib / 1024:.0f} MiB" for kib, _ in (before, opened, after))
    return Level(list(visitors), cpu, served, rss, (opened[0] - before[0]) / 1024 / n, after[1] / before[1] - 1)


def replicas(count: int) -> str:
    return f"{count} replica{'s' if count > 1 else ''}"


def chosen_sizes(options: Options, count: int) -> tuple[int, ...]:
    """The N to run on ``count`` replicas: ``--sizes`` (an ``R:N`` only on R replicas), else the default."""
    if options.sizes is None:
        return QUICK_SIZES if options.quick else SIZES[count]
    return tuple(n for on, n in options.sizes if on in (None, count))


def run(options: Options) -> Section:
    counts = (1, 2) if common.postgres_url() else (1,)
    sizes = {count: chosen_sizes(options, count) for count in counts}
    if not any(sizes.values()):
        return Section(__doc__ or "", notes=[f"Not measured: no size for {' or '.join(map(replicas, counts))}."])
    if haproxy_path() is None:
        return Section(__doc__ or "", notes=["Not measured: HAProxy is not installed (apt-get install haproxy)."])
    pace = "" if options.quick else " (a person's pace: 1–3 s between interactions)"
    columns = ["N", "replicas", "app: p50 / p95", "plain: p50 / p95", "p95 ratio", "errors app / plain"]
    columns += ["server CPU per interaction: app / plain", "interactions: app / plain"]
    latency = Table(columns, f"Round trip per interaction through HAProxy{pace}:")
    columns = ["N", "replicas", "server", "sessions per replica", "RSS before / with N open / after"]
    memory = Table([*columns, "RSS per session", "Python heap after vs before"], "Server memory (after a full GC):")
    goals, notes, held, first = [], [], dict.fromkeys(counts, 0), None
    target = f"≤ {GOAL_P95 * 1000:.0f} ms, 0 errors"
    with tempfile.TemporaryDirectory(prefix="bench-load-", dir=options.workdir) as tmp, contextlib.ExitStack() as stack:
        deploys = deployments(stack, Path(tmp), tuple(count for count in counts if sizes[count]))
        for n, count in sorted((n, c) for c in counts for n in sizes[c]):
            levels = {}
            for kind in ("app", "plain"):
                options.log(f"load: {kind} on {replicas(count)}, {n} sessions")
                level = levels[kind] = asyncio.run(asyncio.wait_for(_level(deploys[count, kind], n, options), 3600))
                memory.add(n, count, kind, level.sessions, level.rss, f"{level.mib:.2f} MiB", f"{level.heap:+.1%}")
                errors = "; ".join(sorted(set(level.errors))[:5])
                notes += [f"Errors ({kind}, {replicas(count)}, N = {n}): {errors}"] if errors else []
            app, plain = levels["app"], levels["plain"]
            p95, factor = percentile(app.times, 95), percentile(app.times, 95) / percentile(plain.times, 95)
            figures = [" / ".join(ms(percentile(level.times, q)) for q in (50, 95)) for level in (app, plain)]
            figures += [ratio(factor), f"{len(app.errors)} / {len(plain.errors)}"]
            figures += [" / ".join(ms(level.cpu / max(len(level.times), 1)) for level in (app, plain))]
            latency.add(n, count, *figures, f"{len(app.times)} / {len(plain.times)}")
            ok, name = p95 <= GOAL_P95 and not app.errors, f"{replicas(count)}, N = {n}"
            goals.append(Goal(f"{name}: p95, errors", target, f"{ms(p95)}, {len(app.errors)}", ok))
            if count == 1 and n <= RATIO_UP_TO:
                goals.append(
                    Goal(f"{name}: p95 vs the plain pages", f"≤ {GOAL_RATIO}×", ratio(factor), factor <= GOAL_RATIO)
                )
            held[count], first = max(held[count], n if ok else 0), first or app
    assert first is not None
    smallest, on = min((n, count) for count in counts for n in sizes[count])  # the level ``first`` is from
    name = f"{replicas(on)}, N = {smallest}"
    goals.append(Goal(f"{name}: RSS per session", "≤ 3 MiB", f"{first.mib:.2f} MiB", first.mib <= 3.0))
    goals.append(
        Goal(f"{name}: heap after the sessions close", "within 10%", f"{first.heap:+.1%}", abs(first.heap) <= 0.1)
    )
    if 2 not in counts:
        goals.append(Goal("2 replicas: p95, errors", target, "–", None))
        notes.append("Two replicas: not measured (they share one PostgreSQL: set SPARK_CHECK_BENCH_POSTGRES_URL).")
    most = "; ".join(f"{replicas(count)}: {held[count] or 'none'}" for count in counts if sizes[count])
    notes.append(f"Most sessions held (p95 ≤ {GOAL_P95 * 1000:.0f} ms, no errors), of the N run: {most}.")
    return Section(__doc__ or "", [latency, memory], goals, notes)
