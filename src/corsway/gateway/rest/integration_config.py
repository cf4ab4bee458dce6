"""REST integrations from the template: each method's `Integration` (AWS_PROXY, MOCK with its
request/response templates and parameter mappings, the types corsway serve does not run), and
the MOCK helpers the pipeline shares (`mock_status`, `select_integration_response`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from corsway.gateway.cfn import TemplateReader
from corsway.gateway.functions import function_key_of
from corsway.gateway.rest.model import (
    AWS_PROXY,
    MOCK,
    NOT_RUN_INTEGRATIONS,
    Integration,
    IntegrationResponse,
    StaticResponse,
)
from corsway.gateway.rest.parameters import InvalidMappingExpression, ParameterSource
from corsway.gateway.rest.vtl import MappingTemplate, TemplateSyntaxError

DEFAULT_INTEGRATION_TIMEOUT_S = 29.0
_MOCK_STATUS = re.compile(r"""["']?statusCode["']?\s*:\s*["']?(\d{3})""")


def read_integration(
    reader: TemplateReader, logical_id: str, route: str, function_by_name: Mapping[str, str]
) -> Integration:
    where = f"Resources.{logical_id}.Properties.Integration"
    raw = reader.value(logical_id, "Integration")
    if not isinstance(raw, dict) or not isinstance(raw.get("Type"), str):
        raise reader.error(f"{where} must be an object with a Type")
    kind = raw["Type"].upper()
    timeout_ms = raw.get("TimeoutInMillis", DEFAULT_INTEGRATION_TIMEOUT_S * 1000)
    try:
        timeout_s = min(float(timeout_ms) / 1000, DEFAULT_INTEGRATION_TIMEOUT_S)
    except (TypeError, ValueError):
        raise reader.error(
            f"{where}.TimeoutInMillis must be a number, got {timeout_ms!r}"
        ) from None
    if kind == AWS_PROXY:
        uri = raw.get("Uri")
        function_key = function_key_of(uri, function_by_name)
        if function_key is None:
            reader.notes.append(
                f"{route}: AWS_PROXY integration targets {uri!r}, which is not a Lambda "
                "function of this template; it answers 502"
            )
            return Integration(type=kind, uri=str(uri), timeout_s=timeout_s)
        return Integration(
            type=kind,
            function_key=function_key,
            uri=str(uri),
            timeout_s=timeout_s,
        )
    if kind == MOCK:
        return _mock(reader, raw, where, route, timeout_s)
    if kind in NOT_RUN_INTEGRATIONS:
        label = {"AWS": "AWS (lambda)", "HTTP": "HTTP", "HTTP_PROXY": "HTTP_PROXY"}[kind]
        reader.notes.append(
            f"{route}: {label} integrations are not run by corsway serve; it answers 500 "
            '{"message": "Internal server error"}'
        )
        return Integration(type=kind, uri=str(raw.get("Uri", "")), timeout_s=timeout_s)
    raise reader.error(
        f"{where}.Type: {raw['Type']!r} is not an integration type (AWS, AWS_PROXY, HTTP, "
        "HTTP_PROXY, MOCK)"
    )


def read_templates(reader: TemplateReader, raw: Any, where: str) -> dict[str, MappingTemplate]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise reader.error(f"{where} must map content types to templates, got {raw!r}")
    templates = {}
    for content_type, text in raw.items():
        if not isinstance(text, str):
            raise reader.error(f"{where}.{content_type} must be a string, got {text!r}")
        try:
            templates[str(content_type).lower()] = MappingTemplate(text)
        except TemplateSyntaxError as error:
            raise reader.error(
                f"{where}.{content_type}: the Velocity template does not parse: {error}"
            ) from None
    return templates


def read_mappings(
    reader: TemplateReader, raw: Any, where: str, prefix: str, route: str
) -> tuple[tuple[str, ParameterSource], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise reader.error(f"{where} must be a mapping, got {raw!r}")
    mappings = []
    for key, expression in raw.items():
        if not str(key).startswith(prefix):
            reader.notes.append(
                f"{route}: {where}.{key} is ignored: only {prefix}NAME applies to responses"
            )
            continue
        try:
            mappings.append((str(key)[len(prefix) :], ParameterSource.parse(expression)))
        except InvalidMappingExpression as error:
            reader.notes.append(
                f"{route}: {where}.{key}: {error}; API Gateway would refuse to deploy "
                "this, corsway serve leaves the header out"
            )
    return tuple(mappings)


def _mock(
    reader: TemplateReader, raw: dict[str, Any], where: str, route: str, timeout_s: float
) -> Integration:
    request_templates = read_templates(
        reader, raw.get("RequestTemplates"), f"{where}.RequestTemplates"
    )
    responses_raw = raw.get("IntegrationResponses") or []
    if not isinstance(responses_raw, list):
        raise reader.error(f"{where}.IntegrationResponses must be a list")
    responses = []
    for index, item in enumerate(responses_raw):
        item_where = f"{where}.IntegrationResponses[{index}]"
        if not isinstance(item, dict):
            raise reader.error(f"{item_where} must be an object")
        status = status_code(item.get("StatusCode"))
        if status is None:
            raise reader.error(
                f"{item_where}.StatusCode must be an HTTP status code, got "
                f"{item.get('StatusCode')!r}"
            )
        pattern = item.get("SelectionPattern")
        try:
            compiled = re.compile(pattern, re.DOTALL) if pattern else None
        except re.error as error:
            raise reader.error(
                f"{item_where}.SelectionPattern {pattern!r} is not a valid regex: {error}"
            ) from None
        responses.append(
            IntegrationResponse(
                status_code=status,
                selection_pattern=compiled,
                parameters=read_mappings(
                    reader,
                    item.get("ResponseParameters"),
                    f"{item_where}.ResponseParameters",
                    "method.response.header.",
                    route,
                ),
                templates=read_templates(
                    reader, item.get("ResponseTemplates"), f"{item_where}.ResponseTemplates"
                ),
            )
        )
    passthrough = str(raw.get("PassthroughBehavior") or "WHEN_NO_MATCH").upper()
    integration = Integration(
        type=MOCK,
        request_templates=request_templates,
        passthrough_behavior=passthrough,
        responses=tuple(responses),
        timeout_s=timeout_s,
    )
    static = _static_mock_response(integration)
    if static is None:
        return integration
    return dataclasses.replace(integration, static_response=static)


def status_code(value: Any) -> int | None:
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() and 100 <= int(text) <= 599 else None


def mock_status(text: str) -> int | None:
    """The `statusCode` a MOCK request template asks for (lenient, as API Gateway reads it)."""
    match = _MOCK_STATUS.search(text)
    return int(match.group(1)) if match else None


def select_integration_response(
    responses: tuple[IntegrationResponse, ...], selector: str
) -> IntegrationResponse | None:
    """The response whose SelectionPattern matches `selector` in full, else the default one."""
    default = None
    for response in responses:
        pattern = response.selection_pattern
        if pattern is None:
            if default is None:
                default = response
        elif pattern.fullmatch(selector):
            return response
    return default


def _static_mock_response(integration: Integration) -> StaticResponse | None:
    """The preflight fast path: an answer that no request can change (no Content-Type sent)."""
    template = integration.request_templates.get("application/json")
    if template is None or template.constant is None:
        return None
    status = mock_status(template.constant)
    if status is None:
        return None
    response = select_integration_response(integration.responses, str(status))
    if response is None or len(response.templates) > 1:
        return None
    if any(source.kind != "static" for _, source in response.parameters):
        return None
    body = ""
    content_type = "application/json"
    if response.templates:
        content_type, body_template = next(iter(response.templates.items()))
        if body_template.constant is None:
            return None
        body = body_template.constant
    return StaticResponse(
        status=response.status_code,
        headers=tuple((name, source.name) for name, source in response.parameters),
        body=body.encode(),
        content_type=content_type,
    )
