"""Load a Serverless service: find the file, parse it, resolve variables, validate and coerce."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from corsway.catalog import schema_issue_rule
from corsway.errors import CorswayError, Diagnostic, SourceLocation
from corsway.service.dotenv import load_dotenv_files
from corsway.service.jsvalues import js_ordered
from corsway.service.loader import load_yaml
from corsway.service.rules.root import SERVICE
from corsway.service.schema import Issue
from corsway.service.sourcemap import Path, SourceMap
from corsway.service.variables import ResolutionContext, VariableResolver

CONFIG_NAMES = ("serverless.yml", "serverless.yaml")
UNSUPPORTED_CONFIG_NAMES = ("serverless.json", "serverless.js", "serverless.ts", "serverless.cjs")

_ISSUE_TAILS = {
    "enum": "Serverless v3.40 only warns and compiles the value as written",
    "unknown": "Serverless v3.40 only warns and ignores it",
    "yaml11": "",
    "warning": "",  # a schema warning whose message says it all
}


@dataclass
class Service:
    """A loaded service: the resolved, validated configuration and where its values came from."""

    config: dict[str, Any]
    source_map: SourceMap
    config_path: FilePath
    service_dir: FilePath
    options: dict[str, str]  # the CLI options given (stage, region)
    stage: str
    region: str
    instance_id: str  # ms timestamp: `${sls:instanceId}` and the deployment's logical id
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.config["service"])

    @property
    def provider(self) -> dict[str, Any]:
        provider: dict[str, Any] = self.config["provider"]
        return provider

    @property
    def functions(self) -> dict[str, dict[str, Any]]:
        functions: dict[str, dict[str, Any]] = self.config.get("functions") or {}
        return functions

    def where(self, path: Path) -> SourceLocation:
        """Where the value at `path` was written."""
        return self.source_map.value(path)

    def where_key(self, path: Path) -> SourceLocation:
        """Where the key naming `path` was written."""
        return self.source_map.key(path)

    def warn(
        self, message: str, path: Path, *, at_key: bool = False, rule: str | None = None
    ) -> None:
        """Add a warning pointing at the value (or key) at `path` (`rule`: its lint rule id)."""
        where = self.where_key(path) if at_key else self.where(path)
        self.warnings.append(Diagnostic("warning", message, where, rule))

    def error(self, message: str, path: Path, *, at_key: bool = False) -> CorswayError:
        """An error pointing at the value (or key) at `path`, to raise."""
        return CorswayError(message, self.where_key(path) if at_key else self.where(path))


def find_config(target: str | os.PathLike[str]) -> FilePath:
    """The serverless.yml/.yaml for a service directory (or the file itself)."""
    path = FilePath(target)
    if path.is_dir():
        for name in CONFIG_NAMES:
            candidate = path / name
            if candidate.is_file():
                return candidate
        others = [name for name in UNSUPPORTED_CONFIG_NAMES if (path / name).is_file()]
        if others:
            raise CorswayError(
                f"corsway reads serverless.yml or serverless.yaml; {others[0]} is not supported "
                "(convert it to YAML)",
                SourceLocation(str(path / others[0])),
            )
        raise CorswayError(
            f"no serverless.yml or serverless.yaml in {path} (give the service directory or the "
            "file itself)",
            SourceLocation(str(path)),
        )
    if path.is_file():
        return path
    raise CorswayError(f"{path} does not exist", SourceLocation(str(path)))


def load_service(
    target: str | os.PathLike[str],
    *,
    stage: str | None = "dev",
    region: str | None = "us-east-1",
    env: Mapping[str, str] | None = None,
    instance_id: str | None = None,
) -> Service:
    """Read, resolve and validate a service the way `serverless package` does.

    `stage`/`region` are the `--stage`/`--region` options (None: not given, so the file's
    `provider.stage`/`provider.region` or the defaults `dev`/`us-east-1` apply).
    """
    config_path = find_config(target)
    service_dir = config_path.parent
    display = config_path.name
    try:
        text = config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CorswayError(f"cannot read {config_path}: {error}", SourceLocation(display)) from None
    data, source_map = load_yaml(text, display)
    if not isinstance(data, dict):
        raise CorswayError(
            "the configuration must be a mapping (service:, provider:, functions:, ...)",
            SourceLocation(display, 1, 1),
        )
    options = {key: value for key, value in (("stage", stage), ("region", region)) if value}
    environment = dict(os.environ if env is None else env)
    if data.get("useDotenv") is True:
        raw_stage = (
            (data.get("provider") or {}).get("stage")
            if isinstance(data.get("provider"), dict)
            else None
        )
        dotenv_stage = options.get("stage") or (raw_stage if isinstance(raw_stage, str) else "dev")
        load_dotenv_files(service_dir, dotenv_stage, environment)
    context = ResolutionContext(
        service_dir=service_dir,
        options=options,
        env=environment,
        instance_id=instance_id or str(int(time.time() * 1000)),
    )
    resolver = VariableResolver(data, source_map, context)
    resolver.resolve_all()
    warnings = list(context.warnings)
    _normalize_functions(data, source_map)
    mode = data.get("configValidationMode") or "warn"
    move_nulls_last(data)
    issues: list[Issue] = []
    SERVICE.check(data, (), issues.append)
    service = Service(
        config=data,
        source_map=source_map,
        config_path=config_path,
        service_dir=service_dir,
        options=options,
        stage=options.get("stage") or _text(data.get("provider", {}).get("stage")) or "dev",
        region=options.get("region")
        or _text(data.get("provider", {}).get("region"))
        or "us-east-1",
        instance_id=context.instance_id,
        warnings=warnings,
    )
    for issue in issues:
        strict = issue.kind not in _ISSUE_TAILS or mode == "error"
        if strict:
            raise service.error(issue.text(), issue.path, at_key=issue.at_key)
        if mode != "off":
            tail = _ISSUE_TAILS[issue.kind]
            text = f"{issue.text()}; {tail}" if tail else issue.text()
            rule = schema_issue_rule(issue.path, issue.kind)
            service.warn(text, issue.path, at_key=issue.at_key, rule=rule)
    if (data.get("provider") or {}).get("name") != "aws":
        raise service.error(
            f"provider.name must be 'aws' (corsway compiles AWS services), not "
            f"{data['provider'].get('name')!r}",
            ("provider", "name") if "name" in data["provider"] else ("provider",),
        )
    _warn_stage_mismatch(service)
    return service


def move_nulls_last(value: Any) -> None:
    """What the framework's validation does to `null` properties: they are taken out while
    validating and put back afterwards, which moves them to the end of their object."""
    if isinstance(value, dict):
        nulls = [key for key, item in value.items() if item is None]
        for key in nulls:
            del value[key]
            value[key] = None
        if nulls:
            ordered = js_ordered(value)
            if ordered is not value:
                value.clear()
                value.update(ordered)
        for item in value.values():
            move_nulls_last(item)
    elif isinstance(value, list):
        for item in value:
            move_nulls_last(item)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _normalize_functions(data: dict[str, Any], source_map: SourceMap) -> None:
    """What the framework does before validating: arrays merged, empty entries dropped."""
    for key in ("functions", "resources"):
        value = data.get(key)
        if isinstance(value, list):
            merged: dict[str, Any] = {}
            for item in value:
                if isinstance(item, dict):
                    merged.update(item)
            data[key] = merged
    functions = data.get("functions")
    if functions is None:
        data["functions"] = {}
        return
    if not isinstance(functions, dict):
        return
    for name in list(functions):
        if functions[name] is None:
            del functions[name]
        elif isinstance(functions[name], dict) and not functions[name].get("events"):
            functions[name]["events"] = []


def _warn_stage_mismatch(service: Service) -> None:
    provider_stage = service.provider.get("stage")
    option_stage = service.options.get("stage")
    if isinstance(provider_stage, str) and option_stage and provider_stage != option_stage:
        service.warn(
            f"provider.stage is {provider_stage!r} but the stage in use is {option_stage!r} "
            f"(--stage wins); any ${{self:provider.stage}} in the file resolved to "
            f"{provider_stage!r}, while ${{sls:stage}} gives {option_stage!r}",
            ("provider", "stage"),
        )
