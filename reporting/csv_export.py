"""CSV of a counselor's scores, safe to open in a spreadsheet.

A cell that begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return)
could run as a formula in Excel, LibreOffice or Sheets; such cells get a
leading apostrophe, the OWASP-recommended neutraliser.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    # The default "\r\n" terminator makes the writer quote any cell holding a CR
    # or LF, so a line break inside a cell can't start a new (unescaped) row.
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return buffer.getvalue()
