"""Read `http` events: normalise each one, compute its cors config, merge preflights per path.

This is the framework's `validate()` step. Paths lose one leading and one trailing `/`; methods
are lower-cased; `cors` becomes a per-event config; all events with cors on one path merge into
one preflight config (newest event's items first; last `origin` wins, even when undefined).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from corsway.compile import naming
from corsway.compile.context import CompileContext
from corsway.service.jsvalues import js_truthy
from corsway.service.sourcemap import Path

# The headers a `cors` setting allows by default: of `http` events and of `httpApi` (the
# framework has the same list for both in v3.40).
DEFAULT_CORS_HEADERS = (
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
    "X-Amzn-Trace-Id",
)

DEFAULT_STATUS_CODES: dict[str, dict[str, str]] = {
    "200": {"pattern": ""},
    "400": {"pattern": "[\\s\\S]*\\[400\\][\\s\\S]*"},
    "401": {"pattern": "[\\s\\S]*\\[401\\][\\s\\S]*"},
    "403": {"pattern": "[\\s\\S]*\\[403\\][\\s\\S]*"},
    "404": {"pattern": "[\\s\\S]*\\[404\\][\\s\\S]*"},
    "422": {"pattern": "[\\s\\S]*\\[422\\][\\s\\S]*"},
    "500": {
        "pattern": "[\\s\\S]*(Process\\s?exited\\s?before\\s?completing\\s?request|\\[500\\])"
        "[\\s\\S]*"
    },
    "502": {"pattern": "[\\s\\S]*\\[502\\][\\s\\S]*"},
    "504": {
        "pattern": "([\\s\\S]*\\[504\\][\\s\\S]*)|(.*Task timed out after \\d+\\.\\d+ seconds$)"
    },
}

_COGNITO_ARN = re.compile(r"^arn:[a-zA-Z-]*:cognito-idp")
_LITERAL_SEGMENT = re.compile(r"^[a-zA-Z0-9._:-]+$")
_VARIABLE_SEGMENT = re.compile(r"^\{([a-zA-Z0-9._-]+)(\+?)\}$")
_STAGE_NAME = re.compile(r"^[-_a-zA-Z0-9]+$")


def is_cognito_arn(value: Any) -> bool:
    return isinstance(value, str) and bool(_COGNITO_ARN.match(value))


@dataclass
class HttpEvent:
    """One `http` event after normalisation (the framework's `event.http`)."""

    function: str
    index: int
    where: Path  # ("functions", fn, "events", i, "http")
    path: str
    method: str  # lower case
    raw: dict[str, Any]  # the event object as configured (after schema coercion)
    from_string: bool = False  # written as `http: GET /path`
    cors: dict[str, Any] | None = None
    authorizer: dict[str, Any] | None = None
    integration: str = "AWS_PROXY"
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    private: bool = False
    operation_id: Any = None
    is_async: bool = False
    connection_type: str | None = None
    connection_id: Any = None

    def at(self, *keys: str | int) -> Path:
        """The path of a property of the event (the event itself for the string form)."""
        return self.where if self.from_string else (*self.where, *keys)


@dataclass
class Preflight:
    """The merged cors config of one path (one OPTIONS method)."""

    path: str
    headers: list[Any] = field(default_factory=list)
    methods: list[Any] = field(default_factory=list)
    origins: list[Any] = field(default_factory=list)
    origin: Any = None
    allow_credentials: bool = False
    max_age: Any = None
    cache_control: Any = None
    events: list[HttpEvent] = field(default_factory=list)


def union(new: list[Any] | None, old: list[Any] | None) -> list[Any]:
    """lodash `_.union(new, old)`: unique items, in order of first appearance."""
    result: list[Any] = []
    for items in (new, old):
        for item in items or []:
            if item not in result:
                result.append(item)
    return result


def read_http_events(ctx: CompileContext) -> tuple[list[HttpEvent], dict[str, Preflight]]:
    """All http events in function order, then event order, and the preflight per path."""
    events: list[HttpEvent] = []
    preflights: dict[str, Preflight] = {}
    api_gateway = ctx.api_gateway
    if api_gateway.get("restApiId") and not api_gateway.get("restApiRootResourceId"):
        raise ctx.error(
            'provider.apiGateway.restApiRootResourceId is required when "restApiId" is given '
            "(the id of the external API's root resource)",
            ("provider", "apiGateway", "restApiId"),
        )
    for key, function in ctx.service.functions.items():
        for index, event in enumerate(function.get("events") or []):
            if not isinstance(event, dict) or "http" not in event:
                continue
            where: Path = ("functions", key, "events", index, "http")
            http = _event_object(ctx, event["http"], where)
            from_string = isinstance(event["http"], str)
            target = where if from_string else None
            item = HttpEvent(
                function=key,
                index=index,
                where=where,
                path=_normalize_path(ctx, http, target or (*where, "path")),
                method=_normalize_method(ctx, http, target or (*where, "method")),
                raw=http,
                from_string=from_string,
            )
            if http.get("authorizer"):
                item.authorizer = _authorizer(ctx, item, http["authorizer"])
            if js_truthy(http.get("cors")):
                item.cors = cors_config(http["cors"], item.method)
                _merge_preflight(preflights, item)
            _integration(ctx, item, http)
            item.private = js_truthy(http.get("private"))
            item.operation_id = http.get("operationId")
            item.is_async = js_truthy(http.get("async"))
            if not _STAGE_NAME.match(ctx.stage):
                raise ctx.error(
                    f"invalid stage name {ctx.stage!r}: with http events it may contain only "
                    "letters, digits, - and _ (an API Gateway limit)",
                    ("provider", "stage") if "stage" in ctx.provider else where,
                )
            events.append(item)
    _check_resource_tree(ctx, events)
    return events, preflights


def _event_object(ctx: CompileContext, http: Any, where: Path) -> dict[str, Any]:
    if isinstance(http, str):
        parts = http.split(" ")
        method = parts[0]
        path = parts[1] if len(parts) > 1 else None
        if path is None:
            raise ctx.error(
                f"http event {http!r} needs a method and a path, like 'GET /items'", where
            )
        return {"method": method, "path": path}
    if not isinstance(http, dict):
        raise ctx.error("an http event must be 'METHOD /path' or an object", where)
    for required in ("path", "method"):
        if http.get(required) is None:
            example = "path: items" if required == "path" else "method: get"
            raise ctx.error(
                f"this http event has no {required} ({example}); API Gateway needs both a path "
                "and a method",
                where,
            )
    return http


def _normalize_path(ctx: CompileContext, http: dict[str, Any], where: Path) -> str:
    """Strip one leading and one trailing `/`; refuse what API Gateway would reject.

    `where` is the location to report (the path value, or the string-form event)."""
    raw = http["path"]
    if not isinstance(raw, str):
        raise ctx.error(f"the path must be a string, not {raw!r}", where)
    path = raw[1:] if raw.startswith("/") else raw
    path = path[:-1] if path.endswith("/") else path
    if path == "":
        return path
    segments = path.split("/")
    for position, segment in enumerate(segments):
        problem = ""
        variable = _VARIABLE_SEGMENT.match(segment)
        if segment == "":
            problem = "has an empty segment (//)"
        elif variable:
            if variable.group(2) and position != len(segments) - 1:
                problem = f"has the greedy variable {segment} before its last segment"
        elif not _LITERAL_SEGMENT.match(segment):
            problem = (
                f"has the segment {segment!r}; API Gateway allows only letters, digits, . _ - : "
                "in a path part, or a whole {variable} / {variable+}"
            )
        if problem:
            raise ctx.error(f"the path {raw!r} {problem}", where)
    return path


def _normalize_method(ctx: CompileContext, http: dict[str, Any], where: Path) -> str:
    method = http["method"]
    if not isinstance(method, str) or method.upper() not in (
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "OPTIONS",
        "HEAD",
        "DELETE",
        "ANY",
    ):
        raise ctx.error(
            f"invalid http method {method!r}; use one of GET, POST, PUT, PATCH, OPTIONS, HEAD, "
            "DELETE, ANY",
            where,
        )
    return method.lower()


def cors_config(cors: Any, method: str) -> dict[str, Any]:
    """One event's cors config (the framework's `getCors`)."""
    config: dict[str, Any] = {
        "origin": "*",
        "methods": ["OPTIONS"],
        "headers": list(DEFAULT_CORS_HEADERS),
        "allowCredentials": False,
    }
    upper = method.upper()
    if isinstance(cors, dict):
        if js_truthy(cors.get("origins")):
            del config["origin"]
        config.update(copy.deepcopy(cors))
        config["methods"] = list(config.get("methods") or [])
        config["allowCredentials"] = js_truthy(config.get("allowCredentials"))
        headers = config.get("headers")
        if js_truthy(headers):
            if isinstance(headers, str):
                config["headers"] = [headers]
        else:
            config["headers"] = list(DEFAULT_CORS_HEADERS)
        if "OPTIONS" not in config["methods"]:
            config["methods"].append("OPTIONS")
        if upper not in config["methods"]:
            config["methods"].append(upper)
    else:
        config["methods"].append(upper)
    return config


def _merge_preflight(preflights: dict[str, Preflight], event: HttpEvent) -> None:
    cors = event.cors or {}
    preflight = preflights.get(event.path)
    if preflight is None:
        preflight = preflights[event.path] = Preflight(event.path)
    preflight.headers = union(_as_list(cors.get("headers")), preflight.headers)
    preflight.methods = union(_as_list(cors.get("methods")), preflight.methods)
    preflight.origins = union(_as_list(cors.get("origins")), preflight.origins)
    preflight.origin = cors.get("origin")
    preflight.allow_credentials = preflight.allow_credentials or bool(cors.get("allowCredentials"))
    if js_truthy(cors.get("maxAge")):
        preflight.max_age = cors["maxAge"]
    if js_truthy(cors.get("cacheControl")):
        preflight.cache_control = cors["cacheControl"]
    preflight.events.append(event)


def _as_list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


def _authorizer(ctx: CompileContext, event: HttpEvent, authorizer: Any) -> dict[str, Any]:
    """The framework's `getAuthorizer`: a normalised authorizer description."""
    where = event.at("authorizer")
    result: dict[str, Any] = {
        "type": None,
        "name": None,
        "arn": None,
        "managedExternally": False,
        "authorizerId": None,
        "logicalId": None,
        "resultTtlInSeconds": None,
        "identitySource": None,
        "identityValidationExpression": None,
        "claims": None,
        "scopes": None,
        "functionName": None,
        "where": where,
    }
    function_name = None
    if isinstance(authorizer, str):
        if authorizer.upper() == "AWS_IAM":
            result["type"] = "AWS_IAM"
        elif ":" not in authorizer:
            function_name = result["name"] = authorizer
        else:
            result["arn"] = authorizer
            result["name"] = naming.authorizer_name_from_arn(authorizer)
    elif isinstance(authorizer, dict):
        kind = authorizer.get("type")
        if kind and authorizer.get("authorizerId"):
            result["type"] = kind
            result["authorizerId"] = authorizer["authorizerId"]
        elif isinstance(kind, str) and kind.upper() == "AWS_IAM":
            result["type"] = "AWS_IAM"
        elif authorizer.get("arn"):
            result["arn"] = authorizer["arn"]
            if isinstance(authorizer.get("name"), str):
                result["name"] = authorizer["name"]
            elif (
                isinstance(kind, str)
                and kind.upper() == "COGNITO_USER_POOLS"
                and isinstance(authorizer["arn"], dict)
            ):
                raise ctx.error(
                    "an authorizer of type COGNITO_USER_POOLS whose arn is a CloudFormation "
                    "function needs a name",
                    where,
                )
            elif isinstance(authorizer["arn"], str):
                result["name"] = naming.authorizer_name_from_arn(authorizer["arn"])
            else:
                raise ctx.error(
                    "an authorizer whose arn is a CloudFormation function needs a name", where
                )
        elif authorizer.get("name"):
            function_name = result["name"] = authorizer["name"]
        else:
            raise ctx.error(
                "the authorizer needs a name (a function of this service) or an arn", where
            )
        if not result["type"]:
            result["type"] = kind
        ttl = authorizer.get("resultTtlInSeconds")
        result["resultTtlInSeconds"] = _parse_int(ttl)
        result["claims"] = authorizer.get("claims") or []
        result["scopes"] = authorizer.get("scopes")
        result["identitySource"] = authorizer.get("identitySource")
        result["identityValidationExpression"] = authorizer.get("identityValidationExpression")
        managed = authorizer.get("managedExternally")
        result["managedExternally"] = False if managed is None else managed
    if function_name is not None:
        if function_name not in ctx.service.functions:
            known = ", ".join(sorted(ctx.service.functions)) or "none"
            raise ctx.error(
                f"the authorizer {function_name!r} is not a function of this service "
                f"(functions: {known}); Serverless would package a template whose deploy "
                "fails. Name a function defined under functions:, or give the authorizer's arn",
                where if isinstance(authorizer, str) else (*where, "name"),
            )
        result["functionName"] = function_name
        result["arn"] = ctx.lambda_target(function_name)
        alias = ctx.aliases.get(function_name)
        if alias:
            result["logicalId"] = alias[1]
    kind = result["type"]
    if not result["identitySource"] and not (
        isinstance(kind, str) and kind.upper() == "REQUEST" and result["resultTtlInSeconds"] == 0
    ):
        result["identitySource"] = "method.request.header.Authorization"
    if (
        _integration_name(event.raw) == "AWS_PROXY"
        and is_cognito_arn(result["arn"])
        and result["claims"]
    ):
        raise ctx.error(
            "Cognito claims can only be filtered with the lambda integration "
            "(integration: lambda), not with the default lambda-proxy",
            (*where, "claims"),
        )
    return result


def _parse_int(value: Any) -> int:
    """`parseInt(value, 10)`, with NaN -> 300 (the framework's default ttl)."""
    if isinstance(value, bool) or value is None:
        return 300
    if isinstance(value, int | float):
        return int(value)
    match = re.match(r"\s*([-+]?\d+)", str(value))
    return int(match.group(1)) if match else 300


def _integration_name(http: dict[str, Any]) -> str:
    integration = http.get("integration")
    if isinstance(integration, str) and integration:
        normalized = integration.upper().replace("-", "_", 1)
        if normalized == "LAMBDA":
            return "AWS"
        if normalized == "LAMBDA_PROXY":
            return "AWS_PROXY"
        return normalized
    if js_truthy(http.get("async")):
        return "AWS"
    return "AWS_PROXY"


def _integration(ctx: CompileContext, event: HttpEvent, http: dict[str, Any]) -> None:
    integration = event.integration = _integration_name(http)
    request = http.get("request")
    response = http.get("response")
    if integration in ("HTTP", "HTTP_PROXY"):
        if not isinstance(request, dict) or not request.get("uri"):
            raise ctx.error(
                f"integration: {http.get('integration')} needs request.uri (the URL of the "
                "backend to call)",
                event.at("integration"),
            )
        connection = http.get("connectionType")
        if isinstance(connection, str) and connection:
            event.connection_type = connection.upper().replace("-", "_", 1)
        if event.connection_type == "VPC_LINK" and not http.get("connectionId"):
            raise ctx.error(
                "connectionType: vpc-link needs a connectionId", event.at("connectionType")
            )
        event.connection_id = http.get("connectionId")
    if integration in ("AWS", "HTTP"):
        event.request = _request(copy.deepcopy(request) if isinstance(request, dict) else None)
        if event.request.get("passThrough") is None:
            event.request["passThrough"] = "NEVER" if integration == "AWS" else None
        event.response = _response(copy.deepcopy(response) if isinstance(response, dict) else None)
        if integration == "AWS" and not event.response:
            event.response = {"statusCodes": copy.deepcopy(DEFAULT_STATUS_CODES)}
        if integration == "HTTP" and not event.response:
            raise ctx.error(
                "integration: http needs response.statusCodes (Serverless v3.40 crashes with "
                "'Cannot convert undefined or null to object' without it)",
                event.at("integration"),
            )
    elif integration in ("AWS_PROXY", "HTTP_PROXY"):
        if isinstance(request, dict):
            allowed = (
                ("parameters", "schema", "schemas")
                if integration == "AWS_PROXY"
                else ("parameters", "uri", "schema", "schemas")
            )
            extra = [key for key in request if key not in allowed]
            kept = {key: value for key, value in request.items() if key in allowed}
            if extra:
                ctx.warn(
                    f"request.{', request.'.join(extra)} has no effect with the "
                    f"{integration} integration (only request.{', request.'.join(allowed)} "
                    "apply); Serverless drops it",
                    (*event.where, "request", extra[0]),
                    at_key=True,
                    rule="CW013",
                )
            event.request = _request(copy.deepcopy(kept)) if kept else None
        if response is not None:
            ctx.warn(
                f"response has no effect with the {integration} integration (the "
                f"{'function' if integration == 'AWS_PROXY' else 'backend'} sends the whole "
                "response); Serverless drops it",
                event.at("response"),
                at_key=True,
                rule="CW013",
            )
    else:  # MOCK: the framework uses request/response exactly as written
        event.request = copy.deepcopy(request) if request is not None else None
        event.response = copy.deepcopy(response) if response is not None else None
        if isinstance(event.response, dict) and not isinstance(
            event.response.get("statusCodes"), dict
        ):
            raise ctx.error(
                "integration: mock with a response needs response.statusCodes (Serverless "
                "v3.40 crashes without it)",
                event.at("response"),
            )
        if event.response is None:
            ctx.warn(
                "integration: mock without response: the method gets no method or "
                "integration responses, so API Gateway answers every call with a 500 error; add "
                "response.statusCodes",
                event.at("integration"),
                rule="CW013",
            )


def _request(request: dict[str, Any] | None) -> dict[str, Any]:
    if not request:
        return {}
    parameters = request.get("parameters")
    if isinstance(parameters, dict):
        flat: dict[str, Any] = {}
        for location in ("querystrings", "paths", "headers"):
            values = parameters.get(location)
            if isinstance(values, dict):
                for name, value in values.items():
                    flat[f"method.request.{location[:-1]}.{name}"] = value
        request["parameters"] = flat
    return request


def _response(response: dict[str, Any] | None) -> dict[str, Any]:
    if not response:
        return {}
    codes = response.get("statusCodes")
    if isinstance(codes, dict):
        codes = dict(codes)
        if not any(isinstance(code, dict) and code.get("pattern") == "" for code in codes.values()):
            codes["200"] = dict(DEFAULT_STATUS_CODES["200"])
        from corsway.service.jsvalues import js_ordered

        response["statusCodes"] = js_ordered(codes)
    else:
        response["statusCodes"] = copy.deepcopy(DEFAULT_STATUS_CODES)
    return response


def _check_resource_tree(ctx: CompileContext, events: list[HttpEvent]) -> None:
    """API Gateway allows one variable path part per parent ({id} and {name} cannot be siblings)."""
    seen: dict[str, tuple[str, HttpEvent]] = {}
    for event in events:
        if not event.path:
            continue
        parent = ""
        for segment in event.path.split("/"):
            if segment.startswith("{"):
                earlier = seen.get(parent)
                if earlier is None:
                    seen[parent] = (segment, event)
                elif earlier[0] != segment:
                    other = earlier[1]
                    raise ctx.error(
                        f"the path part {segment} conflicts with {earlier[0]} of "
                        f"functions.{other.function} (events[{other.index}]): API Gateway allows "
                        f"one variable path part under /{parent} — use the same name in both",
                        event.at("path"),
                    )
            parent = f"{parent}/{segment}" if parent else segment
