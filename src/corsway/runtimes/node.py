"""The Node.js runtime: how to start a Node worker, and the start-up check of Node handlers.

Handlers run on the `node` found on PATH (or `CORSWAY_NODE`), whatever the function's declared
`nodejsX.y` runtime: a runtime that does not match the installed major version gets a one-line
start-up note. The check loads every Node handler once, in one `node_worker.js --check` process
(loading runs the module's top-level code, which is the only way to know what a module
exports), and reports every problem at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corsway.runtimes.base import FunctionConfig

WORKER_SCRIPT = Path(__file__).with_name("node_worker.js")
CHECK_TIMEOUT_S = 30.0
NODE_ENV = "CORSWAY_NODE"  # the node executable to use instead of the one on PATH
_HANDLER_EXPRESSION = re.compile(r"([^.]*)\.(.*)", re.DOTALL)
_RUNTIME_VERSION = re.compile(r"nodejs(\d+)(?:\.(\d+|x))?")


def node_executable() -> str | None:
    """The `node` to run workers with: `$CORSWAY_NODE`, else the first `node` on PATH."""
    configured = os.environ.get(NODE_ENV)
    if configured:
        return shutil.which(configured)
    return shutil.which("node")


class NodeLauncher:
    """Starts `node_worker.js` with the installed Node.js."""

    def __init__(self) -> None:
        self.node = node_executable() or "node"

    def command(self, config: FunctionConfig) -> list[str]:
        # Lambda's bootstrap gives V8's old space the function's memory minus a tenth, so a
        # handler that outgrows its memorySize dies here too ("JavaScript heap out of memory").
        # Its semi-spaces may grow to a twentieth of the memory; here they are that size but at
        # most 16 MB (V8's usual maximum) from the start, so a worker's footprint is reached
        # within its first requests and then stays flat (many workers run on one machine).
        old_space = config.memory_mb - config.memory_mb // 10
        semi_space = max(1, min(16, config.memory_mb // 20))
        return [
            self.node,
            f"--max-old-space-size={old_space}",
            f"--min-semi-space-size={semi_space}",
            f"--max-semi-space-size={semi_space}",
            str(WORKER_SCRIPT),
        ]

    def environment(self, config: FunctionConfig) -> dict[str, str]:
        # Lambda's NODE_PATH ends with /var/task, the function's code directory.
        return {"NODE_PATH": str(config.code_dir.resolve())}


@dataclass
class NodeCheck:
    """What the start-up check found: problems stop `serve`, notes are printed."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HandlerLocation:
    """Where a handler string like `src/api/handler.main` points."""

    base: Path  # the module path without extension
    export: str  # "main" (a dotted path for nested exports)

    @property
    def display(self) -> str:
        return f"{self.base}.js"

    def module_file(self) -> Path | None:
        """The file Lambda would load, trying what its Node.js runtime tries, in order."""
        candidates = [self.base, *(Path(f"{self.base}{ext}") for ext in (".js", ".mjs", ".cjs"))]
        for candidate in candidates:
            if candidate.exists():
                return candidate
        return None


def handler_location(config: FunctionConfig) -> HandlerLocation:
    """Split a handler as the Lambda Node.js runtime does (module = up to the first dot of the
    last path segment); raise ValueError with a message for a malformed one."""
    handler = config.handler
    if ".." in handler:
        raise ValueError("must not contain '..' (handler paths are relative to the service)")
    module_and_export = handler.rstrip("/").rsplit("/", 1)[-1]
    module_root = handler[: handler.find(module_and_export)]
    match = _HANDLER_EXPRESSION.fullmatch(module_and_export)
    if not match or not match.group(1) or not match.group(2):
        raise ValueError("must look like 'file.export' (e.g. 'handler.getProduct')")
    return HandlerLocation(config.code_dir / module_root / match.group(1), match.group(2))


def runtime_major(runtime: str) -> int | None:
    """20 for `nodejs20.x`, 6 for `nodejs6.10`, None for `nodejs` (Node.js 0.10)."""
    match = _RUNTIME_VERSION.match(runtime)
    return int(match.group(1)) if match else None


def check_node_handlers(
    configs: Sequence[FunctionConfig], environments: Sequence[dict[str, str]]
) -> NodeCheck:
    """Check every Node function: file, export, loadability; `environments[i]` is the Lambda
    environment of `configs[i]` (module top-level code may read it)."""
    result = NodeCheck()
    located: list[tuple[FunctionConfig, HandlerLocation, Path, dict[str, str]]] = []
    for config, env in zip(configs, environments, strict=True):
        try:
            location = handler_location(config)
        except ValueError as error:
            result.problems.append(f"function {config.key}: handler {config.handler!r} {error}")
            continue
        module_file = location.module_file() or _package_module(config, location)
        if module_file is None:
            result.problems.append(
                f"function {config.key}: handler {config.handler!r} needs the file "
                f"{location.display} (or .mjs / .cjs), which does not exist"
                + typescript_hint(config, location)
            )
            continue
        located.append((config, location, module_file, env))
    if not located:
        return result
    node = node_executable()
    if node is None:
        keys = ", ".join(config.key for config, *_ in located)
        where = f"${NODE_ENV} ({os.environ[NODE_ENV]})" if os.environ.get(NODE_ENV) else "PATH"
        result.problems.append(
            f"functions {keys} use a Node.js runtime, but no `node` executable was found on "
            f"{where}: install Node.js 18 or later, or set {NODE_ENV} to its path"
        )
        return result
    report = _run_checker(node, located)
    if isinstance(report, str):
        result.notes.append(report)
        return result
    by_key = {entry.get("key"): entry for entry in report.get("functions", [])}
    for config, location, module_file, _ in located:
        entry = by_key.get(config.key, {})
        problem, note = _describe(config, location, module_file, entry)
        if problem:
            result.problems.append(problem)
        if note:
            result.notes.append(note)
    result.notes.extend(_version_notes([c for c, *_ in located], str(report.get("node", ""))))
    return result


# What each TypeScript plugin runs at package time, and where its JavaScript lands.
TYPESCRIPT_BUILDS = {
    "serverless-plugin-typescript": ("npx tsc --outDir .build", ".build"),
    "serverless-esbuild": (
        "npx esbuild {source} --bundle --platform=node --outdir=.esbuild/.build/{directory}",
        ".esbuild/.build",
    ),
    "serverless-webpack": ("npx serverless webpack", ".webpack/service"),
}
_TYPESCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
_JSON_COMMENT = re.compile(r'(?m)^((?:[^"\n/]|"(?:\\.|[^"\\\n])*"|/(?!/))*)//.*$')


def typescript_hint(config: FunctionConfig, location: HandlerLocation) -> str:
    """For a missing `.js` whose TypeScript source exists: the build step and `--code-dir`."""
    source = next(
        (
            Path(f"{location.base}{s}")
            for s in _TYPESCRIPT_SUFFIXES
            if Path(f"{location.base}{s}").exists()
        ),
        None,
    )
    if source is None:
        return ""
    plugin = next(
        (name for name in TYPESCRIPT_BUILDS if name in _service_text(config.code_dir)), ""
    )
    if plugin:
        command, output = TYPESCRIPT_BUILDS[plugin]
        relative = source.relative_to(config.code_dir)
        command = command.format(source=relative, directory=relative.parent)
        return (
            f"; {source.name} is TypeScript, which the service's {plugin} plugin compiles at "
            f"package time (corsway runs no plugins): build it the same way (`{command}`) and "
            f"serve the output with `corsway serve --code-dir {output}`"
        )
    out_dir = _tsconfig_out_dir(config.code_dir)
    serve = f"`corsway serve --code-dir {out_dir}`" if out_dir else "corsway serve"
    return (
        f"; {source.name} is TypeScript: compile it first (`npx tsc`"
        f"{'' if out_dir else ', which writes the .js next to it'}), then run {serve}"
    )


def _service_text(directory: Path) -> str:
    """serverless.yml and package.json, where the TypeScript plugins are named."""
    text = ""
    for name in ("serverless.yml", "serverless.yaml", "serverless.json", "package.json"):
        path = directory / name
        if path.is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                text += path.read_text(encoding="utf-8")
    return text


def _tsconfig_out_dir(directory: Path) -> str:
    """`compilerOptions.outDir` of tsconfig.json ("" when unset or unreadable)."""
    path = directory / "tsconfig.json"
    try:
        text = _JSON_COMMENT.sub(r"\1", path.read_text(encoding="utf-8"))
        options = json.loads(re.sub(r",(\s*[}\]])", r"\1", text)).get("compilerOptions", {})
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return ""
    out_dir = options.get("outDir") if isinstance(options, dict) else None
    return str(out_dir).removeprefix("./") if isinstance(out_dir, str) else ""


def _package_module(config: FunctionConfig, location: HandlerLocation) -> Path | None:
    """The runtime's last resort: the module name resolved as a package (node_modules)."""
    if location.base.parent != config.code_dir:
        return None
    package = config.code_dir / "node_modules" / location.base.name
    return package if package.exists() else None


def _run_checker(
    node: str, located: Sequence[tuple[FunctionConfig, HandlerLocation, Path, dict[str, str]]]
) -> dict[str, Any] | str:
    """The checker's JSON report, or a note saying why there is none."""
    request = {
        "functions": [
            {
                "key": config.key,
                "handler": config.handler,
                "runtime": config.runtime,
                "dir": str(config.code_dir.resolve()),
                "env": env,
            }
            for config, _, _, env in located
        ]
    }
    first_dir = located[0][0].code_dir.resolve()
    try:
        completed = subprocess.run(
            [node, str(WORKER_SCRIPT), "--check"],
            input=json.dumps(request).encode(),
            capture_output=True,
            cwd=first_dir,
            env={**os.environ, "NODE_PATH": str(first_dir)},
            timeout=CHECK_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return (
            f"the Node.js handlers were not checked: loading them took longer than "
            f"{CHECK_TIMEOUT_S:g} s (does a module wait for something at load time?)"
        )
    except OSError as error:
        return f"the Node.js handlers were not checked: cannot run {node}: {error.strerror}"
    try:
        report: dict[str, Any] = json.loads(completed.stdout)
    except ValueError:
        detail = completed.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit status {completed.returncode}"
        return f"the Node.js handlers were not checked: the checker failed ({reason})"
    return report


def _describe(
    config: FunctionConfig, location: HandlerLocation, module_file: Path, entry: dict[str, Any]
) -> tuple[str, str]:
    """(problem, note) for one function's check report."""
    status = entry.get("status", "")
    prefix = f"function {config.key}: handler {config.handler!r}"
    if status == "not_exported":
        exported = list(entry.get("exported") or [])
        names = ", ".join(exported[:12]) or "nothing"
        if len(exported) > 12:
            names += f" and {len(exported) - 12} more"
        return (
            f"{prefix}: {module_file} does not export {location.export!r} (it exports: {names})",
            "",
        )
    if status == "not_function":
        kind = entry.get("actualType") or "value"
        return f"{prefix}: {location.export!r} in {module_file} is a {kind}, not a function", ""
    if status == "load_error":
        message = str(entry.get("errorMessage", "")).strip().splitlines()
        reason = f"{entry.get('errorType', 'Error')}: {message[0] if message else ''}"
        hint = ""
        if entry.get("errorType") == "Runtime.ImportModuleError":
            hint = f" (are its dependencies installed? run `npm install` in {config.code_dir})"
        return (
            "",
            f"{prefix}: {module_file} cannot be loaded: {reason}{hint}; its requests answer 502 "
            "until it loads",
        )
    if status == "callback_removed":
        return (
            "",
            f"{prefix}: runtime {config.runtime}: AWS Lambda rejects callback-style handlers "
            "(3 parameters) from Node.js 24 on, so its requests answer 502 "
            "(Runtime.CallbackHandlerDeprecated), as they would on AWS",
        )
    if status != "ok":
        return "", f"{prefix}: not checked (the checker did not report on it)"
    return "", ""


def _version_notes(configs: Sequence[FunctionConfig], installed: str) -> list[str]:
    """One line per declared runtime that is not the installed Node.js major version."""
    match = re.match(r"v(\d+)", installed)
    installed_major = int(match.group(1)) if match else None
    by_runtime: dict[str, list[str]] = {}
    for config in configs:
        if runtime_major(config.runtime) != installed_major:
            by_runtime.setdefault(config.runtime, []).append(config.key)
    return [
        f"runtime {runtime} ({', '.join(keys)}) runs on the installed Node.js {installed}"
        for runtime, keys in by_runtime.items()
    ]
