"""Server configuration that security depends on, read the way Streamlit reads it.

- ``.streamlit/config.toml`` is loaded through ``streamlit.config``: XSRF protection
  on, CORS at its default, uploads small, error details hidden from visitors.
- Streamlit is pinned (``requirements.txt``) at a version that has every fix of the
  known Streamlit security advisories below, and that version is the one installed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
from packaging.version import Version
from streamlit import config

ROOT = Path(__file__).resolve().parents[1]
CONFIG_FILE = ROOT / ".streamlit" / "config.toml"
#: Uploads are JSON result files of a few kilobytes: 1 MB is plenty (README).
MAX_UPLOAD_MB = 1

#: Known security advisories for the ``streamlit`` package and the first version with the fix.
#: Add a row whenever a new advisory is published (https://github.com/streamlit/streamlit/security).
STREAMLIT_ADVISORIES: list[tuple[str, str, str]] = [
    ("GHSA-9c6g-qpgj-rvxw / CVE-2023-27494", "cross-site scripting (affected 0.63.0 - 0.80.x)", "0.81.0"),
    ("CVE-2022-35918", "directory traversal when serving custom component files", "1.11.1"),
    ("GHSA-8qw9-gf7w-42x5", "follow-up fix to the CVE-2022-35918 directory traversal", "1.30.0"),
    ("GHSA-rxff-vr5r-8cj5 / CVE-2024-42474", "path traversal in static file serving on Windows", "1.37.0"),
    ("GHSA-vqwp-45wm-r9r5 / CVE-2026-10804", "weak hashing in st.cache_* (collisions)", "1.53.1"),
    ("GHSA-7p48-42j8-8846 / CVE-2026-33682", "SSRF via UNC paths on Windows (NTLM credential exposure)", "1.54.0"),
]


@pytest.fixture
def app_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Streamlit's configuration as ``streamlit run`` in the repository root loads it."""
    monkeypatch.chdir(ROOT)
    for name in list(os.environ):
        if name.startswith("STREAMLIT_"):
            monkeypatch.delenv(name)
    config.get_config_options(force_reparse=True)
    yield
    config.get_config_options(force_reparse=True)


def _where(key: str) -> str:
    return str(config.get_where_defined(key))


def test_the_config_file_is_the_one_streamlit_reads(app_config: None) -> None:
    for key in ("server.enableXsrfProtection", "server.enableCORS", "server.maxUploadSize"):
        assert Path(_where(key)).resolve() == CONFIG_FILE.resolve(), key


def test_xsrf_protection_is_on(app_config: None) -> None:
    assert config.get_option("server.enableXsrfProtection") is True


def test_cors_is_at_its_default(app_config: None) -> None:
    options = config.get_config_options()
    assert config.get_option("server.enableCORS") is True
    assert options["server.enableCORS"].default_val is True
    assert config.get_option("server.corsAllowedOrigins") == options["server.corsAllowedOrigins"].default_val
    assert _where("server.corsAllowedOrigins") == "<default>"


def test_uploads_are_small(app_config: None) -> None:
    assert config.get_option("server.maxUploadSize") == MAX_UPLOAD_MB
    assert config.get_config_options()["server.maxUploadSize"].default_val > MAX_UPLOAD_MB  # really lowered


def test_visitors_see_no_error_details_or_developer_tools(app_config: None) -> None:
    assert config.get_option("client.showErrorDetails") == "none"
    assert config.get_option("client.toolbarMode") == "minimal"
    assert config.get_option("browser.gatherUsageStats") is False


def _pinned_streamlit() -> Version:
    pins = re.findall(r"^streamlit==([0-9][0-9a-z.]*)\s*$", (ROOT / "requirements.txt").read_text(encoding="utf-8"), re.M)
    assert len(pins) == 1, "requirements.txt pins streamlit exactly once, with =="
    return Version(pins[0])


@pytest.mark.parametrize(("advisory", "summary", "fixed_in"), STREAMLIT_ADVISORIES, ids=[a[0] for a in STREAMLIT_ADVISORIES])
def test_the_pinned_streamlit_has_the_fix(advisory: str, summary: str, fixed_in: str) -> None:
    assert _pinned_streamlit() >= Version(fixed_in), f"{advisory} ({summary}) is fixed in {fixed_in}"


def test_the_tests_run_the_pinned_streamlit() -> None:
    assert Version(installed_version("streamlit")) == _pinned_streamlit()
