"""House rules, checked on every run: ruff clean, layers kept apart, no user HTML."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Packages that must never import Streamlit (pure logic and storage).
NO_STREAMLIT = ("scoring", "questions", "storage", "reporting")
#: Packages that must never touch the database.
NO_STORAGE = ("scoring", "questions", "reporting")


def imported_modules(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[path] = names
    return found


@pytest.mark.parametrize("package", NO_STREAMLIT)
def test_pure_layers_never_import_streamlit(package: str) -> None:
    offenders = [str(p.relative_to(ROOT)) for p, names in imported_modules(package).items() if "streamlit" in names]
    assert offenders == []


@pytest.mark.parametrize("package", NO_STORAGE)
def test_scoring_and_content_never_touch_the_database(package: str) -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p, names in imported_modules(package).items()
        if names & {"storage", "sqlalchemy", "ui"}
    ]
    assert offenders == []


def test_no_page_renders_raw_html_or_caches_per_user_data() -> None:
    for path in [*(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]:
        text = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html=True" not in text, path
        assert "st.cache_data" not in text and "st.cache_resource" not in text, path
        if path.name not in ("quick_exit.py", "browser.py"):
            assert "st.html(" not in text, path


def test_the_only_javascript_is_the_constant_quick_exit() -> None:
    # st.html with JavaScript appears once, with markup that is a constant string.
    from ui import quick_exit

    source = (ROOT / "ui" / "quick_exit.py").read_text(encoding="utf-8")
    assert source.count("st.html(") == 1
    assert "st.html(QUICK_EXIT_HTML, unsafe_allow_javascript=True)" in source
    assert isinstance(quick_exit.QUICK_EXIT_HTML, str)
    assert "{" not in quick_exit.QUICK_EXIT_HTML.split("<script>")[0]  # no template slots in the markup


def test_the_browser_snippets_are_constants_with_no_slot_for_user_text() -> None:
    # ui/browser.py: each st.html call passes one of its module-level constant strings,
    # never an f-string or a formatted value.
    import re

    from ui import browser

    source = (ROOT / "ui" / "browser.py").read_text(encoding="utf-8")
    calls = re.findall(r"st\.html\(([^)]*)\)", source)
    assert calls == [
        "PAGE_CSS",
        "SCROLL_TO_TOP, unsafe_allow_javascript=True",
        "COPY_LINK_HTML, unsafe_allow_javascript=True",
    ]
    for name in ("PAGE_CSS", "SCROLL_TO_TOP", "COPY_LINK_HTML"):
        snippet = getattr(browser, name)
        assert isinstance(snippet, str)
        assert f"{name} = f" not in source and ".format(" not in source and "%" not in snippet.replace("100%", "")


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
