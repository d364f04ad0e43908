"""The counselor's session cookie is set for the app's base URL path (``server.baseUrlPath``),
not for the whole site: another app on the same host never receives it."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import browser


@pytest.mark.parametrize(
    ("base", "path"),
    [
        ("", "/"),
        ("/", "/"),
        ("spark", "/spark"),
        ("/spark/", "/spark"),
        ("//apps//spark//", "/apps/spark"),
        ("a b;domain=evil", "/a%20b%3Bdomain%3Devil"),
    ],
)
def test_the_cookie_path_is_the_normalised_base_url_path(base: str, path: str) -> None:
    assert browser.cookie_path(base) == path


#: A page that keeps a token in the browser and, later, forgets it.
SCRIPT = """
from ui import browser

browser.remember_login("T" * 43)
browser.forget_login()
"""


def _container_ids(monkeypatch: pytest.MonkeyPatch, base: str) -> str:
    """The ids (which end in their keys) of the containers the two snippets read, with
    ``server.baseUrlPath`` set to ``base`` as the command line or config.toml would."""
    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda key: base if key == "server.baseUrlPath" else real(key))
    app = AppTest.from_string(SCRIPT).run()
    assert not app.exception
    return " ".join(block.proto.id for block in app.main.children.values())


def test_the_snippets_get_the_path_from_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _container_ids(monkeypatch, "/spark/")
    hex_path = b"/spark".hex()
    assert ids.endswith(f"forget_login_{hex_path}")
    assert f"counselor_session_{hex_path}_{'T' * 43}" in ids
