"""The doctor's matrix: every case of ../shared/research/browser-cors-facts.md (ids kept) plus
corsway's own, each with what the scripted server answers and what Chromium 156 does.

`error` is the CorsError DevTools reports (None: allowed; `net::...`: a network error with no
CORS message), `reason` the text after "has been blocked by CORS policy: " (placeholders:
`{page}` the page's origin, `{page_localhost}` the same port on localhost, `{page_port}`), `at`
the URL the message names when it is not the first one (`{a}`/`{b}`: the servers, `{id}`: the
case), `flow` the preflights and actual requests that reached the servers.
`cause` is what `corsway check` should name (browsers do not say).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.doctor.scripted import Answer, Hop

ECHO = (("Access-Control-Allow-Origin", "{origin}"),)
STAR = (("Access-Control-Allow-Origin", "*"),)
PAGE = (("Access-Control-Allow-Origin", "{page}"),)
ACAC = (("Access-Control-Allow-Credentials", "true"),)
JSON = (("Content-Type", "application/json"),)
APIGW_DEFAULT_HEADERS = (
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,"
    "X-Amzn-Trace-Id"
)


def rest_error(status: int, error_type: str, body: str, extra: tuple[tuple[str, str], ...] = ()):
    """An answer API Gateway (REST) gives itself."""
    headers = (
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", "6c1b4f9e-0000-4000-8000-000000000000"),
        ("x-amzn-ErrorType", error_type),
        ("x-amz-apigw-id", "IlWO2HHJoAMFa9g="),
        *extra,
    )
    return Answer(status, headers, body)


def http_api_error(status: int, message: str, extra: tuple[tuple[str, str], ...] = ()):
    """An answer an HTTP API (v2) gives itself."""
    headers = (("Content-Type", "application/json"), ("apigw-requestid", "KgBJjgYoIAMEa_w="))
    return Answer(status, headers + extra, f'{{"message":"{message}"}}')


MISSING_TOKEN = '{"message":"Missing Authentication Token"}'
DENY_BODY = '{"Message":"User is not authorized to access this resource"}'
MISSING = "No 'Access-Control-Allow-Origin' header is present on the requested resource."
PREFLIGHT = "Response to preflight request doesn't pass access control check: "
WILDCARD = (
    "The value of the 'Access-Control-Allow-Origin' header in the response must not be the "
    "wildcard '*' when the request's credentials mode is 'include'."
)


def credentials(value: str) -> str:
    return (
        f"The value of the 'Access-Control-Allow-Credentials' header in the response is "
        f"'{value}' which must be 'true' when the request's credentials mode is 'include'."
    )


def mismatch(value: str) -> str:
    return (
        f"The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to "
        "the supplied origin. Have the server send the header with a valid value."
    )


def multiple(value: str) -> str:
    return (
        f"The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but only "
        "one is allowed. Have the server send the header with a valid value."
    )


def invalid(value: str) -> str:
    return (
        f"The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'. Have "
        "the server send the header with a valid value."
    )


def method(name: str) -> str:
    return f"Method {name} is not allowed by Access-Control-Allow-Methods in preflight response."


def header(name: str) -> str:
    return (
        f"Request header field {name} is not allowed by Access-Control-Allow-Headers in "
        "preflight response."
    )


@dataclass(frozen=True)
class Case:
    id: str
    hops: Mapping[str, Hop]
    init: dict[str, Any] = field(default_factory=dict)  # fetch()'s init
    error: str | None = None
    reason: str = ""
    at: str = ""
    flow: tuple[int, int] = (0, 1)
    cause: str | None = None
    page: str = "/"  # "/", "/sandboxed" (opaque origin) or "/public" (LNA)
    page_host: str = "127.0.0.1"
    target_host: str = "127.0.0.1"
    cookie: str | None = None  # a cookie the browser holds for the target
    grant_local_network: bool = False
    server_down: bool = False
    cli: bool = False  # also run through `corsway check --json` (in-process)


OK = Answer()


def one(actual: Answer = OK, preflight: Answer | None = None) -> Mapping[str, Hop]:
    return {"a": Hop(actual, preflight) if preflight else Hop(actual)}


def pf(*headers: tuple[str, str], status: int = 204, body: str = "") -> Answer:
    return Answer(status, headers, body)


PUT = {"method": "PUT"}
INCLUDE = {"credentials": "include"}
AUTH = {"headers": {"Authorization": "Bearer token"}}
JSON_POST = {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": "{}"}

FACTS: list[Case] = [
    Case(
        "no-acao-get",
        one(),
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="handler-missing-cors",
        cli=True,
    ),
    Case("acao-star-omit", one(Answer(200, STAR)), {"credentials": "omit"}, cli=True),
    Case(
        "acao-star-include",
        one(Answer(200, STAR)),
        INCLUDE,
        error="WildcardOriginNotAllowed",
        reason=WILDCARD,
        cause="wildcard-with-credentials",
        cli=True,
    ),
    Case(
        "acao-echo-include-no-acac",
        one(Answer(200, ECHO)),
        INCLUDE,
        error="InvalidAllowCredentials",
        reason=credentials(""),
        cause="credentials-not-allowed",
    ),
    Case("acao-echo-include-acac-true", one(Answer(200, ECHO + ACAC)), INCLUDE),
    Case(
        "acac-True-capital",
        one(Answer(200, (*ECHO, ("Access-Control-Allow-Credentials", "True")))),
        INCLUDE,
        error="InvalidAllowCredentials",
        reason=credentials("True"),
        cause="credentials-not-allowed",
    ),
    Case(
        "acac-true-omit-ignored",
        one(Answer(200, (*ECHO, ("Access-Control-Allow-Credentials", "True")))),
        {"credentials": "omit"},
    ),
    Case(
        "acao-mismatch-other",
        one(Answer(200, (("Access-Control-Allow-Origin", "http://example.com"),))),
        error="AllowOriginMismatch",
        reason=mismatch("http://example.com"),
        cause="origin-not-allowed",
        cli=True,
    ),
    Case(
        "acao-localhost-vs-127",
        one(Answer(200, (("Access-Control-Allow-Origin", "{page_localhost}"),))),
        error="AllowOriginMismatch",
        reason=mismatch("{page_localhost}"),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-127-vs-localhost",
        one(Answer(200, PAGE)),
        page_host="localhost",
        error="AllowOriginMismatch",
        reason=mismatch("{page}"),
        cause="origin-not-allowed",
    ),
    Case("page-localhost-echo", one(Answer(200, ECHO)), page_host="localhost"),
    Case("target-localhost-echo", one(Answer(200, ECHO)), target_host="localhost"),
    Case(
        "acao-trailing-slash",
        one(Answer(200, (("Access-Control-Allow-Origin", "{page}/"),))),
        error="AllowOriginMismatch",
        reason=mismatch("{page}/"),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-two-headers-different",
        one(Answer(200, (*PAGE, ("Access-Control-Allow-Origin", "http://example.com")))),
        error="MultipleAllowOriginValues",
        reason=multiple("{page}, http://example.com"),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-two-headers-same",
        one(Answer(200, PAGE + PAGE)),
        error="MultipleAllowOriginValues",
        reason=multiple("{page}, {page}"),
        cause="origin-not-allowed",
        cli=True,
    ),
    Case(
        "acao-star-twice",
        one(Answer(200, STAR + STAR)),
        error="MultipleAllowOriginValues",
        reason=multiple("*, *"),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-comma-list",
        one(Answer(200, (("Access-Control-Allow-Origin", "http://example.com, {page}"),))),
        error="MultipleAllowOriginValues",
        reason=multiple("http://example.com, {page}"),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-empty",
        one(Answer(200, (("Access-Control-Allow-Origin", ""),))),
        error="InvalidAllowOriginValue",
        reason=invalid(""),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-null-normal-page",
        one(Answer(200, (("Access-Control-Allow-Origin", "null"),))),
        error="AllowOriginMismatch",
        reason=mismatch("null"),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-null-opaque-page",
        one(Answer(200, (("Access-Control-Allow-Origin", "null"),))),
        page="/sandboxed",
        cli=True,
    ),
    Case("acao-echo-opaque-page", one(Answer(200, ECHO)), page="/sandboxed"),
    Case("acao-star-opaque-page", one(Answer(200, STAR)), page="/sandboxed"),
    Case(
        "acao-host-uppercase",
        one(Answer(200, (("Access-Control-Allow-Origin", "HTTP://127.0.0.1:{page_port}"),))),
        error="AllowOriginMismatch",
        reason=mismatch("HTTP://127.0.0.1:{page_port}"),
        cause="origin-not-allowed",
    ),
    Case("actual-403-with-acao", one(Answer(403, STAR, "forbidden"))),
    Case(
        "actual-403-no-acao",
        one(rest_error(403, "AccessDeniedException", DENY_BODY)),
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="authorizer-rejected",
        cli=True,
    ),
    Case(
        "actual-500-no-acao",
        one(Answer(500, JSON, '{"error": "boom"}')),
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="handler-missing-cors",
    ),
    Case(
        "actual-401-auth-no-acao",
        one(
            rest_error(401, "UnauthorizedException", '{"message":"Unauthorized"}'),
            pf(*ECHO, ("Access-Control-Allow-Headers", "Authorization")),
        ),
        AUTH,
        error="MissingAllowOriginHeader",
        reason=MISSING,
        flow=(1, 1),
        cause="authorizer-rejected",
    ),
    Case(
        "put-no-acam",
        one(Answer(200, ECHO), pf(*ECHO)),
        PUT,
        error="MethodDisallowedByPreflightResponse",
        reason=method("PUT"),
        flow=(1, 0),
        cause="method-not-allowed",
        cli=True,
    ),
    Case(
        "put-acam-get-post",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "GET, POST"))),
        PUT,
        error="MethodDisallowedByPreflightResponse",
        reason=method("PUT"),
        flow=(1, 0),
        cause="method-not-allowed",
    ),
    Case(
        "put-acam-ok",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "GET,PUT"))),
        PUT,
        flow=(1, 1),
        cli=True,
    ),
    Case(
        "put-acam-lowercase",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "get,put"))),
        PUT,
        error="MethodDisallowedByPreflightResponse",
        reason=method("PUT"),
        flow=(1, 0),
        cause="method-not-allowed",
    ),
    Case(
        "patch-lowercase-method",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "GET,PATCH"))),
        {"method": "patch"},
        error="MethodDisallowedByPreflightResponse",
        reason=method("patch"),
        flow=(1, 0),
        cause="method-not-allowed",
    ),
    Case(
        "patch-uppercase-method",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "GET,PATCH"))),
        {"method": "PATCH"},
        flow=(1, 1),
    ),
    Case(
        "delete-lowercase-method",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "DELETE"))),
        {"method": "delete"},
        flow=(1, 1),
    ),
    Case(
        "put-acam-star-omit",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Methods", "*"))),
        {"method": "PUT", "credentials": "omit"},
        flow=(1, 1),
    ),
    Case(
        "put-acam-star-include",
        one(Answer(200, ECHO + ACAC), pf(*ECHO, *ACAC, ("Access-Control-Allow-Methods", "*"))),
        {"method": "PUT", "credentials": "include"},
        error="MethodDisallowedByPreflightResponse",
        reason=method("PUT"),
        flow=(1, 0),
        cause="method-not-allowed",
    ),
    Case(
        "auth-no-acah",
        one(Answer(200, ECHO), pf(*ECHO)),
        AUTH,
        error="HeaderDisallowedByPreflightResponse",
        reason=header("authorization"),
        flow=(1, 0),
        cause="header-not-allowed",
        cli=True,
    ),
    Case(
        "auth-acah-star",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Headers", "*"))),
        {**AUTH, "credentials": "omit"},
        flow=(1, 1),
    ),
    Case(
        "auth-acah-star-and-auth",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Headers", "*, Authorization"))),
        AUTH,
        flow=(1, 1),
    ),
    Case(
        "auth-acah-uppercase",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Headers", "AUTHORIZATION"))),
        AUTH,
        flow=(1, 1),
    ),
    Case(
        "custom-acah-star-omit",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Headers", "*"))),
        {"headers": {"X-Custom": "1"}, "credentials": "omit"},
        flow=(1, 1),
    ),
    Case(
        "custom-acah-star-include",
        one(Answer(200, ECHO + ACAC), pf(*ECHO, *ACAC, ("Access-Control-Allow-Headers", "*"))),
        {"headers": {"X-Custom": "1"}, "credentials": "include"},
        error="HeaderDisallowedByPreflightResponse",
        reason=header("x-custom"),
        flow=(1, 0),
        cause="header-not-allowed",
    ),
    Case(
        "apigw-default-acah",
        one(
            Answer(200, STAR),
            pf(
                *STAR,
                ("Access-Control-Allow-Headers", APIGW_DEFAULT_HEADERS),
                ("Access-Control-Allow-Methods", "OPTIONS,POST"),
                status=200,
            ),
        ),
        {**JSON_POST, "headers": {"Content-Type": "application/json", "X-Api-Key": "k"}},
        flow=(1, 1),
    ),
    Case(
        "post-json-no-acah",
        one(Answer(200, STAR), pf(*STAR)),
        JSON_POST,
        error="HeaderDisallowedByPreflightResponse",
        reason=header("content-type"),
        flow=(1, 0),
        cause="header-not-allowed",
    ),
    Case(
        "post-json-acah-ct-no-acam",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Headers", "Content-Type"))),
        JSON_POST,
        flow=(1, 1),
    ),
    Case(
        "post-text-plain-simple",
        one(Answer(200, STAR)),
        {"method": "POST", "headers": {"Content-Type": "text/plain"}, "body": "hi"},
    ),
    Case(
        "preflight-no-acao",
        one(Answer(200, ECHO), pf(("Access-Control-Allow-Methods", "PUT"))),
        PUT,
        error="PreflightMissingAllowOriginHeader",
        reason=PREFLIGHT + MISSING,
        flow=(1, 0),
        cause="handler-missing-cors",
    ),
    Case(
        "preflight-ok-actual-no-acao",
        one(Answer(200), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"))),
        PUT,
        error="MissingAllowOriginHeader",
        reason=MISSING,
        flow=(1, 1),
        cause="handler-missing-cors",
    ),
    Case(
        "preflight-403-no-cors",
        one(
            Answer(200, ECHO), rest_error(403, "MissingAuthenticationTokenException", MISSING_TOKEN)
        ),
        PUT,
        error="PreflightMissingAllowOriginHeader",
        reason=PREFLIGHT + MISSING,
        flow=(1, 0),
        cause="no-preflight-route",
        cli=True,
    ),
    Case(
        "preflight-403-with-cors",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"), status=403)),
        PUT,
        error="PreflightInvalidStatus",
        reason=PREFLIGHT + "It does not have HTTP ok status.",
        flow=(1, 0),
        cause="preflight-caught-by-route",
    ),
    Case(
        "preflight-500-with-cors",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"), status=500)),
        PUT,
        error="PreflightInvalidStatus",
        reason=PREFLIGHT + "It does not have HTTP ok status.",
        flow=(1, 0),
        cause="other",
    ),
    Case(
        "preflight-500-no-cors",
        one(Answer(200, ECHO), pf(status=500)),
        PUT,
        error="PreflightMissingAllowOriginHeader",
        reason=PREFLIGHT + MISSING,
        flow=(1, 0),
        cause="other",
    ),
    Case(
        "preflight-404-no-route",
        one(Answer(200, ECHO)),
        PUT,
        error="PreflightMissingAllowOriginHeader",
        reason=PREFLIGHT + MISSING,
        flow=(1, 0),
        cause="no-preflight-route",
    ),
    Case(
        "preflight-200-ok",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"), status=200)),
        PUT,
        flow=(1, 1),
    ),
    Case(
        "preflight-301-redirect",
        one(
            Answer(200, ECHO),
            pf(
                *ECHO,
                ("Access-Control-Allow-Methods", "PUT"),
                ("Location", "{a}/preflight-301-redirect/b"),
                status=301,
            ),
        ),
        PUT,
        error="PreflightDisallowedRedirect",
        reason=PREFLIGHT + "Redirect is not allowed for a preflight request.",
        flow=(1, 0),
        cause="redirect",
    ),
    Case(
        "preflight-307-redirect",
        one(
            Answer(200, ECHO),
            pf(
                *ECHO,
                ("Access-Control-Allow-Methods", "PUT"),
                ("Location", "{a}/preflight-307-redirect/b"),
                status=307,
            ),
        ),
        PUT,
        error="PreflightDisallowedRedirect",
        reason=PREFLIGHT + "Redirect is not allowed for a preflight request.",
        flow=(1, 0),
        cause="redirect",
    ),
    Case(
        "preflight-star-include",
        one(Answer(200, ECHO + ACAC), pf(*STAR, *ACAC, ("Access-Control-Allow-Methods", "PUT"))),
        {"method": "PUT", "credentials": "include"},
        error="PreflightWildcardOriginNotAllowed",
        reason=PREFLIGHT + WILDCARD,
        flow=(1, 0),
        cause="wildcard-with-credentials",
    ),
    Case(
        "preflight-no-acac-include",
        one(Answer(200, ECHO + ACAC), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"))),
        {"method": "PUT", "credentials": "include"},
        error="PreflightInvalidAllowCredentials",
        reason=PREFLIGHT + credentials(""),
        flow=(1, 0),
        cause="credentials-not-allowed",
    ),
    Case(
        "preflight-acac-True-include",
        one(
            Answer(200, ECHO + ACAC),
            pf(
                *ECHO,
                ("Access-Control-Allow-Credentials", "True"),
                ("Access-Control-Allow-Methods", "PUT"),
            ),
        ),
        {"method": "PUT", "credentials": "include"},
        error="PreflightInvalidAllowCredentials",
        reason=PREFLIGHT + credentials("True"),
        flow=(1, 0),
        cause="credentials-not-allowed",
    ),
    Case(
        "preflight-ok-include-actual-no-acac",
        one(Answer(200, ECHO), pf(*ECHO, *ACAC, ("Access-Control-Allow-Methods", "PUT"))),
        {"method": "PUT", "credentials": "include"},
        error="InvalidAllowCredentials",
        reason=credentials(""),
        flow=(1, 1),
        cause="credentials-not-allowed",
    ),
    Case(
        "preflight-acao-mismatch",
        one(
            Answer(200, ECHO),
            pf(
                ("Access-Control-Allow-Origin", "http://example.com"),
                ("Access-Control-Allow-Methods", "PUT"),
            ),
        ),
        PUT,
        error="PreflightAllowOriginMismatch",
        reason=PREFLIGHT + mismatch("http://example.com"),
        flow=(1, 0),
        cause="origin-not-allowed",
    ),
    Case(
        "preflight-acao-multiple",
        one(Answer(200, ECHO), pf(*PAGE, *PAGE, ("Access-Control-Allow-Methods", "PUT"))),
        PUT,
        error="PreflightMultipleAllowOriginValues",
        reason=PREFLIGHT + multiple("{page}, {page}"),
        flow=(1, 0),
        cause="origin-not-allowed",
    ),
    Case(
        "acah-unparsable",
        one(
            Answer(200, STAR),
            pf(*STAR, ("Access-Control-Allow-Headers", "Content-Type;Authorization")),
        ),
        {**JSON_POST, "headers": {"Content-Type": "application/json", "Authorization": "x"}},
        error="InvalidAllowHeadersPreflightResponse",
        reason="Cannot parse Access-Control-Allow-Headers response header field in preflight "
        "response.",
        flow=(1, 0),
        cause="header-not-allowed",
    ),
    Case(
        "acam-unparsable",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Methods", "GET;PUT"))),
        PUT,
        error="InvalidAllowMethodsPreflightResponse",
        reason="Cannot parse Access-Control-Allow-Methods response header field in preflight "
        "response.",
        flow=(1, 0),
        cause="method-not-allowed",
    ),
    Case(
        "acah-spaces-ok",
        one(
            Answer(200, STAR),
            pf(*STAR, ("Access-Control-Allow-Headers", "Content-Type, Authorization")),
        ),
        {**JSON_POST, "headers": {"Content-Type": "application/json", "Authorization": "x"}},
        flow=(1, 1),
    ),
    Case(
        "redirect-same-origin-acao-both",
        {
            "a": Hop(Answer(302, (*STAR, ("Location", "{a}/redirect-same-origin-acao-both/b")))),
            "b": Hop(Answer(200, STAR)),
        },
        flow=(0, 2),
    ),
    Case(
        "redirect-no-acao-on-3xx",
        {
            "a": Hop(Answer(302, (("Location", "{a}/redirect-no-acao-on-3xx/b"),))),
            "b": Hop(Answer(200, STAR)),
        },
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="redirect",
        cli=True,
    ),
    Case(
        "redirect-cross-origin-tainted",
        {
            "a": Hop(Answer(302, (*ECHO, ("Location", "{b}/redirect-cross-origin-tainted/b")))),
            "b": Hop(Answer(200, ECHO)),
        },
        flow=(0, 2),
    ),
    Case(
        "redirect-cross-origin-fixed-acao",
        {
            "a": Hop(Answer(302, (*ECHO, ("Location", "{b}/redirect-cross-origin-fixed-acao/b")))),
            "b": Hop(Answer(200, PAGE)),
        },
        error="AllowOriginMismatch",
        reason=mismatch("{page}"),
        at="{b}/{id}/b",
        flow=(0, 2),
        cause="redirect",
        cli=True,
    ),
    Case(
        "put-actual-307-same-origin",
        {
            "a": Hop(
                Answer(307, (*ECHO, ("Location", "{a}/put-actual-307-same-origin/b"))),
                pf(*ECHO, ("Access-Control-Allow-Methods", "PUT")),
            ),
            "b": Hop(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"))),
        },
        PUT,
        flow=(2, 2),
    ),
    Case("expose-none", one(Answer(200, (*STAR, ("X-Request-Id", "r1"))))),
    Case(
        "expose-listed",
        one(
            Answer(
                200,
                (*STAR, ("X-Request-Id", "r1"), ("Access-Control-Expose-Headers", "X-Request-Id")),
            )
        ),
    ),
    Case(
        "expose-star-omit",
        one(Answer(200, (*STAR, ("X-Request-Id", "r1"), ("Access-Control-Expose-Headers", "*")))),
        {"credentials": "omit"},
    ),
    Case(
        "expose-star-include",
        one(
            Answer(
                200, ECHO + ACAC + (("X-Request-Id", "r1"), ("Access-Control-Expose-Headers", "*"))
            )
        ),
        INCLUDE,
    ),
    Case(
        "maxage-600-repeat",
        one(
            Answer(200, ECHO),
            pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600")),
        ),
        PUT,
        flow=(1, 1),
    ),
    Case(
        "maxage-0-repeat",
        one(
            Answer(200, ECHO),
            pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "0")),
        ),
        PUT,
        flow=(1, 1),
    ),
    Case(
        "maxage-none-repeat",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"))),
        PUT,
        flow=(1, 1),
    ),
    Case(
        "cache-isolation-next-case",
        one(
            Answer(200, ECHO),
            pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", "600")),
        ),
        PUT,
        flow=(1, 1),
    ),
    Case("cookie-include", one(Answer(200, ECHO + ACAC)), INCLUDE, cookie="sid=abc", cli=True),
    Case("cookie-omit", one(Answer(200, ECHO + ACAC)), {"credentials": "omit"}, cookie="sid=abc"),
    Case(
        "lna-loopback-to-loopback-put",
        one(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"))),
        PUT,
        flow=(1, 1),
    ),
    Case(
        "lna-public-page-get",
        one(Answer(200, STAR)),
        page="/public",
        error="LocalNetworkAccessPermissionDenied",
        reason="Permission was denied for this request to access the `loopback` address space.",
        flow=(0, 0),
        cause="private-network",
        cli=True,
    ),
    Case(
        "lna-public-page-get-granted",
        one(Answer(200, STAR)),
        page="/public",
        grant_local_network=True,
    ),
    Case(
        "lna-public-page-put-granted",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Methods", "PUT"))),
        PUT,
        page="/public",
        grant_local_network=True,
        flow=(1, 1),
    ),
    Case(
        "server-down",
        one(),
        error="net::ERR_CONNECTION_REFUSED",
        flow=(0, 0),
        server_down=True,
        cause="other",
        cli=True,
    ),
    Case(
        "server-down-put",
        one(),
        PUT,
        error="net::ERR_CONNECTION_REFUSED",
        flow=(0, 0),
        server_down=True,
        cause="other",
    ),
]
# Not in the matrix: the facts' `no-cors-no-acao` and `no-cors-put` use mode: 'no-cors', which
# the doctor does not model (it checks CORS requests; a no-cors response is never readable).

# corsway's own cases: the request classification's edges, redirects, API Gateway's answers.
NO_PREFLIGHT = one(Answer(200, STAR))  # any preflight gets 404: a preflighted request fails


def simple(case_id: str, headers: dict[str, str], **init: Any) -> Case:
    """A request Chromium sends without a preflight (so the answer, ACAO *, is readable)."""
    return Case(case_id, NO_PREFLIGHT, {"headers": headers, **init})


def preflighted(case_id: str, headers: dict[str, str], **init: Any) -> Case:
    """A request Chromium preflights (the 404 preflight blocks it)."""
    return Case(
        case_id,
        NO_PREFLIGHT,
        {"headers": headers, **init},
        error="PreflightMissingAllowOriginHeader",
        reason=PREFLIGHT + MISSING,
        flow=(1, 0),
        cause="no-preflight-route",
    )


TEXT_POST = {"method": "POST", "body": "x"}
LONG_SAFELISTED = {  # every value safelisted, 9 x 128 bytes > 1024 in all
    "Accept": "a" * 128,
    "Accept-Language": "b" * 128,
    "Content-Language": "c" * 128,
    "DPR": "1" * 128,
    "Device-Memory": "2" * 128,
    "Width": "3" * 128,
    "Viewport-Width": "4" * 128,
    "RTT": "5" * 128,
    "Downlink": "6" * 128,
}
OWN: list[Case] = [
    simple("ct-text-plain-charset", {"Content-Type": "text/plain; charset=utf-8"}, **TEXT_POST),
    simple("ct-multipart", {"Content-Type": "multipart/form-data; boundary=x"}, **TEXT_POST),
    simple("ct-upper-case", {"Content-Type": "Text/Plain"}, **TEXT_POST),
    simple("ct-padded", {"Content-Type": "  text/plain  "}, **TEXT_POST),
    preflighted("ct-unsafe-byte", {"Content-Type": "text/plain(x)"}, **TEXT_POST),
    preflighted("ct-two-types", {"Content-Type": "text/plain, application/json"}, **TEXT_POST),
    simple("accept-language-ok", {"Accept-Language": "en-US,en;q=0.9"}),
    preflighted("accept-language-underscore", {"Accept-Language": "en_US"}),
    simple("accept-128", {"Accept": "x" * 128}),
    preflighted("accept-129", {"Accept": "x" * 129}),
    preflighted("safelisted-over-1024", LONG_SAFELISTED),
    simple("range-simple", {"Range": "bytes=0-100"}),
    simple("range-open", {"Range": "bytes=5-"}),
    preflighted("range-suffix", {"Range": "bytes=-100"}),
    preflighted("range-two", {"Range": "bytes=0-1,2-3"}),
    preflighted("range-backwards", {"Range": "bytes=5-2"}),
    preflighted("range-unit-case", {"Range": "Bytes=0-"}),
    simple("client-hints", {"DPR": "2", "Save-Data": "on", "Device-Memory": "4", "ECT": "4g"}),
    preflighted("width-not-integer", {"Width": "1.5"}),
    preflighted("save-data-off", {"Save-Data": "off"}),
    simple("intervention", {"Intervention": "anything"}),
    Case(
        "headers-sorted-first-missing",
        one(Answer(200, STAR), pf(*STAR)),
        {"headers": {"X-B": "1", "X-A": "2"}},
        error="HeaderDisallowedByPreflightResponse",
        reason=header("x-a"),
        flow=(1, 0),
        cause="header-not-allowed",
    ),
    Case(
        "preflight-3xx-without-location",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Methods", "PUT"), status=302)),
        PUT,
        error="PreflightInvalidStatus",
        reason=PREFLIGHT + "It does not have HTTP ok status.",
        flow=(1, 0),
        cause="other",
    ),
    Case(
        "preflight-302-no-cors",
        one(Answer(200, STAR), pf(("Location", "{a}/elsewhere"), status=302)),
        PUT,
        error="PreflightDisallowedRedirect",
        reason=PREFLIGHT + "Redirect is not allowed for a preflight request.",
        flow=(1, 0),
        cause="redirect",
    ),
    Case(
        "redirect-location-credentials",
        one(Answer(302, (*STAR, ("Location", "http://user:pw@127.0.0.1:1/x")))),
        error="RedirectContainsCredentials",
        reason="Redirect location '' contains a username and password, which is disallowed "
        "for cross-origin requests.",
        cause="redirect",
    ),
    Case(
        "redirect-to-ftp",
        one(Answer(302, (*STAR, ("Location", "ftp://127.0.0.1/x")))),
        error="CorsDisabledScheme",
        reason="Cross origin requests are only supported for protocol schemes: chrome, "
        "chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, "
        "http, https, isolated-app.",
        at="ftp://127.0.0.1/x",
        cause="redirect",
    ),
    Case(
        "redirect-loop",
        one(Answer(302, (*STAR, ("Location", "{a}/redirect-loop/a")))),
        error="net::ERR_TOO_MANY_REDIRECTS",
        flow=(0, 21),
        cause="redirect",
    ),
    Case(
        "redirect-same-origin-then-no-acao",
        {
            "a": Hop(Answer(302, (*STAR, ("Location", "{a}/redirect-same-origin-then-no-acao/b")))),
            "b": Hop(Answer(200)),
        },
        error="MissingAllowOriginHeader",
        reason=MISSING,
        at="{a}/{id}/b",
        flow=(0, 2),
        cause="handler-missing-cors",
    ),
    Case(
        "authorization-dropped-across-origins",
        {
            "a": Hop(
                Answer(307, (*STAR, ("Location", "{b}/authorization-dropped-across-origins/b"))),
                pf(*STAR, ("Access-Control-Allow-Headers", "authorization")),
            ),
            "b": Hop(Answer(200, STAR)),
        },  # b answers no preflight: none is needed any more
        AUTH,
        flow=(1, 2),
    ),
    Case(
        "put-307-across-origins",
        {
            "a": Hop(
                Answer(307, (*ECHO, ("Location", "{b}/put-307-across-origins/b"))),
                pf(*ECHO, ("Access-Control-Allow-Methods", "PUT")),
            ),
            "b": Hop(Answer(200, ECHO), pf(*ECHO, ("Access-Control-Allow-Methods", "PUT"))),
        },
        PUT,
        flow=(2, 2),
    ),
    Case(
        "post-302-becomes-get",
        {
            "a": Hop(Answer(302, (*STAR, ("Location", "{b}/post-302-becomes-get/b")))),
            "b": Hop(Answer(200, STAR)),
        },
        {"method": "POST", "body": "hi"},
        flow=(0, 2),
    ),
    Case(
        "acao-not-a-url",
        one(Answer(200, (("Access-Control-Allow-Origin", "foo"),))),
        error="InvalidAllowOriginValue",
        reason=invalid("foo"),
        cause="origin-not-allowed",
    ),
    Case(
        "acao-scheme-only",
        one(Answer(200, (("Access-Control-Allow-Origin", "http://"),))),
        error="InvalidAllowOriginValue",
        reason=invalid("http://"),
        cause="origin-not-allowed",
    ),
    Case(
        "acac-twice",
        one(Answer(200, ECHO + ACAC + ACAC)),
        INCLUDE,
        error="InvalidAllowCredentials",
        reason=credentials("true, true"),
        cause="credentials-not-allowed",
    ),
    Case(
        "opaque-star-include",
        one(Answer(200, STAR)),
        INCLUDE,
        page="/sandboxed",
        error="WildcardOriginNotAllowed",
        reason=WILDCARD,
        cause="wildcard-with-credentials",
    ),
    Case("opaque-echo-include", one(Answer(200, ECHO + ACAC)), INCLUDE, page="/sandboxed"),
    Case(
        "lna-public-page-put",
        one(Answer(200, STAR), pf(*STAR, ("Access-Control-Allow-Methods", "PUT"))),
        PUT,
        page="/public",
        error="LocalNetworkAccessPermissionDenied",
        reason="Permission was denied for this request to access the `loopback` address space.",
        flow=(0, 0),
        cause="private-network",
    ),
    Case(
        "preflight-acao-empty",
        one(
            Answer(200, STAR),
            pf(("Access-Control-Allow-Origin", ""), ("Access-Control-Allow-Methods", "PUT")),
        ),
        PUT,
        error="PreflightInvalidAllowOriginValue",
        reason=PREFLIGHT + invalid(""),
        flow=(1, 0),
        cause="origin-not-allowed",
    ),
    # API Gateway's own answers, as corsway check recognises them
    Case(
        "rest-preflight-missing-token-with-default-4xx",
        one(
            Answer(200, STAR),
            rest_error(403, "MissingAuthenticationTokenException", MISSING_TOKEN, STAR),
        ),
        PUT,
        error="PreflightInvalidStatus",
        reason=PREFLIGHT + "It does not have HTTP ok status.",
        flow=(1, 0),
        cause="no-preflight-route",
    ),
    Case(
        "rest-get-missing-token",
        one(rest_error(403, "MissingAuthenticationTokenException", MISSING_TOKEN)),
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="route-not-found",
    ),
    Case(
        "rest-preflight-authorizer-401",
        one(
            Answer(200, STAR),
            rest_error(401, "UnauthorizedException", '{"message":"Unauthorized"}'),
        ),
        PUT,
        error="PreflightMissingAllowOriginHeader",
        reason=PREFLIGHT + MISSING,
        flow=(1, 0),
        cause="preflight-caught-by-route",
    ),
    Case(
        "rest-lambda-502",
        one(
            rest_error(502, "InternalServerErrorException", '{"message": "Internal server error"}')
        ),
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="gateway-error",
    ),
    Case(
        "rest-authorizer-401-default-4xx-star",
        one(rest_error(401, "UnauthorizedException", '{"message":"Unauthorized"}', STAR)),
        INCLUDE,
        error="WildcardOriginNotAllowed",
        reason=WILDCARD,
        cause="wildcard-with-credentials",
    ),
    Case(
        "http-api-preflight-not-found",
        one(Answer(200, STAR), http_api_error(404, "Not Found")),
        PUT,
        error="PreflightMissingAllowOriginHeader",
        reason=PREFLIGHT + MISSING,
        flow=(1, 0),
        cause="no-preflight-route",
    ),
    Case(
        "http-api-preflight-authorizer",
        one(Answer(200, STAR), http_api_error(401, "Unauthorized", ECHO)),
        PUT,
        error="PreflightInvalidStatus",
        reason=PREFLIGHT + "It does not have HTTP ok status.",
        flow=(1, 0),
        cause="preflight-caught-by-route",
    ),
    Case(
        "http-api-get-not-found",
        one(http_api_error(404, "Not Found")),
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="route-not-found",
    ),
    Case(
        "http-api-500",
        one(http_api_error(500, "Internal Server Error")),
        error="MissingAllowOriginHeader",
        reason=MISSING,
        cause="gateway-error",
    ),
]

CASES = FACTS + OWN
