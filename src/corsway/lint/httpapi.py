"""Rules about HTTP APIs (`httpApi` events): they read the compiled `AWS::ApiGatewayV2::*`
resources, and point at `provider.httpApi.cors` and the events in serverless.yml.

An HTTP API with a `CorsConfiguration` answers preflights itself and adds its CORS headers to
every response (errors included), dropping the ones the function returns, unless a route matches
the `OPTIONS` request: a `$default` or `ANY` route with an authorizer then runs the authorizer on
every preflight (http-api-v2.md §1.2).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from corsway.errors import SourceLocation
from corsway.lint.context import LintContext
from corsway.lint.edits import YamlEdits
from corsway.lint.model import Finding, Fix
from corsway.lint.rest import BROWSER_MAX_AGE_S, origin_finding
from corsway.service.sourcemap import Path

CORS_PATH: Path = ("provider", "httpApi", "cors")
# AWS::ApiGatewayV2::Api Cors MaxAge: IntegerWithLengthBetweenMinus1And86400 (API model).
HTTP_API_MAX_AGE_S = 86400
_UNAUTHENTICATED = ("NONE", None)


@dataclass(frozen=True)
class ConfigRoute:
    """An `httpApi` event as written, with the route key it compiles to."""

    function: str
    index: int
    key: str  # "$default", "GET /users/{id}", "ANY /{proxy+}"

    @property
    def where(self) -> Path:
        return ("functions", self.function, "events", self.index, "httpApi")


def config_routes(ctx: LintContext) -> list[ConfigRoute]:
    """Every `httpApi` event of the service with its route key."""
    routes: list[ConfigRoute] = []
    for function, config in ctx.service.functions.items():
        for index, event in enumerate(config.get("events") or []):
            if isinstance(event, dict) and "httpApi" in event:
                key = route_key(event["httpApi"])
                if key:
                    routes.append(ConfigRoute(function, index, key))
    return routes


def route_key(event: Any) -> str | None:
    """The RouteKey the framework gives an `httpApi` event (None when malformed)."""
    if isinstance(event, str):
        if event.strip() == "*":
            return "$default"
        method, _, path = event.strip().partition(" ")
        return f"{method.upper()} {path.strip()}" if path else None
    if isinstance(event, dict):
        written = event.get("path")
        if written == "*":
            return "$default"
        verb = str(event.get("method") or "").upper()
        return f"{'ANY' if verb == '*' else verb} {written}" if verb and written else None
    return None


@dataclass(frozen=True)
class Route:
    """A compiled `AWS::ApiGatewayV2::Route`."""

    logical_id: str
    key: str
    authorization: str | None
    authorizer: Any


def _routes(ctx: LintContext) -> list[Route]:
    return [
        Route(
            logical_id,
            str(properties.get("RouteKey")),
            properties.get("AuthorizationType"),
            properties.get("AuthorizerId"),
        )
        for logical_id, properties in ctx.resources("AWS::ApiGatewayV2::Route")
    ]


def _cors(ctx: LintContext) -> dict[str, Any] | None:
    for _logical_id, properties in ctx.resources("AWS::ApiGatewayV2::Api"):
        cors = properties.get("CorsConfiguration")
        if isinstance(cors, dict):
            return cors
    return None


def _cors_at(ctx: LintContext, key: str) -> Path:
    """`provider.httpApi.cors.<key>` when written, else `provider.httpApi.cors`."""
    path = (*CORS_PATH, key)
    return path if ctx.service.source_map.has(path) else CORS_PATH


def _config_route(ctx: LintContext, key: str) -> ConfigRoute | None:
    return next((route for route in config_routes(ctx) if route.key == key), None)


def catch_all_fix(ctx: LintContext, location: SourceLocation) -> Fix | None:
    """The fix of the compiler's CW006 at `location` (an authorized `$default`/`ANY` route's
    authorizer): add the unauthenticated OPTIONS route that takes its preflights."""
    for written in config_routes(ctx):
        if written.key != "$default" and not written.key.startswith("ANY "):
            continue
        spots = [(*written.where, "authorizer"), written.where]
        if not any(ctx.service.source_map.has(p) and ctx.at(p) == location for p in spots):
            continue
        needed = "OPTIONS /{proxy+}" if written.key == "$default" else "OPTIONS " + written.key[4:]
        return _options_route_fix(ctx, written, needed)
    return None


def _options_route_fix(ctx: LintContext, written: ConfigRoute | None, needed: str) -> Fix | None:
    if written is None or any(route.key == needed for route in _routes(ctx)):
        return None  # an authorized OPTIONS route of that key: a person has to decide
    events: Path = ("functions", written.function, "events")
    if not ctx.written_here(events):
        return None

    def apply(edits: YamlEdits) -> None:
        edits.append_item(events, f"httpApi: '{needed}'")

    return Fix(
        f"added the route '{needed}' (no authorizer) to function {written.function}: preflights "
        "now reach that function without authorization and API Gateway adds the cors headers; "
        "it must answer OPTIONS with a 2XX status",
        apply,
    )


def handler_cors_headers(ctx: LintContext) -> Iterator[Finding]:
    """CW007: handlers behind an HTTP API with cors that set Access-Control-* headers."""
    if _cors(ctx) is None:
        return
    seen: set[str] = set()
    for route in config_routes(ctx):
        handler = str(ctx.service.functions[route.function].get("handler"))
        if handler in seen:
            continue
        seen.add(handler)
        facts = ctx.handler(route.function)
        if facts is None:
            continue
        if facts.cors_headers:
            where, name = facts.cors_headers[0]
            detail = f"sets {name}"
        elif facts.cors_helper:
            where, detail = facts.location, f"uses the CORS helper {facts.cors_helper}"
        else:
            continue
        yield Finding(
            "CW007",
            f"{handler} (function {route.function}) {detail}, but this HTTP API has a cors "
            "configuration: API Gateway drops the CORS headers a function returns and sends "
            "its own, so this code has no effect (change provider.httpApi.cors instead)",
            where,
        )


def handler_response_headers(ctx: LintContext) -> Iterator[Finding]:
    """CW101 for HTTP API handlers whose headers reach the browser (no cors configuration)."""
    if _cors(ctx) is not None:
        return
    seen: set[str] = set()
    for route in config_routes(ctx):
        facts = ctx.handler(route.function) if route.function not in seen else None
        seen.add(route.function)
        for where in facts.star_with_credentials if facts else []:
            yield Finding(
                "CW101",
                "this response sets Access-Control-Allow-Origin '*' together with "
                "Access-Control-Allow-Credentials true: a credentialed request is refused "
                "because '*' is not allowed with credentials; echo an allowed Origin instead",
                where,
            )


def max_age(ctx: LintContext) -> Iterator[Finding]:
    """CW009 (HTTP API): MaxAge above what browsers keep (above the API's own limit, the
    compiler's CW009 says AWS refuses the deploy)."""
    cors = _cors(ctx)
    age = cors.get("MaxAge") if cors else None
    if not isinstance(age, int) or isinstance(age, bool):
        return
    if not BROWSER_MAX_AGE_S < age <= HTTP_API_MAX_AGE_S:
        return
    yield ctx.finding(
        "CW009",
        f"maxAge {age}: Chromium keeps a preflight answer at most {BROWSER_MAX_AGE_S} s (2 "
        "hours) and Firefox at most 86400 s, so browsers preflight again sooner",
        _cors_at(ctx, "maxAge"),
    )


def wildcard_headers(ctx: LintContext) -> Iterator[Finding]:
    """CW010 (HTTP API): allowedHeaders '*' with credentials, or with an Authorization reader."""
    cors = _cors(ctx)
    headers = [str(h) for h in (cors.get("AllowHeaders") or [])] if cors else []
    if "*" not in headers:
        return
    where = _cors_at(ctx, "allowedHeaders")
    if cors and cors.get("AllowCredentials") is True:
        yield ctx.finding(
            "CW010",
            "allowedHeaders '*' with allowCredentials: with credentials a browser reads "
            "Access-Control-Allow-Headers: * as a header literally named '*', so requests with "
            "a non-simple header fail their preflight; list the headers",
            where,
        )
        return
    if any(h.lower() == "authorization" for h in headers):
        return
    readers = [route.key for route in _routes(ctx) if _reads_authorization(ctx, route)]
    if readers:
        yield ctx.finding(
            "CW010",
            f"allowedHeaders '*', while {readers[0]} needs an Authorization header: '*' never "
            "covers Authorization (Fetch standard; Firefox and Safari refuse, Chromium allows it "
            "with a deprecation warning); add Authorization to allowedHeaders",
            where,
        )


def _reads_authorization(ctx: LintContext, route: Route) -> bool:
    if route.authorization == "AWS_IAM":
        return True
    if route.authorization in _UNAUTHENTICATED or not isinstance(route.authorizer, dict):
        return False
    target = route.authorizer.get("Ref")
    for logical_id, properties in ctx.resources("AWS::ApiGatewayV2::Authorizer"):
        if logical_id == target:
            sources = properties.get("IdentitySource") or []
            return any("header.authorization" in str(source).lower() for source in sources)
    return False


def unmatchable_origins(ctx: LintContext) -> Iterator[Finding]:
    """CW014 (HTTP API): allowedOrigins no browser can send."""
    settings = ctx.service.provider.get("httpApi")
    cors = settings.get("cors") if isinstance(settings, dict) else None
    origins = cors.get("allowedOrigins") if isinstance(cors, dict) else None
    if isinstance(origins, list):
        for index, origin in enumerate(origins):
            if isinstance(origin, str):
                finding = origin_finding(ctx, (*CORS_PATH, "allowedOrigins", index), origin)
                if finding:
                    yield finding


# CW001 (credentials with '*'), CW006 (an authorized route catching preflights) and CW008 come
# from the compiler (compile/httpapi/checks.py, compile/quirks.py): printed by `package` and
# `serve` too, and taken into lint's findings by `engine._compiler_findings`.
RULES = (
    handler_cors_headers,
    handler_response_headers,
    max_age,
    wildcard_headers,
    unmatchable_origins,
)
