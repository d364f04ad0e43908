"""The couple's downloads: the comparison as JSON and as a printable HTML report.

Both are built from a :class:`CoupleComparison`, which already holds only what
each partner chose to share and never a safety answer; nothing else is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from questions.loader import Content
from reporting.charts import (
    SHOWN_CATEGORIES,
    comparison_alt_text,
    comparison_rows,
    divergence_bars,
    divergence_legend,
    paired_bars,
    partner_legend,
)
from reporting.export import with_titles
from reporting.html_report import environment
from scoring.bands import BANDS_NOTE
from scoring.compare import CATEGORY_NOTE, CATEGORY_TITLES, CoupleComparison, prediction_reading
from scoring.results import to_jsonable

FORMAT = "spark-check-comparison"
SCHEMA_VERSION = 1


def comparison_json(comparison: CoupleComparison, names: Mapping[int, str], now: datetime | None = None) -> str:
    document: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "partners": {str(slot): name for slot, name in names.items()},
        "comparison": with_titles(_shared_only(to_jsonable(comparison))),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _shared_only(document: dict[str, Any]) -> dict[str, Any]:
    """Importance ratings and guesses appear only for a partner who shared them (share
    level "items"), and a partner's own guesses in the file from their own device: otherwise
    the comparison holds nothing for them, and so neither does the file, not even an empty entry."""
    for scale in document["scales"]:
        for key in ("importance", "predictions"):
            scale[key] = {slot: value for slot, value in scale[key].items() if value is not None}
    return document


def prediction_rows(comparison: CoupleComparison, names: Mapping[int, str]) -> list[dict[str, str]]:
    """How each partner read the other, one row per topic: each guess beside the other's
    own score, in words. A topic nobody guessed (or whose score wasn't shared) is left out."""
    columns = {guesser: f"{possessive(names[guesser])} guess" for guesser in (1, 2)}
    rows: list[dict[str, str]] = []
    for scale in comparison.scales:
        cells = {}
        for guesser, other in ((1, 2), (2, 1)):
            cells[columns[guesser]] = guess_text(scale.predictions.get(guesser), scale.scores.get(other)) or "—"
        if any(cell != "—" for cell in cells.values()):
            rows.append({"Topic": scale.title, **cells})
    return rows


def guess_text(guess: float | None, actual: float | None) -> str | None:
    """One guess in words, beside the other's own score when there is one to compare."""
    if guess is None:
        return None
    reading = prediction_reading(guess, actual)
    if reading is None or actual is None:
        return f"{round(guess)} (no score of theirs to compare)"
    return f"{round(guess)} (their own score: {round(actual)}), {reading}"


def guess_cards(comparison: CoupleComparison, names: Mapping[int, str]) -> list[tuple[str, list[str]]]:
    """The guesses as cards: per topic with a guess, one line per partner who guessed."""
    cards = []
    for scale in comparison.scales:
        lines = [
            f"{possessive(names[guesser])} guess: {text}"
            for guesser, other in ((1, 2), (2, 1))
            if (text := guess_text(scale.predictions.get(guesser), scale.scores.get(other)))
        ]
        if lines:
            cards.append((scale.title, lines))
    return cards


def guesses_in_short(comparison: CoupleComparison, names: Mapping[int, str]) -> list[str]:
    """A line per partner who guessed: how many topics they read closely."""
    lines = []
    for guesser, other in ((1, 2), (2, 1)):
        readings = [prediction_reading(s.predictions.get(guesser), s.scores.get(other)) for s in comparison.scales]
        compared = [reading for reading in readings if reading is not None]
        if compared:
            closely = compared.count("read closely")
            lines.append(f"{names[guesser]} read {closely} of {len(compared)} topics closely.")
    return lines


def guesses_not_shown(comparison: CoupleComparison, names: Mapping[int, str], viewer_slot: int | None) -> list[str]:
    """Why a partner's guesses are not in the comparison, a line for each (what it holds was
    let through by scoring/visibility.py; the viewer's own guesses always are)."""
    lines = []
    for slot, name in sorted(names.items()):
        if any(scale.predictions.get(slot) is not None for scale in comparison.scales):
            continue
        level = comparison.shared.get(slot, "nothing")
        if slot == viewer_slot or level == "items":
            lines.append(f"{name} made no guesses.")
        elif level == "scores":
            lines.append(f"{name} chose to share topic scores only, so their guesses stay private.")
        else:
            lines.append(f"{name} didn't share results this time, so their guesses aren't shown.")
    return lines


YOU_SUFFIX = " (you)"


def possessive(name: str) -> str:
    """ "Name's", and "Your (Name's)" for "Name (you)": table headers read as words."""
    if name.endswith(YOU_SUFFIX):
        return f"Your ({name.removesuffix(YOU_SUFFIX)}'s)"
    return f"{name}'s"


def couple_report(
    content: Content,
    comparison: CoupleComparison,
    names: Mapping[int, str],
    viewer_safety_concern: bool = False,
    now: datetime | None = None,
    prepared_for: str | None = None,
) -> str:
    """``prepared_for``: a counselor's label for the couple, printed (escaped) in the header."""
    scored = [s for s in comparison.scales if any(v is not None for v in s.scores.values())]
    apart = [s for s in scored if s.gap is not None]
    groups = {key: [s.title for s in comparison.scales if s.category == key] for key in SHOWN_CATEGORIES}
    return (
        environment()
        .get_template("couple_report.html.j2")
        .render(
            generated=(now or datetime.now(UTC)).strftime("%d %B %Y"),
            names=names,
            comparison=comparison,
            guidance=content.guidance,
            legend=partner_legend(names),
            paired=paired_bars(scored),
            paired_alt=comparison_alt_text(scored, names),
            divergence_legend=divergence_legend(names),
            divergence=divergence_bars(apart),
            rows=comparison_rows(comparison.scales, names),
            groups=groups,
            category_titles=CATEGORY_TITLES,
            category_note=CATEGORY_NOTE,
            bands_note=BANDS_NOTE,
            predictions=prediction_rows(comparison, names),
            safety=viewer_safety_concern,
            prepared_for=prepared_for,
        )
    )
