"""Showing text that came from outside (a file, a form) as plain text."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
#: An invisible character that is not a word character, a space or punctuation.
WORD_JOINER = "\u2060"
# Streamlit's Markdown (react-markdown with remark-gfm) makes links of bare
# text: ``/(https?:\/\/|www(?=\.))…/i`` and e-mail addresses ``…@domain.tld``,
# in text nodes after escapes are resolved, so escaping can't stop it. A word
# joiner after "http", "www" and "@" breaks every such match.
_AUTOLINK_STARTS = re.compile(r"(?<=http)|(?<=www)|(?<=@)", re.IGNORECASE)


def plain(text: str) -> str:
    """Outside text to show literally in Markdown: no links (bare URLs included), images, HTML or LaTeX."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK_STARTS.sub(WORD_JOINER, text))
