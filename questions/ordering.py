"""Per-person item order, so partners don't answer in lockstep."""

from __future__ import annotations

import hashlib
import random

from questions.schema import Item, Section


def ordered_items(section: Section, seed: str | None) -> tuple[Item, ...]:
    """The section's items in a stable order for this seed.

    A shuffled section keeps its importance item last (it asks about the whole
    section); with no seed, or an unshuffled section, the file order is kept.
    """
    if not section.shuffle or not seed:
        return section.items
    movable = [i for i in section.items if i.kind != "importance"]
    fixed = [i for i in section.items if i.kind == "importance"]
    digest = hashlib.sha256(f"{seed}:{section.id}".encode()).digest()
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(movable)
    return (*movable, *fixed)
