"""CSV of a counselor's scores, safe to open in a spreadsheet (scoring.records.safe_cell)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from scoring.records import safe_cell


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    # The default "\r\n" terminator makes the writer quote any cell holding a CR
    # or LF, so a line break inside a cell can't start a new (unescaped) row.
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return buffer.getvalue()
