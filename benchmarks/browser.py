"""Core Web Vitals under 4x CPU throttling, beside the same pages drawn plainly: LCP p75 and INP p75.

Headless Chromium (``/usr/bin/chromium`` through Playwright), CPU slowed 4x with CDP
``Emulation.setCPUThrottlingRate`` (Lighthouse's mobile profile). Two servers: the app, and the welcome
and *Is it worth it?* drawn plainly (``pages.plain_script``). Every page is first opened once,
unthrottled and unmeasured: a server's first run imports the app (a second or more), which a person
meets only after a restart. LCP: a fresh context opens the page; the last ``largest-contentful-paint``
entry (and its element) once the first run has finished and the page is still; a load without one (or
whose first run never finishes: a busy machine) is repeated up to 3 times, then left out and said to
be. Loads alternate between pages. INP: clicks on the first question's options in turn (each saves an
answer), each once the page is idle; a click's latency is the longest ``event`` entry of its
``interactionId`` (as web-vitals; 16 ms at least). Script states are read with every change
(``attributeOldValue``): no short run is missed. "Good" LCP is ≤ 2.5 s: under 4x throttling the plain
pages miss it too, so they are the goal.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import pages
from benchmarks.common import APP, SEED, Goal, Options, Section, Server, Table, environment, ms, percentile
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

THROTTLE, TRIES, INP_GOAL, TIMEOUT_MS = 4, 3, 0.200, 120_000
RADIO = '[data-testid="stRadio"] label[data-testid="stRadioOption"]'
#: LCP (and its element), event timings by interaction, and every state of the script run.
OBSERVER = """
(() => {
  const v = (window.__vitals = { lcp: null, element: null, events: {}, states: [] });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const box = e.element && e.element.closest("[data-testid]");
      const words = ((e.element && e.element.textContent) || "").trim().split(/\\s+/).slice(0, 4).join(" ");
      [v.lcp, v.element] = [e.startTime, `${box ? box.dataset.testid : "?"} “${words}…”`];
    }
  }).observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.interactionId) v.events[e.interactionId] = Math.max(v.events[e.interactionId] || 0, e.duration);
  }).observe({ type: "event", buffered: true, durationThreshold: 16 });
  const push = (state) => {
    const last = v.states[v.states.length - 1];
    if (state && (!last || last.state !== state)) v.states.push({ state, t: performance.now() });
  };
  new MutationObserver((records) => {
    for (const r of records) if (r.type === "attributes") push(r.oldValue);
    const app = document.querySelector('[data-testid="stApp"]');
    push(app && app.getAttribute("data-test-script-state"));
  }).observe(document, {
    subtree: true, childList: true, attributes: true, attributeOldValue: true,
    attributeFilter: ["data-test-script-state"],
  });
})();
"""
#: The time of the first ``notRunning`` after a ``running`` from index ``from`` of the states, once
#: the page has been still ``quiet`` ms; null on timeout; -1 when no run started within ``start`` ms.
SETTLED = """
async ({ from, quiet, timeout, start }) => {
  const began = performance.now();
  while (performance.now() < began + timeout) {
    const states = window.__vitals.states.slice(from);
    const ran = states.findIndex((s) => s.state === "running");
    if (ran < 0 && start && performance.now() - began > start) return -1;
    const done = ran < 0 ? null : states.slice(ran).find((s) => s.state === "notRunning");
    const last = states[states.length - 1];
    if (done && last.state === "notRunning" && performance.now() - last.t >= quiet) return done.t;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}
"""
#: Which of the first question's three options is chosen (null: none yet).
CHOSEN = "(s) => [...document.querySelectorAll(s)].slice(0, 3).findIndex((l) => l.querySelector('input:checked'))"


def _open(browser: Any, url: str, throttle: int = THROTTLE) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.add_init_script(OBSERVER)
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    if page.evaluate(SETTLED, {"from": 0, "quiet": 500, "timeout": TIMEOUT_MS, "start": 0}) is None:
        states = [state["state"] for state in page.evaluate("window.__vitals.states")]
        context.close()
        raise RuntimeError(f"{url} never finished its first run (the run's states: {states})")
    return context, page


def lcp(browser: Any, url: str) -> tuple[float, str] | None:
    """(LCP in seconds, its element) of a fresh load; None when, TRIES times, Chromium reported none."""
    for _ in range(TRIES):
        with contextlib.suppress(RuntimeError):  # a first run that never finished (a busy machine): tried again
            context, page = _open(browser, url)
            found = page.evaluate("[window.__vitals.lcp, window.__vitals.element]")
            context.close()
            if found[0] is not None:
                return float(found[0]) / 1000, str(found[1])
    return None


def click(page: Any) -> float | None:
    """Choose the first question's next option: its INP sample (seconds); None when five clicks in a
    row started no run (the frontend let them pass; patience doubles each try, 5 s up to 80 s)."""
    for attempt in range(5):
        option = (page.evaluate(CHOSEN, RADIO) + 1) % 3
        before, seen = page.evaluate("window.__vitals.states.length"), page.evaluate("window.__vitals.events")
        page.locator(RADIO).nth(option).click(timeout=TIMEOUT_MS)
        settled = {"from": before, "quiet": 300, "timeout": TIMEOUT_MS, "start": 5000 * 2**attempt}
        done = page.evaluate(SETTLED, settled)
        if done is None:
            raise RuntimeError("a click never finished its run")
        if done >= 0:
            new = [float(d) for key, d in page.evaluate("window.__vitals.events").items() if key not in seen]
            return max([16.0, *new]) / 1000
    return None


def run(options: Options) -> Section:
    from playwright.sync_api import sync_playwright

    loads, count = (1, 2) if options.quick else (10, 30)
    labels = {"welcome": ("welcome", "/"), "worth_it (questionnaire)": ("Is it worth it?", "/worth-it")}
    lcps: dict[str, list[tuple[float, str]]] = {}  # per page: (LCP, its element) of each load
    inps: dict[str, list[float | None]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-browser-", dir=options.workdir) as tmp:
        with environment(SPARK_CHECK_SQLITE_PATH=str(Path(tmp) / "scratch.sqlite3"), DATABASE_URL=None):
            drawn = {label: pages.reach(label, random.Random(SEED)) for label in labels}
        (Path(tmp) / "plain.py").write_text(pages.plain_script(drawn, "welcome"), encoding="utf-8")
        with (
            Server(APP, Path(tmp) / "app") as app,
            Server(Path(tmp) / "plain.py", Path(tmp) / "plain") as plain,
            sync_playwright() as playwright,
        ):
            urls = {}
            for label, (name, path) in labels.items():
                urls[name] = app.url + path
                urls[f"{name}, drawn plainly"] = f"{plain.url}/?{urllib.parse.urlencode({'page': label})}"
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            for url in urls.values():  # warm-up: each server's first run, unthrottled, unmeasured
                _open(browser, url, throttle=1)[0].close()
            for _ in range(loads):
                for name, url in urls.items():
                    lcps.setdefault(name, []).extend(filter(None, [lcp(browser, url)]))
            for name in ("Is it worth it?", "Is it worth it?, drawn plainly"):
                context, page = _open(browser, urls[name])
                click(page)  # the first answer creates the person's record: a warm-up
                inps[name] = [click(page) for _ in range(count)]
                context.close()
    p75 = {name: percentile([t for t, _ in found], 75) for name, found in lcps.items()}
    inp = {name: percentile([s for s in found if s is not None], 75) for name, found in inps.items()}
    table = Table(["page", "LCP p75", "LCP element (most often)", "INP p75", "samples"], f"CPU throttled {THROTTLE}x:")
    for name in urls:
        clicked = f", clicks: {sum(s is not None for s in inps[name])}" if name in inps else ""
        element = next(iter(Counter(e for _, e in lcps[name]).most_common(1)), ("–", 0))[0]
        table.add(name, ms(p75[name]), element, ms(inp.get(name, float("nan"))), f"loads: {len(lcps[name])}{clicked}")
    goals = []
    for name in ("welcome", "Is it worth it?"):
        mine, theirs = p75[name], p75[f"{name}, drawn plainly"]
        met = None if mine != mine or theirs != theirs else mine <= theirs
        goals.append(Goal(f"{name}: LCP p75", f"≤ the plain page's ({ms(theirs)})", ms(mine), met))
    value = inp["Is it worth it?"]
    goals.append(Goal("Is it worth it?: INP p75", "≤ 200 ms", ms(value), None if value != value else value <= INP_GOAL))
    left_out = [f"{name}: {n} load(s) with no LCP" for name in urls if (n := loads - len(lcps[name]))]
    left_out += [f"{name}: {n} click(s) with no run" for name, found in inps.items() if (n := found.count(None))]
    notes = [f"Left out after {TRIES} tries (a load) or 5 (a click), not measured: {'; '.join(left_out)}."]
    return Section(__doc__ or "", [table], goals, notes if left_out else [])
