"""The engine package's layout: every module imports only the standard library and its own
package (it runs inside Lambda functions, which install nothing), without import cycles, and
stays under the project's 600-line limit."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

# Found without importing it, so that a broken package still gets a clear failure here.
_SPEC = importlib.util.find_spec("corsway")
assert _SPEC is not None and _SPEC.submodule_search_locations
PACKAGE = Path(next(iter(_SPEC.submodule_search_locations))) / "cors"
MODULES = sorted(PACKAGE.glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth (functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import of {node.module!r}"
            assert node.module is not None
            names.add(node.module)
    return names


def module_name(path: Path) -> str:
    return "corsway.cors" if path.stem == "__init__" else f"corsway.cors.{path.stem}"


def test_the_package_has_its_modules() -> None:
    assert {path.stem for path in MODULES} >= {"__init__", "policy", "origins", "config"}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_module_imports_only_the_standard_library_and_its_package(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        own = name == "corsway.cors" or name.startswith("corsway.cors.")
        assert own or top in sys.stdlib_module_names, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_module_is_under_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) < 600


def test_no_import_cycles_inside_the_package() -> None:
    graph = {
        module_name(path): {
            name
            for name in imported_modules(path)
            if name.startswith("corsway.cors.") and name != module_name(path)
        }
        for path in MODULES
    }
    done: set[str] = set()

    def visit(module: str, stack: list[str]) -> None:
        assert module not in stack, "import cycle: " + " -> ".join([*stack, module])
        if module in done:
            return
        for imported in graph[module]:
            visit(imported, [*stack, module])
        done.add(module)

    for module in graph:
        visit(module, [])
