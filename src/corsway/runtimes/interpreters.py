"""Which Python interpreter runs a `pythonX.Y` runtime, and what an interpreter is.

The rule (`choose_interpreter`), in order:

1. an interpreter of exactly version X.Y: corsway's own, `pythonX.Y` on PATH (pyenv's shims
   are skipped: they answer only for the pyenv version in force), pyenv's
   `$PYENV_ROOT/versions/X.Y.*` (newest patch first), uv's managed `cpython-X.Y.*`;
2. else the closest version found among those (the newer one on a tie), with a note saying
   what to install for an exact match.

`--python PATH` and an active virtual environment (`$VIRTUAL_ENV`) bypass the rule: every
Python function runs on that interpreter (see `runtimes.pyenvs`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from corsway.errors import CorswayError

OLDEST_MINOR = 8  # the python_worker bootstrap runs on Python 3.8 and later
NEWEST_MINOR = 14
_RUNTIME = re.compile(r"python(\d+)\.(\d+)$")
_PROBE = (
    "import json, sys, os\n"
    "print(json.dumps({'version': '.'.join(map(str, sys.version_info[:3])),"
    " 'executable': sys.executable, 'prefix': sys.prefix, 'base_prefix': sys.base_prefix}))"
)
PROBE_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class Interpreter:
    """One Python interpreter found on this machine."""

    path: str  # what to run
    version: str  # "3.11.7"

    @property
    def minor(self) -> tuple[int, int]:
        major, minor, *_ = (int(part) for part in self.version.split("."))
        return major, minor


def runtime_version(runtime: str) -> tuple[int, int] | None:
    """(3, 11) for `python3.11`; None for a runtime name that is not `pythonX.Y`."""
    match = _RUNTIME.match(runtime)
    return (int(match.group(1)), int(match.group(2))) if match else None


def probe(path: str) -> Interpreter | None:
    """Run `path` once to learn its version; None when it does not run as Python 3."""
    try:
        completed = subprocess.run(
            [path, "-I", "-c", _PROBE],
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        facts = json.loads(completed.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if completed.returncode != 0 or not isinstance(facts, dict):
        return None
    version = str(facts.get("version", ""))
    if not version.startswith("3."):
        return None
    return Interpreter(path, version)


def user_interpreter(path: str, where: str) -> Interpreter:
    """The interpreter `--python PATH` or `$VIRTUAL_ENV` names; CorswayError when unusable."""
    candidate = Path(path).expanduser()
    if candidate.is_dir():  # a virtual environment's directory
        candidate = candidate / "bin" / "python"
    found = shutil.which(str(candidate)) if candidate.exists() else shutil.which(path)
    if found is None:
        raise CorswayError(
            f"{where}: {path} is not a Python interpreter (no such executable); give the path "
            "of one, e.g. .venv/bin/python, or a virtual environment's directory"
        )
    interpreter = probe(found)
    if interpreter is None:
        raise CorswayError(f"{where}: {found} does not run as Python 3 (give a Python 3.8+)")
    if interpreter.minor < (3, OLDEST_MINOR):
        raise CorswayError(
            f"{where}: {found} is Python {interpreter.version}; corsway runs handlers on "
            f"Python 3.{OLDEST_MINOR} or later"
        )
    return Interpreter(found, interpreter.version)


def _pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _uv_python_dir() -> Path:
    configured = os.environ.get("UV_PYTHON_INSTALL_DIR")
    if configured:
        return Path(configured)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "uv" / "python"


def _patch_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)[:3])


def candidates(minor: int) -> list[str]:
    """Paths that may be Python 3.`minor`, in the rule's order (unchecked)."""
    found: list[str] = []
    if sys.version_info[:2] == (3, minor):
        base = Path(sys.base_prefix) / "bin" / f"python3.{minor}"
        found.append(str(base) if base.exists() else sys.executable)
    shims = str(_pyenv_root() / "shims")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or os.path.abspath(directory) == shims:
            continue
        path = Path(directory) / f"python3.{minor}"
        if os.access(path, os.X_OK) and path.is_file():
            found.append(str(path))
    found += _installed(_pyenv_root() / "versions", rf"3\.{minor}\.\d+$", minor)
    found += _installed(_uv_python_dir(), rf"cpython-3\.{minor}\.\d+-", minor)
    return list(dict.fromkeys(found))


def _installed(directory: Path, version_dir: str, minor: int) -> list[str]:
    """`python3.<minor>` of every folder of `directory` (pyenv's or uv's) whose name matches
    `version_dir`, newest patch release first."""
    if not directory.is_dir():
        return []
    pattern = re.compile(version_dir)
    found = []
    for entry in sorted(directory.iterdir(), key=lambda p: _patch_key(p.name), reverse=True):
        path = entry / "bin" / f"python3.{minor}"
        if pattern.match(entry.name) and path.exists():
            found.append(str(path))
    return found


def find_exact(minor: int) -> Interpreter | None:
    """The first working interpreter of version 3.`minor`, by the rule's order."""
    for path in candidates(minor):
        interpreter = probe(path)
        if interpreter is not None and interpreter.minor == (3, minor):
            return interpreter
    return None


@dataclass(frozen=True, slots=True)
class Choice:
    """The interpreter for one runtime, and a note when it is not the runtime's version."""

    interpreter: Interpreter
    note: str = ""


def choose_interpreter(runtime: str) -> Choice:
    """The interpreter that runs `runtime` (see the module docstring for the rule)."""
    wanted = runtime_version(runtime)
    if wanted is None or wanted[0] != 3:
        raise CorswayError(f"runtime {runtime} is not a Python 3 runtime corsway can run")
    minor = wanted[1]
    exact = find_exact(minor) if minor >= OLDEST_MINOR else None
    if exact is not None:
        return Choice(exact)
    order = sorted(
        (m for m in range(OLDEST_MINOR, NEWEST_MINOR + 1) if m != minor),
        key=lambda m: (abs(m - minor), -m),
    )
    for other in order:
        found = find_exact(other)
        if found is None:
            continue
        if minor < OLDEST_MINOR:
            why = f"corsway runs handlers on Python 3.{OLDEST_MINOR} or later"
        else:
            why = (
                f"no Python 3.{minor} was found on PATH, in pyenv or in uv's pythons; for an "
                f"exact match install it (`pyenv install 3.{minor}`, `uv python install "
                f"3.{minor}`, or your system's python3.{minor} package), or choose one with "
                "--python"
            )
        return Choice(
            found, f"runtime {runtime} runs on Python {found.version} ({found.path}): {why}"
        )
    raise CorswayError(  # unreachable in practice: corsway's own Python is 3.10 or later
        f"runtime {runtime}: no Python 3 interpreter was found; install Python 3.{minor}"
    )
