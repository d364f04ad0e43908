"""Smoke test of the e2e machinery: Streamlit server + Playwright + Debian Chromium."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import StreamlitServerFactory, open_app, wait_for_app_idle

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

SMOKE_APP = textwrap.dedent(
    """
    import os

    import streamlit as st

    st.title("Smoke test")
    st.text("db=" + os.environ.get("SPARK_CHECK_SQLITE_PATH", "<unset>"))
    if st.button("Ping"):
        st.write("pong")
    """
)


@pytest.fixture
def smoke_script(tmp_path: Path) -> Path:
    script = tmp_path / "smoke_app.py"
    script.write_text(SMOKE_APP, encoding="utf-8")
    return script


def test_button_click_shows_pong(page: Page, streamlit_server: StreamlitServerFactory, smoke_script: Path) -> None:
    from playwright.sync_api import expect

    server = streamlit_server(smoke_script)
    open_app(page, server.url)

    expect(page.get_by_role("heading", name="Smoke test")).to_be_visible()
    expect(page.get_by_text(f"db={server.db_path}", exact=True)).to_be_visible()
    expect(page.get_by_text("pong", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Ping").click()

    expect(page.get_by_text("pong", exact=True)).to_be_visible()
    wait_for_app_idle(page)


def test_server_kill_and_restart(page: Page, streamlit_server: StreamlitServerFactory, smoke_script: Path) -> None:
    from playwright.sync_api import expect

    server = streamlit_server(smoke_script, env={"SPARK_CHECK_SMOKE": "1"})
    port, db_path = server.port, server.db_path

    server.kill()
    assert server.process is not None
    assert server.process.returncode is not None
    assert not server.is_healthy()

    server.restart()
    assert (server.port, server.db_path) == (port, db_path)
    assert server.is_healthy()

    open_app(page, server.url)
    page.get_by_role("button", name="Ping").click()
    expect(page.get_by_text("pong", exact=True)).to_be_visible()
