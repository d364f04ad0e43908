"""Part 2: Core Web Vitals in headless Chromium under 4x CPU throttling, beside a plain page.

The web's own yardstick: interaction to next paint (INP) ≤ 200 ms at p75 and
largest contentful paint (LCP) ≤ 2.5 s at p75 ("good"). Headless Debian
Chromium (``/usr/bin/chromium`` through Playwright) with the CPU slowed 4x
(CDP ``Emulation.setCPUThrottlingRate``, as Lighthouse's mobile profile).

Two servers run at once (``streamlit run``, 127.0.0.1, the repository's
``.streamlit/config.toml``): Spark Check, and the same *Is it worth it?* page
drawn by a plain script (part 1's replay: the page's title, progress, radios
with the same labels and keys, buttons and sidebar navigation, no app code,
no database). For each page:

* **LCP**: a fresh browser context opens the page; the last
  ``largest-contentful-paint`` entry once the app's first run has finished
  (``data-test-script-state`` back to ``notRunning``) and the page is still;
* **INP**: on the questionnaire page, real mouse clicks on the first
  question's options in turn (every click changes and saves an answer), each
  once the page has been idle; an interaction's latency is the longest
  ``event`` entry with its ``interactionId`` (PerformanceObserver, as the
  web-vitals library; under 16 ms counts as 16 ms, the smallest the browser
  reports). Each click is one sample; p75 over them.

The app's root (the welcome page) gets LCP too. Also reported: click to
rerun finished (the click until the run it caused is over), p75.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Goal, Options, Section, Table, ms, percentile, stamp
from benchmarks.server import APP, Server
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

KEY = "browser"
TITLE = "2. Core Web Vitals in headless Chromium (4x CPU throttling)"
THROTTLE = 4
INP_GOAL, LCP_GOAL = 0.200, 2.5
LOADS, QUICK_LOADS = 10, 1
CLICKS, QUICK_CLICKS = 30, 2
TIMEOUT_MS = 120_000
ARTIFACTS = Path(tempfile.gettempdir())
RADIO = '[data-testid="stRadio"] label[data-testid="stRadioOption"]'

#: LCP, event timings by interaction, and every change of the app's script state, as they happen.
OBSERVER = """
(() => {
  const v = (window.__vitals = { lcp: null, events: {}, states: [], clicks: [] });
  new PerformanceObserver((list) => { for (const e of list.getEntries()) v.lcp = e.startTime; })
    .observe({ type: "largest-contentful-paint", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.interactionId) v.events[e.interactionId] = Math.max(v.events[e.interactionId] || 0, e.duration);
  }).observe({ type: "event", buffered: true, durationThreshold: 16 });
  document.addEventListener("click", () => v.clicks.push(performance.now()), true);
  const note = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute("data-test-script-state") : null;
    const last = v.states[v.states.length - 1];
    if (state && (!last || last.state !== state)) v.states.push({ state, t: performance.now() });
  };
  new MutationObserver(note).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-test-script-state"],
  });
})();
"""

#: Resolves with the time of the first ``notRunning`` after a ``running`` from index ``from``
#: of the state log, once the page has been still for ``quiet`` ms; null on timeout; -1 when
#: no run started within ``startTimeout`` ms (the frontend now and then lets a click pass).
SETTLED = """
async ({ from, quiet, timeout, startTimeout }) => {
  const began = performance.now();
  const deadline = began + timeout;
  while (performance.now() < deadline) {
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

CHOSEN = """
(selector) => {
  const labels = Array.from(document.querySelectorAll(selector)).slice(0, 3);
  const index = labels.findIndex((label) => { const i = label.querySelector("input"); return Boolean(i && i.checked); });
  return index < 0 ? null : index;
}
"""


def _open(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.add_init_script(OBSERVER)
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    if page.evaluate(SETTLED, {"from": 0, "quiet": 500, "timeout": TIMEOUT_MS, "startTimeout": 0}) is None:
        context.close()
        raise RuntimeError(f"{url} never finished its first run")
    return context, page


def lcp(browser: Any, url: str) -> float:
    context, page = _open(browser, url)
    try:
        value = page.evaluate("window.__vitals.lcp")
        if value is None:
            raise RuntimeError(f"{url}: no largest-contentful-paint entry")
        return float(value) / 1000
    finally:
        context.close()


def clicks(browser: Any, url: str, count: int) -> tuple[list[float], list[float]]:
    """(INP sample per click, click to rerun finished per click), in seconds."""
    context, page = _open(browser, url)
    inp: list[float] = []
    rerun: list[float] = []
    try:
        try:
            page.locator(RADIO).nth(2).wait_for(timeout=TIMEOUT_MS)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "no-radios.png"), full_page=True)
            raise RuntimeError(f"{url} shows no radio options (screenshot: {ARTIFACTS})") from None
        for _ in range(count + 1):  # the first (creates the person's record) is a warm-up
            for _attempt in range(5):  # a click the frontend let pass (no run) is clicked again
                chosen = page.evaluate(CHOSEN, RADIO)
                before = page.evaluate("({ s: window.__vitals.states.length, c: window.__vitals.clicks.length })")
                seen = set(page.evaluate("Object.keys(window.__vitals.events)"))
                page.locator(RADIO).nth(0 if chosen is None else (int(chosen) + 1) % 3).click(timeout=TIMEOUT_MS)
                settled = {"from": before["s"], "quiet": 300, "timeout": TIMEOUT_MS, "startTimeout": 5000}
                done = page.evaluate(SETTLED, settled)
                if done is None:
                    raise RuntimeError(f"{url}: a click never finished a run")
                if done >= 0:
                    break
            else:
                raise RuntimeError(f"{url}: five clicks in a row started no run")
            clicked = page.evaluate(f"window.__vitals.clicks[{before['c']}]")
            events = page.evaluate("window.__vitals.events")
            new = [float(d) for key, d in events.items() if key not in seen]
            inp.append(max([16.0, *new]) / 1000)
            rerun.append((float(done) - float(clicked)) / 1000)
    finally:
        context.close()
    return inp[1:], rerun[1:]


def same_page_script(directory: Path, options: Options) -> Path:
    """The worth-it page as a plain script (part 1's replay): what it draws, none of the app."""
    from benchmarks import apptest_flows, replay
    from benchmarks.rerun import navigation, sqlite_database

    directory.mkdir(parents=True, exist_ok=True)
    with sqlite_database(directory):
        app = apptest_flows.reach_worth_it(random.Random(options.seed))
        text = replay.baseline_script(app.main, "worth_it", navigation(app, "worth_it"))
    script = directory / "same_page.py"
    script.write_text(text, encoding="utf-8")
    return script


def run(options: Options) -> Section:
    from playwright.sync_api import sync_playwright

    began = time.perf_counter()
    started = stamp()
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    loads = QUICK_LOADS if options.quick else LOADS
    count = QUICK_CLICKS if options.quick else CLICKS
    found: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-browser-", dir=options.workdir) as tmp:
        directory = Path(tmp)
        app = Server(APP, directory / "app", extra_args=options.server_args)
        plain = Server(
            same_page_script(directory / "plain", options), directory / "plain", extra_args=options.server_args
        )
        try:
            for server in (app, plain):
                server.launch()
            for server in (app, plain):
                server.wait_until_healthy()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
                try:
                    for _ in range(loads):  # alternately, so a busy moment hits both
                        found.setdefault("root lcp", []).append(lcp(browser, app.url + "/"))
                        found.setdefault("app lcp", []).append(lcp(browser, app.url + "/worth-it"))
                        found.setdefault("plain lcp", []).append(lcp(browser, plain.url + "/"))
                    found["app inp"], found["app rerun"] = clicks(browser, app.url + "/worth-it", count)
                    found["plain inp"], found["plain rerun"] = clicks(browser, plain.url + "/", count)
                finally:
                    browser.close()
        finally:
            for server in (app, plain):
                server.stop()

    def p75(key: str) -> float:
        return percentile(found[key], 75) if key in found else float("nan")

    table = Table(
        ["page", "LCP p75", "INP p75", "click to rerun finished p75", "samples (loads / clicks)"],
        caption=f"Headless Chromium, CPU throttled {THROTTLE}x:",
    )
    table.add("welcome (the app's root)", ms(p75("root lcp")), "–", "–", f"{loads} / –")
    table.add(
        "Is it worth it? (Spark Check)",
        ms(p75("app lcp")),
        ms(p75("app inp")),
        ms(p75("app rerun")),
        f"{loads} / {count}",
    )
    table.add(
        "the same page, plain script",
        ms(p75("plain lcp")),
        ms(p75("plain inp")),
        ms(p75("plain rerun")),
        f"{loads} / {count}",
    )
    goals = [
        Goal("welcome: LCP p75", "≤ 2.5 s", ms(p75("root lcp")), p75("root lcp") <= LCP_GOAL),
        Goal("Is it worth it?: LCP p75", "≤ 2.5 s", ms(p75("app lcp")), p75("app lcp") <= LCP_GOAL),
        Goal("Is it worth it?: INP p75", "≤ 200 ms", ms(p75("app inp")), p75("app inp") <= INP_GOAL),
    ]
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[table],
        goals=goals,
        machine={**started, "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
