"""The Python environments handlers run in: what Lambda's runtime has, plus the service's packages.

Two modes:

- managed (the default): per Python version, a cached *base* virtual environment with what
  Lambda's Python runtimes ship beyond the standard library (`BASE_PACKAGES`: boto3 and
  botocore), shared by every service; per service, its requirements (`runtimes.pydeps`)
  installed once into a cached directory keyed by the requirements' hash and the Python
  version, put on `sys.path` right after the code directory (where Lambda has them: in the
  package, ahead of the runtime's boto3). Rebuilt when the requirements change.
- user: `--python PATH` or the active virtual environment (`$VIRTUAL_ENV`): every Python
  function runs on that interpreter, with whatever it has installed; nothing is installed.

The cache lives in `$CORSWAY_CACHE_DIR`, else `$XDG_CACHE_HOME/corsway`, else
`~/.cache/corsway`. Installs use uv when it is on PATH (or `$CORSWAY_INSTALLER=uv`), pip
otherwise (`$CORSWAY_INSTALLER=pip` forces it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corsway.errors import CorswayError
from corsway.runtimes.interpreters import Interpreter, choose_interpreter, user_interpreter
from corsway.runtimes.pydeps import Requirements, read_requirements
from corsway.runtimes.tools import run_tool

CACHE_ENV = "CORSWAY_CACHE_DIR"
INSTALLER_ENV = "CORSWAY_INSTALLER"
BASE_PACKAGES = ("boto3",)  # what Lambda's Python runtimes add to the standard library
INSTALL_TIMEOUT_S = 900.0
_COMPLETE = ".corsway-complete"  # written last: a directory without it is rebuilt
KEEP_SERVICE_BUILDS = 2  # per service and Python version, the newest builds kept
_BOTO3_PROBE = (
    "import json, sys\n"
    "sys.path[1:1] = json.loads(sys.argv[1])\n"
    "from importlib import util, metadata\n"
    "spec = util.find_spec('boto3')\n"
    "version = ''\n"
    "if spec:\n"
    "    try: version = metadata.version('boto3')\n"
    "    except Exception: pass\n"
    "print(json.dumps({'origin': spec.origin if spec else '', 'version': version}))"
)

Progress = Callable[[str], None]


def cache_root() -> Path:
    """Where corsway keeps Python environments (see the module docstring)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "corsway"


@dataclass(frozen=True, slots=True)
class PythonEnvironment:
    """How workers of one Python runtime start: interpreter and extra `sys.path` entries."""

    runtime: str  # "python3.11"
    interpreter: str  # the python that runs the workers
    version: str  # its version, "3.11.7"
    paths: tuple[str, ...] = ()  # after the code directory: the service's packages
    boto3: str = ""  # the boto3 package's file workers import ("" when it is missing)
    boto3_version: str = ""
    note: str = ""  # the interpreter is not the runtime's version
    managed: bool = True  # False: the user's environment (--python, $VIRTUAL_ENV), as it is
    requirements: Requirements | None = None


@dataclass
class PythonEnvironments:
    """Every Python runtime's environment for one service; prepared at start-up and on edits.

    `prepare` is called with the runtimes the service uses (again after a configuration or a
    requirements edit); the launcher reads `for_runtime` each time it starts a worker pool.
    """

    service_dir: Path
    user_python: str | None = None  # --python PATH
    user_source: str = ""  # "--python" or "$VIRTUAL_ENV"
    config: Mapping[str, Any] | None = None  # serverless.yml, for custom.pythonRequirements
    environments: dict[str, PythonEnvironment] = field(default_factory=dict)
    requirements: Requirements | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_options(
        cls, service_dir: Path, python: str | None, config: Mapping[str, Any] | None = None
    ) -> PythonEnvironments:
        """`--python PATH` wins, then `$VIRTUAL_ENV`, else managed environments."""
        if python:
            return cls(service_dir, python, "--python", config)
        active = os.environ.get("VIRTUAL_ENV")
        if active:
            return cls(service_dir, active, "$VIRTUAL_ENV", config)
        return cls(service_dir, None, "", config)

    @property
    def managed(self) -> bool:
        return self.user_python is None

    def for_runtime(self, runtime: str) -> PythonEnvironment | None:
        return self.environments.get(runtime)

    def dependency_files(self) -> frozenset[Path]:
        """Files whose edit rebuilds the service's packages."""
        if not self.managed:
            return frozenset()
        names = ("requirements.txt", "Pipfile", "Pipfile.lock", "pyproject.toml", "poetry.lock")
        files = {self.service_dir / name for name in names}
        if self.requirements is not None:
            files |= self.requirements.files
        return frozenset(files)

    def prepare(self, runtimes: Iterable[str], progress: Progress) -> list[str]:
        """Make every runtime's environment ready (installing what is missing); notes."""
        wanted = sorted(set(runtimes))
        with self._lock:
            if not wanted:
                self.environments = {}
                return []
            if not self.managed:
                return self._prepare_user(wanted)
            return self._prepare_managed(wanted, progress)

    def _prepare_user(self, runtimes: list[str]) -> list[str]:
        assert self.user_python is not None
        interpreter = user_interpreter(self.user_python, self.user_source)
        boto3, boto3_version = _boto3_origin(interpreter.path, ())
        environments = {}
        mismatched = []
        for runtime in runtimes:
            environments[runtime] = PythonEnvironment(
                runtime,
                interpreter.path,
                interpreter.version,
                (),
                boto3,
                boto3_version,
                managed=False,
            )
            if f"python{interpreter.minor[0]}.{interpreter.minor[1]}" != runtime:
                mismatched.append(runtime)
        self.environments = environments
        notes = []
        if mismatched:
            notes.append(
                f"runtime {', '.join(mismatched)} runs on Python {interpreter.version} "
                f"({interpreter.path}, from {self.user_source})"
            )
        if not boto3:
            notes.append(
                f"boto3 is not installed in {interpreter.path} (from {self.user_source}): "
                "Lambda's Python runtime has it; handlers that import it fail until you "
                "`pip install boto3` there"
            )
        requirements = read_requirements(self.service_dir, self.config)
        if requirements is not None and requirements.lines:
            notes.append(
                f"{requirements.source.name} is not installed by corsway while "
                f"{self.user_source} chooses the environment: install it there yourself"
            )
        return notes

    def _prepare_managed(self, runtimes: list[str], progress: Progress) -> list[str]:
        requirements = read_requirements(self.service_dir, self.config)
        environments = {}
        notes = []
        for runtime in runtimes:
            choice = choose_interpreter(runtime)
            base = _base_environment(choice.interpreter, progress)
            paths: tuple[str, ...] = ()
            if requirements is not None and requirements.lines:
                target = _service_packages(
                    self.service_dir, base, choice.interpreter, requirements, progress
                )
                paths = (str(target / "packages"),)
            boto3, boto3_version = _boto3_origin(str(base / "bin" / "python"), paths)
            environments[runtime] = PythonEnvironment(
                runtime,
                str(base / "bin" / "python"),
                choice.interpreter.version,
                paths,
                boto3,
                boto3_version,
                choice.note,
                requirements=requirements,
            )
            if choice.note:
                notes.append(choice.note)
        self.environments = environments
        self.requirements = requirements
        return notes

    def banner_lines(self) -> list[str]:
        """One line per Python runtime: which interpreter runs it, and where boto3 is from."""
        lines = []
        for runtime, env in sorted(self.environments.items()):
            where = "the cached base" if self.managed else self.user_source
            if env.boto3 and env.paths and env.boto3.startswith(env.paths[0]):
                where = env.requirements.source.name if env.requirements else "the service"
            boto3 = f"boto3 {env.boto3_version} from {where}" if env.boto3 else "no boto3"
            packages = ""
            if env.requirements is not None and env.paths:
                count = sum(1 for line in env.requirements.lines if not line.startswith("-"))
                packages = f", {count} package(s) from {env.requirements.source.name}"
            lines.append(f"{runtime} → Python {env.version} ({env.interpreter}; {boto3}{packages})")
        return lines


def _boto3_origin(interpreter: str, paths: tuple[str, ...]) -> tuple[str, str]:
    """(file, version) of the boto3 the interpreter imports with `paths` first (empty: none)."""
    try:
        completed = subprocess.run(
            [interpreter, "-I", "-c", _BOTO3_PROBE, json.dumps(list(paths))],
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
        facts = json.loads(completed.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return "", ""
    if not isinstance(facts, dict) or not facts.get("origin"):
        return "", ""
    return str(facts["origin"]), str(facts.get("version") or "?")


# -- building ------------------------------------------------------------------------------


def installer() -> str | None:
    """The uv executable to install with, or None for pip."""
    choice = os.environ.get(INSTALLER_ENV, "").strip().lower()
    if choice == "pip":
        return None
    found = shutil.which("uv")
    if choice == "uv" and found is None:
        raise CorswayError(f"{INSTALLER_ENV}=uv, but no `uv` is on PATH (install uv, or unset it)")
    return found


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One builder per directory across processes (two `serve`s starting at once)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(directory.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(command: list[str], what: str, cwd: Path | None = None) -> None:
    completed = run_tool(command, what, timeout_s=INSTALL_TIMEOUT_S, cwd=cwd)
    if completed.returncode != 0:
        detail = [line for line in completed.stderr.strip().splitlines() if line.strip()]
        shown = "\n  ".join(detail[-8:]) or f"exit status {completed.returncode}"
        raise CorswayError(f"{what} failed ({' '.join(command[:3])} ...):\n  {shown}")


def _base_environment(interpreter: Interpreter, progress: Progress) -> Path:
    """The cached virtual environment of this Python version with `BASE_PACKAGES`."""
    major, minor = interpreter.minor
    directory = cache_root() / "python" / f"{major}.{minor}" / "base"
    marker = directory / _COMPLETE
    with _locked(directory):
        if marker.is_file() and (directory / "bin" / "python").exists():
            recorded = json.loads(marker.read_text())
            if recorded.get("interpreter") == interpreter.path:
                return directory
        shutil.rmtree(directory, ignore_errors=True)
        uv = installer()
        started = time.monotonic()
        progress(
            f"python{major}.{minor}: creating the base environment (Python "
            f"{interpreter.version} + {', '.join(BASE_PACKAGES)}, as Lambda's runtime has) in "
            f"{directory} with {'uv' if uv else 'pip'}, once for every service ..."
        )
        python = str(directory / "bin" / "python")
        if uv:
            _run([uv, "venv", "--quiet", "--python", interpreter.path, str(directory)], "uv venv")
            _run(
                [uv, "pip", "install", "--quiet", "--python", python, *BASE_PACKAGES],
                "installing boto3",
            )
        else:
            _venv_with_pip(interpreter, directory)
            _run([python, *_PIP_INSTALL, *BASE_PACKAGES], "installing boto3")
        marker.write_text(json.dumps({"interpreter": interpreter.path, "packages": BASE_PACKAGES}))
        progress(f"python{major}.{minor}: base environment ready in {_since(started)}")
        return directory


_PIP_INSTALL = (
    "-m",
    "pip",
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "--no-input",
    "--no-warn-script-location",
)


def _venv_with_pip(interpreter: Interpreter, directory: Path) -> None:
    completed = run_tool(
        [interpreter.path, "-m", "venv", str(directory)],
        "creating a virtual environment",
        timeout_s=INSTALL_TIMEOUT_S,
    )
    if completed.returncode != 0:
        major, minor = interpreter.minor
        raise CorswayError(
            f"cannot create a virtual environment with {interpreter.path} (Python "
            f"{interpreter.version}): {(completed.stdout + completed.stderr).strip()[-300:]}\n"
            f"  install its venv module (Debian/Ubuntu: `apt install python{major}.{minor}-venv`)"
            ", or install uv (corsway uses it when it is on PATH)"
        )


def _service_packages(
    service_dir: Path,
    base: Path,
    interpreter: Interpreter,
    requirements: Requirements,
    progress: Progress,
) -> Path:
    """The cached directory with the service's packages for this Python version."""
    major, minor = interpreter.minor
    service_key = hashlib.sha256(str(service_dir.resolve()).encode()).hexdigest()[:10]
    digest = hashlib.sha256(requirements.text.encode()).hexdigest()[:16]
    builds = cache_root() / "python" / f"{major}.{minor}" / "services"
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in service_dir.name)[:40]
    directory = builds / f"{slug}-{service_key}" / digest
    if (directory / _COMPLETE).is_file():
        os.utime(directory)  # the newest builds are kept (see _prune)
        return directory
    with _locked(directory):
        if (directory / _COMPLETE).is_file():
            return directory
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        listing = directory / "requirements.txt"
        listing.write_text(requirements.text)
        uv = installer()
        count = sum(1 for line in requirements.lines if not line.startswith("-"))
        progress(
            f"python{major}.{minor}: installing {count} package(s) from "
            f"{requirements.source.name} into {directory} with {'uv' if uv else 'pip'} ..."
        )
        started = time.monotonic()
        python = str(base / "bin" / "python")
        target = directory / "packages"
        if uv:
            command = [uv, "pip", "install", "--quiet", "--python", python]
        else:
            command = [python, *_PIP_INSTALL]
        try:
            _run(
                [*command, "--target", str(target), "-r", str(listing)],
                f"installing {requirements.source.name}",
                cwd=service_dir,
            )
        except CorswayError:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        (directory / _COMPLETE).write_text(requirements.text)
        progress(
            f"python{major}.{minor}: {requirements.source.name} installed in {_since(started)}"
        )
    _prune(directory.parent, keep=directory)
    return directory


def _prune(service_builds: Path, keep: Path) -> None:
    """Drop all but the newest builds of a service (workers may still use the previous one)."""
    builds = sorted(
        (p for p in service_builds.iterdir() if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in builds[KEEP_SERVICE_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
            with contextlib.suppress(OSError):
                old.with_name(old.name + ".lock").unlink()


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"
