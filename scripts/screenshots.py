"""Take the README's screenshots: start the app on a throwaway database, answer
the questionnaires in headless Chromium, and save PNGs under docs/screenshots.

    python scripts/screenshots.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (after the path above)
from tests.support.server import free_port, server_flags, stop_process_group  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def idle(page: Page) -> None:
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_timeout(400)
    page.wait_for_selector(IDLE, state="attached")


def answer_page(page: Page, pick: int) -> None:
    for group in page.get_by_role("radiogroup").all():
        options = group.locator('label[data-testid="stRadioOption"]')
        count = options.count()
        options.nth(min(pick, count - 1) if pick >= 0 else 0).click()
        idle(page)


def main() -> None:
    from questions import default_content

    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    tmp = tempfile.mkdtemp()
    env = dict(os.environ, SPARK_CHECK_SQLITE_PATH=f"{tmp}/shots.sqlite3")
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", *server_flags(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(url)
            idle(page)
            page.screenshot(path=str(OUT / "welcome.png"), full_page=True)
            page.get_by_role("button", name="Start “Is it worth it?”").click()
            idle(page)
            answer_page(page, 0)
            page.get_by_role("button", name="See my results →").click()
            idle(page)
            page.goto(page.url.replace("/results", "/intimacy"))
            idle(page)
            sections = default_content().questionnaire("intimacy").sections
            for index in range(len(sections)):
                answer_page(page, 1 + index % 3 if index < len(sections) - 2 else 0)
                if index == 2:
                    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
                    phone.goto(page.url)
                    idle(phone)
                    phone.screenshot(path=str(OUT / "questionnaire-phone.png"), full_page=True)
                    phone.close()
                if index < len(sections) - 1:
                    page.get_by_role("button", name="Next →").click()
                    idle(page)
            page.get_by_role("button", name="See my results →").click()
            idle(page)
            page.wait_for_timeout(1500)  # let Plotly finish drawing
            page.screenshot(path=str(OUT / "results.png"), full_page=True)
            browser.close()
    finally:
        stop_process_group(server)
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
