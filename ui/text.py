"""Showing text that came from outside (a file, a form) as plain text."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Escape Markdown so outside text shows literally: no links, images, HTML or LaTeX."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
