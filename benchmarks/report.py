"""Writing docs/PERFORMANCE.md: generated sections between markers, the rest left as written.

Each benchmark's section sits between ``<!-- BEGIN benchmark:KEY -->`` and
``<!-- END benchmark:KEY -->``. Running some benchmarks replaces only their
sections (a missing one is added before ``<!-- END benchmarks -->``), so hand
written findings elsewhere in the file survive every run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import Section, Table

MACHINE_KEY = "machine"
END_OF_GENERATED = "<!-- END benchmarks -->"

TEMPLATE = f"""# Performance

Measured by `python -m benchmarks` (see `benchmarks/`); the sections between
`BEGIN benchmark`/`END benchmark` markers are rewritten by each run, the rest
of this file is written by hand.

{END_OF_GENERATED}
"""


def _begin(key: str) -> str:
    return f"<!-- BEGIN benchmark:{key} -->"


def _end(key: str) -> str:
    return f"<!-- END benchmark:{key} -->"


def machine_section(info: dict[str, str], command: str) -> str:
    table = Table(["", ""])
    for key, value in info.items():
        table.add(key, value)
    return f"## Machine\n\nThe last run, `{command}`, ran on:\n\n{table.markdown()}\n"


def replace_block(text: str, key: str, body: str) -> str:
    block = f"{_begin(key)}\n{body.rstrip()}\n{_end(key)}"
    pattern = re.compile(re.escape(_begin(key)) + r".*?" + re.escape(_end(key)), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _m: block, text, count=1)
    if END_OF_GENERATED in text:
        return text.replace(END_OF_GENERATED, f"{block}\n\n{END_OF_GENERATED}", 1)
    return text.rstrip() + f"\n\n{block}\n"


def write(path: Path, sections: Sequence[Section], info: dict[str, str], command: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else TEMPLATE
    text = replace_block(text, MACHINE_KEY, machine_section(info, command))
    for section in sections:
        text = replace_block(text, section.key, section.markdown())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
