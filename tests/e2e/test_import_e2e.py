"""Hostile result files imported in a real browser: one short line of plain text, no link, no crash."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest

from questions import default_content
from reporting.export import export_result
from tests.e2e.flows import click
from tests.e2e.helpers import StreamlitServerFactory, open_app

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

IMPORT = "Import — this replaces the answers saved here"
LINKS = "www.evil.example https://evil.example/x HTTP://EVIL.EXAMPLE help@evil.example"


def result_file(answer: object) -> bytes:
    document = json.loads(export_result(default_content(), {}))
    document["questionnaires"] = {"worth_it": {"version": 1, "answers": {"respect": answer}}}
    return json.dumps(document).encode()


def import_file(page: Page, raw: bytes) -> Locator:
    """Upload ``raw`` as a result file, press Import, and return the error shown."""
    from playwright.sync_api import expect

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "result.json", "mimeType": "application/json", "buffer": raw}]
    )
    expect(page.get_by_text("result.json")).to_be_visible()
    click(page, IMPORT)
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_have_count(1)
    expect(error).to_contain_text("Nothing was changed.")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    return error


def assert_one_short_plain_line(error: Locator) -> str:
    text = error.inner_text()
    assert "\n" not in text.strip(), text
    assert len(text) <= 230, len(text)
    assert error.locator("a").count() == 0, error.inner_html()
    return text


def test_hostile_result_files_get_one_short_plain_line(page: Page, streamlit_server: StreamlitServerFactory) -> None:
    from playwright.sync_api import expect

    server = streamlit_server()
    open_app(page, f"{server.url}/my-data")
    expect(page.get_by_role("heading", name="My data & downloads", level=1)).to_be_visible()

    # Links in an answer: shown as text, never as a link.
    text = assert_one_short_plain_line(import_file(page, result_file(LINKS)))
    shown = text.replace("\u2060", "")
    for part in ("www.evil.example", "https://evil.example/x", "help@evil.example"):
        assert part in shown, shown
    assert page.locator("a[href*='evil']").count() == 0

    # A 200 KB answer: clipped, and the page still answers.
    text = assert_one_short_plain_line(import_file(page, result_file("x" * 200_000)))
    assert re.search(r"x…", text), text

    # JSON nested 120,000 deep: a kind line, not Streamlit's error.
    text = assert_one_short_plain_line(import_file(page, b"[" * 120_000))
    assert "nested too deeply" in text
