"""Resolve Serverless variables (`${self:...}`, `${opt:stage}`, `${env:X, 'default'}`, ...).

Semantics follow Serverless Framework v3.40 (checked against the real framework):

* A string that is exactly one variable takes the variable's value as-is (object, number, ...);
  otherwise the value is spliced into the string (`String(value)`: arrays comma-joined, objects
  rejected).
* Sources are tried in order; one that yields `null`/nothing falls through to the next; a
  literal (`'text'`, `"text"`, numbers, `true`, `false`, `null`) ends the chain.
* A resolved value that holds variables is resolved again (at most 10 levels deep).
* `${self:a.b}` first resolves whatever `a` or `a.b` (or anything inside it) still needs;
  a property that ends up needing itself is a circular reference.
* `${self:provider.stage}` / `${self:provider.region}` read the configuration only: without
  `provider.stage` in the file they do not resolve (use `${sls:stage}` / `${aws:region}`).
* `${sls:instanceId}` is the same millisecond timestamp that names the API Gateway deployment.

Sources that need AWS (`ssm`, `cf`, `s3`, `aws:accountId`) or running JavaScript (`file(x.js)`)
cannot be resolved offline: with a later fallback, the fallback is used (with a warning);
without one, it is an error that says so.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from corsway.errors import CorswayError, Diagnostic, SourceLocation
from corsway.service.jsvalues import js_string, short_repr
from corsway.service.loader import load_yaml
from corsway.service.sourcemap import Path, SourceMap, format_path
from corsway.service.varsyntax import Source, Template, Variable, VariableSyntaxError, parse

MAX_NEST_DEPTH = 10

# Sources that query AWS: their value cannot be known offline.
AWS_BACKED_SOURCES = {
    "ssm": "AWS Systems Manager Parameter Store",
    "cf": "the outputs of another CloudFormation stack",
    "s3": "an object in S3",
}
KNOWN_SOURCES = frozenset(
    {"self", "opt", "sls", "env", "file", "strToBool", "param", "aws", *AWS_BACKED_SOURCES}
)


@dataclass
class ResolutionContext:
    """What variables can read besides the configuration itself."""

    service_dir: FilePath
    options: dict[str, Any]  # CLI options given: "stage" and/or "region"
    env: Mapping[str, str]
    instance_id: str
    warnings: list[Diagnostic] = field(default_factory=list)


class _NotOffline(Exception):
    """A source that cannot be resolved without AWS or a JavaScript runtime."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _LoadedFile:
    __slots__ = ("data", "map")

    def __init__(self, data: Any, source_map: SourceMap | None) -> None:
        self.data = data
        self.map = source_map


class VariableResolver:
    """Resolves every variable in a configuration, in place, recording where values came from."""

    def __init__(self, config: dict[str, Any], source_map: SourceMap, context: ResolutionContext):
        self.config = config
        self.map = source_map
        self.context = context
        self.pending: dict[Path, None] = {}
        self.active: list[Path] = []
        self.files: dict[FilePath, _LoadedFile] = {}
        self.handlers: dict[str, Callable[[Source, list[Any], str | None, Path], Any]] = {
            "self": self._self,
            "opt": self._opt,
            "sls": self._sls,
            "env": self._env,
            "file": self._file,
            "strToBool": self._str_to_bool,
            "param": self._param,
            "aws": self._aws,
        }

    # -- driving ----------------------------------------------------------------------------
    def resolve_all(self) -> None:
        """Resolve every string that holds a variable; raise CorswayError on the first failure."""
        self._collect(self.config, ())
        for path in list(self.pending):
            if path in self.pending:
                self._resolve_property(path)

    def _collect(self, value: Any, path: Path) -> list[Path]:
        found: list[Path] = []
        stack: list[tuple[Any, Path]] = [(value, path)]
        while stack:
            current, where = stack.pop()
            if isinstance(current, str):
                if "${" in current:
                    found.append(where)
            elif isinstance(current, dict):
                stack.extend((item, (*where, key)) for key, item in reversed(current.items()))
            elif isinstance(current, list):
                stack.extend(
                    (item, (*where, index)) for index, item in reversed(list(enumerate(current)))
                )
        for item in found:
            self.pending[item] = None
        return found

    def _location(self, path: Path) -> SourceLocation:
        return self.map.value(path)

    def _resolve_property(self, path: Path) -> None:
        if path in self.active:
            raise self._cycle(path)
        self.active.append(path)
        try:
            raw = _get(self.config, path)
            if not isinstance(raw, str):
                self.pending.pop(path, None)
                return
            value = self._resolve_text(raw, path, 0)
            _set(self.config, path, value)
            self.pending.pop(path, None)
            if isinstance(value, dict | list):
                for inner in self._collect(value, path):
                    if inner in self.pending:
                        self._resolve_property(inner)
        finally:
            self.active.pop()

    def _cycle(self, path: Path) -> CorswayError:
        requester = self.active[-1] if self.active else path
        where = self._location(requester)
        if requester == path:
            return CorswayError(
                f"circular reference: {format_path(path)} refers to itself through a variable",
                where,
            )
        chain = [*self.active[self.active.index(path) :], path]
        return CorswayError(
            "circular reference among variables: "
            + " -> ".join(format_path(item) for item in chain),
            where,
        )

    # -- strings ----------------------------------------------------------------------------
    def _parse(self, text: str, path: Path) -> Template:
        try:
            return parse(text)
        except VariableSyntaxError as error:
            raise CorswayError(
                f"invalid variable syntax in {format_path(path)}: {error.reason} "
                f"(at character {error.index + 1} of {text!r})",
                self._location(path),
            ) from None

    def _resolve_text(self, text: str, path: Path, depth: int) -> Any:
        template = self._parse(text, path)
        if not template.variables:
            return text
        if depth >= MAX_NEST_DEPTH:
            raise CorswayError(
                f"cannot resolve {format_path(path)}: variables nest deeper than {MAX_NEST_DEPTH} "
                "levels (a value keeps resolving to another variable; likely a cycle)",
                self._location(path),
            )
        variables = template.variables
        first = variables[0]
        if (
            len(variables) == 1
            and not first.is_escape
            and first.start == 0
            and first.end == len(text)
        ):
            value = self._resolve_variable(first, text, path)
            if isinstance(value, str) and "${" in value:
                return self._resolve_text(value, path, depth + 1)
            return value
        parts: list[str] = []
        cursor = 0
        for variable in variables:
            parts.append(text[cursor : variable.start])
            if variable.is_escape:
                parts.append(variable.escaped)
            else:
                value = self._resolve_variable(variable, text, path)
                as_text = js_string(value)
                if as_text is None:
                    raise CorswayError(
                        f"cannot resolve {format_path(path)}: {variable.describe(text)} gives "
                        f"{short_repr(value)}, which cannot be spliced into a string; make the "
                        "whole value the variable, or point it at a string",
                        self._location(path),
                    )
                parts.append(as_text)
            cursor = variable.end
        parts.append(text[cursor:])
        # Parts are re-parsed one by one: joining them must not create new variables.
        resolved: list[str] = []
        for part in parts:
            if "${" in part and self._parse(part, path).variables:
                value = self._resolve_text(part, path, depth + 1)
                as_text = js_string(value)
                if as_text is None:
                    raise CorswayError(
                        f"cannot resolve {format_path(path)}: a nested variable gives "
                        f"{short_repr(value)}, which cannot be spliced into a string",
                        self._location(path),
                    )
                resolved.append(as_text)
            else:
                resolved.append(part)
        return "".join(resolved)

    def _resolve_variable(self, variable: Variable, text: str, path: Path) -> Any:
        assert variable.sources is not None
        written = variable.describe(text)
        sources = variable.sources
        for index, source in enumerate(sources):
            if source.type is None:
                return source.literal
            has_fallback = index + 1 < len(sources)
            try:
                value = self._resolve_source(source, path, written)
            except _NotOffline as blocked:
                if not has_fallback:
                    raise CorswayError(
                        f"cannot resolve {written} in {format_path(path)}: {blocked.reason}; "
                        f"give a default for offline use, e.g. ${{{source.type}:..., 'value'}}",
                        self._location(path),
                    ) from None
                self.context.warnings.append(
                    Diagnostic(
                        "warning",
                        f"{written} in {format_path(path)}: {blocked.reason}; corsway used the "
                        "next source instead (the framework would use it only when the lookup "
                        "finds nothing)",
                        self._location(path),
                    )
                )
                continue
            if value is not None:
                return value
        last = sources[-1]
        options = [f"--{s.address.text}" for s in sources[:-1] if s.type == "opt" and s.address]
        given = f"; or give {' / '.join(options)} on the command line" if options else ""
        raise CorswayError(
            f"cannot resolve {written} in {format_path(path)}: {self._not_found(last, path)}"
            f"{given}",
            self._location(path),
        )

    def _not_found(self, source: Source, path: Path) -> str:
        address = source.address.text if source.address else ""
        if source.type == "env":
            return f"the environment variable {address} is not set and no default is given"
        if source.type == "opt":
            return f"the option --{address} was not given and no default is given"
        if source.type == "self":
            hint = ""
            if address in ("provider.stage", "provider.region"):
                kind = address.split(".")[1]
                hint = (
                    f" (it reads the file only: set {address}, or use "
                    f"${{{'sls:stage' if kind == 'stage' else 'aws:region'}}} for the "
                    f"{kind} in use)"
                )
            return f"{address or 'the configuration'} has no value{hint}"
        if source.type == "file":
            return "the file (or the key in it) does not exist and no default is given"
        if source.type == "param":
            return f"no param {address!r} for this stage or in params.default"
        return f'no value found at the "{source.type}" source'

    # -- sources ----------------------------------------------------------------------------
    def _resolve_source(self, source: Source, path: Path, written: str) -> Any:
        kind = source.type or ""
        params: list[Any] = []
        for param in source.params or []:
            if isinstance(param, Template):
                params.append(self._resolve_text(param.text, path, 1))
            else:
                params.append(param)
        address: str | None = None
        if source.address is not None:
            resolved = (
                self._resolve_text(source.address.text, path, 1)
                if source.address.variables
                else source.address.text
            )
            address = js_string(resolved)
            if address is None:
                raise CorswayError(
                    f"cannot resolve {written} in {format_path(path)}: its address resolves to "
                    f"{short_repr(resolved)}, not a string",
                    self._location(path),
                )
        if kind in AWS_BACKED_SOURCES:
            raise _NotOffline(
                f"the {kind!r} source reads {AWS_BACKED_SOURCES[kind]}, and `corsway package` "
                "works offline without AWS credentials"
            )
        handler = self.handlers.get(kind)
        if handler is None:
            raise CorswayError(
                f"cannot resolve {written} in {format_path(path)}: unrecognized variable source "
                f"{kind!r} (Serverless v3 knows: {', '.join(sorted(KNOWN_SOURCES))})",
                self._location(path),
            )
        return handler(source, params, address, path)

    def _require_address(self, source: Source, address: str | None, path: Path) -> str:
        if not address:
            raise CorswayError(
                f'missing address in a variable of the "{source.type}" source in '
                f"{format_path(path)} (e.g. ${{{source.type}:NAME}})",
                self._location(path),
            )
        return address

    def _self(self, source: Source, params: list[Any], address: str | None, path: Path) -> Any:
        keys = address.split(".") if address else []
        value, found_at = self.read_config(keys)
        if value is None:
            return None
        if isinstance(value, dict | list) and found_at is not None:
            self.map.graft(self.map, found_at, path)
        return value

    def read_config(self, keys: list[str]) -> tuple[Any, Path | None]:
        """The (resolved, copied) configuration value at `keys`, and its path; None if absent."""
        value: Any = self.config
        where: Path = ()
        for key in keys:
            if isinstance(value, dict):
                step: str | int = key
                if key not in value:
                    return None, None
            elif isinstance(value, list):
                if key == "length":
                    return len(value), None
                if not key.isdigit() or int(key) >= len(value):
                    return None, None
                step = int(key)
            elif isinstance(value, str) and key == "length":
                return len(value), None
            else:
                return None, None
            where = (*where, step)
            if where in self.pending:
                self._resolve_property(where)
            value = value[step]
            if value is None:
                return None, None
        if isinstance(value, dict | list):
            prefix_len = len(where)
            for inner in [p for p in self.pending if p[:prefix_len] == where]:
                if inner in self.pending:
                    self._resolve_property(inner)
            value = _get(self.config, where) if where else self.config
        return copy.deepcopy(value), where

    def _opt(self, source: Source, params: list[Any], address: str | None, path: Path) -> Any:
        if address is None:
            return dict(self.context.options)
        return self.context.options.get(address)

    def _sls(self, source: Source, params: list[Any], address: str | None, path: Path) -> Any:
        address = self._require_address(source, address, path)
        if address == "instanceId":
            return self.context.instance_id
        if address == "stage":
            return self.effective_stage()
        raise CorswayError(
            f'unsupported address {address!r} of the "sls" source in {format_path(path)} '
            "(Serverless v3 supports sls:stage and sls:instanceId)",
            self._location(path),
        )

    def effective_stage(self) -> str:
        """--stage, else provider.stage, else dev (what `${sls:stage}` gives)."""
        stage = self.context.options.get("stage")
        if not stage:
            stage, _ = self.read_config(["provider", "stage"])
        return str(stage) if stage else "dev"

    def effective_region(self) -> str:
        """--region, else provider.region, else us-east-1 (what `${aws:region}` gives)."""
        region = self.context.options.get("region")
        if not region:
            region, _ = self.read_config(["provider", "region"])
        return str(region) if region else "us-east-1"

    def _env(self, source: Source, params: list[Any], address: str | None, path: Path) -> Any:
        address = self._require_address(source, address, path)
        return self.context.env.get(address)

    def _aws(self, source: Source, params: list[Any], address: str | None, path: Path) -> Any:
        address = self._require_address(source, address, path)
        if address == "region":
            return self.effective_region()
        if address == "accountId":
            raise _NotOffline(
                "${aws:accountId} asks AWS STS for the account of the current credentials, "
                "and `corsway package` works offline"
            )
        raise CorswayError(
            f'unsupported address {address!r} of the "aws" source in {format_path(path)} '
            "(Serverless v3 supports aws:region and aws:accountId)",
            self._location(path),
        )

    def _str_to_bool(
        self, source: Source, params: list[Any], address: str | None, path: Path
    ) -> Any:
        raw = js_string(params[0]) if params and params[0] is not None else None
        if raw is None:
            raise CorswayError(
                f"missing input of strToBool in {format_path(path)} (e.g. ${{strToBool(true)}})",
                self._location(path),
            )
        text = raw.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise CorswayError(
            f"invalid strToBool input {raw!r} in {format_path(path)}: expected true, false, 0 or 1",
            self._location(path),
        )

    def _param(self, source: Source, params: list[Any], address: str | None, path: Path) -> Any:
        address = self._require_address(source, address, path)
        stage = self.effective_stage()
        for block in (stage, "default"):
            value, _ = self.read_config(["params", block, address])
            if value is not None:
                return value
        return None

    def _file(self, source: Source, params: list[Any], address: str | None, path: Path) -> Any:
        if not params or params[0] is None or params[0] == "":
            raise CorswayError(
                f"missing path in a file variable in {format_path(path)} "
                "(e.g. ${file(./config.yml):key})",
                self._location(path),
            )
        if not isinstance(params[0], str):
            raise CorswayError(
                f"the path of a file variable in {format_path(path)} must be a string, "
                f"not {short_repr(params[0])}",
                self._location(path),
            )
        target = (self.context.service_dir / params[0]).resolve()
        if target.suffix in (".js", ".cjs", ".mjs", ".ts"):
            raise _NotOffline(
                f"{params[0]} is JavaScript that Serverless would run, and corsway does not "
                "execute JavaScript; use a YAML or JSON file"
            )
        loaded = self._load_file(target, path)
        if loaded is None:
            return None
        value: Any = loaded.data
        where: Path = ()
        if address:
            for key in address.split("."):
                if isinstance(value, dict) and key in value:
                    value = value[key]
                    where = (*where, key)
                elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                    value = value[int(key)]
                    where = (*where, int(key))
                else:
                    return None
                if value is None:
                    return None
        if isinstance(value, dict | list) and loaded.map is not None:
            self.map.graft(loaded.map, where, path)
        return copy.deepcopy(value)

    def _load_file(self, target: FilePath, path: Path) -> _LoadedFile | None:
        cached = self.files.get(target)
        if cached is not None:
            return cached
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise CorswayError(
                f"cannot read {target} for a file variable in {format_path(path)}: {error}",
                self._location(path),
            ) from None
        display = _display_name(target, self.context.service_dir)
        loaded: _LoadedFile
        if target.suffix in (".yml", ".yaml"):
            data, file_map = load_yaml(text, display)
            loaded = _LoadedFile(data, file_map)
        elif target.suffix in (".json", ".tfstate"):
            try:
                loaded = _LoadedFile(json.loads(text), None)
            except ValueError as error:
                raise CorswayError(
                    f"cannot parse {display} (JSON) for a file variable: {error}",
                    SourceLocation(display),
                ) from None
        else:
            loaded = _LoadedFile(text, None)
        self.files[target] = loaded
        return loaded


def _display_name(target: FilePath, service_dir: FilePath) -> str:
    try:
        return str(target.relative_to(service_dir.resolve()))
    except ValueError:
        return str(target)


def _get(root: Any, path: Path) -> Any:
    value = root
    for key in path:
        value = value[key]
    return value


def _set(root: Any, path: Path, value: Any) -> None:
    parent = _get(root, path[:-1])
    parent[path[-1]] = value
