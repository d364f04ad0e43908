"""axe-core in the browser tests: the serious and critical accessibility violations on a page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Page

BLOCKING = ("serious", "critical")


def violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    wait_for_app_idle(page)
    result = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node['html'][:120]}"
        for v in result.response["violations"]
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]
