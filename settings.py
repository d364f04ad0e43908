"""Spark Check's settings: the one place that reads the environment and the secrets.

The app (``ui/session.py``) and the storage commands (``python manage.py``) resolve
the same settings from the same inputs, with one function, :func:`resolve`:

- the database: ``DATABASE_URL`` or ``SPARK_CHECK_SQLITE_PATH`` from the environment,
  else ``[connections.spark_check] url`` from the secrets, else the SQLite default;
- the encryption keys: ``SPARK_CHECK_ENCRYPTION_KEYS`` from the environment, else
  ``SPARK_CHECK_ENCRYPTION_KEYS`` or ``encryption_keys`` from the secrets.

The environment wins over the secrets. In the app the secrets are ``st.secrets``
(:func:`for_app`, :func:`app_secrets`); on the command line they are read from a TOML file with
:mod:`tomllib` (:func:`for_cli`: ``--secrets PATH``, by default
``.streamlit/secrets.toml`` when there is one — the file Streamlit reads). Streamlit
is imported only inside :func:`app_secrets`, so the command line never loads it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.crypto import KEYS_SETTING, Sealer, parse_keys, sealer_from_settings
from storage.database import configured_url

#: The secrets file Streamlit reads, relative to where the app (or command) is started.
DEFAULT_SECRETS = Path(".streamlit") / "secrets.toml"
#: The environment variables that choose the database; either one means the secrets' URL is not used.
DATABASE_SETTINGS = ("DATABASE_URL", "SPARK_CHECK_SQLITE_PATH")
#: The secrets' other name for the encryption keys.
SECRETS_KEYS_NAME = "encryption_keys"


class SettingsError(ValueError):
    """A secrets file that can't be read or isn't TOML; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """What the app and the storage commands run with."""

    database_url: str
    #: Fernet keys, newest first; empty: answers and notes are stored in clear.
    encryption_keys: tuple[str, ...] = ()

    def sealer(self) -> Sealer:
        """The sealer for these keys (``KeyConfigError`` if one is not a Fernet key)."""
        return sealer_from_settings({KEYS_SETTING: list(self.encryption_keys)})


def resolve(env: Mapping[str, str], secrets: Mapping[str, Any]) -> Settings:
    """The settings from an environment and a secrets mapping; the environment wins."""
    if any(env.get(name, "").strip() for name in DATABASE_SETTINGS):
        url = configured_url(env)
    else:
        connection = _table(_table(secrets.get("connections")).get("spark_check"))
        secret_url = str(connection.get("url") or "").strip()
        url = configured_url({"DATABASE_URL": secret_url} if secret_url else {})
    keys: Any = env.get(KEYS_SETTING, "").strip()
    if not keys:
        keys = secrets.get(KEYS_SETTING) or secrets.get(SECRETS_KEYS_NAME) or ""
    return Settings(database_url=url, encryption_keys=tuple(parse_keys(keys)))


def for_app(secrets: Mapping[str, Any]) -> Settings:
    """The running app's settings: the process environment and ``secrets``, as
    :func:`app_secrets` read them (once a session: ``ui/session.py``)."""
    return resolve(os.environ, secrets)


def app_secrets() -> Mapping[str, Any]:
    """``st.secrets`` as a mapping; empty with no secrets file (or a malformed one), when the
    environment and defaults serve. With no file, Streamlit looks for one at every call."""
    import streamlit as st

    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml, or one that isn't TOML
        return {}


def for_cli(secrets_path: Path | None = None) -> Settings:
    """The storage commands' settings: the process environment and a secrets file
    (``secrets_path``, else ``.streamlit/secrets.toml`` if there is one)."""
    return resolve(os.environ, read_secrets(secrets_path))


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """A secrets file as a mapping; no ``path`` and no default file: nothing."""
    if path is None:
        if not DEFAULT_SECRETS.is_file():
            return {}
        path = DEFAULT_SECRETS
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"can't read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
