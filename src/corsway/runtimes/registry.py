"""Which runtime runs a function: the one place that maps `Runtime: python3.11` to a launcher.

A new language adds a launcher (and its worker script) and one entry in `_LAUNCHERS`, plus its
start-up handler check in `check_handlers`.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from corsway.errors import CorswayError
from corsway.runtimes.base import (
    FunctionConfig,
    FunctionRuntime,
    InvocationResult,
    LogSink,
    Outcome,
)
from corsway.runtimes.launcher import WorkerLauncher, lambda_environment
from corsway.runtimes.node import NodeLauncher, check_node_handlers, node_executable
from corsway.runtimes.pool import WorkerPool
from corsway.runtimes.pyenvs import PythonEnvironments
from corsway.runtimes.python import PythonLauncher, check_python_handler
from corsway.runtimes.python_check import check_imports

_LAUNCHERS: dict[str, Callable[[], WorkerLauncher]] = {
    "python": PythonLauncher,
    "nodejs": NodeLauncher,
}
_CHECKS: dict[str, Callable[[FunctionConfig], None]] = {"python": check_python_handler}

# Workers per function (Lambda would run every concurrent request in its own environment):
# enough to overlap handlers that wait on I/O, few enough not to fight the gateway for the CPU
# (quick handlers are pipelined instead, see runtimes.pool). Started on demand only.
# CORSWAY_MAX_WORKERS overrides it (see max_workers_from_environment).
MAX_WORKERS_ENV = "CORSWAY_MAX_WORKERS"
DEFAULT_MAX_WORKERS = max(4, min(8, 2 * (os.cpu_count() or 2)))
_MAX_WORKERS_LIMIT = 256


def max_workers_from_environment() -> int:
    """Workers per function: `$CORSWAY_MAX_WORKERS` when set, else `DEFAULT_MAX_WORKERS`."""
    raw = os.environ.get(MAX_WORKERS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_WORKERS
    value = int(raw) if raw.isdigit() else 0
    if not 1 <= value <= _MAX_WORKERS_LIMIT:
        raise CorswayError(
            f"{MAX_WORKERS_ENV}={raw!r}: must be a whole number of worker processes per "
            f"function, from 1 to {_MAX_WORKERS_LIMIT} (unset it for this machine's default, "
            f"{DEFAULT_MAX_WORKERS})"
        )
    return value


def language(runtime: str) -> str | None:
    """`python` for `python3.11`, `None` for a runtime corsway cannot run (`python2.7`)."""
    if runtime.startswith("python2"):
        return None
    for prefix in _LAUNCHERS:
        if runtime.startswith(prefix):
            return prefix
    return None


def check_handler(config: FunctionConfig) -> None:
    """Raise CorswayError when the function's handler file or function is missing."""
    report = check_handlers([config])
    if report.problems:
        raise CorswayError(report.problems[0])


@dataclass
class HandlerReport:
    """The start-up check of every handler: problems stop `serve`, notes are printed."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_handlers(
    configs: Iterable[FunctionConfig],
    account_id: str = "123456789012",
    python: PythonEnvironments | None = None,
) -> HandlerReport:
    """Check every function's handler (all Node.js ones in one checker process).

    With `python` (the prepared environments), every Python handler module is also imported
    once (`runtimes.python_check`): one that fails is a note, not a problem."""
    report = HandlerReport()
    node_functions: list[FunctionConfig] = []
    python_functions: list[FunctionConfig] = []
    for config in configs:
        if not config.handler:
            continue
        lang = language(config.runtime)
        if lang is None:
            report.notes.append(
                f"function {config.key}: runtime {config.runtime} is not supported by this "
                "version of corsway serve; its routes answer 502"
            )
        elif lang == "nodejs":
            node_functions.append(config)
        else:
            try:
                _CHECKS[lang](config)
            except CorswayError as error:
                report.problems.append(error.message)
            else:
                python_functions.append(config)
    if python is not None and python_functions:
        report.notes.extend(check_imports(python_functions, python, account_id))
    if node_functions:
        environments = [
            {**lambda_environment(config, account_id), **NodeLauncher().environment(config)}
            for config in node_functions
        ]
        node = check_node_handlers(node_functions, environments)
        report.problems.extend(node.problems)
        report.notes.extend(node.notes)
    return report


class UnsupportedRuntime:
    """Stands in for a runtime corsway cannot run: every invocation fails, saying why."""

    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self.message = (
            f"runtime {config.runtime or '(none)'} of function {config.key} is not supported by "
            "this version of corsway serve (Python and Node.js runtimes are)"
        )

    async def invoke(self, event: bytes, request_id: str) -> InvocationResult:
        payload = json.dumps({"errorMessage": self.message, "errorType": "Runtime.Unsupported"})
        return InvocationResult(Outcome.INIT_ERROR, payload.encode(), self.message)

    async def recycle(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


def create_runtime(
    config: FunctionConfig,
    log_sink: LogSink,
    *,
    max_workers: int = DEFAULT_MAX_WORKERS,
    account_id: str = "123456789012",
    python: PythonEnvironments | None = None,
) -> FunctionRuntime:
    """The runtime (a warm worker pool) for one function; Python ones run in `python`'s
    environment for their runtime (corsway's own interpreter without it)."""
    lang = language(config.runtime)
    if lang is None or not config.handler:
        return UnsupportedRuntime(config)
    launcher = PythonLauncher(python) if lang == "python" else _LAUNCHERS[lang]()
    return WorkerPool(config, launcher, log_sink, max_workers=max_workers, account_id=account_id)


def python_runtimes(functions: Mapping[str, FunctionConfig]) -> list[str]:
    """The Python 3 runtimes the functions use (each needs an environment)."""
    return sorted(
        {c.runtime for c in functions.values() if c.handler and language(c.runtime) == "python"}
    )


def runtime_lines(
    functions: Mapping[str, FunctionConfig], python: PythonEnvironments | None
) -> list[str]:
    """The banner's runtime mapping: which interpreter runs each runtime the service uses."""
    lines = python.banner_lines() if python is not None else []
    node_runtimes = sorted(
        {c.runtime for c in functions.values() if c.handler and language(c.runtime) == "nodejs"}
    )
    if node_runtimes:
        node = node_executable()
        version = _node_version(node) if node else ""
        runs = f"Node.js {version} ({node})" if node else "no `node` found"
        lines.extend(f"{runtime} → {runs}" for runtime in node_runtimes)
    return lines


def _node_version(node: str) -> str:
    try:
        completed = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "(version unknown)"
    return completed.stdout.strip() or "(version unknown)"
