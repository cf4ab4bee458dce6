"""Warnings for HTTP API configurations the framework packages but AWS refuses at deploy, or
that break CORS in production. Each names the line of the value at fault; a correct
configuration gets none.

AWS facts behind them (see ../shared/research/http-api-v2.md): CreateApi refuses
`allowCredentials` with the origin `*`; `MaxAge` must be -1..86400; route keys ending in `/` or
with a greedy variable before the last segment are refused; only `*`, `https://*` and `http://*`
are documented origin wildcards; `$default`/`ANY` routes catch preflights (their authorizer then
refuses them). (A REST GatewayResponse in an HTTP-API-only service: `quirks`.)
"""

from __future__ import annotations

import re

from corsway.compile.context import CompileContext
from corsway.compile.httpapi.config import HttpApiConfig, Route
from corsway.service.jsvalues import as_dict, js_truthy
from corsway.service.sourcemap import Path

MAX_AGE_RANGE = (-1, 86400)  # AWS: IntegerWithLengthBetweenMinus1And86400
DOCUMENTED_ORIGIN_WILDCARDS = ("*", "https://*", "http://*")
_GREEDY = re.compile(r"^\{[^{}]+\+\}$")
_CORS: Path = ("provider", "httpApi", "cors")


def check_http_api(ctx: CompileContext, config: HttpApiConfig) -> None:
    """Every warning about the HTTP API configuration (none for a correct one)."""
    settings = as_dict(ctx.provider.get("httpApi"))
    if js_truthy(settings.get("useProviderTags")):
        ctx.warn(
            "provider.httpApi.useProviderTags is deprecated and has no effect: provider.tags "
            "are applied to the HTTP API anyway (Serverless v3.40 deprecation "
            "AWS_HTTP_API_USE_PROVIDER_TAGS_PROPERTY); remove it",
            ("provider", "httpApi", "useProviderTags"),
            at_key=True,
        )
    if not config.routes:
        if settings:
            ctx.warn(
                "provider.httpApi has no effect: no function has httpApi events (http events "
                "make a REST API, configured by provider.apiGateway and each event's cors)",
                ("provider", "httpApi"),
                at_key=True,
            )
        return
    _warn_cors(ctx, config)
    for route in config.routes.values():
        _warn_route_path(ctx, route)
    for earlier, later in config.replaced:
        _warn_replaced(ctx, earlier, later)
    _warn_authorized_preflights(ctx, config)


def _warn_cors(ctx: CompileContext, config: HttpApiConfig) -> None:
    cors = config.cors
    if cors is None:
        return
    user = as_dict(as_dict(ctx.provider.get("httpApi")).get("cors"))
    origins = cors["allowedOrigins"]
    if cors.get("allowCredentials") and "*" in origins:
        implicit = "" if "allowedOrigins" in user else " (the default when allowedOrigins is unset)"
        ctx.warn(
            f"allowCredentials: true with the origin '*'{implicit}: AWS refuses to create the "
            "HTTP API (\"allow-credentials is not supported if 'allow-origin' is *\"), so the "
            "deploy fails; list the origins that send credentials in allowedOrigins",
            (*_CORS, "allowCredentials"),
            rule="CW001",
        )
    for index, origin in enumerate(origins):
        if isinstance(origin, str) and "*" in origin and origin not in DOCUMENTED_ORIGIN_WILDCARDS:
            where: Path = (*_CORS, "allowedOrigins", index)
            if not isinstance(user.get("allowedOrigins"), list):
                where = (*_CORS, "allowedOrigins")
            ctx.warn(
                f"allowedOrigins {origin!r}: HTTP API CORS documents only '*', 'https://*' and "
                "'http://*' as wildcards; a pattern like this one is undocumented (AWS may "
                "match it as written, or not at all), so list each origin instead",
                where,
                rule="CW103",
            )
    max_age = cors.get("maxAge")
    if (
        isinstance(max_age, int | float)
        and not isinstance(max_age, bool)
        and not MAX_AGE_RANGE[0] <= max_age <= MAX_AGE_RANGE[1]
    ):
        ctx.warn(
            f"maxAge {max_age}: AWS accepts {MAX_AGE_RANGE[0]} to {MAX_AGE_RANGE[1]} seconds "
            "for an HTTP API, so the deploy fails (browsers cap preflight caching at 2 hours "
            "or less anyway)",
            (*_CORS, "maxAge"),
            rule="CW009",
        )


def _warn_route_path(ctx: CompileContext, route: Route) -> None:
    if route.key == "*":
        return
    where = route.at("path")
    path = route.path
    if len(path) > 1 and path.endswith("/"):
        ctx.warn(
            f"the route '{route.key}' ends with /: AWS refuses route paths ending in / at "
            f"deploy; write '{route.method} {path.rstrip('/')}' (which API Gateway does not "
            f"match to a request for {path}: clients call {path.rstrip('/')})",
            where,
            rule="CW103",
        )
    segments = path.split("/")
    for position, segment in enumerate(segments):
        if _GREEDY.match(segment) and position != len(segments) - 1:
            ctx.warn(
                f"the route '{route.key}' has the greedy variable {segment} before its last "
                "segment: AWS refuses it at deploy (a greedy variable must end the path)",
                where,
                rule="CW103",
            )
            break


def _warn_replaced(ctx: CompileContext, earlier: Route, later: Route) -> None:
    same = earlier.function == later.function
    ctx.warn(
        f"a second '*' route (the first is {earlier.label}): Serverless v3.40 keeps only one "
        f"$default route and silently lets this one replace the first, so the $default route "
        f"invokes {later.function}"
        + ("" if same else f" and the first one's function {earlier.function} loses it")
        + "; keep one '*' route",
        later.where,
        rule="CW013",
    )


def _warn_authorized_preflights(ctx: CompileContext, config: HttpApiConfig) -> None:
    """`$default`/ANY routes with an authorizer also catch the browser's preflights."""
    if config.cors is None:
        return
    open_options = _unauthenticated_options_paths(ctx, config)
    for route in config.routes.values():
        if route.method != "ANY" or route.authorizer is None:
            continue
        # An OPTIONS request to /p matches `ANY /p` before any greedy route (a full path match
        # wins), so only `OPTIONS /p` covers it; `$default` is covered by `OPTIONS /{proxy+}`.
        needed = "/{proxy+}" if route.key == "*" else route.path
        if _shape(needed) in open_options:
            continue
        target = "the $default route ('*')" if route.key == "*" else f"'{route.key}'"
        ctx.warn(
            f"with provider.httpApi.cors, the authorizer of {target} also runs on CORS "
            "preflights: API Gateway answers an OPTIONS request itself only when no route "
            "matches it, and this route matches every method, so each preflight gets a 401/403 "
            "and the browser blocks every cross-origin call; add an unauthenticated route for "
            f"preflights, httpApi: 'OPTIONS {needed}', on a function that returns 204 (API "
            "Gateway adds the CORS headers)",
            route.at("authorizer"),
            rule="CW006",
        )


def _shape(path: str) -> str:
    """A route path with its variables unnamed (`/{id}` and `/{x}` are one route to AWS)."""
    return re.sub(r"\{[^{}]+?(\+?)\}", r"{\1}", path)


def _unauthenticated_options_paths(ctx: CompileContext, config: HttpApiConfig) -> set[str]:
    """Shapes (`_shape`) of OPTIONS routes without an authorizer: events and `resources`."""
    paths = {
        _shape(route.path)
        for route in config.routes.values()
        if route.method == "OPTIONS" and route.authorizer is None
    }
    user = as_dict(as_dict(ctx.service.config.get("resources")).get("Resources"))
    for value in user.values():
        resource = as_dict(value)
        properties = as_dict(resource.get("Properties"))
        key = properties.get("RouteKey")
        if (
            resource.get("Type") == "AWS::ApiGatewayV2::Route"
            and isinstance(key, str)
            and key.startswith("OPTIONS ")
            and properties.get("AuthorizationType") in (None, "NONE")
        ):
            paths.add(_shape(key[len("OPTIONS ") :]))
    return paths
