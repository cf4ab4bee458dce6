"""The HTTP API configuration as the framework resolves it (`resolveConfiguration` in
`http-api.js`): cors, authorizers, access logs and the routes, with the framework's errors.

Routes are kept in a dict by route key, as the framework keeps them in a `Map`: a second `'*'`
route replaces the first one's value but keeps its position (the framework checks duplicates only
for the other route keys).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from corsway.compile.apigateway.events import DEFAULT_CORS_HEADERS
from corsway.compile.context import CompileContext
from corsway.compile.jsmerge import UNDEFINED
from corsway.service.jsvalues import as_dict, js_string, js_to_number, js_truthy
from corsway.service.rules.httpapi_event import HTTP_API_METHODS, METHOD_PATH_PATTERN
from corsway.service.sourcemap import Path

DEFAULT_ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",'
    '"responseLength":"$context.responseLength"}'
)
DEFAULT_PAYLOAD = "2.0"
INTEGRATION_TIMEOUT_S = 30  # HTTP API integrations time out after 30 s (TimeoutInMillis 30000)

_PROVIDER: Path = ("provider", "httpApi")
_METHOD_PATH = re.compile(METHOD_PATH_PATTERN)


def js_set(items: Any) -> list[Any]:
    """`new Set(Array.isArray(items) ? items : [items])` as a list (first-seen order)."""
    result: list[Any] = []
    seen: set[Any] = set()
    for item in items if isinstance(items, list) else [items]:
        key = id(item) if isinstance(item, dict | list) else (type(item) is bool, item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def js_to_string(value: Any) -> str:
    """`String(value)` (`undefined` is `UNDEFINED`)."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "[object Object]"
    text = js_string(value)
    return "" if text is None else text


@dataclass
class HttpApiAuthorizer:
    """One of `provider.httpApi.authorizers` (the framework's normalised authorizer)."""

    key: str
    name: Any  # `name` if given, else the key: names the logical ids
    type: Any  # as written: 'request' makes a REQUEST authorizer, anything else JWT
    identity_source: Any
    issuer_url: Any
    audience: list[Any]
    function_name: Any
    function_arn: Any
    managed_externally: Any
    result_ttl: Any
    enable_simple_responses: Any
    payload_version: Any
    where: Path

    @property
    def is_request(self) -> bool:
        return bool(self.type == "request")


@dataclass
class RouteAuthorizer:
    """What a route's `authorizer` resolved to."""

    type: Any  # the authorizer's type: 'request' -> CUSTOM, 'aws_iam' -> AWS_IAM, else JWT
    id: Any = None  # an external authorizer's id (with an external API)
    configured: HttpApiAuthorizer | None = None
    where: Path = ()


@dataclass
class Route:
    """One `httpApi` event."""

    key: str  # the route key: '*' or 'METHOD /path'
    function: str
    index: int
    where: Path  # ("functions", fn, "events", i, "httpApi")
    from_string: bool
    method: str  # upper case; ANY for '*'
    path: str
    authorizer: RouteAuthorizer | None = None
    scopes: list[Any] | None = None

    def at(self, *keys: str) -> Path:
        """The location of a property of the event (the event itself for the string form)."""
        return self.where if self.from_string else (*self.where, *keys)

    @property
    def label(self) -> str:
        return f"functions.{self.function}.events[{self.index}]"


@dataclass
class HttpApiConfig:
    """The resolved configuration; `routes` is empty when the service has no httpApi events."""

    id: Any
    metrics: Any
    disable_default_endpoint: Any
    cors: dict[str, Any] | None
    authorizers: dict[str, HttpApiAuthorizer]
    access_log_format: Any
    routes: dict[str, Route] = field(default_factory=dict)
    replaced: list[tuple[Route, Route]] = field(default_factory=list)  # ('*' first, '*' later)
    functions_with_routes: list[str] = field(default_factory=list)

    @property
    def external(self) -> bool:
        return js_truthy(self.id)


def _get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, UNDEFINED)


def resolve_configuration(ctx: CompileContext) -> HttpApiConfig:
    """`resolveConfiguration`: raises the framework's errors as CorswayErrors."""
    user = ctx.provider.get("httpApi")
    user = user if isinstance(user, dict) else {}
    config = HttpApiConfig(
        id=_get(user, "id"),
        metrics=user.get("metrics") or False,
        disable_default_endpoint=_get(user, "disableDefaultEndpoint"),
        cors=None,
        authorizers={},
        access_log_format=None,
    )
    fill_methods = _resolve_cors(ctx, user, config)
    _resolve_authorizers(ctx, user, config)
    logs = as_dict(ctx.provider.get("logs")).get("httpApi")
    if js_truthy(logs):
        if config.external:
            raise ctx.error(
                "provider.logs.httpApi cannot be set with provider.httpApi.id: access logs of "
                "an external HTTP API are configured on that API's stage, not by this service "
                '(Serverless: "Cannot setup access logs for externally configured HTTP API")',
                ("provider", "logs", "httpApi"),
                at_key=True,
            )
        custom = logs.get("format") if isinstance(logs, dict) else None
        config.access_log_format = custom if js_truthy(custom) else DEFAULT_ACCESS_LOG_FORMAT
    for key, function in ctx.service.functions.items():
        has_routes = False
        for index, event in enumerate(function.get("events") or []):
            if not isinstance(event, dict) or not js_truthy(event.get("httpApi")):
                continue
            has_routes = True
            route = _route(ctx, config, key, index, event["httpApi"])
            _add_route(ctx, config, route)
            if fill_methods and config.cors is not None:
                methods = config.cors["allowedMethods"]
                added = (
                    [m for m in HTTP_API_METHODS if m != "ANY"]
                    if route.method == "ANY"
                    else [route.method]
                )
                methods.extend(m for m in added if m not in methods)
        if has_routes:
            config.functions_with_routes.append(key)
            _warn_timeout(ctx, key, function)
    return config


def _resolve_cors(ctx: CompileContext, user: dict[str, Any], config: HttpApiConfig) -> bool:
    """The cors config (lists), and whether the routes' methods fill `allowedMethods`."""
    cors = user.get("cors")
    if not js_truthy(cors):
        return False
    if js_truthy(config.id):
        raise ctx.error(
            "provider.httpApi.cors cannot be set with provider.httpApi.id: the CORS settings of "
            "an external HTTP API belong to that API, not to this service (Serverless: "
            '"Cannot setup CORS rules for externally configured HTTP API")',
            (*_PROVIDER, "cors"),
            at_key=True,
        )
    result: dict[str, Any] = {}
    fill = False
    if cors is True:
        result["allowedOrigins"] = ["*"]
        result["allowedHeaders"] = list(DEFAULT_CORS_HEADERS)
        fill = True
    else:
        cors = as_dict(cors)
        origins = cors.get("allowedOrigins")
        headers = cors.get("allowedHeaders")
        methods = cors.get("allowedMethods")
        result["allowedOrigins"] = js_set(origins) if js_truthy(origins) else ["*"]
        result["allowedHeaders"] = (
            js_set(headers) if js_truthy(headers) else list(DEFAULT_CORS_HEADERS)
        )
        if js_truthy(methods):
            result["allowedMethods"] = js_set(methods)
        else:
            fill = True
        if js_truthy(cors.get("allowCredentials")):
            result["allowCredentials"] = True
        exposed = cors.get("exposedResponseHeaders")
        if js_truthy(exposed):
            result["exposedResponseHeaders"] = js_set(exposed)
        result["maxAge"] = _get(cors, "maxAge")
    if fill:
        result["allowedMethods"] = ["OPTIONS"]
    config.cors = result
    return fill


def _resolve_authorizers(ctx: CompileContext, user: dict[str, Any], config: HttpApiConfig) -> None:
    authorizers = user.get("authorizers")
    if not js_truthy(authorizers):
        return
    if config.external:
        raise ctx.error(
            "provider.httpApi.authorizers cannot be set with provider.httpApi.id: an external "
            "HTTP API's authorizers are created with that API; reference one from a route with "
            'authorizer: {id: <authorizer id>} (Serverless: "Cannot setup authorizers for '
            'externally configured HTTP API")',
            (*_PROVIDER, "authorizers"),
            at_key=True,
        )
    for key, raw in as_dict(authorizers).items():
        where: Path = (*_PROVIDER, "authorizers", key)
        settings = as_dict(raw)
        if settings.get("type") == "request":
            _check_request_authorizer(ctx, key, settings, where)
        audience = _get(settings, "audience")
        identity = settings.get("identitySource")
        name = settings.get("name")
        config.authorizers[key] = HttpApiAuthorizer(
            key=key,
            name=name if js_truthy(name) else key,
            type=_get(settings, "type"),
            identity_source=identity if js_truthy(identity) else [],
            issuer_url=_get(settings, "issuerUrl"),
            audience=js_set(audience),
            function_name=_get(settings, "functionName"),
            function_arn=_get(settings, "functionArn"),
            managed_externally=_get(settings, "managedExternally"),
            result_ttl=_get(settings, "resultTtlInSeconds"),
            enable_simple_responses=_get(settings, "enableSimpleResponses"),
            payload_version=settings.get("payloadVersion") or "2.0",
            where=where,
        )


def _check_request_authorizer(
    ctx: CompileContext, key: str, settings: dict[str, Any], where: Path
) -> None:
    arn = settings.get("functionArn")
    function = settings.get("functionName")
    if not js_truthy(arn) and not js_truthy(function):
        raise ctx.error(
            f"the request authorizer {key!r} needs the Lambda function that authorizes: "
            "functionName: <a function of this service> or functionArn: <an ARN>",
            where,
            at_key=True,
        )
    if js_truthy(arn) and js_truthy(function):
        raise ctx.error(
            f"the request authorizer {key!r} has both functionName and functionArn: keep one "
            "(functionName for a function of this service, functionArn for any other)",
            (*where, "functionArn"),
            at_key=True,
        )
    if js_truthy(function) and js_to_string(function) not in ctx.service.functions:
        known = ", ".join(ctx.service.functions) or "none"
        raise ctx.error(
            f"the request authorizer {key!r} names the function {function!r}, which is not a "
            f"function of this service (functions: {known}); for a function outside the "
            "service use functionArn",
            (*where, "functionName"),
        )
    if js_truthy(settings.get("resultTtlInSeconds")) and not js_truthy(
        settings.get("identitySource")
    ):
        raise ctx.error(
            f"the request authorizer {key!r} caches results (resultTtlInSeconds: "
            f"{settings['resultTtlInSeconds']}) but has no identitySource: API Gateway caches "
            "by the identity sources, so add one (e.g. identitySource: "
            "$request.header.Authorization) or set resultTtlInSeconds: 0",
            (*where, "resultTtlInSeconds"),
        )


def _route(
    ctx: CompileContext, config: HttpApiConfig, function: str, index: int, event: Any
) -> Route:
    where: Path = ("functions", function, "events", index, "httpApi")
    authorizer: Any = UNDEFINED
    from_string = not isinstance(event, dict | list)
    if from_string:
        text = js_to_string(event)
        if text == "*":
            method: Any = UNDEFINED
            path: Any = "*"
        else:
            match = _method_path(text)
            if match is None:  # the schema rule refuses it first; kept for direct callers
                raise ctx.error(f"{text!r} is not an httpApi route ('METHOD /path')", where)
            method, path = match
    else:
        settings = event if isinstance(event, dict) else {}
        method = _get(settings, "method")
        path = _get(settings, "path")
        authorizer = _get(settings, "authorizer")
    path = js_to_string(path)
    if path == "*":
        if js_truthy(method) and method != "*":
            raise ctx.error(
                f"the path '*' is the catch-all $default route, which takes every method: "
                f"remove method: {method} (or write method: '*'), or give a real path like "
                "/{proxy+} for a method-specific catch-all",
                (*where, "path"),
            )
        route = Route("*", function, index, where, from_string, "ANY", "*")
    else:
        if not js_truthy(method):
            raise ctx.error(
                "this httpApi event has no method: add method: GET (or any of "
                f"{', '.join(HTTP_API_METHODS)}, or '*' for any method)",
                where,
                at_key=True,
            )
        upper = js_to_string(method).upper()
        if upper == "*":
            upper = "ANY"
        elif upper not in HTTP_API_METHODS:
            raise ctx.error(
                f"{method!r} is not an HTTP API method: use one of "
                f"{', '.join(HTTP_API_METHODS)} or '*'",
                where if from_string else (*where, "method"),
            )
        route = Route(f"{upper} {path}", function, index, where, from_string, upper, path)
        earlier = config.routes.get(route.key)
        if earlier is not None:
            raise ctx.error(
                f"the route '{route.key}' is already defined by {earlier.label} "
                f"(function {earlier.function}); each method and path may have one route only",
                where if from_string else (*where, "path"),
            )
    if js_truthy(authorizer):
        _route_authorizer(ctx, config, route, authorizer)
    return route


def _method_path(text: str) -> tuple[str, str] | None:
    match = _METHOD_PATH.search(text)
    return (match.group(1), match.group(2)) if match else None


def _route_authorizer(
    ctx: CompileContext, config: HttpApiConfig, route: Route, authorizer: Any
) -> None:
    where = route.at("authorizer")
    settings = authorizer if isinstance(authorizer, dict) else {"name": authorizer}
    name = settings.get("name")
    scopes = settings.get("scopes")
    auth_id = settings.get("id")
    kind = settings.get("type")
    if kind != "aws_iam" and not js_truthy(auth_id) and not js_truthy(name):
        raise ctx.error(
            f"this route authorizer has neither name nor id: name one of "
            f"provider.httpApi.authorizers ({_known(config)}), or write {{type: aws_iam}} for "
            "IAM authorization (Serverless v3.40 refuses it too)",
            where,
        )
    if kind == "aws_iam" and (js_truthy(name) or js_truthy(auth_id) or js_truthy(scopes)):
        extra = next(k for k in ("name", "id", "scopes") if js_truthy(settings.get(k)))
        raise ctx.error(
            f"an aws_iam route authorizer takes no other properties: remove {extra} (IAM "
            "authorization has no authorizer resource and no scopes)",
            (*where, extra),
            at_key=True,
        )
    if js_truthy(auth_id):
        if not config.external:
            raise ctx.error(
                f"the authorizer id {auth_id!r} refers to an authorizer of an external HTTP API, "
                "but this service creates its own HTTP API (no provider.httpApi.id): configure "
                "the authorizer under provider.httpApi.authorizers and reference it by name",
                (*where, "id"),
            )
        route.authorizer = RouteAuthorizer(type=kind, id=auth_id, where=where)
    elif kind == "aws_iam":
        route.authorizer = RouteAuthorizer(type="aws_iam", where=where)
    else:
        configured = config.authorizers.get(js_to_string(name))
        if configured is None or not isinstance(name, str):
            hint = (
                " (for IAM authorization write authorizer: {type: aws_iam})"
                if js_to_string(name).lower() == "aws_iam"
                else ""
            )
            raise ctx.error(
                f"the authorizer {name!r} is not configured: define it under "
                f"provider.httpApi.authorizers ({_known(config)}){hint}",
                where if isinstance(authorizer, str) else (*where, "name"),
            )
        route.authorizer = RouteAuthorizer(type=configured.type, configured=configured, where=where)
    if js_truthy(scopes):
        route.scopes = js_set(scopes)


def _known(config: HttpApiConfig) -> str:
    if not config.authorizers:
        return "none is configured"
    return "configured: " + ", ".join(config.authorizers)


def _add_route(ctx: CompileContext, config: HttpApiConfig, route: Route) -> None:
    earlier = config.routes.get(route.key)
    if earlier is not None:  # only '*' gets here: the framework replaces it silently
        config.replaced.append((earlier, route))
    config.routes[route.key] = route


def _warn_timeout(ctx: CompileContext, key: str, function: dict[str, Any]) -> None:
    """The framework's warning for a timeout that the 30 s integration timeout cuts short."""
    provider_timeout = ctx.provider.get("timeout")
    own = js_to_number(function["timeout"]) if "timeout" in function else math.nan
    inherited = js_to_number(provider_timeout) if "timeout" in ctx.provider else math.nan
    timeout = own if own and not math.isnan(own) else inherited
    if not timeout or math.isnan(timeout):
        return
    where: Path = (
        ("functions", key, "timeout")
        if own and not math.isnan(own)
        else (
            "provider",
            "timeout",
        )
    )
    shown = format_number(timeout)
    if timeout > INTEGRATION_TIMEOUT_S:
        ctx.warn(
            f"function {key}: timeout {shown} s is longer than the {INTEGRATION_TIMEOUT_S} s an "
            "HTTP API waits for its integration: calls running longer get a 503 (Service "
            "Unavailable) from API Gateway although the function succeeds (Serverless v3.40 "
            "warns about this too)",
            where,
        )
    elif timeout == INTEGRATION_TIMEOUT_S:
        ctx.warn(
            f"function {key}: timeout {shown} s leaves no room within the "
            f"{INTEGRATION_TIMEOUT_S} s an HTTP API waits for its integration: a call that "
            "takes the whole timeout gets a 503 (Service Unavailable) although the function "
            "succeeds (Serverless v3.40 warns about this too)",
            where,
        )


def format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)
