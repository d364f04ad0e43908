"""Core Web Vitals under 4x CPU throttling, beside the same pages drawn plainly: LCP p75 and INP p75.

Headless Chromium (``/usr/bin/chromium`` through Playwright), CPU slowed 4x with CDP
``Emulation.setCPUThrottlingRate`` (Lighthouse's mobile profile). Two servers run at once: the app,
and the welcome page and *Is it worth it?* drawn plainly (``pages.plain_script``, the page chosen by
a query parameter). Every page is first opened once, unthrottled and not measured: a server's first
run imports what the app needs (a second or more), which a person meets only after a restart. LCP:
a fresh context opens the page; the last ``largest-contentful-paint`` entry once the first run has
finished and the page is still, and which element it was; a load without one (Chromium now and
then reports none on a busy machine) is repeated, up to 3 times, then left out and counted. Loads
alternate between the pages, so a busy moment hits all of them. INP: real clicks on the first
question's options in turn (each changes and saves an answer), each once the page is idle; a
click's latency is the longest ``event`` entry with its ``interactionId`` (as the web-vitals library;
16 ms at least); p75 over the clicks. Also: click to rerun finished, p75. The script's state is read
from the page's ``data-test-script-state`` with every change in between (``attributeOldValue``), so a
short run is never missed. Google's "good" LCP is ≤ 2.5 s at p75: under 4x throttling Streamlit's
own frontend misses it for the plain pages too, so the goal is the plain page.
"""

from __future__ import annotations

import random
import tempfile
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks import pages
from benchmarks.common import APP, SEED, Goal, Options, Section, Server, Table, environment, ms, percentile
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

THROTTLE, TRIES = 4, 3
INP_GOAL = 0.200
TIMEOUT_MS = 120_000
RADIO = '[data-testid="stRadio"] label[data-testid="stRadioOption"]'

#: LCP (and its element), event timings by interaction, and every state of the app's script run.
OBSERVER = """
(() => {
  const v = (window.__vitals = { lcp: null, element: null, events: {}, states: [], clicks: [] });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const box = e.element && e.element.closest("[data-testid]");
      const words = ((e.element && e.element.textContent) || "").trim().split(/\\s+/).slice(0, 4).join(" ");
      [v.lcp, v.element] = [e.startTime, `${box ? box.dataset.testid : e.element ? e.element.tagName : "?"} “${words}…”`];
    }
  }).observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.interactionId) v.events[e.interactionId] = Math.max(v.events[e.interactionId] || 0, e.duration);
  }).observe({ type: "event", buffered: true, durationThreshold: 16 });
  document.addEventListener("click", () => v.clicks.push(performance.now()), true);
  const push = (state) => {
    const last = v.states[v.states.length - 1];
    if (state && (!last || last.state !== state)) v.states.push({ state, t: performance.now() });
  };
  new MutationObserver((records) => {
    for (const r of records) if (r.type === "attributes" && r.attributeName === "data-test-script-state") push(r.oldValue);
    const app = document.querySelector('[data-testid="stApp"]');
    push(app && app.getAttribute("data-test-script-state"));
  }).observe(document, {
    subtree: true, childList: true, attributes: true, attributeOldValue: true,
    attributeFilter: ["data-test-script-state"],
  });
})();
"""

#: Resolves with the time of the first ``notRunning`` after a ``running`` from index ``from``
#: of the state log, once the page has been still for ``quiet`` ms; null on timeout; -1 when
#: no run started within ``startTimeout`` ms (a click the frontend let pass).
SETTLED = """
async ({ from, quiet, timeout, startTimeout }) => {
  const began = performance.now();
  while (performance.now() < began + timeout) {
    const states = window.__vitals.states.slice(from);
    const ran = states.findIndex((s) => s.state === "running");
    if (ran < 0 && startTimeout && performance.now() - began > startTimeout) return -1;
    const done = ran < 0 ? null : states.slice(ran).find((s) => s.state === "notRunning");
    const last = states[states.length - 1];
    if (done && last.state === "notRunning" && performance.now() - last.t >= quiet) return done.t;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}
"""

#: Which of the first question's three options is chosen (None: none yet).
CHOSEN = """
(selector) => {
  const labels = Array.from(document.querySelectorAll(selector)).slice(0, 3);
  const index = labels.findIndex((label) => { const i = label.querySelector("input"); return Boolean(i && i.checked); });
  return index < 0 ? null : index;
}
"""


def _open(browser: Any, url: str, throttle: int = THROTTLE) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.add_init_script(OBSERVER)
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    if page.evaluate(SETTLED, {"from": 0, "quiet": 500, "timeout": TIMEOUT_MS, "startTimeout": 0}) is None:
        context.close()
        raise RuntimeError(f"{url} never finished its first run")
    return context, page


def lcp(browser: Any, url: str) -> tuple[float, str] | None:
    """(LCP in seconds, its element) of a fresh load; None when Chromium reported none, TRIES times."""
    for _ in range(TRIES):
        context, page = _open(browser, url)
        try:
            found = page.evaluate("[window.__vitals.lcp, window.__vitals.element]")
        finally:
            context.close()
        if found[0] is not None:
            return float(found[0]) / 1000, str(found[1])
    return None


def click(page: Any) -> tuple[float, float] | None:
    """Choose the first question's next option: (INP sample, click to rerun finished) in seconds;
    None when the frontend let five clicks in a row pass (no run)."""
    for attempt in range(5):
        chosen = page.evaluate(CHOSEN, RADIO)
        before = page.evaluate("({ s: window.__vitals.states.length, c: window.__vitals.clicks.length })")
        seen = set(page.evaluate("Object.keys(window.__vitals.events)"))
        page.locator(RADIO).nth(0 if chosen is None else (int(chosen) + 1) % 3).click(timeout=TIMEOUT_MS)
        # Patience doubles on each try (5 s up to 80 s): a busy machine that starts the run late is waited for.
        settled = {"from": before["s"], "quiet": 300, "timeout": TIMEOUT_MS, "startTimeout": 5000 * 2**attempt}
        done = page.evaluate(SETTLED, settled)
        if done is None:
            raise RuntimeError("a click never finished its run")
        if done >= 0:
            clicked = page.evaluate(f"window.__vitals.clicks[{before['c']}]")
            new = [float(d) for key, d in page.evaluate("window.__vitals.events").items() if key not in seen]
            return max([16.0, *new]) / 1000, (float(done) - float(clicked)) / 1000
    return None


def clicks(browser: Any, url: str, count: int) -> tuple[list[float], list[float], int]:
    """INP samples and click-to-rerun times (seconds) of ``count`` clicks, and how many were lost."""
    context, page = _open(browser, url)
    try:
        page.locator(RADIO).nth(2).wait_for(timeout=TIMEOUT_MS)
        click(page)  # the first answer creates the person's record: a warm-up
        found = [click(page) for _ in range(count)]
    finally:
        context.close()
    kept = [sample for sample in found if sample is not None]
    return [inp for inp, _ in kept], [rerun for _, rerun in kept], count - len(kept)


def run(options: Options) -> Section:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    loads, count = (1, 2) if options.quick else (10, 30)
    labels = {"welcome": ("welcome", "/"), "worth_it (questionnaire)": ("Is it worth it?", "/worth-it")}
    found: dict[str, list[float]] = {}  # "<page> lcp|inp|rerun" -> samples, in seconds
    elements: dict[str, Counter[str]] = {}  # page -> its LCP elements
    lost: Counter[str] = Counter()  # "<page> lcp|clicks" -> samples left out
    with tempfile.TemporaryDirectory(prefix="bench-browser-", dir=options.workdir) as tmp:
        with environment(SPARK_CHECK_SQLITE_PATH=str(Path(tmp) / "scratch.sqlite3"), DATABASE_URL=None):
            drawn = {label: pages.reach(label, random.Random(SEED)) for label in labels}
        script = Path(tmp) / "plain.py"
        script.write_text(pages.plain_script(drawn, "welcome"), encoding="utf-8")
        servers = [Server(APP, Path(tmp) / "app").launch(), Server(script, Path(tmp) / "plain").launch()]
        try:
            app, plain = (server.wait_until_healthy() for server in servers)
            urls = {}
            for label, (name, path) in labels.items():
                urls[name] = app.url + path
                urls[f"{name}, drawn plainly"] = f"{plain.url}/?{urllib.parse.urlencode({'page': label})}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
                for url in urls.values():  # warm-up: each server's first run, unthrottled, unmeasured
                    _open(browser, url, throttle=1)[0].close()
                for _ in range(loads):
                    for name, url in urls.items():
                        sample = lcp(browser, url)
                        found.setdefault(f"{name} lcp", []).extend([sample[0]] if sample else [])
                        elements.setdefault(name, Counter()).update([sample[1]] if sample else [])
                        lost[f"{name} lcp"] += sample is None
                for name in ("Is it worth it?", "Is it worth it?, drawn plainly"):
                    inp, rerun, lost[f"{name} clicks"] = clicks(browser, urls[name], count)
                    found[f"{name} inp"], found[f"{name} rerun"] = inp, rerun
                browser.close()
        finally:
            for server in servers:
                server.stop()
    p75 = {key: percentile(values, 75) for key, values in found.items()}
    columns = ["page", "LCP p75", "LCP element (most often)", "INP p75", "click to rerun finished p75", "samples"]
    table = Table(columns, f"Headless Chromium, CPU throttled {THROTTLE}x:")
    for name in urls:
        element = next(iter(elements[name].most_common(1)), ("–", 0))[0]
        clicked = f", clicks: {len(found[f'{name} inp'])}" if f"{name} inp" in found else ""
        figures = [ms(p75.get(f"{name} {key}", float("nan"))) for key in ("lcp", "inp", "rerun")]
        table.add(name, figures[0], element, *figures[1:], f"loads: {len(found[f'{name} lcp'])}{clicked}")
    goals = []
    for name in ("welcome", "Is it worth it?"):
        mine, theirs = p75[f"{name} lcp"], p75[f"{name}, drawn plainly lcp"]
        met = None if mine != mine or theirs != theirs else mine <= theirs
        goals.append(Goal(f"{name}: LCP p75", f"≤ the plain page's ({ms(theirs)})", ms(mine), met))
    inp_p75 = p75["Is it worth it? inp"]
    met = None if inp_p75 != inp_p75 else inp_p75 <= INP_GOAL
    goals.append(Goal("Is it worth it?: INP p75", "≤ 200 ms", ms(inp_p75), met))
    why = {"lcp": f"load(s) with no LCP entry in {TRIES} tries", "clicks": "click(s) that started no run in 5 tries"}
    left_out = [f"{key.rsplit(' ', 1)[0]}: {n} {why[key.rsplit(' ', 1)[1]]}" for key, n in lost.items() if n]
    notes = [f"Left out, not measured: {'; '.join(left_out)}."] if left_out else []
    return Section(__doc__ or "", [table], goals, notes)
