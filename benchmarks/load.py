"""Part 3: many people at once, over Streamlit's own websocket protocol (``stclient``).

For each N, a fresh server (``streamlit run`` through ``benchmarks.probe``,
on 127.0.0.1, a fresh SQLite file) gets N concurrent sessions. Each one is a
couple on one device going through the whole check-up as a person would:
open the app, start together, partner 1 answers both questionnaires section
by section, the predictions, finishes and shares, hands over; partner 2 does
the same; the comparison opens. Between two interactions it waits like a
person, a seeded random 1–3 s; sessions start spread over the first 3 s.
The baseline is the bare one-button app at the same N and pace, clicking as
many times as a couple flow interacts. The round trip of an interaction is
from sending the ``BackMsg`` to the ``script_finished`` of the run it caused
(after a ``st.switch_page`` or ``st.rerun``: of the run that follows).

Memory, from the server process itself (``benchmarks.probe``, after a full
garbage collection): *before* = after one warm-up flow (imports and caches
loaded), *with N open* = every flow done, all N sessions still connected,
*after* = all closed and gone. Streamlit keeps a closed session for
``server.disconnectedSessionTTL`` (120 s by default) in case its tab comes
back; the servers here run with a 2 s TTL so that "gone" is reached in the
benchmark's time, and one short session is opened and closed after the wait
(Streamlit drops expired sessions when it stores the next one), before both
*before* and *after*. RSS is VmRSS; per session = (with N open − before)/N.
The heap is ``sys.getallocatedblocks()``: Python's allocator's live blocks,
a count rather than bytes, but it is the Python heap and nothing else (RSS
hardly ever shrinks, as freed memory stays with the allocator); glibc's
malloc heap is reported beside it.

Only loopback addresses; every session stops after its flow or its first
error, every interaction times out after 60 s, and each run has a deadline.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.common import Goal, Options, Section, Table, ms, percentile, stamp, times
from benchmarks.server import APP, BARE, Server
from questions.loader import default_content
from tests.support.stclient import ProtocolError, Session

KEY = "load"
TITLE = "3. Load: concurrent sessions over the websocket protocol"
SESSION_TTL = 2
QUICK_SIZES = (2,)
GOAL_P95 = 0.250
GOAL_VS_BARE = 2.0
#: The load goal: sessions at a person's pace on 2 cores with p95 ≤ 250 ms and no errors.
GOAL_SESSIONS = 200
GOAL_MIB_PER_SESSION = 3.0
GOAL_HEAP = 0.10
RUN_DEADLINE = 45 * 60.0
SERVER_ARGS = ("--server.disconnectedSessionTTL", str(SESSION_TTL))


class Held(Exception):
    """The visitor's time is up (``deadline``): the flow stops there, and that is no error."""


@dataclass
class Visitor:
    """One simulated person: their session, their pace, what they measured."""

    session: Session
    rng: random.Random
    pace: tuple[float, float]
    times: list[float] = field(default_factory=list)
    error: str | None = None
    #: ``time.perf_counter()`` after which no new interaction starts (None: the whole flow).
    deadline: float | None = None

    async def step(self, action: Callable[[], Awaitable[float]]) -> None:
        low, high = self.pace
        if high > 0:
            await asyncio.sleep(self.rng.uniform(low, high))
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            raise Held
        self.times.append(await action())

    def expect(self, title: str) -> None:
        if self.session.page.title != title:
            raise ProtocolError(f"expected the page {title!r}, got {self.session.page.title!r}")


async def _answer_visible(visitor: Visitor, prefix: str) -> None:
    """Answer every radio whose key starts with ``prefix`` (safety questions on their safe side)."""
    content = default_content()
    session = visitor.session
    for widget in list(session.page.widgets):
        key = widget.key or ""
        if widget.kind != "radio" or not key.startswith(prefix):
            continue
        parts = key.split(":")
        option = visitor.rng.choice(widget.options)
        if parts[0] == "answer":
            item = content.questionnaire(parts[1]).item(parts[2])
            if item.safety or item.kind == "checklist":
                option = widget.options[0] if item.safety or visitor.rng.random() < 0.75 else widget.options[-1]
        await visitor.step(partial(session.choose, key, option))


async def couple_flow(visitor: Visitor) -> None:
    """Two partners on one device, from the welcome page to their comparison."""
    session = visitor.session
    await visitor.step(session.load)
    visitor.expect("Spark Check")
    await visitor.step(lambda: session.click("couple:one_device"))
    for partner in (1, 2):
        slot = f"p{partner}"
        visitor.expect("Our check-up")
        await visitor.step(lambda: session.click("home:worth_it"))
        visitor.expect("Is it worth it?")
        await _answer_visible(visitor, "answer:worth_it:")
        await visitor.step(partial(session.click, f"finish:worth_it:{slot}"))
        visitor.expect("Is our intimacy fading?")
        while True:
            await _answer_visible(visitor, "answer:intimacy:")
            if session.page.has(f"next:intimacy:{slot}"):
                await visitor.step(partial(session.click, f"next:intimacy:{slot}"))
            else:
                await visitor.step(partial(session.click, f"finish:intimacy:{slot}"))
                break
        visitor.expect("How I see my partner")
        await _answer_visible(visitor, "predict:")
        await visitor.step(lambda: session.click("predictions:next"))
        visitor.expect("Finish & share")
        await visitor.step(lambda: session.click("share:done"))
        if partner == 1:
            visitor.expect("Our check-up")
            await visitor.step(lambda: session.click("home:handover"))
    visitor.expect("Our comparison")


def bare_flow(clicks: int) -> Callable[[Visitor], Awaitable[None]]:
    async def flow(visitor: Visitor) -> None:
        session = visitor.session
        await visitor.step(session.load)
        for _ in range(clicks):
            await visitor.step(lambda: session.click("click"))

    return flow


@dataclass
class Level:
    target: str
    sessions: int
    times: list[float]
    errors: list[str]
    interactions_per_session: float
    seconds: float
    memory: dict[str, dict[str, Any]]

    def p(self, q: float) -> float:
        return percentile(self.times, q)

    def mib_per_session(self) -> float:
        grown = self.memory["open"]["rss_kib"] - self.memory["before"]["rss_kib"]
        return grown / 1024 / self.sessions

    def heap_change(self) -> float:
        before = self.memory["before"]["blocks"]
        return (self.memory["after"]["blocks"] - before) / before


async def _visit(
    url: str,
    flow: Callable[[Visitor], Awaitable[None]],
    rng: random.Random,
    pace: tuple[float, float],
    delay: float,
    *,
    deadline: float | None = None,
    cookies: dict[str, str] | None = None,
) -> Visitor:
    await asyncio.sleep(delay)
    visitor = Visitor(Session(url, cookies=cookies), rng, pace, deadline=deadline)
    try:
        await visitor.session.connect()
        await flow(visitor)
    except Held:
        pass
    except Exception as exc:  # a timeout, a closed socket, a page not as expected: an error, not a crash
        visitor.error = f"{type(exc).__name__}: {exc}"
    return visitor


async def _short_visit(url: str) -> None:
    session = Session(url)
    await session.connect()
    await session.load()
    await session.close()


async def _run_level(
    server: Server, target: str, flow: Callable[[Visitor], Awaitable[None]], sessions: int, options: Options
) -> Level:
    # Warm up (imports, caches, the database file), then let the warm-up session go.
    # (--quick opens the app once instead: it checks that things work, not what they cost.)
    if options.quick:
        await _short_visit(server.url)
    else:
        warm = await _visit(server.url, flow, random.Random(options.seed - 1), (0.0, 0.0), 0.0)
        if warm.error:
            raise RuntimeError(f"{target}: the warm-up flow failed: {warm.error}\n{server.logs()}")
        await warm.session.close()
    memory: dict[str, dict[str, Any]] = {}
    settle = 0.2 if options.quick else SESSION_TTL + 1.0
    await asyncio.sleep(settle)
    await _short_visit(server.url)
    await asyncio.sleep(0.5)
    memory["before"] = await asyncio.to_thread(server.probe)

    high = options.pace[1]
    spread = random.Random(options.seed)
    started = time.perf_counter()
    visitors = await asyncio.gather(
        *(
            _visit(
                server.url,
                flow,
                random.Random(options.seed + i),
                options.pace,
                spread.uniform(0, high) if high else 0.0,
            )
            for i in range(sessions)
        )
    )
    seconds = time.perf_counter() - started
    memory["open"] = await asyncio.to_thread(server.probe)
    await asyncio.gather(*(v.session.close() for v in visitors))
    await asyncio.sleep(settle)
    await _short_visit(server.url)
    await asyncio.sleep(0.5)
    memory["after"] = await asyncio.to_thread(server.probe)
    errors = [v.error for v in visitors if v.error]
    counts = [len(v.times) for v in visitors if not v.error]
    return Level(
        target=target,
        sessions=sessions,
        times=[t for v in visitors for t in v.times],
        errors=errors,
        interactions_per_session=sum(counts) / len(counts) if counts else 0.0,
        seconds=seconds,
        memory=memory,
    )


def run_level(target: str, sessions: int, options: Options, directory: Path, clicks: int = 0) -> Level:
    script = APP if target == "app" else BARE
    flow = couple_flow if target == "app" else bare_flow(clicks)
    with Server(script, directory / f"{target}-{sessions}", extra_args=(*SERVER_ARGS, *options.server_args)) as server:
        options.log(f"load: {target}, {sessions} sessions on {server.url}")
        return asyncio.run(asyncio.wait_for(_run_level(server, target, flow, sessions, options), RUN_DEADLINE))


def _kib(value: float) -> str:
    return f"{value / 1024:.1f} MiB"


def run(options: Options) -> Section:
    began = time.perf_counter()
    started = stamp()
    sizes = QUICK_SIZES if options.quick else options.load_sizes
    pace = (0.0, 0.0) if options.quick else options.pace
    options = Options(**{**options.__dict__, "pace": pace})
    latency = Table(
        [
            "N",
            "app: p50 / p95 / max",
            "bare: p50 / p95 / max",
            "p95 ratio",
            "errors app / bare",
            "interactions per session app / bare",
            "wall time app / bare",
        ],
        caption=f"Round trip per interaction (pace {pace[0]:g}–{pace[1]:g} s between interactions):",
    )
    memory = Table(
        [
            "N",
            "server",
            "RSS before / with N open / after",
            "RSS per session",
            "heap blocks before / with N open / after",
            "heap after vs before",
            "malloc heap before / open / after",
        ],
        caption="Server memory (after a full garbage collection each time):",
    )
    goals: list[Goal] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-", dir=options.workdir) as tmp:
        directory = Path(tmp)
        results: list[tuple[Level, Level]] = []
        for n in sizes:
            app = run_level("app", n, options, directory)
            clicks = max(1, round(app.interactions_per_session) - 1)
            bare = run_level("bare", n, options, directory, clicks=clicks)
            results.append((app, bare))
            latency.add(
                n,
                f"{ms(app.p(50))} / {ms(app.p(95))} / {ms(max(app.times, default=float('nan')))}",
                f"{ms(bare.p(50))} / {ms(bare.p(95))} / {ms(max(bare.times, default=float('nan')))}",
                times(app.p(95) / bare.p(95)),
                f"{len(app.errors)} / {len(bare.errors)}",
                f"{app.interactions_per_session:.0f} / {bare.interactions_per_session:.0f}",
                f"{app.seconds:.0f} s / {bare.seconds:.0f} s",
            )
            for level in (app, bare):
                m = level.memory
                malloc = [m[k].get("malloc_kib") for k in ("before", "open", "after")]
                memory.add(
                    n,
                    level.target,
                    " / ".join(_kib(m[k]["rss_kib"]) for k in ("before", "open", "after")),
                    f"{level.mib_per_session():.2f} MiB",
                    " / ".join(f"{m[k]['blocks']:,}" for k in ("before", "open", "after")),
                    f"{level.heap_change():+.1%}",
                    " / ".join(_kib(v) if v is not None else "–" for v in malloc),
                )
        for app, _bare in results:  # the break point: the largest N with p95 ≤ 250 ms and no errors
            n = app.sessions
            goals += [
                Goal(f"N = {n}: p95 round trip", f"≤ {GOAL_P95 * 1000:.0f} ms", ms(app.p(95)), app.p(95) <= GOAL_P95),
                Goal(f"N = {n}: errors", "0", str(len(app.errors)), not app.errors),
            ]
        held = [a.sessions for a, _ in results if a.p(95) <= GOAL_P95 and not a.errors]
        top = max(held, default=0)
        goals.append(
            Goal(
                "break point: most sessions held",
                f"≥ {GOAL_SESSIONS}",
                str(top) if held else "none",
                top >= GOAL_SESSIONS,
            )
        )
        app, bare = results[-1]
        n = app.sessions
        goals += [
            Goal(
                f"N = {n}: p95 vs the bare app",
                f"≤ {GOAL_VS_BARE:g}×",
                times(app.p(95) / bare.p(95)),
                app.p(95) <= GOAL_VS_BARE * bare.p(95),
            ),
            Goal(
                f"N = {n}: server memory per session (RSS)",
                f"≤ {GOAL_MIB_PER_SESSION:g} MiB",
                f"{app.mib_per_session():.2f} MiB",
                app.mib_per_session() <= GOAL_MIB_PER_SESSION,
            ),
            Goal(
                f"N = {n}: Python heap after the sessions close",
                f"within {GOAL_HEAP:.0%} of before",
                f"{app.heap_change():+.1%}",
                abs(app.heap_change()) <= GOAL_HEAP,
            ),
        ]
        notes = []
        for app, bare in results:
            for level in (app, bare):
                if level.errors:
                    notes.append(
                        f"Errors ({level.target}, N = {level.sessions}): " + "; ".join(sorted(set(level.errors))[:5])
                    )
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[latency, memory],
        goals=goals,
        notes=notes,
        machine={**started, "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
