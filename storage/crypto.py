"""Encryption at rest for answers and notes (see docs/SECURITY.md).

Without a key, text is stored as it is. With keys in ``SPARK_CHECK_ENCRYPTION_KEYS``
(comma-separated Fernet keys, newest first), answers and notes are sealed with
Fernet before they reach the database: MultiFernet encrypts with the first key and
decrypts with any of them, so a new key can be put in front, the data re-sealed
(``python manage.py rotate-key``), and the old key removed.

A stored value says what it is by its prefix:

- ``fernet:<token>`` — sealed; only a sealer holding the key can open it;
- ``plain:<text>`` — text kept in clear that itself begins with one of these prefixes;
- anything else — text kept in clear (everything written before a key was configured).

So rows written before encryption was switched on stay readable, and a sealed row
read without its key raises :class:`KeyMissingError` instead of returning ciphertext.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.errors import StorageError

#: The setting (environment variable or top-level secret) that holds the keys.
KEYS_SETTING = "SPARK_CHECK_ENCRYPTION_KEYS"
SEALED_PREFIX = "fernet:"
PLAIN_PREFIX = "plain:"


class KeyMissingError(StorageError):
    """A sealed value that the configured keys (or no keys) cannot open."""


class KeyConfigError(ValueError):
    """``SPARK_CHECK_ENCRYPTION_KEYS`` holds something that is not a list of Fernet keys."""


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


class Sealer:
    """Turns stored text into ciphertext and back. This base class keeps text in clear."""

    #: True when :meth:`seal` encrypts.
    encrypts = False

    def seal(self, text: str) -> str:
        if text.startswith((SEALED_PREFIX, PLAIN_PREFIX)):
            return PLAIN_PREFIX + text  # never mistaken for a sealed value
        return text

    def open(self, stored: str) -> str:
        if stored.startswith(PLAIN_PREFIX):
            return stored.removeprefix(PLAIN_PREFIX)
        if is_sealed(stored):
            raise KeyMissingError(
                f"this data is encrypted and no encryption key is configured: set {KEYS_SETTING} (see docs/SECURITY.md)"
            )
        return stored

    def needs_reseal(self, stored: str) -> bool:
        """Whether ``rotate-key`` should rewrite this value (never, without a key)."""
        return False


PLAIN = Sealer()


class FernetSealer(Sealer):
    """Seals with the first key; opens values sealed with any of the keys."""

    encrypts = True

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise KeyConfigError(f"{KEYS_SETTING} is empty: give at least one key")
        fernets: list[Fernet] = []
        for number, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError) as exc:
                raise KeyConfigError(
                    f"{KEYS_SETTING}: key {number} of {len(keys)} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes; make one with `python manage.py generate-key`)"
                ) from exc
        self._primary = fernets[0]
        self._all = MultiFernet(fernets)
        self.key_count = len(fernets)

    def seal(self, text: str) -> str:
        return SEALED_PREFIX + self._all.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        if not is_sealed(stored):
            return super().open(stored)  # written in clear, before a key was configured
        try:
            return self._all.decrypt(stored.removeprefix(SEALED_PREFIX).encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise KeyMissingError(
                f"this data was encrypted with a key that is not in {KEYS_SETTING} (or it is damaged)"
            ) from exc

    def needs_reseal(self, stored: str) -> bool:
        """True for text in clear and for values sealed with an older key."""
        if not is_sealed(stored):
            return True
        try:
            self._primary.decrypt(stored.removeprefix(SEALED_PREFIX).encode("ascii"))
        except (InvalidToken, UnicodeError):
            return True
        return False

    def reseal(self, stored: str) -> str:
        """The value sealed with the first key (opening it with whichever key fits)."""
        return self.seal(self.open(stored))


def parse_keys(value: Any) -> list[str]:
    """Keys from a comma-separated string (environment) or a list (secrets.toml)."""
    if value is None:
        return []
    if isinstance(value, str):
        parts: Iterable[Any] = value.split(",")
    elif isinstance(value, Iterable):
        parts = value
    else:
        raise KeyConfigError(f"{KEYS_SETTING} must be a comma-separated string or a list of keys")
    return [str(part).strip() for part in parts if str(part).strip()]


def sealer_from_settings(settings: Mapping[str, Any]) -> Sealer:
    """The sealer for ``SPARK_CHECK_ENCRYPTION_KEYS`` in ``settings`` (environment or secrets).

    No keys: :data:`PLAIN`. Keys that are not Fernet keys: :class:`KeyConfigError`,
    so a typo stops the app instead of silently storing answers in clear.
    """
    keys = parse_keys(settings.get(KEYS_SETTING))
    return FernetSealer(keys) if keys else PLAIN


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
