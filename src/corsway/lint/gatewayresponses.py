"""REST API gateway responses: which ones add CORS headers, and the fix that adds one.

API Gateway's own answers (an authorizer's 401/403, a crashed or timed-out Lambda's 502/504)
carry only the headers of a customised `AWS::ApiGateway::GatewayResponse`; the framework never
writes one. The fix adds `DEFAULT_4XX` / `DEFAULT_5XX` to `resources.Resources` with
`Access-Control-Allow-Origin` (and `-Credentials` when a route allows credentials).
"""

from __future__ import annotations

from corsway.compile.apigateway.cors import resolve_origins
from corsway.lint.context import LintContext
from corsway.lint.edits import YamlEdits
from corsway.lint.model import Fix

ALLOW_ORIGIN_PARAMETER = "gatewayresponse.header.access-control-allow-origin"
GATEWAY_RESPONSE = "AWS::ApiGateway::GatewayResponse"


def covered_types(ctx: LintContext) -> set[str]:
    """Response types in the template whose responses carry Access-Control-Allow-Origin."""
    found: set[str] = set()
    for _logical_id, properties in ctx.resources(GATEWAY_RESPONSE):
        parameters = properties.get("ResponseParameters")
        if isinstance(parameters, dict) and any(
            str(name).lower() == ALLOW_ORIGIN_PARAMETER for name in parameters
        ):
            found.add(str(properties.get("ResponseType")))
    return found


def origin_value(ctx: LintContext) -> tuple[str, bool, str]:
    """(the ACAO mapping value, whether to add credentials, how to describe it)."""
    credentials = any(preflight.allow_credentials for preflight in ctx.preflights.values())
    if not credentials:
        return "'*'", False, "'*'"
    origins: set[str] = set()
    for preflight in ctx.preflights.values():
        static, listed = resolve_origins(preflight)
        origins.update(str(origin) for origin in (listed or [static]) if origin is not None)
    if len(origins) == 1 and "*" not in next(iter(origins)):
        origin = next(iter(origins))
        return f"'{origin}'", True, f"'{origin}'"
    return (
        "method.request.header.Origin",
        True,
        "the request's Origin (routes allow credentials from several origins)",
    )


def gateway_response_fix(ctx: LintContext, response_type: str) -> Fix | None:
    """Add a `response_type` GatewayResponse with CORS headers (None when it cannot be added
    mechanically: an external REST API, or `resources` not written in serverless.yml)."""
    if ctx.service.provider.get("apiGateway", {}).get("restApiId"):
        return None
    resources = ctx.service.config.get("resources")
    if resources is not None and not ctx.written_here(("resources",)):
        return None
    value, credentials, shown = origin_value(ctx)
    existing = _existing(ctx, response_type)
    suffix = response_type.replace("DEFAULT_", "Default")
    logical_id = f"GatewayResponse{suffix}"
    user = resources.get("Resources") if isinstance(resources, dict) else None
    while isinstance(user, dict) and logical_id in user and existing != logical_id:
        logical_id += "Cors"
    headers = [("Access-Control-Allow-Origin", value)]
    if credentials:
        headers.append(("Access-Control-Allow-Credentials", "'true'"))

    def apply(edits: YamlEdits) -> None:
        if existing is not None:
            _add_headers(edits, existing, headers)
        else:
            edits.add_resource(logical_id, _resource_text(response_type, headers, edits))

    what = (
        f"added Access-Control-Allow-Origin {shown} to {existing}"
        if existing
        else f"added {logical_id} ({response_type} with Access-Control-Allow-Origin {shown}"
        f"{' and Access-Control-Allow-Credentials true' if credentials else ''}) to "
        "resources.Resources"
    )
    return Fix(what, apply)


def _existing(ctx: LintContext, response_type: str) -> str | None:
    """The user's resource of this type (it lacks the header), if there is one."""
    for logical_id, properties in ctx.resources(GATEWAY_RESPONSE):
        if properties.get("ResponseType") == response_type and ctx.user_resource_path(logical_id):
            return logical_id
    return None


def _add_headers(edits: YamlEdits, logical_id: str, headers: list[tuple[str, str]]) -> None:
    properties = ("resources", "Resources", logical_id, "Properties")
    lines = [f'gatewayresponse.header.{name}: "{value}"' for name, value in headers]
    if edits.has((*properties, "ResponseParameters")):
        for line in lines:
            edits.add_entry((*properties, "ResponseParameters"), line)
    else:
        unit = " " * edits.indent_unit
        edits.add_entry(properties, "ResponseParameters:\n" + "\n".join(unit + x for x in lines))


def _resource_text(response_type: str, headers: list[tuple[str, str]], edits: YamlEdits) -> str:
    unit = " " * edits.indent_unit
    lines = [
        "Type: 'AWS::ApiGateway::GatewayResponse'",
        "Properties:",
        f"{unit}ResponseParameters:",
        *(f'{unit * 2}gatewayresponse.header.{name}: "{value}"' for name, value in headers),
        f"{unit}ResponseType: {response_type}",
        f"{unit}RestApiId:",
        f"{unit * 2}Ref: 'ApiGatewayRestApi'",
    ]
    return "\n".join(lines)
