"""Why the browser blocked a fetch, worked out from the answers alone (no I/O).

API Gateway marks the answers it gives itself: a REST API's gateway responses carry
`x-amzn-ErrorType` (MissingAuthenticationTokenException, UnauthorizedException,
AccessDeniedException, ...) and bodies such as `{"message":"Missing Authentication Token"}`;
every REST answer carries `x-amzn-RequestId`/`x-amz-apigw-id`, every HTTP API answer
`apigw-requestid` (its own errors: `{"message":"Not Found"}`, `Unauthorized`, `Forbidden`,
`Internal Server Error`, `Service Unavailable`). `diagnose()` turns the failed check and the
marks of the response at fault into one cause id (`explain.py` adds the fix).

A `ServiceContext` (the compiled service behind the URL: route, function, authorizer,
serverless.yml lines) can refine the diagnosis and place the fix; without one the fix says
what to change in generic terms (file and line unknown).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from corsway.doctor.result import Failure, FetchOutcome, Fix, WireRequest, WireResponse

CAUSES = (
    "no-preflight-route",
    "route-not-found",
    "authorizer-rejected",
    "gateway-error",
    "handler-missing-cors",
    "wildcard-with-credentials",
    "origin-not-allowed",
    "method-not-allowed",
    "header-not-allowed",
    "credentials-not-allowed",
    "preflight-caught-by-route",
    "redirect",
    "private-network",
    "other",
)
GatewayKind = Literal[
    "missing-token", "not-found", "unauthorized", "forbidden", "api-key", "server-error", "other"
]
Api = Literal["rest", "http"]

# x-amzn-ErrorType of a REST API gateway response -> what kind of refusal it is.
REST_ERROR_TYPES: dict[str, GatewayKind] = {
    "MissingAuthenticationTokenException": "missing-token",
    "IncompleteSignatureException": "missing-token",  # unknown route + a non-SigV4 Authorization
    "UnauthorizedException": "unauthorized",
    "AccessDeniedException": "forbidden",
    "InvalidSignatureException": "forbidden",
    "ExpiredTokenException": "forbidden",
    "ForbiddenException": "api-key",
    "AuthorizerConfigurationException": "server-error",
    "AuthorizerFailureException": "server-error",
    "InternalServerErrorException": "server-error",
}
# The bodies API Gateway writes itself (REST and HTTP API), by message.
GATEWAY_MESSAGES: dict[str, GatewayKind] = {
    "Missing Authentication Token": "missing-token",
    "Not Found": "not-found",
    "Unauthorized": "unauthorized",
    "Forbidden": "forbidden",
    "User is not authorized to access this resource": "forbidden",
    "Internal server error": "server-error",
    "Internal Server Error": "server-error",
    "Endpoint request timed out": "server-error",
    "Service Unavailable": "server-error",
}


@dataclass(frozen=True, slots=True)
class GatewayMark:
    """Who answered: API Gateway (which kind of API) and, for its own errors, what kind."""

    api: Api | None
    kind: GatewayKind | None  # None: not a gateway error (an integration's answer)
    error_type: str | None  # x-amzn-ErrorType
    message: str | None  # the gateway body's message


def gateway_mark(response: WireResponse) -> GatewayMark:
    """Read API Gateway's marks off a response."""
    error_type = response.header("x-amzn-errortype")
    if error_type is not None:
        error_type = error_type.split(":", 1)[0].strip()
    api: Api | None = None
    if error_type or response.has("x-amzn-requestid") or response.has("x-amz-apigw-id"):
        api = "rest"
    elif response.has("apigw-requestid"):
        api = "http"
    message = _gateway_message(response.body)
    kind: GatewayKind | None = None
    if error_type is not None:
        kind = REST_ERROR_TYPES.get(error_type, "other")
    elif message is not None and message.startswith("User is not authorized"):
        kind = "forbidden"
    elif message is not None and (api is not None or message == "Missing Authentication Token"):
        kind = GATEWAY_MESSAGES.get(message)
    if kind is not None and error_type is None and not _status_fits(kind, response.status):
        kind = None  # a handler's own body that happens to read like the gateway's
    if kind == "server-error" and response.status < 500:
        kind = "other"
    return GatewayMark(api, kind, error_type, message)


_KIND_STATUSES: dict[GatewayKind, range] = {
    "missing-token": range(403, 404),
    "not-found": range(404, 405),
    "unauthorized": range(401, 402),
    "forbidden": range(403, 404),
    "server-error": range(500, 600),
}


def _status_fits(kind: GatewayKind, status: int) -> bool:
    return status in _KIND_STATUSES.get(kind, range(400, 600))


def _gateway_message(body: bytes) -> str | None:
    try:
        document = json.loads(body.decode("utf-8", "replace")) if body.strip() else None
    except ValueError:
        return None
    if not isinstance(document, dict) or len(document) != 1:
        return None
    value = document.get("message", document.get("Message"))
    if isinstance(value, str):
        return value
    return "Internal server error" if "message" in document and value is None else None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A cause and the evidence a fix is written from."""

    cause: str
    failure: Failure
    request: WireRequest | None  # the request whose answer failed (None: never sent)
    response: WireResponse | None
    mark: GatewayMark
    credentials: str
    origin: str  # the page's origin, serialized
    method: str  # the page's method
    notes: tuple[str, ...] = ()


class ServiceContext(Protocol):
    """What the compiled service knows about the URL (`context.CompiledServiceContext`, from
    `--service DIR` or the discovered `corsway serve`)."""

    def refine(self, diagnosis: Diagnosis) -> Diagnosis:
        """A more precise cause, e.g. route-not-found rather than no-preflight-route."""
        ...

    def fix(self, diagnosis: Diagnosis) -> Fix | None:
        """The fix with its serverless.yml (or handler) file and line; None: use the generic."""
        ...


_PREFLIGHT_ORIGIN_ERRORS = {
    "PreflightAllowOriginMismatch",
    "PreflightMultipleAllowOriginValues",
    "PreflightInvalidAllowOriginValue",
}
_ORIGIN_ERRORS = {"AllowOriginMismatch", "MultipleAllowOriginValues", "InvalidAllowOriginValue"}
_BY_ERROR = {
    "WildcardOriginNotAllowed": "wildcard-with-credentials",
    "PreflightWildcardOriginNotAllowed": "wildcard-with-credentials",
    "InvalidAllowCredentials": "credentials-not-allowed",
    "PreflightInvalidAllowCredentials": "credentials-not-allowed",
    "MethodDisallowedByPreflightResponse": "method-not-allowed",
    "InvalidAllowMethodsPreflightResponse": "method-not-allowed",
    "HeaderDisallowedByPreflightResponse": "header-not-allowed",
    "InvalidAllowHeadersPreflightResponse": "header-not-allowed",
    "PreflightDisallowedRedirect": "redirect",
    "RedirectContainsCredentials": "redirect",
    "CorsDisabledScheme": "redirect",
    "LocalNetworkAccessPermissionDenied": "private-network",
    **dict.fromkeys(_ORIGIN_ERRORS | _PREFLIGHT_ORIGIN_ERRORS, "origin-not-allowed"),
}


def diagnose(outcome: FetchOutcome) -> Diagnosis:
    """The cause of a blocked fetch (call only when `outcome.failure` is set)."""
    page = outcome.request
    origin = page.origin.serialize()
    failure = outcome.failure
    assert failure is not None, "an allowed fetch has no cause"
    exchange = outcome.failed_exchange
    request = exchange.request if exchange is not None else None
    response = exchange.response if exchange is not None else None
    mark = gateway_mark(response) if response is not None else GatewayMark(None, None, None, None)
    cause = _cause(failure, response, mark, outcome, origin)
    return Diagnosis(
        cause,
        failure,
        request,
        response,
        mark,
        page.credentials,
        origin,
        page.method,
        outcome.notes,
    )


def _cause(
    failure: Failure,
    response: WireResponse | None,
    mark: GatewayMark,
    outcome: FetchOutcome,
    origin: str,
) -> str:
    if failure.error is None:  # a network error: redirect loop, or no answer at all
        return "redirect" if failure.stage == "redirect" else "other"
    if failure.stage == "redirect":
        return "redirect"  # a redirect's own answer failed, or the redirect is refused
    if failure.stage == "local-network" or response is None:
        return _BY_ERROR.get(failure.error, "other")
    if failure.stage == "preflight":
        if failure.error in ("PreflightMissingAllowOriginHeader", "PreflightInvalidStatus"):
            return _unanswered_preflight(response, mark)
        return _BY_ERROR.get(failure.error, "other")
    if failure.error == "MissingAllowOriginHeader" and mark.kind is not None:
        return _gateway_refusal(mark)
    if failure.error == "AllowOriginMismatch" and failure.hint == origin and _was_tainted(outcome):
        return "redirect"  # the page's origin was right; the redirect made the request's `null`
    if failure.error == "MissingAllowOriginHeader":
        return "handler-missing-cors"
    return _BY_ERROR.get(failure.error, "other")


def _unanswered_preflight(response: WireResponse, mark: GatewayMark) -> str:
    """A preflight without Access-Control-Allow-Origin, or with a status that is not ok."""
    if mark.kind in ("missing-token", "not-found"):
        return "no-preflight-route"
    if mark.kind in ("unauthorized", "forbidden", "api-key"):
        return "preflight-caught-by-route"
    if mark.kind == "server-error":
        return "gateway-error"
    status = response.status
    if status in (404, 405, 501):
        return "no-preflight-route"
    if status in (401, 403):
        return "preflight-caught-by-route"
    if 200 <= status < 300:
        return "preflight-caught-by-route" if mark.api is not None else "handler-missing-cors"
    return "other"


def _gateway_refusal(mark: GatewayMark) -> str:
    """An actual request API Gateway answered itself, without CORS headers."""
    if mark.kind in ("missing-token", "not-found"):
        return "route-not-found"
    if mark.kind in ("unauthorized", "forbidden"):
        return "authorizer-rejected"
    if mark.kind == "server-error":
        return "gateway-error"
    return "other"


def _was_tainted(outcome: FetchOutcome) -> bool:
    return any(exchange.request.header("origin") == "null" for exchange in outcome.exchanges)


def with_cause(diagnosis: Diagnosis, cause: str) -> Diagnosis:
    """The same evidence under another cause (for ServiceContext.refine)."""
    if cause not in CAUSES:
        raise ValueError(f"unknown cause {cause!r}")
    return replace(diagnosis, cause=cause)
