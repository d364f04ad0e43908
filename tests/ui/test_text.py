"""ui.text.plain: outside text shows literally in Streamlit's Markdown, and never as a link.

Streamlit renders Markdown with react-markdown and remark-gfm. Besides
``[text](url)`` and ``<url>``, GFM turns bare ``http(s)://…``, ``www.…`` and
e-mail addresses into links, and remark-gfm finds them in the text *after*
escapes are resolved (mdast-util-gfm-autolink-literal), so escaping alone
doesn't stop it. The regular expressions below are the ones in the Streamlit
frontend that is installed (checked by the first test); the browser test
``tests/e2e/test_import_e2e.py`` checks the rendered page has no link.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit

from ui.text import WORD_JOINER, plain

#: remark-gfm's "literal autolinks", as they stand in Streamlit's frontend bundle (JavaScript syntax).
BUNDLE_URL_PATTERN = r"/(https?:\/\/|www(?=\.))([-.\w]+)([^ \t\r\n]*)/gi"
BUNDLE_EMAIL_PATTERN = r"/(?<=^|\s|\p{P}|\p{S})([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)/gu"
# The same in Python: JavaScript's \w is ASCII; \p{P}|\p{S} (punctuation, symbols) widened to "not a word character".
URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE | re.ASCII)
EMAIL = re.compile(r"(?:(?<=^)|(?<=\W))([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)
#: A Markdown backslash escape, as the parser resolves it.
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")

HOSTILE = [
    "https://evil.example/login",
    "see http://evil.example or HTTPS://EVIL.EXAMPLE",
    "www.evil.example and WWW.Evil.Example/x",
    "write to help@evil.example",
    "mailto:help@evil.example",
    "https://user@evil.example/",
    "wwww.evil.example",
    "[click](https://evil.example) <https://evil.example> ![x](https://evil.example/x.png)",
    "<a href='https://evil.example'>x</a> **bold** $x^2$ :red[red] `code`",
]


def rendered_text(markdown: str) -> str:
    """The text a Markdown parser sees once backslash escapes are resolved."""
    return ESCAPE.sub(r"\1", markdown)


def test_the_patterns_are_the_ones_streamlit_uses() -> None:
    bundles = list((Path(streamlit.__file__).parent / "static").rglob("StreamlitMarkdown*.js"))
    assert bundles, "Streamlit's Markdown bundle not found"
    source = "".join(path.read_text(encoding="utf-8") for path in bundles)
    assert BUNDLE_URL_PATTERN in source
    assert BUNDLE_EMAIL_PATTERN in source


@pytest.mark.parametrize("text", HOSTILE)
def test_the_patterns_find_links_in_the_raw_text(text: str) -> None:
    raw = rendered_text(text.replace("\\", ""))
    assert URL.search(raw) or EMAIL.search(raw), "the check below would prove nothing"


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_has_no_autolink(text: str) -> None:
    shown = rendered_text(plain(text))
    assert URL.search(shown) is None
    assert EMAIL.search(shown) is None


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_reads_the_same(text: str) -> None:
    assert rendered_text(plain(text)).replace(WORD_JOINER, "") == text


def test_no_markdown_syntax_survives() -> None:
    shown = plain("[a](b) <b> **c** $d$ :red[e] # f")
    assert not re.search(r"(?<!\\)[\[\]()<>*$:#]", shown)
