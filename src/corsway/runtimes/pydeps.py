"""A service's Python requirements, read as serverless-python-requirements reads them.

The plugin packages, in this order of precedence (`custom.pythonRequirements` options):
a Poetry project's `pyproject.toml` (`usePoetry`, via `poetry export`), a `Pipfile`
(`usePipenv`), a `pyproject.toml` with `[project] dependencies` (`usePyProject`, plus
`pyprojectWithGroups` optional groups), else the `fileName` file (`requirements.txt`). It drops
comments, `-e` flags and the `noDeploy` packages, and inlines `-r` files. corsway does the same,
without Docker and without pipenv: a `Pipfile.lock`'s default packages are used when present,
else the Pipfile's `[packages]`.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corsway.errors import CorswayError
from corsway.runtimes.tools import run_tool

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

POETRY_TIMEOUT_S = 120.0
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True, slots=True)
class Requirements:
    """What to install for a service: requirement lines, and the files they come from."""

    lines: tuple[str, ...]
    source: Path  # the file the user edits to add a package (requirements.txt, pyproject...)
    files: frozenset[Path]  # every file read (a change to one rebuilds the environment)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n" if self.lines else ""

    def names(self) -> set[str]:
        """Normalised distribution names the lines ask for."""
        found = set()
        for line in self.lines:
            match = _NAME.match(line)
            if match and not line.startswith("-"):
                found.add(normalise(match.group(1)))
        return found


def normalise(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def plugin_options(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """`custom.pythonRequirements` with the plugin's defaults for what corsway reads."""
    options: dict[str, Any] = {
        "fileName": "requirements.txt",
        "usePipenv": True,
        "usePoetry": True,
        "usePyProject": True,
        "pyprojectWithGroups": [],
        "noDeploy": [],
    }
    custom = (config or {}).get("custom")
    given = custom.get("pythonRequirements") if isinstance(custom, dict) else None
    if isinstance(given, dict):
        options.update({key: value for key, value in given.items() if key in options})
    return options


def plugin_listed(config: Mapping[str, Any] | None) -> bool | None:
    """Whether serverless.yml lists serverless-python-requirements (None: no serverless.yml)."""
    if config is None:
        return None
    plugins = config.get("plugins")
    names = plugins.get("modules") if isinstance(plugins, dict) else plugins
    return isinstance(names, list) and "serverless-python-requirements" in names


def read_requirements(service_dir: Path, config: Mapping[str, Any] | None) -> Requirements | None:
    """The service's requirements, or None when it declares none."""
    options = plugin_options(config)
    pyproject = service_dir / "pyproject.toml"
    project = _toml(pyproject) if pyproject.is_file() else None
    if options["usePoetry"] and project is not None and _is_poetry(project):
        return Requirements(
            _filter(_poetry_export(service_dir, pyproject), options, service_dir),
            pyproject,
            frozenset({pyproject, service_dir / "poetry.lock"}),
        )
    pipfile = service_dir / "Pipfile"
    if options["usePipenv"] and pipfile.is_file():
        lines = _pipfile_lines(pipfile)
        return Requirements(
            _filter(lines, options, service_dir),
            pipfile,
            frozenset({pipfile, service_dir / "Pipfile.lock"}),
        )
    dependencies = _project_dependencies(project, options) if options["usePyProject"] else None
    if dependencies is not None:
        return Requirements(
            _filter(dependencies, options, service_dir), pyproject, frozenset({pyproject})
        )
    file_name = str(options["fileName"])
    path = service_dir / file_name
    if not path.is_file():
        return None
    files: set[Path] = set()
    lines = _requirement_lines(path, files)
    return Requirements(_filter(lines, options, service_dir), path, frozenset(files))


def _toml(path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CorswayError(f"{path}: cannot be read as TOML ({error})") from None
    return loaded


def _is_poetry(project: Mapping[str, Any]) -> bool:
    build = project.get("build-system")
    requires = build.get("requires") if isinstance(build, dict) else None
    return isinstance(requires, list) and any(str(r).startswith("poetry") for r in requires)


def _poetry_export(service_dir: Path, pyproject: Path) -> list[str]:
    poetry = shutil.which("poetry")
    if poetry is None:
        raise CorswayError(
            f"{pyproject} is a Poetry project: serverless-python-requirements runs `poetry "
            "export` to list its packages; install Poetry (and its export plugin), or write a "
            "requirements.txt and set custom.pythonRequirements.usePoetry: false"
        )
    completed = run_tool(
        [poetry, "export", "--without-hashes", "-f", "requirements.txt"],
        f"{pyproject}: `poetry export`",
        timeout_s=POETRY_TIMEOUT_S,
        cwd=service_dir,
    )
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise CorswayError(f"{pyproject}: `poetry export` failed: {detail}")
    return completed.stdout.splitlines()


def _pipfile_lines(pipfile: Path) -> list[str]:
    lock = pipfile.with_name("Pipfile.lock")
    if lock.is_file():
        try:
            locked = json.loads(lock.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CorswayError(f"{lock}: cannot be read as JSON ({error})") from None
        default = locked.get("default") if isinstance(locked, dict) else None
        if isinstance(default, dict):
            return [_pip_line(name, spec) for name, spec in default.items()]
    packages = _toml(pipfile).get("packages")
    if not isinstance(packages, dict):
        return []
    return [_pip_line(name, spec) for name, spec in packages.items()]


def _pip_line(name: str, spec: Any) -> str:
    """`requests==2.31.0` from a Pipfile (or Pipfile.lock) entry."""
    if isinstance(spec, str):
        return name if spec.strip() in ("", "*") else f"{name}{spec}"
    if isinstance(spec, dict):
        extras = spec.get("extras")
        label = f"{name}[{','.join(extras)}]" if isinstance(extras, list) and extras else name
        version = spec.get("version")
        marker = spec.get("markers")
        line = label + (version if isinstance(version, str) and version != "*" else "")
        return f"{line}; {marker}" if isinstance(marker, str) and marker else line
    return name


def _project_dependencies(
    project: Mapping[str, Any] | None, options: Mapping[str, Any]
) -> list[str] | None:
    table = project.get("project") if project else None
    dependencies = table.get("dependencies") if isinstance(table, dict) else None
    if not isinstance(dependencies, list) or not dependencies:
        return None
    lines = [str(item) for item in dependencies]
    optional = table.get("optional-dependencies") if isinstance(table, dict) else None
    for group in options.get("pyprojectWithGroups") or []:
        extra = optional.get(group) if isinstance(optional, dict) else None
        if isinstance(extra, list):
            lines.extend(str(item) for item in extra)
    return lines


def _requirement_lines(path: Path, seen: set[Path]) -> list[str]:
    """The file's lines, `-r` files inlined (relative to the file that names them)."""
    if path in seen:
        return []
    seen.add(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CorswayError(f"{path}: cannot be read ({error})") from None
    lines: list[str] = []
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.strip()
        match = re.match(r"^(?:-r|--requirement)\s*=?\s*(\S+)", line)
        if match:
            included = path.parent / match.group(1)
            if not included.is_file():
                raise CorswayError(f"{path}: {line!r} names {included}, which does not exist")
            lines.extend(_requirement_lines(included, seen))
        else:
            lines.append(line)
    return lines


def _filter(lines: list[str], options: Mapping[str, Any], service_dir: Path) -> tuple[str, ...]:
    """Comments, blank lines, `-e` flags and `noDeploy` packages out; options first, sorted."""
    no_deploy = {normalise(str(name)) for name in options.get("noDeploy") or []}
    kept_options: list[str] = []
    packages: list[str] = []
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-e"):
            line = line[2:].strip()
        elif line.startswith(("--", "-c", "-f", "-i")):
            kept_options.append(line)
            continue
        match = _NAME.match(line)
        if match and normalise(match.group(1)) in no_deploy:
            continue
        packages.append(line)
    return (*kept_options, *sorted(packages))
