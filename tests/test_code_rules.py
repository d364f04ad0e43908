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


def test_scoring_imports_neither_reporting_nor_storage() -> None:
    """The dependency runs one way: reporting and storage may use scoring, never the reverse (#18)."""
    offenders = [
        str(p.relative_to(ROOT)) for p, names in imported_modules("scoring").items() if names & {"reporting", "storage"}
    ]
    assert offenders == []


def test_no_page_renders_raw_html_or_caches_per_user_data() -> None:
    for path in [*(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]:
        text = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html=True" not in text, path
        assert "st.cache_data" not in text and "st.cache_resource" not in text, path
        if path.name not in ("quick_exit.py", "browser.py", "link_carrier.py"):
            assert "st.html(" not in text, path


def test_the_only_javascript_is_the_constant_quick_exit() -> None:
    # st.html with JavaScript appears once, with markup that is a constant string.
    from ui import browser, quick_exit

    source = (ROOT / "ui" / "quick_exit.py").read_text(encoding="utf-8")
    assert source.count("st.html(") == 1
    assert "st.html(STYLED_QUICK_EXIT, unsafe_allow_javascript=True)" in source
    assert f"{quick_exit.QUICK_EXIT_HTML}\n{browser.PAGE_CSS}" == quick_exit.STYLED_QUICK_EXIT
    assert isinstance(quick_exit.QUICK_EXIT_HTML, str)
    assert "{" not in quick_exit.QUICK_EXIT_HTML.split("<script>")[0]  # no template slots in the markup


def test_the_browser_snippets_are_constants_with_no_slot_for_user_text() -> None:
    # ui/browser.py: each st.html call passes one of its module-level constant strings,
    # never an f-string or a formatted value.
    import re

    from ui import browser, link_carrier

    source = (ROOT / "ui" / "browser.py").read_text(encoding="utf-8")
    calls = re.findall(r"st\.html\(([^)]*)\)", source)
    assert calls == [
        "PAGE_CSS",
        "SCROLL_TO_TOP, unsafe_allow_javascript=True",
        "COPY_LINK_HTML, unsafe_allow_javascript=True",
        "NOTIFY_OFFER, unsafe_allow_javascript=True",
        "PARTNER_FINISHED, unsafe_allow_javascript=True",
        "REMEMBER_LOGIN, unsafe_allow_javascript=True",
        "FORGET_LOGIN, unsafe_allow_javascript=True",
    ]
    snippets = ("PAGE_CSS", "SCROLL_TO_TOP", "COPY_LINK_HTML", "NOTIFY_OFFER", "PARTNER_FINISHED")
    for name in (*snippets, "REMEMBER_LOGIN", "FORGET_LOGIN"):
        snippet = getattr(browser, name)
        assert isinstance(snippet, browser.Snippet)
        assert f"{name} = f" not in source and ".format(" not in source and "%" not in snippet.replace("100%", "")
    # ui/link_carrier.py: its one snippet, the same way.
    carrier = (ROOT / "ui" / "link_carrier.py").read_text(encoding="utf-8")
    assert re.findall(r"st\.html\((.*)\)", carrier) == ["CARRY_LINK.marked(mode), unsafe_allow_javascript=True"]
    assert isinstance(link_carrier.CARRY_LINK, browser.Snippet) and "CARRY_LINK = f" not in carrier


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "format", "--check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


#: The project's own top-level packages and modules (not tests, not benchmarks).
PROJECT = ("app", "settings", "manage", "questions", "scoring", "reporting", "storage", "services", "ui")
#: Packages whose modules stay small enough to read in one sitting.
SMALL_MODULES = ("ui", "services", "storage")
MAX_MODULE_LINES = 400


def project_modules() -> dict[str, Path]:
    """Every module of the project by dotted name (a package's ``__init__`` by the package's)."""
    modules: dict[str, Path] = {}
    for top in PROJECT:
        single = ROOT / f"{top}.py"
        paths = [single] if single.exists() else sorted((ROOT / top).rglob("*.py"))
        for path in paths:
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_of(
    name: str, path: Path, modules: dict[str, Path], source: str | None = None
) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import in the module, wherever it is
    (a function-level import makes a cycle all the same), resolved to the project's modules."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    text = path.read_text(encoding="utf-8") if source is None else source
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule, []) if submodule in modules else (base, [alias.name]))
    return [(target, names) for target, names in found if target in modules]


def test_no_private_name_is_imported_from_another_module() -> None:
    assert private_imports(project_modules()) == []


def test_the_project_has_no_import_cycles() -> None:
    assert import_cycles(project_modules()) == []


def private_imports(modules: dict[str, Path], sources: dict[str, str] | None = None) -> list[str]:
    return [
        f"{name} imports {target}.{imported}"
        for name, path in modules.items()
        for target, names in imports_of(name, path, modules, (sources or {}).get(name))
        for imported in names
        if imported.startswith("_") and target != name
    ]


def import_cycles(modules: dict[str, Path], sources: dict[str, str] | None = None) -> list[list[str]]:
    graph = {
        name: {target for target, _ in imports_of(name, path, modules, (sources or {}).get(name)) if target != name}
        for name, path in modules.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_the_rules_catch_a_cycle_and_a_private_import() -> None:
    """The two rules above, on made-up modules that break both (a private name, and a cycle
    closed by an import inside a function, as pages_registry <-> counselor_view once was)."""
    modules = {"pkg.a": ROOT / "pkg" / "a.py", "pkg.b": ROOT / "pkg" / "b.py", "pkg.c": ROOT / "pkg" / "c.py"}
    sources = {
        "pkg.a": "from pkg.b import _hidden\n",
        "pkg.b": "def f():\n    import pkg.a\n",
        "pkg.c": "from . import a\n",
    }
    assert private_imports(modules, sources) == ["pkg.a imports pkg.b._hidden"]
    assert import_cycles(modules, sources) == [["pkg.a", "pkg.b", "pkg.a"]]


@pytest.mark.parametrize("package", SMALL_MODULES)
def test_no_module_is_over_400_lines(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


@pytest.mark.parametrize("module", ["scoring/engine.py", "scoring/compare.py"])
def test_the_scoring_core_is_under_400_lines(module: str) -> None:
    assert len((ROOT / module).read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


def test_services_never_import_streamlit_or_the_ui() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for p, names in imported_modules("services").items() if names & {"streamlit", "ui"}
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("INTIMACY", "scoring/compare.py"),
        ("PAGE_SIZE", "storage/counselors.py"),
        ("AnswerValue", "scoring/results.py"),
        ("SHOWN_CATEGORIES", "reporting/charts.py"),
        ("SHARE_LEVELS", "scoring/visibility.py"),
    ],
)
def test_shared_names_are_defined_once(name: str, home: str) -> None:
    """Names that once collided are defined in one module and imported everywhere else."""
    defined = []
    for path in (p for package in PROJECT if (ROOT / package).is_dir() for p in (ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                defined.append(str(path.relative_to(ROOT)))
    assert defined == [home]
    # The category keys are written out once too: nowhere else as a literal list of them.
    literal = '"shared_strength", "seen_differently", "shared_growth", "in_between"'
    repeats = [
        str(p.relative_to(ROOT))
        for package in ("ui", "reporting", "services")
        for p in (ROOT / package).rglob("*.py")
        if literal in p.read_text(encoding="utf-8")
    ]
    assert repeats == ["reporting/charts.py"]


def test_tests_never_import_the_benchmarks() -> None:
    """Shared server, Chromium and cluster helpers live in tests/support (the benchmarks may
    import them); a benchmark's smoke test runs ``python -m benchmarks NAME`` instead."""
    offenders = [str(p.relative_to(ROOT)) for p, names in imported_modules("tests").items() if "benchmarks" in names]
    assert offenders == []


def test_no_ui_module_imports_storage() -> None:
    """Pages, views and fragments call services/ with the identity they act for; only a
    service reaches storage, so no page can act on a bare id (#18)."""
    offenders = [
        str(p.relative_to(ROOT)) for p, names in imported_modules("ui").items() if names & {"storage", "sqlalchemy"}
    ]
    assert offenders == []


def test_storage_imports_neither_scoring_nor_settings() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for p, names in imported_modules("storage").items() if names & {"scoring", "settings"}
    ]
    assert offenders == []


def forwarders(source: str) -> list[str]:
    """Functions whose whole body (a docstring aside) hands exactly their own arguments to
    one call: they add a name, not a check."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) != 1 or not isinstance(body[0], ast.Return | ast.Expr):
            continue
        call = body[0].value
        if not isinstance(call, ast.Call):
            continue
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
        params = [p for p in params if p not in ("self", "cls")]
        passed = [*call.args, *(k.value for k in call.keywords)]
        receiver = call.func
        while isinstance(receiver, ast.Attribute):
            receiver = receiver.value
        used = {a.id for a in passed if isinstance(a, ast.Name)}
        if isinstance(receiver, ast.Name) and receiver is not call.func:
            used.add(receiver.id)
        if params and all(isinstance(a, ast.Name) for a in passed) and used - {"self", "cls"} == set(params):
            found.append(node.name)
    return found


def test_no_service_function_only_forwards_its_arguments() -> None:
    offenders = {
        str(p.relative_to(ROOT)): names
        for p in (ROOT / "services").rglob("*.py")
        if (names := forwarders(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_forwarder_rule_catches_a_forwarder_and_spares_a_check() -> None:
    source = (
        "def a(store, x):\n    return store.get(store, x)\n"
        "def b(self, x):\n    return self.store.get(x)\n"
        "def c(self, x):\n    self._check()\n    return self.store.get(x)\n"
        "def d(self):\n    return len(self.items)\n"
    )
    assert forwarders(source) == ["a", "b"]


def imported_test_modules(source: str) -> list[str]:
    """The test modules (``test_*``) that ``source`` imports, absolute (``tests.…``) or relative."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names if alias.name.split(".")[0] == "tests"]
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == "tests"):
            base = "." * node.level + (node.module or "")
            if any(part.startswith("test_") for part in base.split(".")):
                modules = [base]
            else:
                modules = [f"{base.rstrip('.')}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [m for m in modules if any(part.startswith("test_") for part in m.split("."))]
    return sorted(set(found))


def test_no_test_module_imports_another_test_module() -> None:
    """Shared setup lives in conftest.py (fixtures) and in helper modules not named
    ``test_*`` (tests/ui/person_app.py, couple_app.py, counselor_app.py, tests/scoring/people.py):
    importing a test module runs, and may collect, its tests twice (#18)."""
    offenders = {
        str(p.relative_to(ROOT)): names
        for p in (ROOT / "tests").rglob("*.py")
        if (names := imported_test_modules(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_test_module_rule_catches_every_form_and_spares_helpers() -> None:
    source = (
        "from tests.ui.test_solo_flow import new_app\n"
        "import tests.scoring.test_visibility\n"
        "from tests.ui import test_couple_flow, person_app\n"
        "from . import test_export\n"
        "from .test_charts import figures\n"
        "from tests.ui.person_app import new_app, state_of\n"
        "from tests.scoring.people import person\n"
        "import pytest\n"
    )
    assert imported_test_modules(source) == [
        ".test_charts",
        ".test_export",
        "tests.scoring.test_visibility",
        "tests.ui.test_couple_flow",
        "tests.ui.test_solo_flow",
    ]
