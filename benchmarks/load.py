"""The break point: N people at once over Streamlit's websocket protocol, against the same pages drawn plainly.

For each N a fresh server (a fresh SQLite file) gets N concurrent sessions (``tests.support.stclient``),
started over the first 3 s. Each is a couple on one device going through the whole check-up at a
person's pace (a seeded 1–3 s between interactions): both partners answer both questionnaires, the
predictions, share, and the comparison opens. The plain server draws the app's own pages plainly
(``pages.plain_script``: the questionnaires, results and comparison in one script, the page chosen by
a query parameter) and its sessions go through them in the same order at the same pace: a page
change for each page the app moves to, a choice for each radio. A round trip is from sending the
``BackMsg`` to the ``script_finished`` of the run it caused (after a ``st.switch_page``: of the next).

Memory, from the server itself (``benchmarks.probe``, after a full garbage collection): before (one
warm-up flow done), with N open, and after they closed and expired (the servers keep a closed
session 2 s, ``server.disconnectedSessionTTL``, not Streamlit's 120 s). Loopback only; every
interaction times out after 60 s.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import pages
from benchmarks.common import APP, PACE, SEED, Goal, Options, Section, Server, Table, environment, ms, percentile
from benchmarks.common import spread as p50_p95_max
from benchmarks.common import times as ratio
from questions.loader import default_content
from tests.support.stclient import ProtocolError, Session

SIZES, QUICK_SIZES = (50, 100, 200), (2,)
GOAL_P95, GOAL_SESSIONS = 0.250, 200  # and at the first N: ≤ 1.5× the plain pages' p95, ≤ 3 MiB a session
SERVER_ARGS = ("--server.disconnectedSessionTTL", "2")


class Held(Exception):
    """The visitor's time is up (``deadline``): the flow stops there, and that is no error."""


@dataclass
class Visitor:
    session: Session
    rng: random.Random
    pace: tuple[float, float]
    deadline: float | None = None  # perf_counter() after which no interaction starts (None: the whole flow)
    times: list[float] = field(default_factory=list)
    error: str | None = None

    async def step(self, action: Callable[[], Awaitable[float]]) -> None:
        if self.pace[1] > 0:
            await asyncio.sleep(self.rng.uniform(*self.pace))
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            raise Held
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
    """The same pages, drawn plainly, in the order the couple sees them."""
    session = visitor.session
    sections = len(default_content().questionnaire("intimacy").sections)
    labels = list(pages.PAGES)  # worth_it, intimacy first, intimacy last, results, comparison

    async def show(label: str) -> None:
        session.query_string = urllib.parse.urlencode({"page": label})
        await visitor.step(session.load)

    await visitor.step(session.load)
    for _partner in (1, 2):
        for label in [labels[0], *[labels[1]] * (sections - 1), labels[2]]:
            await show(label)
            await visitor.answer()
        await show(labels[3])
    await show(labels[4])


def plain_app(directory: Path) -> Path:
    """The pages the couple sees, drawn plainly in one script (reached in AppTest on a scratch database)."""
    with environment(SPARK_CHECK_SQLITE_PATH=str(directory / "scratch.sqlite3"), DATABASE_URL=None):
        drawn = {label: pages.reach(label, random.Random(SEED)) for label in pages.PAGES}
    script = directory / "plain_pages.py"
    script.write_text(pages.plain_script(drawn, "worth_it"), encoding="utf-8")
    return script


async def visit(
    url: str, flow: Callable[[Visitor], Awaitable[None]], seed: int, pace: tuple[float, float], delay: float, **kw: Any
) -> Visitor:
    """One person's whole flow (or until ``deadline``); an error ends it and is recorded, never raised."""
    await asyncio.sleep(delay)
    visitor = Visitor(Session(url, cookies=kw.pop("cookies", None)), random.Random(seed), pace, **kw)
    try:
        await visitor.session.connect()
        await flow(visitor)
    except Held:
        pass
    except Exception as exc:  # a timeout, a closed socket, a page not as expected
        visitor.error = f"{type(exc).__name__}: {exc}"
    return visitor


@dataclass
class Level:
    visitors: list[Visitor]
    memory: dict[str, dict[str, int]]

    @property
    def times(self) -> list[float]:
        return [t for v in self.visitors for t in v.times]

    @property
    def errors(self) -> list[str]:
        return [v.error for v in self.visitors if v.error]

    def p95(self) -> float:
        return percentile(self.times, 95)

    def mib_per_session(self) -> float:
        return (self.memory["open"]["rss_kib"] - self.memory["before"]["rss_kib"]) / 1024 / len(self.visitors)

    def heap_change(self) -> float:
        return self.memory["after"]["blocks"] / self.memory["before"]["blocks"] - 1


async def _level(server: Server, flow: Callable[[Visitor], Awaitable[None]], n: int, options: Options) -> Level:
    pace = (0.0, 0.0) if options.quick else PACE

    async def settled() -> dict[str, int]:  # closed sessions expire when the next one is stored
        await asyncio.sleep(0.2 if options.quick else 3.0)
        await (await visit(server.url, lambda v: v.step(v.session.load), 0, (0, 0), 0)).session.close()
        return await asyncio.to_thread(server.probe)

    warm = await visit(server.url, flow, SEED - 1, (0.0, 0.0), 0.0)
    if warm.error:
        raise RuntimeError(f"the warm-up flow failed: {warm.error}\n{server.logs()}")
    await warm.session.close()
    memory = {"before": await settled()}
    starts = random.Random(SEED)
    visitors = await asyncio.gather(*(visit(server.url, flow, SEED + i, pace, starts.uniform(0, 3)) for i in range(n)))
    memory["open"] = await asyncio.to_thread(server.probe)
    await asyncio.gather(*(v.session.close() for v in visitors))
    memory["after"] = await settled()
    return Level(list(visitors), memory)


def run(options: Options) -> Section:
    sizes = QUICK_SIZES if options.quick else options.sizes or SIZES
    columns = ["N", "app: p50 / p95 / max", "plain: p50 / p95 / max", "p95 ratio", "errors app / plain"]
    pace = "" if options.quick else " (a person's pace: 1–3 s between interactions)"
    latency = Table([*columns, "interactions app / plain"], f"Round trip per interaction{pace}:")
    columns = ["N", "server", "RSS before / with N open / after", "RSS per session", "Python heap after vs before"]
    memory = Table(columns, "Server memory (after a full garbage collection each time):")
    goals, notes, held = [], [], [0]
    with tempfile.TemporaryDirectory(prefix="bench-load-", dir=options.workdir) as tmp:
        plain_script = plain_app(Path(tmp))
        for n in sizes:
            levels = {}
            for name, script, flow in (("app", APP, couple_flow), ("plain", plain_script, plain_flow)):
                with Server(script, Path(tmp) / f"{name}-{n}", args=SERVER_ARGS) as server:
                    options.log(f"load: {name}, {n} sessions on {server.url}")
                    levels[name] = level = asyncio.run(asyncio.wait_for(_level(server, flow, n, options), 3600))
                rss = " / ".join(f"{level.memory[k]['rss_kib'] / 1024:.0f} MiB" for k in ("before", "open", "after"))
                memory.add(n, name, rss, f"{level.mib_per_session():.2f} MiB", f"{level.heap_change():+.1%}")
                if level.errors:
                    notes.append(f"Errors ({name}, N = {n}): " + "; ".join(sorted(set(level.errors))[:5]))
            app, plain = levels["app"], levels["plain"]
            p95, factor, mib, heap = app.p95(), app.p95() / plain.p95(), app.mib_per_session(), app.heap_change()
            errors = f"{len(app.errors)} / {len(plain.errors)}"
            count = f"{len(app.times)} / {len(plain.times)}"
            latency.add(n, p50_p95_max(app.times), p50_p95_max(plain.times), ratio(factor), errors, count)
            goals += [
                Goal(f"N = {n}: p95 round trip", f"≤ {GOAL_P95 * 1000:.0f} ms", ms(p95), p95 <= GOAL_P95),
                Goal(f"N = {n}: errors", "0", str(len(app.errors)), not app.errors),
            ]
            if n == sizes[0]:
                goals += [
                    Goal(f"N = {n}: p95 vs the same pages drawn plainly", "≤ 1.5×", ratio(factor), factor <= 1.5),
                    Goal(f"N = {n}: server memory per session (RSS)", "≤ 3 MiB", f"{mib:.2f} MiB", mib <= 3.0),
                    Goal(
                        f"N = {n}: Python heap after the sessions close", "within 10%", f"{heap:+.1%}", abs(heap) <= 0.1
                    ),
                ]
            held += [n] if p95 <= GOAL_P95 and not app.errors else []
    top, unknown = max(held), max(held) == max(sizes) < GOAL_SESSIONS  # every N run held, none as large as the goal
    measured = f"{top} (the largest N run)" if unknown else str(top or "none")
    met = None if unknown else top >= GOAL_SESSIONS
    goals.append(Goal("break point: most sessions held", f"≥ {GOAL_SESSIONS}", measured, met))
    return Section(__doc__ or "", [latency, memory], goals, notes)
