"""Causes and fixes of a REST API (`http` events), from the compiled service (no I/O).

Given what the URL reaches (`ServiceFacts.rest_target`: the resource, its methods, their
authorizers and integrations, the http events of the path) the cause is made precise — an
unknown path or stage is `route-not-found` rather than `no-preflight-route`, an ANY method with
an authorizer is `preflight-caught-by-route` — and the fix names the place to change: the http
event, its `cors` (or `cors.methods`, `cors.headers`, `cors.origins`), the authorizer, the
`resources` block where a GatewayResponse goes (with the block), or the handler's function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corsway.compile.apigateway.events import DEFAULT_CORS_HEADERS
from corsway.doctor.causes import Diagnosis
from corsway.doctor.fixes import (
    allow_origin_value,
    answer_text,
    gateway_response_snippet,
    generic_fix,
)
from corsway.doctor.result import Fix
from corsway.doctor.service import Place, RestTarget, ServiceFacts

if TYPE_CHECKING:
    from corsway.compile.apigateway.events import HttpEvent

_SHOWN_PATHS = 8  # paths listed when a URL matches none
_AUTHORIZER_ERRORS = ("AuthorizerConfigurationException", "AuthorizerFailureException")


def placed(text: str, place: Place | None) -> Fix:
    """A fix at a place (file and line None when unknown)."""
    if place is None:
        return Fix(text)
    return Fix(text, place.file, place.line)


def at(place: Place | None) -> str:
    """` at serverless.yml:12`, or nothing when the place is not known."""
    return f" at {place}" if place is not None else ""


def explain_rest(facts: ServiceFacts, d: Diagnosis) -> tuple[str, Fix | None]:
    """(cause, fix) for a blocked fetch whose failing request reached the REST API."""
    request = d.request
    target = facts.rest_target(request.url) if request is not None else None
    if target is None or d.response is None:
        return d.cause, None
    if d.failure.stage == "preflight":
        return _preflight(facts, target, d)
    if d.failure.stage == "actual":
        return _actual(facts, target, d)
    return d.cause, None


def _label(event: HttpEvent) -> str:
    return f"the http event {event.method.upper()} /{event.path} of function {event.function}"


def _event_place(facts: ServiceFacts, event: HttpEvent) -> Place | None:
    return facts.place(event.where, at_key=True)


def _events_listed(facts: ServiceFacts, target: RestTarget) -> str:
    return (
        ", ".join(f"{e.method.upper()}{at(_event_place(facts, e))}" for e in target.events)
        or "none"
    )


# -- preflights ----------------------------------------------------------------------------


def _preflight(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> tuple[str, Fix | None]:
    if t.path is None or t.resource is None:
        return "route-not-found", _not_found(facts, t, d, preflight=True)
    methods = t.resource.methods
    if d.failure.error in ("PreflightMissingAllowOriginHeader", "PreflightInvalidStatus"):
        if "OPTIONS" in methods:
            return d.cause, None  # the path's own OPTIONS method answered it: generic
        catch_all = methods.get("ANY")
        if catch_all is None:
            return "no-preflight-route", _no_preflight_route(facts, t, d)
        guarded = catch_all.authorization_type != "NONE"
        cause = "preflight-caught-by-route" if guarded else d.cause
        return cause, _caught_by_any(facts, t, d, guarded)
    if d.cause == "method-not-allowed":
        return d.cause, _method_not_allowed(facts, t, d)
    if d.cause == "header-not-allowed":
        return d.cause, _header_not_allowed(facts, t, d)
    if d.cause in ("origin-not-allowed", "wildcard-with-credentials", "credentials-not-allowed"):
        return d.cause, _preflight_cors_value(facts, t, d)
    return d.cause, None


def _no_preflight_route(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> Fix:
    assert t.resource is not None
    own = t.event(d.method)
    event = own or (t.events[0] if t.events else None)
    text = (
        f"API Gateway has no OPTIONS method for {t.resource.path}: none of the path's http "
        "events has `cors`, so Serverless created no preflight, API Gateway answered it itself "
        f"({answer_text(d)}) and the {d.method} was never sent."
    )
    if event is None:
        return placed(text + " Add `cors: true` to the http events of this path.", None)
    place = _event_place(facts, event)
    text += (
        f" Add `cors: true` (or a `cors:` block allowing {d.origin}) to {_label(event)}"
        f"{at(place)}; Serverless then creates the OPTIONS method."
    )
    if event.from_string:
        text += (
            f" It is written as a string: write it as a mapping, e.g. `http: {{path: "
            f"{event.path}, method: {event.method}, cors: true}}`."
        )
    if own is None:
        text += (
            f" The path has no {d.method} event at all (its events: "
            f"{_events_listed(facts, t)}): add one, with `cors`."
        )
    return placed(text, place)


def _caught_by_any(facts: ServiceFacts, t: RestTarget, d: Diagnosis, guarded: bool) -> Fix | None:
    event = t.event("ANY")
    if event is None:
        return None
    place = _event_place(facts, event)
    method = t.resource.methods["ANY"] if t.resource else None
    who = "its function"
    if guarded and method is not None:
        authorizer = t.api.authorizers.get(method.authorizer_logical_id or "")
        who = f"its authorizer {authorizer.name}" if authorizer else "its authorizer"
    label = _label(event)
    return placed(
        f"{label[0].upper()}{label[1:]}{at(place)} has no OPTIONS method beside it, so it takes "
        "the preflight "
        f"too and {who} answered it ({answer_text(d)}). Add `cors: true` to that http event: "
        "Serverless then creates an OPTIONS method (a MOCK without authorizer) that answers "
        "preflights before the ANY method sees them.",
        place,
    )


def _method_not_allowed(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> Fix | None:
    method = d.failure.hint
    if method != method.upper() or t.resource is None:
        return None  # a lower-case method in the page: the generic text says so
    allowed = d.response.header("access-control-allow-methods") if d.response else None
    own = t.event(method)
    if own is None:
        event = t.cors_event(method)
        place = _event_place(facts, event) if event is not None else None
        return placed(
            f"{t.resource.path} has no {method} method: no http event has this path and method "
            f"{method.lower()} (its events: {_events_listed(facts, t)}), and its preflight "
            f"allows {allowed}. Add an http event for {method} on this path, with `cors`, or "
            "call a method it has.",
            place,
        )
    place = _event_place(facts, own)
    if own.cors is None:
        source = t.cors_event(method)
        origin = f" (it comes from the cors of {_label(source)})" if source is not None else ""
        return placed(
            f"{_label(own)}{at(place)} has no `cors`, so the path's preflight{origin} allows only "
            f"{allowed}. Add the same `cors` to {_label(own)}: the preflight then allows "
            f"{method} too.",
            place,
        )
    path = own.at("cors", "methods")
    if facts.written(path):
        place = facts.place(path, at_key=True)
    return placed(
        f"The cors of {_label(own)}{at(place)} allows the methods {allowed}, without {method}: "
        f"add {method} to its `methods`.",
        place,
    )


def _cors_place(facts: ServiceFacts, event: HttpEvent, *keys: str) -> Place | None:
    """The first of cors.<key> written, else the `cors` itself."""
    for key in keys:
        if facts.written(event.at("cors", key)):
            return facts.place(event.at("cors", key), at_key=True)
    return facts.place(event.at("cors"), at_key=True)


def _header_not_allowed(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> Fix | None:
    event = t.cors_event(d.method)
    if event is None or d.failure.error != "HeaderDisallowedByPreflightResponse":
        return None
    name = d.failure.hint
    place = _cors_place(facts, event, "headers")
    star = d.credentials == "include" and "'*'" in str(event.cors)
    if facts.written(event.at("cors", "headers")):
        return placed(
            f"The page sends the header {name}, which the cors of {_label(event)}{at(place)} does "
            f"not allow{' (with credentials, * is not a wildcard)' if star else ''}: add {name} "
            "to its `headers` list.",
            place,
        )
    listed = "\n".join(f"    - {header}" for header in (*DEFAULT_CORS_HEADERS, name))
    return placed(
        f"The page sends the header {name}; the cors of {_label(event)}{at(place)} allows only "
        f"Serverless's default headers ({', '.join(DEFAULT_CORS_HEADERS)}). Write it as a block "
        "that "
        f"lists {name} too:\ncors:\n  origin: '*'\n  headers:\n{listed}",
        place,
    )


def _preflight_cors_value(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> Fix | None:
    event = t.cors_event(d.method)
    if event is None:
        return None
    label = _label(event)
    if d.cause == "origin-not-allowed":
        place = _cors_place(facts, event, "origins", "origin")
        if d.failure.error != "PreflightAllowOriginMismatch":
            return placed(f"{generic_fix(d).text} (the cors of {label}{at(place)})", place)
        return placed(
            f"The preflight allows the origin '{d.failure.hint}' (the cors of {label}"
            f"{at(place)}), not the page's {d.origin}: the two must be equal (scheme, host and "
            f"port; localhost and 127.0.0.1 differ). Add {d.origin} to that cors, e.g. "
            f"`origins: ['{d.failure.hint}', '{d.origin}']`.",
            place,
        )
    if d.cause == "wildcard-with-credentials":
        place = _cors_place(facts, event, "origin", "origins")
        return placed(
            f"The cors of {label}{at(place)} allows the origin '*', which a request with "
            f"credentials: 'include' cannot use. Name the origin and allow credentials:\ncors:\n"
            f"  origin: '{d.origin}'\n  allowCredentials: true",
            place,
        )
    place = _cors_place(facts, event, "allowCredentials")
    got = f" (got '{d.failure.hint}')" if d.failure.hint else ""
    return placed(
        "A request with credentials: 'include' needs Access-Control-Allow-Credentials: true on "
        f"the preflight{got}: set `allowCredentials: true` in the cors of {label}{at(place)}.",
        place,
    )


# -- actual requests -----------------------------------------------------------------------


def _actual(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> tuple[str, Fix | None]:
    kind = d.mark.kind
    if d.failure.error == "MissingAllowOriginHeader" and kind is not None:
        if kind in ("missing-token", "not-found"):
            return "route-not-found", _not_found(facts, t, d, preflight=False)
        if kind in ("unauthorized", "forbidden"):
            return "authorizer-rejected", _authorizer_rejected(facts, t, d)
        if kind == "server-error":
            return "gateway-error", _gateway_error(facts, t, d)
        return d.cause, None
    if kind is None and d.cause in (
        "handler-missing-cors",
        "origin-not-allowed",
        "wildcard-with-credentials",
        "credentials-not-allowed",
    ):
        return d.cause, _handler_fix(facts, t, d)
    return d.cause, None


def _gateway_response(
    facts: ServiceFacts, d: Diagnosis, response_type: str
) -> tuple[str, Place | None]:
    """The text that adds CORS headers to API Gateway's own answers, and where it goes."""
    snippet = gateway_response_snippet(response_type, d)
    existing = facts.user_gateway_response(response_type)
    if existing is not None:
        logical_id, place = existing
        lines = [line.strip() for line in snippet.splitlines() if "gatewayresponse.header." in line]
        return (
            f"the GatewayResponse {logical_id}{at(place)} has no Access-Control-Allow-Origin: "
            "add under its ResponseParameters:\n" + "\n".join(lines),
            place,
        )
    place, mode = facts.resources_block()
    if mode == "Resources":
        body = "\n".join(snippet.splitlines()[2:])
        return f"add under resources.Resources{at(place)}:\n{body}", place
    if mode == "resources":
        body = "\n".join(snippet.splitlines()[1:])
        return f"add under resources{at(place)}:\n{body}", place
    where = f" (line {place.line})" if place is not None and place.line else ""
    return f"add at the end of serverless.yml{where}:\n{snippet}", place


def _not_found(facts: ServiceFacts, t: RestTarget, d: Diagnosis, *, preflight: bool) -> Fix:
    request = d.request
    method = request.method if request is not None and not preflight else d.method
    if t.path is None:
        stage = t.api.stage
        written = facts.written(("provider", "stage"))
        place = facts.place(("provider", "stage") if written else ("provider",), at_key=not written)
        what = (
            f"The URL's stage is '{t.url_stage}', but the service is served with the stage "
            f"'{stage}' (its URLs start with /{stage}): use /{stage} in the URL."
        )
        if t.url_stage is None:
            what = f"The URL has no stage: the REST API's URLs start with /{stage}."
        return placed(what, place)
    if t.resource is None:
        paths = sorted({resource.path for resource in t.api.resources if resource.methods})
        shown = ", ".join(paths[:_SHOWN_PATHS]) + (", ..." if len(paths) > _SHOWN_PATHS else "")
        what = f"No http event has the path {t.path} (the REST API's paths: {shown or 'none'})."
    else:
        what = (
            f"{t.resource.path} has no {method} method (its http events: "
            f"{_events_listed(facts, t)})."
        )
    if preflight:
        place = facts.place(("functions",), at_key=True)
        return placed(
            f"{what} API Gateway answered the preflight itself ({answer_text(d)}). Check the "
            "URL's path and method against the http events in serverless.yml.",
            place,
        )
    added, place = _gateway_response(facts, d, "DEFAULT_4XX")
    return placed(
        f"{what} API Gateway answered {answer_text(d)} itself, without CORS headers. Check the "
        f"URL; so that the page can read such errors, {added}",
        place,
    )


def _authorizer_rejected(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> Fix:
    request = d.request
    method = t.method(request.method) if request is not None else None
    authorizer = t.api.authorizers.get(method.authorizer_logical_id or "") if method else None
    event = t.event(request.method) if request is not None else None
    name = f"The authorizer {authorizer.name}" if authorizer is not None else "The authorizer"
    if method is not None and method.authorization_type == "COGNITO_USER_POOLS":
        name = "The Cognito user pool authorizer"
    if authorizer is not None and authorizer.function_key:
        handler, _ = facts.handler_place(authorizer.function_key)
        name += f" (function {authorizer.function_key}{f', handler {handler}' if handler else ''})"
    if event is not None:
        where = event.at("authorizer")
        written = facts.written(where)
        named = facts.place(where, at_key=True) if written else _event_place(facts, event)
        name += f" of {_label(event)}{f' ({named})' if named else ''}"
    added, place = _gateway_response(facts, d, "DEFAULT_4XX")
    status = d.response.status if d.response else "refusal"
    return placed(
        f"{name} refused the request ({answer_text(d)}) and API Gateway answered it "
        f"itself, without CORS headers, so the page sees a CORS error instead of the {status}. "
        f"So that the page can read it (then check why the token was refused), {added}",
        place,
    )


def _gateway_error(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> Fix:
    request = d.request
    method = t.method(request.method) if request is not None else None
    status = d.response.status if d.response else 500
    culprit = ""
    if method is not None:
        authorizer = t.api.authorizers.get(method.authorizer_logical_id or "")
        if authorizer is not None and (d.mark.error_type in _AUTHORIZER_ERRORS or status == 500):
            function = authorizer.function_key
            what = f"The authorizer {authorizer.name}"
            verb = "failed (an error, or an answer API Gateway cannot use)"
        else:
            function = method.integration.function_key
            what = f"The function {function}" if function else "The integration"
            verb = (
                "did not answer within the integration timeout"
                if status == 504
                else "failed or returned an invalid response"
            )
        handler, handler_place = facts.handler_place(function)
        if handler:
            what += f" ({handler}, {handler_place})" if handler_place else f" ({handler})"
        culprit = f"{what} {verb}, and "
    added, place = _gateway_response(facts, d, "DEFAULT_5XX")
    lead = culprit[0].upper() + culprit[1:] if culprit else ""
    return placed(
        f"{lead}API Gateway answered {answer_text(d)} itself, without CORS headers (corsway "
        f"serve's console, or the function's logs, say why). Fix that; so that the page can "
        f"read such errors, {added}",
        place,
    )


def _handler_fix(facts: ServiceFacts, t: RestTarget, d: Diagnosis) -> Fix | None:
    request = d.request
    method = t.method(request.method) if request is not None else None
    if method is None or method.integration.type != "AWS_PROXY":
        return None
    function = method.integration.function_key
    handler, place = facts.handler_place(function)
    if place is None:
        return None
    status = d.response.status if d.response else ""
    who = f"The handler {handler} (function {function}, {place})"
    if d.cause == "handler-missing-cors":
        credentials = (
            " and Access-Control-Allow-Credentials: true" if d.credentials == "include" else ""
        )
        return placed(
            f"{who} returned {status} without Access-Control-Allow-Origin. With lambda-proxy "
            "integrations API Gateway adds no CORS headers to what the function returns (`cors` "
            "only creates the preflight): return Access-Control-Allow-Origin: "
            f"{allow_origin_value(d)}{credentials} from it on every response, errors included "
            "(in Python, corsway.aws's @cors decorator does).",
            place,
        )
    return placed(f"{who} answers this: {generic_fix(d).text}", place)
