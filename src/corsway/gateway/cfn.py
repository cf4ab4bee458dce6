"""CloudFormation templates as every API flavour reads them.

`read_template` parses a template file (JSON, or YAML with the short forms such as `!Ref X`);
`TemplateReader` holds a parsed template with its intrinsic functions and the start-up notes
the flavours collect while reading it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from corsway.errors import CorswayError, SourceLocation
from corsway.gateway.intrinsics import Intrinsics

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


def template_resources(template: Any, source: str) -> dict[str, Any]:
    """The template's `Resources`, each checked to be an object with a `Type`."""
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise CorswayError(
            "not a CloudFormation template: expected a JSON/YAML object with a 'Resources' mapping",
            SourceLocation(source),
        )
    resources: dict[str, Any] = template["Resources"]
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise CorswayError(
                f"Resources.{logical_id} must be an object with a 'Type'", SourceLocation(source)
            )
    return resources


def stack_name(api_name: str, stage: str) -> str:
    """The stack name the framework derived the API's name from (`dev-svc` -> `svc-dev`)."""
    prefix = f"{stage}-"
    if api_name.startswith(prefix):
        return f"{api_name[len(prefix) :]}-{stage}"
    return api_name or f"corsway-{stage}"


class TemplateReader:
    """A parsed template: its resources by type, property values with intrinsics evaluated."""

    def __init__(self, template: Any, *, source: str, region: str, stack_name: str) -> None:
        self.source = source
        self.region = region
        self.resources = template_resources(template, source)
        self.intrinsics = Intrinsics(
            self.resources,
            region=region,
            stack_name=stack_name,
            source=source,
            parameters=template.get("Parameters"),
        )
        self.notes: list[str] = []  # start-up lines: what is not run or not enforced, and why

    def error(self, message: str) -> CorswayError:
        """An error about the template (`source` names it)."""
        return CorswayError(message, SourceLocation(self.source))

    def of_type(self, kind: str) -> list[str]:
        """Logical ids of the resources of type `kind`, in template order."""
        return [lid for lid, res in self.resources.items() if res.get("Type") == kind]

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's `Properties` as written (intrinsics not evaluated)."""
        properties = self.resources[logical_id].get("Properties", {})
        if not isinstance(properties, dict):
            raise self.error(f"Resources.{logical_id}.Properties must be an object")
        return properties

    def value(self, logical_id: str, name: str, default: Any = None) -> Any:
        """One property with its intrinsic functions evaluated."""
        raw = self.properties(logical_id).get(name, default)
        return self.intrinsics.evaluate(raw, f"Resources.{logical_id}.Properties.{name}")
