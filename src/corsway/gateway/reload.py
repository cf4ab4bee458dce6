"""Reload while serving: edits to the configuration or the handlers apply without a restart.

A thread watches the service directory (watchfiles; directories one level at a time, so that
`node_modules` or `.git` are never walked) and the `--template` file. After a burst of changes
settles (debounce), it sorts them:

- configuration (serverless.yml, files it may include, `.env*`, the template file): the model is
  rebuilt in the watcher thread (compile, build, handler checks) and, when it is sound, swapped
  into the server atomically; requests already running finish on the previous model; functions
  whose configuration changed get fresh workers; the console says what changed;
- handler code (`.py`, `.js`, `.mjs`, `.cjs`): changed Python files are compiled and every
  handler is checked; when all is sound, every function's workers are recycled, so the next
  request runs the new code (idle workers stop now, busy ones when their invocation ends);
- dependencies (`requirements.txt` and the other files `ReloadSource.dependency_files` names):
  the handlers' packages are rebuilt in the watcher thread, then every worker is recycled; a
  failed install is printed and the previous packages keep serving.

Other files (logs, data the handlers write, `corsway serve > out` inside the service) never
reload, so nothing the server or its handlers write can feed back into a reload.

A broken edit (YAML or template error, a Python syntax error, a missing handler) is printed with
its `file:line` and the last good configuration and workers keep serving. Editor temporary
files, `.git`, `node_modules`, `__pycache__` and the like are ignored.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import re
import threading
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import watchfiles

from corsway.errors import CorswayError, SourceLocation
from corsway.gateway.accesslog import Console
from corsway.gateway.flavour import ServedApi
from corsway.gateway.loader import LoadedService, check_functions

IGNORED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".serverless",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".idea",
        ".vscode",
        ".cache",
        ".aws-sam",
    }
)
# Editor and tool droppings: backups, swap and lock files, atomic-save temporaries.
_IGNORED_NAMES = re.compile(
    r"""(
        .*~ | \.\#.* | \#.*\# | .*\.sw[a-p] | .*\.sw[x-z] | \d+ | .*\.tmp | .*\.temp | .*\.bak
        | .*\.py[cod] | .*___jb_(tmp|old)___ | \.goutputstream-.* | \.DS_Store | .*\.crswap
        | .*\.orig | .*\.rej | \.coverage.* | .*\.log | sed[A-Za-z0-9]{6}
    )$""",
    re.VERBOSE,
)
CONFIG_SUFFIXES = frozenset({".yml", ".yaml", ".json"})
# Files a handler's code is made of; other files (logs, databases, output written by the
# handlers or by `corsway serve > out`) never reload, so nothing can feed back into a reload.
CODE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs"})
DEBOUNCE_MS = 1000  # the longest a burst of changes is grouped
STEP_MS = 80  # changes are applied once none has come for this long


class ReloadTarget(Protocol):
    """What the reloader changes: a running server (`server.GatewayServer`)."""

    console: Console
    apis: tuple[ServedApi, ...]

    async def swap(self, apis: Sequence[ServedApi], *, recycle: bool = False) -> str:
        """Serve these APIs from now on; a summary of what changed."""
        ...

    async def recycle(self) -> str:
        """Fresh workers for every function; a summary."""
        ...


@dataclass(frozen=True, slots=True)
class ReloadSource:
    """Where the served model comes from, and how to build it again."""

    service_dir: Path
    config_file: Path  # serverless.yml, or the --template file
    template_mode: bool  # the model comes from --template: only that file is configuration
    load: Callable[[], tuple[LoadedService, list[str]]]  # (model, start-up notes); CorswayError
    # Files whose edit rebuilds the handlers' packages (requirements.txt, ...), and the rebuild
    # (start-up notes; CorswayError when it fails): then every function's workers are recycled.
    dependency_files: Callable[[], frozenset[Path]] | None = None
    rebuild_dependencies: Callable[[], list[str]] | None = None


def is_ignored(path: Path, root: Path) -> bool:
    """Whether a change to `path` can be ignored (a tool's file, not the user's)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = path.parts[-1:]
    if any(part in IGNORED_DIRECTORIES for part in parts[:-1]):
        return True
    return bool(parts) and (
        parts[-1] in IGNORED_DIRECTORIES or bool(_IGNORED_NAMES.match(parts[-1]))
    )


def is_source(path: Path) -> bool:
    """Whether a changed file is code or configuration (anything else never reloads)."""
    suffix = path.suffix
    return suffix in CODE_SUFFIXES or suffix in CONFIG_SUFFIXES or path.name.startswith(".env")


def watched_directories(root: Path) -> list[Path]:
    """`root` and every directory below it that is not ignored."""
    found = [root]
    for directory, subdirectories, _ in os.walk(root):
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if name not in IGNORED_DIRECTORIES and not _IGNORED_NAMES.match(name)
        )
        found.extend(Path(directory) / name for name in subdirectories)
    return found


def python_syntax_errors(paths: Iterable[Path]) -> list[CorswayError]:
    """A `file:line:col` error for each Python file that does not compile."""
    errors = []
    for path in paths:
        if path.suffix != ".py" or not path.is_file():
            continue
        try:
            source = path.read_bytes()
            compile(source, str(path), "exec", dont_inherit=True)
        except SyntaxError as error:
            errors.append(
                CorswayError(
                    f"{type(error).__name__}: {error.msg}",
                    SourceLocation(str(path), error.lineno or 0, error.offset or 0),
                )
            )
        except (OSError, ValueError) as error:
            errors.append(CorswayError(f"cannot read {path}: {error}", SourceLocation(str(path))))
    return errors


class Reloader:
    """Watches a service and reloads a running `GatewayServer` (see the module docstring)."""

    def __init__(
        self,
        server: ReloadTarget,
        source: ReloadSource,
        *,
        debounce_ms: int = DEBOUNCE_MS,
        step_ms: int = STEP_MS,
        known_warnings: Iterable[str] = (),
    ) -> None:
        self.server = server
        self.source = source
        self._root = source.service_dir.resolve()
        self._config_file = source.config_file.resolve()
        self._debounce_ms = debounce_ms
        self._step_ms = step_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._warnings = set(known_warnings)  # printed already: not repeated on reload
        self._config_stale = False  # the last configuration reload failed
        self.reloads = 0  # applied reloads (configuration or code), for tests and the console

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch in a background thread; changes are applied on `loop`."""
        self._loop = loop
        self._thread = threading.Thread(target=self._run, name="corsway-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (returns once the thread has ended, or after 5 s)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- the watcher thread -------------------------------------------------------------

    def _directories(self) -> list[Path]:
        directories = watched_directories(self._root)
        if self._config_file.parent not in directories:
            directories.append(self._config_file.parent)
        return directories

    def _relevant(self, change: watchfiles.Change, path: str) -> bool:
        resolved = Path(path)
        if resolved == self._config_file:
            return True
        if not resolved.is_relative_to(self._root):
            return False  # another file next to a template outside the service
        return not is_ignored(resolved, self._root)

    def _run(self) -> None:
        while not self._stop.is_set():
            directories = self._directories()
            restart = False
            try:
                for changes in watchfiles.watch(
                    *directories,
                    watch_filter=self._relevant,
                    debounce=self._debounce_ms,
                    step=self._step_ms,
                    stop_event=self._stop,
                    recursive=False,
                    rust_timeout=1000,
                    raise_interrupt=False,
                    ignore_permission_denied=True,
                ):
                    paths = {Path(path) for _, path in changes}
                    self._handle(paths)
                    if any(
                        change in (watchfiles.Change.added, watchfiles.Change.deleted)
                        and (Path(path).is_dir() or Path(path) in directories)
                        for change, path in changes
                    ):
                        restart = True  # a directory came or went: watch the new tree
                        break
            except (OSError, RuntimeError) as error:
                self._say(f"reload: watching {self._root} stopped: {error}", "yellow")
                return
            if not restart:
                return

    def _handle(self, paths: set[Path]) -> None:
        watched = self.source.dependency_files() if self.source.dependency_files else frozenset()
        dependencies = sorted(p for p in paths if p in watched)
        if dependencies:
            try:
                self._reload_dependencies(dependencies)
            except Exception as error:  # a bug here must not stop watching
                self._say(f"reload failed unexpectedly ({type(error).__name__}: {error})", "red")
        paths = {p for p in paths if p not in watched and (p == self._config_file or is_source(p))}
        if not paths:
            return
        config = sorted(p for p in paths if self._is_config(p))
        code = sorted(p for p in paths if not self._is_config(p))
        try:
            if config or self._config_stale:
                # after a failed configuration reload, any edit may be the fix (e.g. the
                # handler it names now exists): load the configuration again
                self._reload_config(config, code)
            else:
                self._reload_code(code)
        except Exception as error:  # a bug here must not stop watching
            self._say(f"reload failed unexpectedly ({type(error).__name__}: {error})", "red")

    def _is_config(self, path: Path) -> bool:
        if path == self._config_file:
            return True
        if self.source.template_mode:
            return False
        return path.suffix in CONFIG_SUFFIXES or path.name.startswith(".env")

    def _reload_config(self, config: list[Path], code: list[Path]) -> None:
        what = self._names(config + code)
        errors = python_syntax_errors(code)
        if not errors:
            try:
                loaded, notes = self.source.load()
            except CorswayError as error:
                errors = [error]
        if errors:
            self._config_stale = True
            self._failed(what, errors, "the previous configuration keeps serving")
            return
        self._config_stale = False
        messages = self._apply(self.server.swap(loaded.apis, recycle=bool(code)))
        for item in [*loaded.warnings, *loaded.notes, *notes]:
            text = str(item)
            if text not in self._warnings:
                self._warnings.add(text)
                self._say(text, "yellow")
        self._say(f"reload: {what} changed: {messages}", "green")

    def _reload_code(self, code: list[Path]) -> None:
        if not code:
            return
        what = self._names(code)
        errors = python_syntax_errors(code)
        if not errors:
            try:
                check_functions(self.server.apis, str(self._config_file))
            except CorswayError as error:
                errors = [error]
        if errors:
            self._failed(what, errors, "the workers keep the previous code")
            return
        self._say(f"reload: {what} changed: {self._apply(self.server.recycle())}", "green")

    def _reload_dependencies(self, files: list[Path]) -> None:
        what = self._names(files)
        assert self.source.rebuild_dependencies is not None
        try:
            notes = self.source.rebuild_dependencies()
        except CorswayError as error:
            self._failed(what, [error], "the workers keep the previous packages")
            return
        for note in notes:
            if note not in self._warnings:
                self._warnings.add(note)
                self._say(f"note: {note}", "yellow")
        self._say(f"reload: {what} changed: {self._apply(self.server.recycle())}", "green")

    def _apply(self, work: Coroutine[Any, Any, str]) -> str:
        """Run a coroutine of the server on its loop and wait for its summary."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            summary: str = future.result(timeout=60)
        except concurrent.futures.TimeoutError:
            return "still applying after 60 s"
        self.reloads += 1
        return summary

    def _failed(self, what: str, errors: list[CorswayError], keeps: str) -> None:
        self._say(f"reload: {what} changed, but it does not load ({keeps}):", "red")
        for error in errors:
            self._say(f"  {error}", "red")

    def _names(self, paths: list[Path]) -> str:
        names = []
        for path in paths[:4]:
            try:
                names.append(str(path.relative_to(self._root)))
            except ValueError:
                names.append(str(path))
        if len(paths) > 4:
            names.append(f"and {len(paths) - 4} more")
        return ", ".join(names)

    def _say(self, text: str, color: str) -> None:
        loop = self._loop
        console = self.server.console
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(console.note, text, color)
