"""Rules about REST APIs (`http` events) that need the whole compiled service.

The compiler reports the rest itself while compiling (CW001 for the preflight, CW002, CW003,
CW013); `corsway.lint.engine` collects those and attaches their fixes from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from corsway.compile.apigateway.events import HttpEvent
from corsway.lint.context import LintContext
from corsway.lint.edits import YamlEdits
from corsway.lint.gatewayresponses import covered_types, gateway_response_fix
from corsway.lint.model import Finding, Fix
from corsway.lint.origins import origin_problem
from corsway.service.sourcemap import Path

# Methods a browser may send after a preflight that does not list them (Fetch: CORS-safelisted).
SAFELISTED_METHODS = frozenset(("get", "head", "post"))
# Chromium keeps a preflight answer at most this long (kMaxCacheAge, 2 hours); Firefox 24 h.
BROWSER_MAX_AGE_S = 7200
PROXY_INTEGRATIONS = ("AWS_PROXY", "HTTP_PROXY")


def _method(event: HttpEvent) -> str:
    return event.method.upper()


def mixed_cors_on_a_path(ctx: LintContext) -> Iterator[Finding]:
    """CW004: a path where some methods have cors and others (not safelisted) don't."""
    for path, preflight in ctx.preflights.items():
        on_path = [event for event in ctx.events if event.path == path]
        with_cors = [event for event in on_path if event.cors]
        allowed = ",".join(str(method) for method in preflight.methods)
        for event in on_path:
            if event.cors or event.method in SAFELISTED_METHODS or event.method == "options":
                continue
            source = with_cors[-1]
            shown = "ANY's PUT, PATCH and DELETE" if event.method == "any" else _method(event)
            yield ctx.finding(
                "CW004",
                f"{_method(event)} /{path} has no cors, but {_method(source)} /{path} has: the "
                f"preflight of /{path} allows only {allowed}, so the browser refuses "
                f"{shown} after it (Method {_method(event)} is not allowed by "
                "Access-Control-Allow-Methods in preflight response)",
                event.at("method"),
                fix=_copy_cors_fix(ctx, source, event),
            )


def _copy_cors_fix(ctx: LintContext, source: HttpEvent, target: HttpEvent) -> Fix | None:
    if source.from_string or target.from_string:
        return None
    if not (ctx.written_here(source.at("cors")) and ctx.written_here(target.where)):
        return None

    def apply(edits: YamlEdits) -> None:
        edits.add_entry(target.where, edits.entry_text(source.where, "cors"))

    return Fix(
        f"added the cors of {_method(source)} /{source.path} to {_method(target)} /{target.path}"
        " (the preflight now allows it; origins, headers and credentials stay as they were)",
        apply,
    )


def handlers_without_cors_headers(ctx: LintContext) -> Iterator[Finding]:
    """CW005: a proxy handler behind cors that never sets Access-Control-Allow-Origin."""
    seen: set[str] = set()
    for event in ctx.events:
        handler = ctx.service.functions[event.function].get("handler")
        if not event.cors or event.integration != "AWS_PROXY" or str(handler) in seen:
            continue
        seen.add(str(handler))
        facts = ctx.handler(event.function)
        if facts is None or facts.sets_allow_origin is not False or facts.cors_helper:
            continue
        yield Finding(
            "CW005",
            f"{handler} (function {event.function}) answers {_method(event)} /{event.path}, which "
            "has cors, but never sets Access-Control-Allow-Origin and uses no CORS helper: API "
            "Gateway adds no CORS headers to proxy responses (cors only answers the preflight), "
            "so the browser blocks every response (No 'Access-Control-Allow-Origin' header is "
            "present on the requested resource)",
            facts.location,
        )


def handler_response_headers(ctx: LintContext) -> Iterator[Finding]:
    """CW101 (on routes whose preflight allows credentials) and CW102, for the handlers of
    REST proxy routes."""
    seen: set[str] = set()
    credentialed = {
        event.function: event.path
        for event in reversed(ctx.events)
        if event.path in ctx.preflights and ctx.preflights[event.path].allow_credentials
    }
    for event in ctx.events:
        handler = str(ctx.service.functions[event.function].get("handler"))
        key = f"{handler} {event.function in credentialed}"
        if event.integration != "AWS_PROXY" or key in seen:
            continue
        seen.add(key)
        facts = ctx.handler(event.function)
        if facts is None:
            continue
        for where in facts.star_with_credentials if event.function in credentialed else []:
            yield Finding(
                "CW101",
                f"this response sets Access-Control-Allow-Origin '*' together with "
                f"Access-Control-Allow-Credentials true, and the preflight of "
                f"/{credentialed[event.function]} allows "
                "credentials: the browser sends the credentialed request, then refuses this "
                "answer ('*' is not allowed with credentials); echo the allowed Origin instead "
                "(with Vary: Origin)",
                where,
            )
        for where in facts.origin_reads:
            yield Finding(
                "CW102",
                "the Origin request header is read in one spelling only: a REST API passes "
                "header names as the client sent them (Origin over HTTP/1.1, origin over "
                "HTTP/2), so this misses half of the requests; compare names "
                "case-insensitively",
                where,
            )


def preflight_max_age(ctx: LintContext) -> Iterator[Finding]:
    """CW009 (REST): a cors maxAge longer than browsers keep a preflight."""
    for event in ctx.events:
        cors = event.raw.get("cors")
        age = cors.get("maxAge") if isinstance(cors, dict) else None
        if isinstance(age, int | float) and not isinstance(age, bool) and age > BROWSER_MAX_AGE_S:
            yield ctx.finding(
                "CW009",
                f"maxAge {age}: Chromium keeps a preflight answer at most {BROWSER_MAX_AGE_S} s "
                "(2 hours) and Firefox at most 86400 s, so browsers preflight again sooner than "
                "this says",
                event.at("cors", "maxAge"),
            )


def wildcard_headers(ctx: LintContext) -> Iterator[Finding]:
    """CW010 (REST): headers '*' with credentials, or where an authorizer reads Authorization."""
    for path, preflight in ctx.preflights.items():
        if "*" not in preflight.headers:
            continue
        event = next(e for e in preflight.events if e.cors and "*" in (e.cors.get("headers") or []))
        where = event.at("cors", "headers")
        if preflight.allow_credentials:
            yield ctx.finding(
                "CW010",
                f"cors headers '*' on /{path} with allowCredentials: with credentials a browser "
                "reads Access-Control-Allow-Headers: * as a header literally named '*', so every "
                "request with a non-simple header (Content-Type: application/json, "
                "Authorization) fails its preflight; list the headers",
                where,
            )
            continue
        if any(h.lower() == "authorization" for h in map(str, preflight.headers)):
            continue
        authorized = [e for e in ctx.events if e.path == path and _reads_authorization(e)]
        if authorized:
            yield ctx.finding(
                "CW010",
                f"cors headers '*' on /{path}, whose {_method(authorized[0])} needs an "
                "Authorization header: '*' never covers Authorization (Fetch standard; Firefox "
                "and Safari refuse the request, Chromium still allows it with a deprecation "
                "warning); add Authorization to the headers",
                where,
                fix=_add_authorization_fix(ctx, event),
            )


def _reads_authorization(event: HttpEvent) -> bool:
    authorizer = event.authorizer
    if not authorizer:
        return False
    if authorizer.get("type") == "AWS_IAM":
        return True
    source = authorizer.get("identitySource")
    return isinstance(source, str) and "header.authorization" in source.lower()


def _add_authorization_fix(ctx: LintContext, event: HttpEvent) -> Fix | None:
    path = event.at("cors", "headers")
    if not ctx.written_here(path):
        return None

    def apply(edits: YamlEdits) -> None:
        node: Any = edits.node(path)
        if isinstance(node, list):
            edits.append_item(path, "Authorization")
        else:
            edits.replace_value(path, "['*', Authorization]")

    return Fix("added Authorization to the cors headers", apply)


def proxy_errors_without_cors(ctx: LintContext) -> Iterator[Finding]:
    """CW011: proxy routes with cors and no DEFAULT_5XX gateway response adding CORS headers."""
    proxied = [e for e in ctx.events if e.cors and e.integration in PROXY_INTEGRATIONS]
    if not proxied or "DEFAULT_5XX" in covered_types(ctx):
        return
    first = proxied[0]
    yield ctx.finding(
        "CW011",
        f"{_method(first)} /{first.path} and the other proxy routes with cors: when the "
        "function crashes or times out, API Gateway answers 502/504 itself without CORS "
        "headers, and the browser reports a CORS error instead of the status; add a "
        "DEFAULT_5XX GatewayResponse with Access-Control-Allow-Origin",
        first.at("cors"),
        at_key=True,
        fix=gateway_response_fix(ctx, "DEFAULT_5XX"),
    )


def unmatchable_origins(ctx: LintContext) -> Iterator[Finding]:
    """CW014 (REST): cors origins no browser can send."""
    for event in ctx.events:
        cors = event.raw.get("cors")
        if not isinstance(cors, dict):
            continue
        candidates: list[tuple[Path, Any]] = []
        origin = cors.get("origin")
        if isinstance(origin, str) and "," not in origin:
            candidates.append((event.at("cors", "origin"), origin))
        origins = cors.get("origins")
        if isinstance(origins, list):
            candidates += [(event.at("cors", "origins", i), o) for i, o in enumerate(origins)]
        for path, value in candidates:
            if isinstance(value, str):
                finding = origin_finding(ctx, path, value)
                if finding:
                    yield finding


def origin_finding(ctx: LintContext, path: Path, origin: str) -> Finding | None:
    """CW014 for one origin entry at `path` (shared with the HTTP API rules)."""
    problem = origin_problem(origin)
    if problem is None:
        return None
    fix = None
    corrected = problem.corrected
    if corrected and ctx.written_here(path):
        fix = Fix(
            f"changed the origin {origin!r} to {corrected!r}",
            lambda edits: edits.replace_value(path, corrected, string=True),
        )
    hint = f"; a browser sends {corrected!r}" if corrected else ""
    return ctx.finding(
        "CW014",
        f"the origin {origin!r} {problem.reason}, so it never equals a browser's Origin "
        f"header and requests from there fail CORS{hint}",
        path,
        fix=fix,
    )


RULES = (
    mixed_cors_on_a_path,
    handlers_without_cors_headers,
    handler_response_headers,
    preflight_max_age,
    wildcard_headers,
    proxy_errors_without_cors,
    unmatchable_origins,
)
