"""Where the gateway's API model comes from: a service compiled in memory, or a template file.

Also the start-up checks that must pass before serving: every function's handler file and
function exist (all are checked, all problems reported at once).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from corsway.errors import CorswayError, Diagnostic, SourceLocation
from corsway.gateway.model import Api
from corsway.gateway.template import build_api
from corsway.runtimes.registry import check_handlers

_SHORT_TAGS = {
    "Ref": "Ref",
    "GetAtt": "Fn::GetAtt",
    "Join": "Fn::Join",
    "Sub": "Fn::Sub",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "If": "Fn::If",
    "ImportValue": "Fn::ImportValue",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Condition": "Condition",
}


class _TemplateLoader(yaml.SafeLoader):
    """YAML loader that reads CloudFormation's short forms (`!Ref X`) as their long forms."""


def _short_form(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


for _tag, _name in _SHORT_TAGS.items():
    _TemplateLoader.add_constructor(f"!{_tag}", _short_form(_name))


@dataclass(frozen=True, slots=True)
class LoadedService:
    """An API model ready to serve, and what the user should read first."""

    api: Api
    warnings: tuple[Diagnostic, ...]
    source: str  # what the routes come from (serverless.yml or the template file)


def read_template(path: Path) -> Any:
    """Parse a CloudFormation template file (JSON or YAML); errors point at the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CorswayError(f"template file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CorswayError(f"cannot read template file {path}: {error}") from None
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CorswayError(
                f"the template is not valid JSON: {error.msg}",
                SourceLocation(str(path), error.lineno, error.colno),
            ) from None
    try:
        return yaml.load(text, Loader=_TemplateLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CorswayError(
            f"the template is neither JSON nor valid YAML: {getattr(error, 'problem', error)}",
            SourceLocation(str(path), mark.line + 1, mark.column + 1) if mark else None,
        ) from None


def service_directory(service: Path | None) -> Path:
    """The directory handler paths are relative to (SERVICE may name serverless.yml itself)."""
    path = (service or Path.cwd()).resolve()
    if path.is_file():
        return path.parent
    if not path.is_dir():
        raise CorswayError(f"service {path} does not exist (give the service's directory)")
    return path


def load_template_file(
    template: Path, service: Path | None, *, stage: str | None, region: str | None
) -> LoadedService:
    """`corsway serve --template FILE [SERVICE]` (the template's own stage name wins)."""
    service_dir = service_directory(service)
    document = read_template(template)
    api = build_api(
        document,
        service_dir=service_dir,
        stage=stage or "dev",
        region=region or "us-east-1",
        source=str(template),
    )
    return LoadedService(api, (), str(template))


def compile_and_load(
    service: Path | None, *, stage: str | None, region: str | None
) -> LoadedService:
    """`corsway serve [SERVICE]`: compile serverless.yml in memory, then build the model.

    Without `stage`/`region`, the service's `provider.stage`/`provider.region` apply (else dev,
    us-east-1), as for `serverless package`."""
    try:
        from corsway.compile import compile_service  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise CorswayError(
            "this build of corsway has no compiler (corsway.compile); serve a template made "
            "by `serverless package` with --template FILE"
        ) from None
    result = compile_service(service or Path.cwd(), stage=stage, region=region)
    function_keys: Mapping[str, str] = getattr(result, "function_keys", {}) or {}
    api = build_api(
        result.template,
        service_dir=Path(result.service_dir),
        stage=result.stage,
        region=result.region,
        source=str(result.config_path),
        function_keys=function_keys,
    )
    return LoadedService(api, tuple(result.warnings), str(result.config_path))


def check_functions(api: Api, source: str) -> list[str]:
    """Check every function's handler; raise one error listing every problem.

    Returns start-up notes (runtimes that cannot run here, Node.js version differences,
    modules that fail to load).
    """
    report = check_handlers(api.functions.values(), api.account_id)
    if report.problems:
        detail = "\n  ".join(report.problems)
        raise CorswayError(
            f"{len(report.problems)} handler(s) cannot be found:\n  {detail}",
            SourceLocation(source),
        )
    return report.notes
