"""Secret tokens (resume links, device links, join codes): made random, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

#: 32 random bytes: 256 bits, well above the 128 the resume link needs.
TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)
