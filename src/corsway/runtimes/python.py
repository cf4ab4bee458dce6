"""The Python runtime: how to start a Python worker, and the start-up check of a handler."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

from corsway.errors import CorswayError
from corsway.runtimes.base import FunctionConfig
from corsway.runtimes.pyenvs import PythonEnvironments

WORKER_SCRIPT = Path(__file__).with_name("python_worker.py")


class PythonLauncher:
    """Starts `python_worker.py` in the runtime's environment (`runtimes.pyenvs`), or with the
    interpreter corsway runs on when no environments were prepared (tests, embedding)."""

    pipelining = True  # the worker understands relative deadlines (see runtimes.protocol)

    def __init__(self, environments: PythonEnvironments | None = None) -> None:
        self.environments = environments

    def command(self, config: FunctionConfig) -> list[str]:
        env = self.environments.for_runtime(config.runtime) if self.environments else None
        return [env.interpreter if env else sys.executable, "-u", str(WORKER_SCRIPT)]

    def environment(self, config: FunctionConfig) -> dict[str, str]:
        env = self.environments.for_runtime(config.runtime) if self.environments else None
        variables = {"PYTHONDONTWRITEBYTECODE": "1", "CORSWAY_PYTHON_PATHS": ""}
        if env is not None:
            variables["CORSWAY_PYTHON_PATHS"] = os.pathsep.join(env.paths)
        if env is not None and env.managed:
            # Lambda sets neither; they would change what the handler imports
            variables["PYTHONPATH"] = ""
            variables["PYTHONHOME"] = ""
        return variables


def handler_location(config: FunctionConfig) -> tuple[Path, str]:
    """(module file, function name) of a handler like `src/api/handler.main`."""
    module, dot, function = config.handler.rpartition(".")
    if not dot or not module or not function:
        raise CorswayError(
            f"function {config.key}: handler {config.handler!r} must look like "
            "'module.function' (e.g. 'handler.get_product')"
        )
    base = config.code_dir / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate, function
    raise CorswayError(
        f"function {config.key}: handler {config.handler!r} needs the file "
        f"{base.with_suffix('.py')}, which does not exist"
    )


def check_python_handler(config: FunctionConfig) -> None:
    """Fail before serving when the handler's file or function is missing.

    The function is looked for among the module's top-level definitions, assignments and
    imports; a module that builds names dynamically (`from x import *`, `__getattr__`) passes.
    A module that does not parse is left for the first request to report, with its traceback.
    """
    path, function = handler_location(config)
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    return
                names.add(alias.asname or alias.name.split(".")[0])
        elif not isinstance(node, ast.Expr):
            # if/try/with blocks at top level may define it conditionally: accept any name there
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
            names.update(
                n.name
                for n in ast.walk(node)
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            )
    if function in names or "__getattr__" in names:
        return
    raise CorswayError(
        f"function {config.key}: handler {config.handler!r}: {path} defines no "
        f"{function!r} (define `def {function}(event, context):` there, or fix the handler)",
    )
