"""Parameter mapping expressions: the values of `ResponseParameters`.

`'literal'` (a static value in single quotes), `method.request.header.X`,
`method.request.path.X`, `method.request.querystring.X` (and their `multivalue` forms),
`context.X`, `stageVariables.X`, `integration.response.header.X`. Parsed once at start-up;
resolving one costs a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_REQUEST_KINDS = {
    "header": "header",
    "path": "path",
    "querystring": "querystring",
    "multivalueheader": "multivalueheader",
    "multivaluequerystring": "multivaluequerystring",
}


class InvalidMappingExpression(ValueError):
    """A mapping value API Gateway would reject at deployment."""


@dataclass(frozen=True, slots=True)
class ParameterSource:
    """Where a mapped value comes from."""

    kind: str  # static | header | path | querystring | multivalue* | context | stage | integration
    name: str  # the literal value for `static`, else the parameter name

    @classmethod
    def parse(cls, expression: object) -> ParameterSource:
        """Parse one mapping value; raise InvalidMappingExpression for anything else."""
        if not isinstance(expression, str):
            raise InvalidMappingExpression(f"a mapping value must be a string, got {expression!r}")
        if len(expression) >= 2 and expression[0] == expression[-1] == "'":
            return cls("static", expression[1:-1])
        if expression.startswith("method.request."):
            kind, _, name = expression[len("method.request.") :].partition(".")
            if kind in _REQUEST_KINDS and name:
                return cls(_REQUEST_KINDS[kind], name)
        elif expression.startswith("context.") and len(expression) > len("context."):
            return cls("context", expression[len("context.") :])
        elif expression.startswith("stageVariables.") and len(expression) > len("stageVariables."):
            return cls("stage", expression[len("stageVariables.") :])
        elif expression.startswith("integration.response.header."):
            return cls("integration", expression[len("integration.response.header.") :])
        elif expression == "integration.response.body":
            return cls("integration-body", "")
        raise InvalidMappingExpression(
            f"invalid mapping expression {expression!r}: use a quoted literal like \"'*'\" or "
            "method.request.header.NAME / method.request.path.NAME / "
            "method.request.querystring.NAME / context.NAME / stageVariables.NAME"
        )


@dataclass(frozen=True, slots=True)
class RequestValues:
    """What mapping expressions can read for one request."""

    headers: Mapping[str, str]  # exact names as sent, last value wins
    headers_multi: Mapping[str, list[str]]
    path: Mapping[str, str]
    querystring: Mapping[str, str]
    querystring_multi: Mapping[str, list[str]]
    context: Mapping[str, object]
    stage_variables: Mapping[str, str]


def resolve(source: ParameterSource, values: RequestValues) -> str | None:
    """The mapped value, or None when the referenced parameter is absent (no header then)."""
    kind = source.kind
    if kind == "static":
        return source.name
    if kind == "header":
        return values.headers.get(source.name)
    if kind == "path":
        return values.path.get(source.name)
    if kind == "querystring":
        return values.querystring.get(source.name)
    if kind == "multivalueheader":
        many = values.headers_multi.get(source.name)
        return ",".join(many) if many else None
    if kind == "multivaluequerystring":
        many = values.querystring_multi.get(source.name)
        return ",".join(many) if many else None
    if kind == "context":
        value: object = values.context
        for part in source.name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return None if value is None else str(value)
    if kind == "stage":
        return values.stage_variables.get(source.name)
    return None  # integration.response.*: MOCK integrations have no integration response
