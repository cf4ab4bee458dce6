"""Service-wide warnings: what the template leaves out, and CORS failures it sets up.

Everything corsway does not compile is said out loud (nothing is silently ignored): other event
types, plugins, layers, REST API access logs. And the classic CORS trap: API Gateway's own error
responses (authorizer 401/403, 5XX) carry no CORS headers unless `resources` adds
GatewayResponses, so the browser reports a CORS error instead of the real status.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from corsway.compile import naming
from corsway.compile.apigateway.events import HttpEvent
from corsway.compile.context import CompileContext
from corsway.service.jsvalues import as_dict
from corsway.service.sourcemap import Path

if TYPE_CHECKING:
    from corsway.compile.httpapi import HttpApiConfig

# The framework version corsway reproduces (frameworkVersion ranges are checked against it).
FRAMEWORK_VERSION = "3.40.0"
_COMMON_V3_RANGES = frozenset([FRAMEWORK_VERSION, "3", "^3", "3.x", ">=3", "^3.0.0", ">=3.0.0"])
# The refusals of an authorizer (401, 403) and of an API key check (403), each covered by a
# GatewayResponse of these types, or by DEFAULT_4XX, that adds Access-Control-Allow-Origin.
_AUTHORIZER_REFUSALS = frozenset(("UNAUTHORIZED", "ACCESS_DENIED"))
_API_KEY_REFUSALS = frozenset(("INVALID_API_KEY",))
_ALLOW_ORIGIN_PARAMETER = "gatewayresponse.header.access-control-allow-origin"
_CLOUDFORMATION_REFERENCE = re.compile(
    r"\$\{([A-Z][A-Za-z0-9]*(?:::[A-Za-z0-9]+)*(?:\.[A-Za-z0-9]+)?)\}"
)


COMPILED_EVENT_TYPES = ("http", "httpApi")


def warn_service_quirks(
    ctx: CompileContext, events: list[HttpEvent], http_api: HttpApiConfig | None
) -> None:
    """Service-wide warnings; `http_api` is None when the service has no HTTP API settings."""
    config = ctx.service.config
    _warn_framework_version(ctx)
    for key, function in ctx.service.functions.items():
        for index, event in enumerate(function.get("events") or []):
            if isinstance(event, dict) and len(event) == 1:
                kind = next(iter(event))
                if kind not in COMPILED_EVENT_TYPES:
                    ctx.warn(
                        f"corsway compiles http and httpApi events only; this {kind} event of "
                        f"function "
                        f"{key!r} is left out of the template",
                        ("functions", key, "events", index, kind),
                        at_key=True,
                    )
    plugins = config.get("plugins")
    if plugins:
        names = plugins.get("modules") if isinstance(plugins, dict) else plugins
        shown = ", ".join(str(name) for name in names) if isinstance(names, list) else str(names)
        ctx.warn(
            f"plugins are not run by corsway ({shown}); whatever they add to the template is "
            "missing",
            ("plugins",),
            at_key=True,
        )
    if config.get("layers"):
        ctx.warn(
            "corsway does not compile layers:; their AWS::Lambda::LayerVersion resources are "
            "missing from the template",
            ("layers",),
            at_key=True,
        )
    logs = ctx.provider.get("logs")
    if isinstance(logs, dict) and logs.get("restApi"):
        ctx.warn(
            "corsway does not compile provider.logs.restApi (the access-log group and the "
            "CloudWatch role custom resource are missing from the template)",
            ("provider", "logs", "restApi"),
            at_key=True,
        )
    _warn_gateway_responses(ctx, events)
    _warn_rest_references(ctx, http_api)
    for section in ("provider", "functions", "resources"):
        _warn_literal_references(ctx, config.get(section), (section,))


def _warn_framework_version(ctx: CompileContext) -> None:
    """`frameworkVersion` is an npm range; Serverless v3.40 refuses a service it excludes."""
    wanted = ctx.service.config.get("frameworkVersion")
    if not isinstance(wanted, str) or wanted.strip() in _COMMON_V3_RANGES:
        return
    import semantic_version  # only here: it takes ~20 ms to import

    try:
        included = semantic_version.NpmSpec(wanted).match(
            semantic_version.Version(FRAMEWORK_VERSION)
        )
    except ValueError:
        included = False
    if not included:
        ctx.warn(
            f"frameworkVersion {wanted!r} does not include {FRAMEWORK_VERSION}: Serverless "
            f"v{FRAMEWORK_VERSION} refuses to package this service; corsway compiles it the way "
            f"v{FRAMEWORK_VERSION} would, so what other versions add (e.g. v4's build:) is not "
            "in the template",
            ("frameworkVersion",),
        )


def _warn_literal_references(ctx: CompileContext, value: Any, path: tuple[str | int, ...]) -> None:
    """`${AWS::Region}` outside Fn::Sub: not a Serverless variable, and CloudFormation leaves it."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "Fn::Sub":
                _warn_literal_references(ctx, item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _warn_literal_references(ctx, item, (*path, index))
    elif isinstance(value, str) and "${" in value:
        match = _CLOUDFORMATION_REFERENCE.search(value)
        if match:
            ctx.warn(
                f"{match.group(0)} is not a Serverless variable, so it stays as written, and "
                "CloudFormation substitutes it only inside Fn::Sub (!Sub); this value reaches AWS "
                f"literally as {value!r}",
                path,
                rule="CW013",
            )


def _gateway_response_types(ctx: CompileContext) -> set[str]:
    """The GatewayResponse types in `resources` that add Access-Control-Allow-Origin."""
    resources = ctx.service.config.get("resources")
    user: Any = resources.get("Resources") if isinstance(resources, dict) else None
    found: set[str] = set()
    if isinstance(user, dict):
        for resource in user.values():
            if (
                isinstance(resource, dict)
                and resource.get("Type") == "AWS::ApiGateway::GatewayResponse"
                and isinstance(resource.get("Properties"), dict)
            ):
                parameters = resource["Properties"].get("ResponseParameters")
                if isinstance(parameters, dict) and any(
                    str(name).lower() == _ALLOW_ORIGIN_PARAMETER for name in parameters
                ):
                    found.add(str(resource["Properties"].get("ResponseType")))
    return found


def _warn_gateway_responses(ctx: CompileContext, events: list[HttpEvent]) -> None:
    types = _gateway_response_types(ctx)
    if "DEFAULT_4XX" in types:
        return
    guarded = [
        event
        for event in events
        if event.cors
        and (
            (event.authorizer and not _AUTHORIZER_REFUSALS.issubset(types))
            or (event.private and not event.authorizer and not _API_KEY_REFUSALS.issubset(types))
        )
    ]
    if not guarded:
        return
    first = guarded[0]
    reason = "an API key" if first.private and not first.authorizer else "an authorizer"
    ctx.warn(
        f"{first.method.upper()} /{first.path} has cors and needs {reason}: when API Gateway "
        "itself refuses a call (401/403), the response has no CORS headers, so the browser "
        "shows a CORS error instead of the status; add an AWS::ApiGateway::GatewayResponse "
        "for DEFAULT_4XX with gatewayresponse.header.Access-Control-Allow-Origin to resources",
        first.at("authorizer") if first.authorizer else first.at("private"),
        rule="CW003",
    )


def _warn_rest_references(ctx: CompileContext, http_api: HttpApiConfig | None) -> None:
    """User resources that reference the REST API a service without http events lacks."""
    if naming.REST_API in ctx.resources:
        return
    resources = as_dict(ctx.service.config.get("resources"))
    for logical_id, resource in as_dict(resources.get("Resources")).items():
        base: Path = ("resources", "Resources", logical_id)
        found = _find_reference(resource, base, naming.REST_API)
        if found is None:
            continue
        is_response = as_dict(resource).get("Type") == "AWS::ApiGateway::GatewayResponse"
        if http_api is not None and http_api.routes:
            why = (
                "this service has no http events, so it creates no REST API (its httpApi "
                "events make an HTTP API, HttpApi)"
            )
        else:
            why = "this service has no http events, so it creates no REST API"
        advice = (
            "GatewayResponses belong to REST APIs; HTTP APIs have none, and their own errors "
            "carry the provider.httpApi.cors headers already: remove this resource"
            if is_response and http_api is not None and http_api.routes
            else "Reference an API the stack has, or remove the reference"
        )
        ctx.warn(
            f"{logical_id} references {naming.REST_API}, but {why}: CloudFormation refuses the "
            f"template (unresolved reference). {advice}",
            found,
            rule="CW008",
        )


def _find_reference(value: Any, path: Path, target: str) -> Path | None:
    """The path of the first Ref/GetAtt/Sub/DependsOn naming `target` inside `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = (*path, key)
            if key == "Ref" and item == target:
                return here
            if key == "Fn::GetAtt" and (
                (isinstance(item, list) and item[:1] == [target])
                or (isinstance(item, str) and item.split(".")[0] == target)
            ):
                return here
            if key == "DependsOn" and (
                item == target or (isinstance(item, list) and target in item)
            ):
                return here
            if key == "Fn::Sub":
                text = item[0] if isinstance(item, list) and item else item
                if isinstance(text, str) and re.search(rf"\$\{{{target}(\.[^}}]*)?\}}", text):
                    return here
            found = _find_reference(item, here, target)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_reference(item, (*path, index), target)
            if found is not None:
                return found
    return None
