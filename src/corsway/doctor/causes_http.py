"""Causes and fixes of an HTTP API (`httpApi` events), from the compiled service (no I/O).

An HTTP API with a CorsConfiguration (`provider.httpApi.cors`) answers preflights itself and
adds its CORS headers to every answer, errors included — unless a route takes the `OPTIONS`
request (`$default`, `ANY`, `OPTIONS` routes), whose authorizer then runs on the preflight. Its
own preflight answer has no CORS headers at all when the origin, the method or a header is not
allowed, so the browser's "No 'Access-Control-Allow-Origin' header" is made precise here from
the configuration (`HttpApiCors.refusal_reason`). Without a CorsConfiguration nothing answers
preflights and nothing adds CORS headers: the fix is `provider.httpApi.cors`, or the handler.
"""

from __future__ import annotations

from corsway.doctor.causes import Diagnosis
from corsway.doctor.causes_rest import at, placed
from corsway.doctor.fixes import allow_origin_value, answer_text, generic_fix
from corsway.doctor.result import Fix
from corsway.doctor.service import HttpTarget, Place, ServiceFacts
from corsway.gateway.httpapi.cors import HttpApiCors
from corsway.gateway.httpapi.model import NONE
from corsway.gateway.httpapi.model import Route as HttpRoute

CORS_PATH = ("provider", "httpApi", "cors")
OPTIONS_ROUTE = "OPTIONS /{proxy+}"
_SHOWN_ROUTES = 8


def explain_http(facts: ServiceFacts, d: Diagnosis) -> tuple[str, Fix | None]:
    """(cause, fix) for a blocked fetch whose failing request reached the HTTP API."""
    request = d.request
    if request is None or d.response is None:
        return d.cause, None
    method = d.method if d.failure.stage == "preflight" else request.method
    target = facts.http_target(request.url, method)
    if target is None:
        return d.cause, None
    if d.failure.stage == "preflight":
        return _preflight(facts, target, d)
    if d.failure.stage == "actual":
        return _actual(facts, target, d)
    return d.cause, None


# -- places --------------------------------------------------------------------------------


def _cors_place(facts: ServiceFacts, *keys: str) -> Place | None:
    """provider.httpApi.cors.<key> (the first written), else the cors, httpApi or provider."""
    for key in keys:
        if facts.written((*CORS_PATH, key)):
            return facts.place((*CORS_PATH, key), at_key=True)
    for path in (CORS_PATH, ("provider", "httpApi"), ("provider",)):
        if facts.written(path):
            return facts.place(path, at_key=True)
    return facts.config_file()


def _route_label(facts: ServiceFacts, route: HttpRoute) -> tuple[str, Place | None]:
    """`the route GET /items (function items)` and where its httpApi event is written."""
    written = facts.config_route(route.route_key)
    function = route.integration.function_key if route.integration else None
    shown = f"the route {route.route_key}" + (f" (function {function})" if function else "")
    return shown, facts.place(written.where, at_key=True) if written else None


def _authorizer_place(facts: ServiceFacts, route: HttpRoute) -> Place | None:
    written = facts.config_route(route.route_key)
    if written is None:
        return None
    path = (*written.where, "authorizer")
    return facts.place(path if facts.written(path) else written.where, at_key=True)


def _cors_snippet(d: Diagnosis) -> str:
    if d.credentials == "include" and d.origin != "null":
        return (
            "provider:\n  httpApi:\n    cors:\n      allowedOrigins:\n"
            f"        - {d.origin}\n      allowCredentials: true"
        )
    return "provider:\n  httpApi:\n    cors: true"


def _add_cors(facts: ServiceFacts, d: Diagnosis) -> tuple[str, Place | None]:
    place = _cors_place(facts)
    where = f" ({place})" if place is not None else ""
    return (
        f"set `provider.httpApi.cors`{where}: the HTTP API then answers "
        "preflights and adds the CORS headers to every answer, its own errors included:\n"
        + _cors_snippet(d),
        place,
    )


# -- preflights ----------------------------------------------------------------------------


def _preflight(facts: ServiceFacts, t: HttpTarget, d: Diagnosis) -> tuple[str, Fix | None]:
    cors = t.api.cors
    route = t.options_route
    refused = _refusal(t, d)
    if refused is not None:
        return refused, _refused_preflight(facts, t, d, refused)
    if cors is not None and d.cause in ("wildcard-with-credentials", "credentials-not-allowed"):
        return d.cause, _credentials(facts, d)
    if route is not None and route.authorization_type != NONE:
        return "preflight-caught-by-route", _caught_by_authorizer(facts, route, d)
    if route is not None:
        shown, place = _route_label(facts, route)
        function = route.integration.function_key if route.integration else None
        handler, handler_place = facts.handler_place(function)
        fix_place = handler_place or place
        if cors is None:
            text = (
                f"The preflight reached {shown}{at(place)}, whose handler {handler or ''}"
                f"{at(handler_place)} answered {answer_text(d)} without the CORS headers. Answer "
                "OPTIONS with a 2xx status and Access-Control-Allow-Origin, -Methods and "
                "-Headers, or " + _add_cors(facts, d)[0]
            )
            return d.cause, placed(text, fix_place)
        return "preflight-caught-by-route", placed(
            f"The preflight reached {shown}{at(place)}, whose handler {handler or ''}"
            f"{at(handler_place)} answered {answer_text(d)}: a route that takes OPTIONS must "
            "answer it with a 2xx status (the HTTP API adds the CORS headers).",
            fix_place,
        )
    if cors is None:
        if t.route is None:
            return "route-not-found", _unknown_route(facts, t, d)
        text, place = _add_cors(facts, d)
        return "no-preflight-route", placed(
            "The HTTP API has no CORS configuration, so nothing answers the preflight "
            f"({answer_text(d)}) and the {d.method} is never sent: " + text,
            place,
        )
    return d.cause, None


def _refusal(t: HttpTarget, d: Diagnosis) -> str | None:
    """The cause when the CorsConfiguration refuses the preflight (no CORS headers at all)."""
    cors = t.api.cors
    request = d.request
    if cors is None or request is None or d.failure.error != "PreflightMissingAllowOriginHeader":
        return None
    judge = HttpApiCors(cors)
    asked = request.header("access-control-request-headers")
    reason = judge.refusal_reason(d.origin, d.method, asked)
    if reason.startswith("origin"):
        return "origin-not-allowed"
    if reason.startswith("method"):
        return "method-not-allowed"
    if reason.startswith("header"):
        return "header-not-allowed"
    return None


def _refused_preflight(facts: ServiceFacts, t: HttpTarget, d: Diagnosis, cause: str) -> Fix:
    cors = t.api.cors
    assert cors is not None and d.request is not None
    lead = (
        f"The HTTP API answered the preflight itself ({answer_text(d)}) without any CORS "
        "header, which is what it does when its CorsConfiguration does not allow the request: "
    )
    if cause == "origin-not-allowed":
        place = _cors_place(facts, "allowedOrigins")
        listed = ", ".join(cors.allow_origins) or "none"
        return placed(
            f"{lead}the origin {d.origin} is not in allowedOrigins ({listed}). Add it to "
            f"provider.httpApi.cors.allowedOrigins{at(place)}.",
            place,
        )
    if cause == "method-not-allowed":
        place = _cors_place(facts, "allowedMethods")
        listed = ", ".join(cors.allow_methods) or "none"
        return placed(
            f"{lead}the method {d.method} is not in allowedMethods ({listed}). Add it to "
            f"provider.httpApi.cors.allowedMethods{at(place)}.",
            place,
        )
    requested = d.request.header("access-control-request-headers") or ""
    allowed = {h.lower() for h in cors.allow_headers}
    missing = [h for h in requested.split(",") if h.strip() and h.strip().lower() not in allowed]
    place = _cors_place(facts, "allowedHeaders")
    listed = ", ".join(cors.allow_headers) or "none"
    return placed(
        f"{lead}the header(s) {', '.join(h.strip() for h in missing)} are not in allowedHeaders "
        f"({listed}). Add them to provider.httpApi.cors.allowedHeaders{at(place)}.",
        place,
    )


def _caught_by_authorizer(facts: ServiceFacts, route: HttpRoute, d: Diagnosis) -> Fix:
    shown, event_place = _route_label(facts, route)
    place = _authorizer_place(facts, route) or event_place
    name = route.authorizer.name if route.authorizer is not None else route.authorization_type
    written = facts.config_route(route.route_key)
    target = f"to functions.{written.function}.events" if written else "to the events of a function"
    caught = (
        "$default takes every request no other route matches"
        if route.is_default
        else f"{route.method} takes every method"
    )
    shown = shown[0].upper() + shown[1:]
    return placed(
        f"{shown} takes OPTIONS requests ({caught}, OPTIONS included), so its authorizer "
        f"{name}{at(place)} ran on the preflight and refused it ({answer_text(d)}) before API "
        "Gateway's CORS answer. Add an unauthenticated route for the preflights "
        f"{target} (any function; the HTTP API adds the CORS headers):\n"
        f"      - httpApi: '{OPTIONS_ROUTE}'\n"
        "or take the authorizer off the catch-all route.",
        place,
    )


def _unknown_route(facts: ServiceFacts, t: HttpTarget, d: Diagnosis) -> Fix:
    keys = sorted(route.route_key for route in t.api.routes)
    shown = ", ".join(keys[:_SHOWN_ROUTES]) + (", ..." if len(keys) > _SHOWN_ROUTES else "")
    request = d.request
    method = d.method if d.failure.stage == "preflight" else (request.method if request else "")
    text, place = _add_cors(facts, d)
    return placed(
        f"No route of the HTTP API matches {method} {t.path} (its routes: {shown or 'none'}); "
        f"API Gateway answered {answer_text(d)} itself. Check the URL; so that the page can "
        f"read such errors, {text}",
        place,
    )


def _credentials(facts: ServiceFacts, d: Diagnosis) -> Fix:
    if d.cause == "wildcard-with-credentials":
        place = _cors_place(facts, "allowedOrigins")
        return placed(
            "provider.httpApi.cors allows the origin '*', which a request with credentials: "
            f"'include' cannot use: list {d.origin} in allowedOrigins{at(place)} and set "
            "allowCredentials: true (AWS refuses allowCredentials with '*').",
            place,
        )
    place = _cors_place(facts, "allowCredentials")
    return placed(
        "A request with credentials: 'include' needs Access-Control-Allow-Credentials: true: "
        f"set `allowCredentials: true` in provider.httpApi.cors{at(place)}.",
        place,
    )


# -- actual requests -----------------------------------------------------------------------


def _actual(facts: ServiceFacts, t: HttpTarget, d: Diagnosis) -> tuple[str, Fix | None]:
    cors = t.api.cors
    if cors is not None:
        if d.failure.error == "MissingAllowOriginHeader":
            if HttpApiCors(cors).allow_origin(d.origin) is None:
                place = _cors_place(facts, "allowedOrigins")
                listed = ", ".join(cors.allow_origins) or "none"
                return "origin-not-allowed", placed(
                    f"The HTTP API adds CORS headers only for the origins in allowedOrigins "
                    f"({listed}), and {d.origin} is not one of them: add it to "
                    f"provider.httpApi.cors.allowedOrigins{at(place)}.",
                    place,
                )
            return d.cause, None
        if d.cause in ("wildcard-with-credentials", "credentials-not-allowed"):
            return d.cause, _credentials(facts, d)
        return d.cause, None
    kind = d.mark.kind
    if d.failure.error == "MissingAllowOriginHeader" and kind is not None:
        if kind in ("not-found", "missing-token"):
            return "route-not-found", _unknown_route(facts, t, d)
        if kind in ("unauthorized", "forbidden"):
            return "authorizer-rejected", _authorizer_rejected(facts, t, d)
        if kind == "server-error":
            return "gateway-error", _gateway_error(facts, t, d)
        return d.cause, None
    if d.cause in (
        "handler-missing-cors",
        "origin-not-allowed",
        "wildcard-with-credentials",
        "credentials-not-allowed",
    ):
        return d.cause, _handler(facts, t, d)
    return d.cause, None


def _authorizer_rejected(facts: ServiceFacts, t: HttpTarget, d: Diagnosis) -> Fix:
    route = t.route
    who = "The authorizer"
    if route is not None and route.authorizer is not None:
        shown, _ = _route_label(facts, route)
        who = (
            f"The authorizer {route.authorizer.name} of {shown}"
            f"{at(_authorizer_place(facts, route))}"
        )
    text, place = _add_cors(facts, d)
    return placed(
        f"{who} refused the request ({answer_text(d)}), and an HTTP API without a CORS "
        "configuration sends its refusals without CORS headers, so the page sees a CORS error "
        f"instead of the {d.response.status if d.response else 'refusal'}. So that the page can "
        f"read it (then check why the token was refused), {text}",
        place,
    )


def _gateway_error(facts: ServiceFacts, t: HttpTarget, d: Diagnosis) -> Fix:
    route = t.route
    culprit = ""
    if route is not None and route.integration is not None:
        function = route.integration.function_key
        handler, handler_place = facts.handler_place(function)
        where = f" ({handler}, {handler_place})" if handler and handler_place else ""
        status = d.response.status if d.response else 500
        verb = "did not answer in time" if status == 503 else "failed or returned an invalid result"
        culprit = f"The function {function}{where} {verb}, and "
    text, place = _add_cors(facts, d)
    lead = culprit or ""
    return placed(
        f"{lead}{'the HTTP API' if lead else 'The HTTP API'} answered {answer_text(d)} itself, "
        f"without CORS headers (corsway serve's console says why). Fix that; so that the page "
        f"can read such errors, {text}",
        place,
    )


def _handler(facts: ServiceFacts, t: HttpTarget, d: Diagnosis) -> Fix | None:
    route = t.route
    function = route.integration.function_key if route and route.integration else None
    handler, place = facts.handler_place(function)
    if place is None:
        return None
    who = f"The handler {handler} (function {function}, {place})"
    if d.cause != "handler-missing-cors":
        return placed(f"{who} answers this: {generic_fix(d).text}", place)
    credentials = (
        " and Access-Control-Allow-Credentials: true" if d.credentials == "include" else ""
    )
    return placed(
        f"{who} returned {d.response.status if d.response else ''} without "
        "Access-Control-Allow-Origin, and this HTTP API has no CORS configuration, so nothing "
        f"adds it: return Access-Control-Allow-Origin: {allow_origin_value(d)}{credentials} "
        "from the handler on every response (in Python, corsway.aws's @cors decorator does), "
        "or set `provider.httpApi.cors` and let the HTTP API add the headers.",
        place,
    )
