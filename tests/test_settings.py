"""settings.py: the app and ``python manage.py`` resolve the same settings from the same
inputs — environment only, secrets only, or both (the environment wins)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from streamlit.testing.v1 import AppTest

import manage as cli
import settings
from storage.crypto import KEYS_SETTING, SEALED_PREFIX, FernetSealer
from storage.repository import Store
from tests.db import rows

ROOT = Path(__file__).resolve().parents[1]
KEY_ENV, KEY_SECRET = Fernet.generate_key().decode(), Fernet.generate_key().decode()
NAMES = ("DATABASE_URL", "SPARK_CHECK_SQLITE_PATH", KEYS_SETTING)


def _app_settings_script() -> None:
    import json

    import streamlit as st

    import settings

    resolved = settings.for_app(settings.app_secrets())
    st.text(json.dumps([resolved.database_url, list(resolved.encryption_keys)]))


def app_settings(secrets: dict[str, Any]) -> settings.Settings:
    """What the running app resolves, with ``secrets`` as its ``st.secrets``."""
    app = AppTest.from_function(_app_settings_script, default_timeout=60)
    for name, value in secrets.items():
        app.secrets[name] = value
    app.run()
    assert not app.exception
    url, keys = json.loads(app.text[0].value)
    return settings.Settings(database_url=url, encryption_keys=tuple(keys))


def toml(secrets: dict[str, Any]) -> str:
    lines = [f"{name} = {json.dumps(value)}" for name, value in secrets.items() if not isinstance(value, dict)]
    connection = secrets.get("connections", {}).get("spark_check")
    if connection:
        lines += ["[connections.spark_check]", f"url = {json.dumps(connection['url'])}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml of the developer's in the way


@pytest.mark.parametrize(
    ("env", "secrets", "expected"),
    [
        pytest.param(
            {"SPARK_CHECK_SQLITE_PATH": "/tmp/env.sqlite3", KEYS_SETTING: KEY_ENV},
            {},
            settings.Settings("sqlite:////tmp/env.sqlite3", (KEY_ENV,)),
            id="environment only",
        ),
        pytest.param(
            {},
            {"connections": {"spark_check": {"url": "postgres://u:p@db/x"}}, "encryption_keys": [KEY_SECRET]},
            settings.Settings("postgresql+psycopg://u:p@db/x", (KEY_SECRET,)),
            id="secrets only",
        ),
        pytest.param(
            {},
            {KEYS_SETTING: f"{KEY_SECRET},{KEY_ENV}"},
            settings.Settings(settings.configured_url({}), (KEY_SECRET, KEY_ENV)),
            id="secrets only, the keys under their environment name",
        ),
        pytest.param(
            {"DATABASE_URL": "postgresql://e:p@env/db", KEYS_SETTING: KEY_ENV},
            {"connections": {"spark_check": {"url": "postgres://u:p@db/x"}}, "encryption_keys": [KEY_SECRET]},
            settings.Settings("postgresql+psycopg://e:p@env/db", (KEY_ENV,)),
            id="both: the environment wins",
        ),
        pytest.param({}, {}, settings.Settings(settings.configured_url({}), ()), id="neither: the defaults"),
    ],
)
def test_the_app_and_the_cli_resolve_the_same_settings(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    env: dict[str, str],
    secrets: dict[str, Any],
    expected: settings.Settings,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "secrets.toml"
    path.write_text(toml(secrets), encoding="utf-8")
    assert settings.resolve(env, secrets) == expected
    assert app_settings(secrets) == expected
    assert settings.for_cli(path) == expected
    # The storage commands' default secrets file is the app's: .streamlit/secrets.toml.
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(toml(secrets), encoding="utf-8")
    assert settings.for_cli() == expected


def test_rotate_key_acts_on_the_apps_database_with_the_apps_keys_from_secrets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Before settings.py, the command read neither ``[connections.spark_check] url`` nor
    ``encryption_keys``: it re-sealed another database (the default SQLite file), or found no key."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = Store.from_url(url, sealer=FernetSealer([old]))
    person_id, _ = store.create_person()
    store.save_answers(person_id, {"worth_it": {"respect": 2}}, {"worth_it": 1})
    store.engine.dispose()
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        toml({"encryption_keys": [new, old], "connections": {"spark_check": {"url": url}}}), encoding="utf-8"
    )
    assert cli.main(["rotate-key"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "sealed 1 answer(s)" in out
    store = Store.from_url(url, sealer=FernetSealer([new]))  # the new key alone opens it now
    assert store.answers_for(person_id) == {"worth_it": {"respect": 2}}
    assert all(r["value"].startswith(SEALED_PREFIX) for r in rows(store.engine, "answers"))
    store.engine.dispose()
    assert not (tmp_path / "data").exists()  # the default database was never touched


def test_settings_never_imports_streamlit_at_module_level() -> None:
    tree = ast.parse((ROOT / "settings.py").read_text(encoding="utf-8"))
    top_level = [
        alias.name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    ]
    assert not any(name.split(".")[0] == "streamlit" for name in top_level)
    # The storage commands resolve their settings without loading Streamlit at all.
    check = "import sys, settings, manage; settings.for_cli(); assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True)


def test_a_bad_secrets_file_is_one_line_for_the_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("this is = = not toml", encoding="utf-8")
    assert cli.main(["--secrets", str(tmp_path / "bad.toml"), "upgrade"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("error: ") and "not valid TOML" in err and err.count("\n") == 1
