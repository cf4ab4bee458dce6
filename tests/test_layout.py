"""The package's shape: module sizes, no import cycles, a standard-library-only Lambda side.

The import graph counts every import a module names — at the top, inside functions and under
`TYPE_CHECKING` — because each is a dependency a reader has to follow. The Lambda-side check
looks at what runs: imports under `TYPE_CHECKING` (e.g. `typing_extensions` for annotations)
never execute in a Lambda function.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "corsway"
MAX_LINES = 600
# Modules that run inside a user's Lambda function or web app: standard library only.
LAMBDA_SIDE = ("corsway.cors", "corsway.aws", "corsway.asgi", "corsway.wsgi", "corsway._adapter")


def module_name(path: Path) -> str:
    """`src/corsway/gateway/rest/model.py` -> `corsway.gateway.rest.model`."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str], *, runtime_only: bool = False) -> set[str]:
    """The modules `path` imports (relative imports resolved).

    `from x import y` names `x.y` when that is a module of the package, else `x`.
    `runtime_only` leaves out what is imported under `if TYPE_CHECKING:`.
    """
    name = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    found = modules()
    known = set(found)
    return {
        name: {target for target in imports(path, known) if target in known and target != name}
        for name, path in found.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def is_lambda_side(name: str) -> bool:
    """Whether a module runs inside users' functions and apps."""
    return any(name == side or name.startswith(side + ".") for side in LAMBDA_SIDE)


def test_no_module_is_over_600_lines() -> None:
    too_long = {
        name: count
        for name, path in modules().items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


def test_there_is_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_type_checking_and_function_level_imports() -> None:
    graph = import_graph()
    # `corsway serve` imports the gateway inside its command function (and the server's type
    # under TYPE_CHECKING): both are edges
    assert {"corsway.gateway.http", "corsway.gateway.server"} <= graph["corsway.cli.serve"]


def test_the_engine_imports_only_itself_and_the_standard_library() -> None:
    found = modules()
    known = set(found)
    engine = {
        name: path for name, path in found.items() if name.split(".")[:2] == ["corsway", "cors"]
    }
    assert {"corsway.cors", "corsway.cors.policy", "corsway.cors.origins"} <= set(engine)
    outside = {
        name: sorted(
            target
            for target in imports(path, known)
            if target.split(".")[0] not in {*sys.stdlib_module_names, "__future__"}
            and target.split(".")[:2] != ["corsway", "cors"]
        )
        for name, path in engine.items()
    }
    assert {name: targets for name, targets in outside.items() if targets} == {}


def test_lambda_side_modules_import_only_the_standard_library() -> None:
    found = modules()
    known = set(found)
    offenders = {}
    for name, path in found.items():
        if not is_lambda_side(name):
            continue
        tooling = {
            target
            for target in imports(path, known)
            if target.split(".")[0] == "corsway" and target in known and not is_lambda_side(target)
        }
        third_party = {
            target
            for target in imports(path, known, runtime_only=True)
            if target.split(".")[0] not in {*sys.stdlib_module_names, "corsway", "__future__"}
        }
        if tooling or third_party:
            offenders[name] = sorted(tooling | third_party)
    assert offenders == {}
