"""A partner's optional first name or nickname: what may be stored (never markup)."""

from __future__ import annotations

from storage.errors import StorageError

NICKNAME_MAX_LENGTH = 40
NICKNAME_PUNCTUATION = "'-.’"


class NicknameError(StorageError):
    """A nickname that can't be stored; its message is a kind sentence to show as it is."""


def clean_nickname(text: str) -> str | None:
    """A nickname as stored (spaces squeezed; None when empty). NicknameError when too long or
    holding anything but letters, digits, spaces and ' - . (so it is never markup anywhere)."""
    cleaned = " ".join(text.split())
    if len(cleaned) > NICKNAME_MAX_LENGTH:
        raise NicknameError(f"A name of at most {NICKNAME_MAX_LENGTH} characters, please.")
    if any(not (ch.isalnum() or ch == " " or ch in NICKNAME_PUNCTUATION) for ch in cleaned):
        raise NicknameError("Letters, digits, spaces, apostrophes, hyphens and full stops only, please.")
    return cleaned or None
