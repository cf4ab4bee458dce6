"""The fix for each cause, in serverless.yml terms, without knowing the service (no I/O).

With the service behind the URL, `causes_rest.py`/`causes_http.py` place fixes on a
serverless.yml (or handler) line; without it, these generic texts say
what to change and, where a block must be added, give the snippet.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from corsway.doctor.causes import Diagnosis
from corsway.doctor.result import Fix

_GATEWAY_RESPONSE = """\
resources:
  Resources:
    {logical}:
      Type: 'AWS::ApiGateway::GatewayResponse'
      Properties:
        ResponseType: {response_type}
        RestApiId:
          Ref: 'ApiGatewayRestApi'
        ResponseParameters:
{parameters}"""


def gateway_response_snippet(response_type: str, diagnosis: Diagnosis) -> str:
    """The `resources` block that adds CORS headers to API Gateway's own 4XX or 5XX answers."""
    logical = "GatewayResponse" + "".join(
        part.capitalize() if part.isalpha() else part for part in response_type.split("_")
    )
    prefix = "          gatewayresponse.header."
    if diagnosis.credentials == "include" and diagnosis.origin != "null":
        lines = [
            f"{prefix}Access-Control-Allow-Origin: \"'{diagnosis.origin}'\"",
            f"{prefix}Access-Control-Allow-Credentials: \"'true'\"",
        ]
    else:
        lines = [f"{prefix}Access-Control-Allow-Origin: \"'*'\""]
    lines.append(f"{prefix}Access-Control-Allow-Headers: \"'*'\"")
    return _GATEWAY_RESPONSE.format(
        logical=logical, response_type=response_type, parameters="\n".join(lines)
    )


def url_path(diagnosis: Diagnosis) -> str:
    if diagnosis.request is None:
        return "this URL"
    return urlsplit(diagnosis.request.url).path or "/"


def answer_text(diagnosis: Diagnosis) -> str:
    """`403 {"message":"Missing Authentication Token"}`, or just the status."""
    response = diagnosis.response
    if response is None:
        return "no answer"
    message = diagnosis.mark.message
    return f'{response.status} "{message}"' if message else str(response.status)


def allow_origin_value(diagnosis: Diagnosis) -> str:
    if diagnosis.credentials == "include":
        return f"{diagnosis.origin} (the request's Origin, when allowed)"
    return "* (or the request's Origin, when allowed)"


def _no_preflight_route(d: Diagnosis) -> str:
    if d.mark.api == "rest":
        return (
            f"API Gateway has no OPTIONS method for {url_path(d)}, so it answered the preflight "
            f"itself ({answer_text(d)}) and the {d.method} was never sent. In serverless.yml add "
            "`cors: true` (or a `cors:` block allowing this origin) to every http event on this "
            "path; Serverless then creates the OPTIONS method. If no http event has this path, "
            "the URL is wrong (check the path and the stage)."
        )
    if d.mark.api == "http":
        return (
            "The HTTP API has no CORS configuration, so nothing answers the preflight "
            f"({answer_text(d)}). In serverless.yml set `provider.httpApi.cors: true` (or a block "
            f"whose allowedOrigins include {d.origin}); API Gateway then answers preflights."
        )
    return (
        f"Nothing answers the preflight (OPTIONS {url_path(d)} got {answer_text(d)}). Answer "
        "OPTIONS with a 2xx status and Access-Control-Allow-Origin, -Methods and -Headers (in "
        "serverless.yml: `cors: true` on the http event)."
    )


def _route_not_found(d: Diagnosis) -> str:
    if d.mark.api == "http":
        return (
            f"The HTTP API has no route for {d.method} {url_path(d)} ({answer_text(d)}). Check "
            "the URL against the httpApi events in serverless.yml. HTTP APIs add CORS headers to "
            "their own errors only when `provider.httpApi.cors` is set."
        )
    return (
        f"API Gateway has no {d.method} method for {url_path(d)} on this stage and answered "
        f"{answer_text(d)} itself, without CORS headers. Check the URL's stage, path and method "
        "against the http events in serverless.yml. So that the page can read such errors, add "
        "to serverless.yml:\n" + gateway_response_snippet("DEFAULT_4XX", d)
    )


def _authorizer_rejected(d: Diagnosis) -> str:
    if d.mark.api == "http":
        return (
            f"The authorizer refused the request ({answer_text(d)}) and the HTTP API answered "
            "without CORS headers. Set `provider.httpApi.cors` in serverless.yml: HTTP APIs "
            "then add the CORS headers to the authorizer's 401/403 as well."
        )
    return (
        f"The authorizer refused the request ({answer_text(d)}) and API Gateway answered it "
        "itself, without CORS headers, so the page sees a CORS error instead of the "
        f"{d.response.status if d.response else 'refusal'}. Add to serverless.yml (the seed's "
        "GatewayResponse; then check why the token was refused):\n"
        + gateway_response_snippet("DEFAULT_4XX", d)
    )


def _gateway_error(d: Diagnosis) -> str:
    what = "the preflight" if d.failure.stage == "preflight" else "the request"
    if d.mark.api == "http":
        return (
            f"API Gateway answered {what} with {answer_text(d)} (the function or the authorizer "
            "failed or timed out). Fix that failure (see the function's logs), and set "
            "`provider.httpApi.cors` so that the page can read such errors."
        )
    return (
        f"API Gateway answered {what} with {answer_text(d)} itself: the function (or the "
        "authorizer) failed, timed out or returned an invalid response (the function's logs, "
        "or corsway serve's console, say why). Fix that; so that the page can read such "
        "errors, add to serverless.yml:\n" + gateway_response_snippet("DEFAULT_5XX", d)
    )


def _handler_missing_cors(d: Diagnosis) -> str:
    status = d.response.status if d.response else "the"
    if d.failure.stage == "preflight":
        return (
            f"The OPTIONS request reached a handler, whose {status} answer has no "
            "Access-Control-Allow-Origin. Answer OPTIONS with Access-Control-Allow-Origin, "
            "-Methods and -Headers (or let `cors: true` on the http event create the preflight)."
        )
    credentials = (
        " and Access-Control-Allow-Credentials: true" if d.credentials == "include" else ""
    )
    return (
        f"The handler's {status} response has no Access-Control-Allow-Origin. With "
        "lambda-proxy integrations (Serverless's default) API Gateway adds no CORS headers to "
        "what the function returns, and `cors: true` only creates the preflight: return "
        f"Access-Control-Allow-Origin: {allow_origin_value(d)}{credentials} from the function "
        "on every response, errors included (in Python, corsway.aws's @cors decorator does)."
    )


def _wildcard_with_credentials(d: Diagnosis) -> str:
    if d.failure.stage == "preflight":
        return (
            "The preflight allows the origin '*', which a request with credentials: 'include' "
            f"cannot use. In the http event's cors set `origin: '{d.origin}'` (or `origins:` "
            "listing it) and `allowCredentials: true`."
        )
    if d.mark.kind is not None:
        return (
            f"API Gateway's own answer ({answer_text(d)}) carries Access-Control-Allow-Origin '*' "
            "from a GatewayResponse, which a credentialed request cannot use. Give it the "
            "page's origin and credentials instead:\n"
            + gateway_response_snippet(
                "DEFAULT_5XX" if d.mark.kind == "server-error" else "DEFAULT_4XX", d
            )
        )
    return (
        "The response says Access-Control-Allow-Origin: *, which a request with credentials: "
        f"'include' cannot use. Return the page's origin ({d.origin}, when allowed), "
        "Access-Control-Allow-Credentials: true and Vary: Origin from the handler."
    )


def _origin_not_allowed(d: Diagnosis) -> str:
    error, hint = d.failure.error or "", d.failure.hint
    where = (
        "the http event's cors.origins (the preflight)"
        if d.failure.stage == "preflight"
        else "the value the handler returns"
    )
    if error.endswith("MultipleAllowOriginValues"):
        return (
            f"Access-Control-Allow-Origin arrives more than once ('{hint}'): two layers add it "
            "(typically a GatewayResponse or middleware and the handler). Keep exactly one."
        )
    if error.endswith("InvalidAllowOriginValue"):
        return (
            f"'{hint}' is not an origin. Send the page's origin ({d.origin}) or '*' in "
            f"Access-Control-Allow-Origin ({where})."
        )
    return (
        f"Access-Control-Allow-Origin is '{hint}' but the page's origin is '{d.origin}'; they "
        "must be equal (scheme, host and port; no trailing slash; localhost and 127.0.0.1 "
        f"differ). Allow {d.origin} in {where}."
    )


def _method_not_allowed(d: Diagnosis) -> str:
    value = d.response.header("access-control-allow-methods") if d.response else None
    if d.failure.error == "InvalidAllowMethodsPreflightResponse":
        return (
            f"Access-Control-Allow-Methods '{value}' cannot be parsed: it must be method names "
            "separated by commas (e.g. GET,PUT)."
        )
    method = d.failure.hint
    advice = f"Add {method} to the allowed methods (the http event's cors.methods)."
    if method != method.upper() and value and method.upper() in value:
        advice = (
            f"fetch() sends '{method}' as written (only DELETE, GET, HEAD, OPTIONS, POST and PUT "
            f"are upper-cased) and method names are case-sensitive: use '{method.upper()}' in "
            "the page."
        )
    elif d.credentials == "include" and _lists_star(value):
        advice = (
            f"With credentials: 'include', '*' is not a wildcard: list {method} by name in the "
            "http event's cors.methods."
        )
    return (
        f"The preflight's Access-Control-Allow-Methods ({value!r}) does not allow {method}. "
        + advice
    )


def _lists_star(value: str | None) -> bool:
    return value is not None and "*" in (item.strip() for item in value.split(","))


def _header_not_allowed(d: Diagnosis) -> str:
    value = d.response.header("access-control-allow-headers") if d.response else None
    if d.failure.error == "InvalidAllowHeadersPreflightResponse":
        return (
            f"Access-Control-Allow-Headers '{value}' cannot be parsed: it must be header names "
            "separated by commas (e.g. Content-Type,Authorization)."
        )
    name = d.failure.hint
    advice = (
        f"With credentials: 'include', '*' is not a wildcard: list {name} by name"
        if d.credentials == "include" and _lists_star(value)
        else f"Add {name} to the allowed headers"
    )
    return (
        f"The page sends the header {name}, which the preflight's Access-Control-Allow-Headers "
        f"({value!r}) does not allow. {advice} (the http event's cors.headers; with `cors: true` "
        "Serverless allows Content-Type, X-Amz-Date, Authorization, X-Api-Key, "
        "X-Amz-Security-Token, X-Amz-User-Agent and X-Amzn-Trace-Id)."
    )


def _credentials_not_allowed(d: Diagnosis) -> str:
    got = f"got '{d.failure.hint}'" if d.failure.hint else "it is missing"
    if d.failure.stage == "preflight":
        return (
            "A request with credentials: 'include' needs Access-Control-Allow-Credentials: true "
            f"on the preflight ({got}). Set `allowCredentials: true` in the http event's cors."
        )
    return (
        "A request with credentials: 'include' needs Access-Control-Allow-Credentials: true "
        f"(exactly, lower case) on the response ({got}): return it from the handler, with the "
        "page's origin in Access-Control-Allow-Origin."
    )


def _preflight_caught_by_route(d: Diagnosis) -> str:
    if d.mark.api == "http":
        return (
            f"A route with an authorizer answered the preflight ({answer_text(d)}): the HTTP API's "
            "`$default` or ANY route catches OPTIONS before API Gateway's CORS answer. Add an "
            "httpApi event `OPTIONS /{proxy+}` without authorizer (any function), or take the "
            "authorizer off the catch-all route; keep `provider.httpApi.cors`."
        )
    if d.mark.api == "rest":
        return (
            f"A route answered the preflight ({answer_text(d)}): with no OPTIONS method on "
            f"{url_path(d)}, an ANY method (and its authorizer) catches OPTIONS. Add `cors: true` "
            "to that http event: Serverless then creates an OPTIONS method without authorizer."
        )
    return (
        f"The preflight reached the route's authentication or handler ({answer_text(d)}). Answer "
        "OPTIONS before authentication, with a 2xx and the CORS headers."
    )


def _redirect(d: Diagnosis) -> str:
    location = d.response.header("location") if d.response else None
    error = d.failure.error
    if error == "PreflightDisallowedRedirect":
        return (
            f"The preflight was redirected (to {location}); a browser never follows a "
            f"preflight's redirect. Call {location} directly (a trailing slash, http to https, "
            "or a custom domain's base path are the usual reasons)."
        )
    if error == "RedirectContainsCredentials":
        return f"The redirect's Location ({location}) contains a user name or password; remove it."
    if error == "CorsDisabledScheme":
        return f"The redirect leaves http(s) (to {location}); a fetch() cannot follow it."
    if d.failure.net_error == "net::ERR_TOO_MANY_REDIRECTS":
        return "More than 20 redirects (a loop?): the browser gives up. Fix the redirect chain."
    if d.failure.stage == "redirect":
        return (
            f"The redirect ({d.response.status if d.response else ''} to {location}) fails the "
            "CORS check itself: every response a CORS request follows needs the CORS headers. "
            f"Call {location} directly, or add the CORS headers to the redirect."
        )
    return (
        "A redirect to another origin made the request's Origin `null`, and the final response "
        f"allows '{d.failure.hint}' instead. Call the final URL directly, or let it allow "
        "`null` (or '*', without credentials)."
    )


def _private_network(d: Diagnosis) -> str:
    return (
        f"The page ({d.origin}) is on a less private network than the API (the "
        f"`{d.failure.hint}` address space): Chrome asks the user for permission to reach the "
        "local network and, without it, blocks the request before it is sent. Serve the page "
        "from the same kind of address (e.g. http://localhost), call the deployed API, or grant "
        "the permission (in automated browsers: 'local-network-access'). If this server stands "
        "in for the deployed API (corsway serve), check again with --page-address-space "
        "loopback to see what CORS says."
    )


def _other(d: Diagnosis) -> str:
    if d.failure.net_error and d.request is not None:
        host = urlsplit(d.request.url).netloc
        return (
            f"Nothing answered at {host} ({d.failure.net_error}): start the server (e.g. "
            "`corsway serve`) or fix the URL."
        )
    if d.mark.kind == "api-key":
        return (
            f"API Gateway refused the request ({answer_text(d)}): the method requires an API key "
            "(x-api-key). Send it, and add a GatewayResponse with CORS headers so the page can "
            "read such refusals:\n" + gateway_response_snippet("DEFAULT_4XX", d)
        )
    return f"The answer fails the browser's check ({d.failure.error}); see the message."


_WRITERS: dict[str, Callable[[Diagnosis], str]] = {
    "no-preflight-route": _no_preflight_route,
    "route-not-found": _route_not_found,
    "authorizer-rejected": _authorizer_rejected,
    "gateway-error": _gateway_error,
    "handler-missing-cors": _handler_missing_cors,
    "wildcard-with-credentials": _wildcard_with_credentials,
    "origin-not-allowed": _origin_not_allowed,
    "method-not-allowed": _method_not_allowed,
    "header-not-allowed": _header_not_allowed,
    "credentials-not-allowed": _credentials_not_allowed,
    "preflight-caught-by-route": _preflight_caught_by_route,
    "redirect": _redirect,
    "private-network": _private_network,
    "other": _other,
}


def generic_fix(diagnosis: Diagnosis) -> Fix:
    """The fix text for the diagnosis' cause (file and line unknown)."""
    return Fix(_WRITERS[diagnosis.cause](diagnosis))
