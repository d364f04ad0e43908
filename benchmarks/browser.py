"""Part 2: in a real browser, Spark Check against a bare one-button Streamlit app, in the same run.

Both servers run at once (``streamlit run``, 127.0.0.1, the repository's
``.streamlit/config.toml``), each with its own fresh state, and headless
Debian Chromium (``/usr/bin/chromium`` through Playwright, never a
downloaded browser) measures them alternately:

* **first render**: a fresh browser context opens the app's root; from the
  start of navigation to the first time the app's script state
  (``data-test-script-state`` on ``stApp``) turns ``notRunning`` after a run;
* **click to rendered**: on the *Is it worth it?* page (the bare app: its
  button), a real mouse click on a radio option (the first question's
  options in turn, so every click changes and saves an answer) until the
  script state is ``notRunning`` again after the run the click caused. Each
  app has its own browser for this, and they are clicked in turn.

A third server runs the same page without the app (``replay``, as part 1
makes it: the page's own title, progress, radios with the same labels,
options and keys, buttons and sidebar navigation, and no app code, no
database), and is clicked in the same turns. The goal is against the bare
app; the same-page figure says how much of the rest is the app's own doing
and how much is the browser drawing what the page shows.

Times are taken inside the page (``performance.now()``; a MutationObserver
notes each state change as it happens), so Playwright's own round trips are
not in them. Reported: median and 90th percentile; the ratio is of the medians.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Goal, Options, Section, Table, median, ms, percentile, stamp, times
from benchmarks.server import APP, BARE, Server
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

KEY = "browser"
TITLE = "2. In a real browser (headless Chromium)"
GOAL = 1.5
LOADS, QUICK_LOADS = 10, 1
CLICKS, QUICK_CLICKS = 30, 2
TIMEOUT_MS = 60_000

#: Notes every change of the app's script state, with its time, as it happens.
OBSERVER = """
(() => {
  const bench = (window.__bench = { states: [], clicks: [] });
  // The moment a click reaches the page (capture phase, before any handler).
  document.addEventListener("click", () => bench.clicks.push(performance.now()), true);
  const note = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute("data-test-script-state") : null;
    const last = bench.states[bench.states.length - 1];
    if (state && (!last || last.state !== state)) bench.states.push({ state, t: performance.now() });
  };
  new MutationObserver(note).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-test-script-state"],
  });
})();
"""

#: Resolves with the time from index ``from`` of the state log to the first
#: ``notRunning`` that follows a run (``running``), or null on timeout.
SETTLED = """
async ({ from, t0, timeout, startTimeout }) => {
  const started = performance.now();
  const deadline = started + timeout;
  while (performance.now() < deadline) {
    const states = window.__bench.states.slice(from);
    const ran = states.findIndex((s) => s.state === "running");
    if (ran >= 0) {
      const done = states.slice(ran).find((s) => s.state === "notRunning");
      if (done) return done.t - t0;
    } else if (startTimeout && performance.now() - started > startTimeout) {
      return -1;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return null;
}
"""

#: Resolves once the app has been idle (``notRunning``, no state change) for ``quiet`` ms.
IDLE = """
async ({ quiet, timeout }) => {
  const deadline = performance.now() + timeout;
  while (performance.now() < deadline) {
    const states = window.__bench.states;
    const last = states[states.length - 1];
    if (last && last.state === "notRunning" && performance.now() - last.t >= quiet) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}
"""

#: Where the state log and the click log stand before a click.
MARK = "({ states: window.__bench.states.length, clicks: window.__bench.clicks.length })"
CHOSEN = """
({ selector, count }) => {
  const labels = Array.from(document.querySelectorAll(selector)).slice(0, count);
  const index = labels.findIndex((label) => {
    const input = label.querySelector("input");
    return Boolean(input && input.checked);
  });
  return index < 0 ? null : index;
}
"""


def _first_render(browser: Any, url: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(OBSERVER)
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        result = page.evaluate(SETTLED, {"from": 0, "t0": 0, "timeout": TIMEOUT_MS, "startTimeout": 0})
        if result is None:
            raise RuntimeError(f"{url} never finished its first run")
        return float(result) / 1000
    finally:
        context.close()


def _next_option(page: Any) -> int:
    """The option of the first question after the one chosen now (every click changes the answer)."""
    chosen = page.evaluate(CHOSEN, {"selector": APP_RADIO, "count": 3})
    return 0 if chosen is None else (int(chosen) + 1) % 3


def _click(page: Any, selector: str, artifacts: Path | None = None) -> tuple[float, int]:
    """Click as a person does (Playwright's real mouse click, once the target
    is visible, stable and enabled) and time, from the moment the click
    reached the page, until the run it caused has finished.

    Returns (seconds, clicks the frontend ignored first). Now and then the
    frontend lets a click pass without a rerun (the radio shows the new
    choice, no run starts); such a click is not timed, and the next option is
    clicked instead, up to 5 times. On failure a screenshot goes to
    ``artifacts``.
    """
    for ignored in range(5):
        # Like a person: click once the page has been still for a moment.
        if not page.evaluate(IDLE, {"quiet": 150, "timeout": TIMEOUT_MS}):
            raise RuntimeError("the app never became idle")
        index = _next_option(page) if selector == APP_RADIO else 0
        mark = page.evaluate(MARK)
        page.locator(selector).nth(index).click(timeout=TIMEOUT_MS)
        clicks = page.evaluate(f"window.__bench.clicks.slice({mark['clicks']})")
        if clicks:
            result = page.evaluate(
                SETTLED, {"from": mark["states"], "t0": clicks[0], "timeout": TIMEOUT_MS, "startTimeout": 3000}
            )
            if result is None:
                break
            if result >= 0:
                return float(result) / 1000, ignored
    states = page.evaluate("window.__bench.states.slice(-6)")
    if artifacts is not None:
        artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(artifacts / f"click-failed-{int(time.time())}.png"), full_page=True)
    raise RuntimeError(f"clicking {selector} never finished a run; last states {states}")


def _open(browser: Any, url: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(OBSERVER)
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    if page.evaluate(SETTLED, {"from": 0, "t0": 0, "timeout": TIMEOUT_MS, "startTimeout": 0}) is None:
        raise RuntimeError(f"{url} never finished its first run")
    return context, page


APP_RADIO = '[data-testid="stRadio"] label[data-testid="stRadioOption"]'
BARE_BUTTON = '[data-testid="stButton"] button'


def measure(
    options: Options, app_url: str, bare_url: str, artifacts: Path | None = None, same_url: str | None = None
) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    loads = QUICK_LOADS if options.quick else LOADS
    clicks = QUICK_CLICKS if options.quick else CLICKS
    found: dict[str, list[float]] = {
        "app load": [],
        "bare load": [],
        "app click": [],
        "bare click": [],
        "app ignored": [],
        "bare ignored": [],
        "same click": [],
        "same ignored": [],
    }
    with sync_playwright() as playwright:

        def launch() -> Any:
            return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)

        # One browser per app for the clicks: a page that is sent to the back
        # and brought forward again ignores some clicks for a while (Streamlit's
        # frontend re-checks its connection), and with two pages in one browser
        # only one can be in front.
        browser, app_browser, bare_browser = launch(), launch(), launch()
        same_browser = launch() if same_url else None
        try:
            for _ in range(loads):
                found["app load"].append(_first_render(browser, app_url + "/"))
                found["bare load"].append(_first_render(browser, bare_url + "/"))
            _app_context, app_page = _open(app_browser, app_url + "/worth-it")
            _bare_context, bare_page = _open(bare_browser, bare_url + "/")
            if app_page.locator(APP_RADIO).count() < 3:
                raise RuntimeError("the worth-it page shows no radio options")
            turns = [("app", app_page, APP_RADIO), ("bare", bare_page, BARE_BUTTON)]
            if same_browser is not None and same_url:
                _same_context, same_page = _open(same_browser, same_url + "/")
                turns.append(("same", same_page, APP_RADIO))
            # Warm-up: one click each (the first answer also creates the person's record).
            for _target, page, selector in turns:
                _click(page, selector, artifacts)
            for _ in range(clicks):
                # The first question's options in turn: every click changes and saves the answer.
                for target, page, selector in turns:
                    seconds, ignored = _click(page, selector, artifacts)
                    found[f"{target} click"].append(seconds)
                    found[f"{target} ignored"].append(float(ignored))
        finally:
            for each in (browser, app_browser, bare_browser, same_browser):
                if each is not None:
                    each.close()
    return found


def same_page_script(directory: Path, options: Options) -> Path:
    """The worth-it page as a plain script (part 1's replay): what it draws, none of the app."""
    import random

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
    began = time.perf_counter()
    started = stamp()
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="bench-browser-", dir=options.workdir) as tmp:
        directory = Path(tmp)
        app = Server(APP, directory / "app", extra_args=options.server_args)
        bare = Server(BARE, directory / "bare", extra_args=options.server_args)
        same = Server(same_page_script(directory / "same", options), directory / "same", extra_args=options.server_args)
        servers = (app, bare, same)
        try:
            for server in servers:
                server.launch()
            for server in servers:
                server.wait_until_healthy()
            options.log(f"browser: app on {app.url}, bare app on {bare.url}, same page on {same.url}")
            found = measure(
                options,
                app.url,
                bare.url,
                artifacts=(options.workdir or directory) / "browser-artifacts",
                same_url=same.url,
            )
        finally:
            for server in servers:
                server.stop()
    table = Table(
        ["measure", "Spark Check: median (p90)", "bare app: median (p90)", "ratio (medians)", "samples"],
        caption="Times inside the page (performance.now()):",
    )
    ratios: dict[str, float] = {}
    for what, label in (
        ("load", "first render (the app's root)"),
        ("click", "click to rendered (worth-it radio / the button)"),
    ):
        app_times, bare_times = found[f"app {what}"], found[f"bare {what}"]
        ratios[what] = median(app_times) / median(bare_times)
        table.add(
            label,
            f"{ms(median(app_times))} ({ms(percentile(app_times, 90))})",
            f"{ms(median(bare_times))} ({ms(percentile(bare_times, 90))})",
            times(ratios[what]),
            len(app_times),
        )
    same_table = Table(
        ["measure", "Spark Check: median (p90)", "the same page, no app: median (p90)", "ratio (medians)", "samples"],
        caption="The same clicks against the worth-it page drawn without the app (part 1's replay):",
    )
    app_clicks, same_clicks = found["app click"], found["same click"]
    same_ratio = median(app_clicks) / median(same_clicks)
    same_table.add(
        "click to rendered (worth-it radio)",
        f"{ms(median(app_clicks))} ({ms(percentile(app_clicks, 90))})",
        f"{ms(median(same_clicks))} ({ms(percentile(same_clicks, 90))})",
        times(same_ratio),
        len(same_clicks),
    )
    ignored = {target: int(sum(found[f"{target} ignored"])) for target in ("app", "bare", "same")}
    notes = [
        f"Clicks the frontend let pass without a rerun (not timed, clicked again): "
        f"Spark Check {ignored['app']}, bare app {ignored['bare']}, same page {ignored['same']}, "
        f"of {len(found['app click'])} each."
    ]
    goals = [
        Goal(
            "click to rendered on a questionnaire page",
            f"≤ {GOAL}× the bare app",
            times(ratios["click"]),
            ratios["click"] <= GOAL,
        )
    ]
    section = Section(
        key=KEY,
        title=TITLE,
        method=__doc__ or "",
        tables=[table, same_table],
        goals=goals,
        notes=notes,
        machine={**started, "load average after": stamp()["load average before"]},
    )
    section.seconds = time.perf_counter() - began
    return section
