"""Chromium 156's console text for each CorsError, word for word (no I/O).

Every blocked fetch prints `Access to fetch at '<URL>' [(redirected from '<FIRST URL>') ]from
origin '<ORIGIN>' has been blocked by CORS policy: <REASON>`, where URL is the last URL the
request reached and ORIGIN the page's (also after a redirect has made the request's origin
`null`). Texts observed in Chromium 156 (../shared/research/browser-cors-facts.md, and this
package's browser matrix in tests/doctor/).
"""

from __future__ import annotations

PREFLIGHT_PREFIX = "Response to preflight request doesn't pass access control check: "
_VALID_VALUE = " Have the server send the header with a valid value."
_CREDENTIALS_TAIL = " which must be 'true' when the request's credentials mode is 'include'."
_WILDCARD = (
    "The value of the 'Access-Control-Allow-Origin' header in the response must not be the "
    "wildcard '*' when the request's credentials mode is 'include'."
)
_MISSING = "No 'Access-Control-Allow-Origin' header is present on the requested resource."
# Schemes Chromium 156 names when a redirect leaves http(s) (observed with ftp://).
CORS_ENABLED_SCHEMES = (
    "chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, "
    "data, http, https, isolated-app"
)

# CorsError name -> reason text; `{hint}` is the failedParameter DevTools reports.
REASONS: dict[str, str] = {
    "MissingAllowOriginHeader": _MISSING,
    "WildcardOriginNotAllowed": _WILDCARD,
    "MultipleAllowOriginValues": (
        "The 'Access-Control-Allow-Origin' header contains multiple values '{hint}', but only "
        "one is allowed." + _VALID_VALUE
    ),
    "InvalidAllowOriginValue": (
        "The 'Access-Control-Allow-Origin' header contains the invalid value '{hint}'."
        + _VALID_VALUE
    ),
    "AllowOriginMismatch": (
        "The 'Access-Control-Allow-Origin' header has a value '{hint}' that is not equal to the "
        "supplied origin." + _VALID_VALUE
    ),
    "InvalidAllowCredentials": (
        "The value of the 'Access-Control-Allow-Credentials' header in the response is '{hint}'"
        + _CREDENTIALS_TAIL
    ),
    "PreflightInvalidStatus": "It does not have HTTP ok status.",
    "PreflightDisallowedRedirect": "Redirect is not allowed for a preflight request.",
    "InvalidAllowMethodsPreflightResponse": (
        "Cannot parse Access-Control-Allow-Methods response header field in preflight response."
    ),
    "InvalidAllowHeadersPreflightResponse": (
        "Cannot parse Access-Control-Allow-Headers response header field in preflight response."
    ),
    "MethodDisallowedByPreflightResponse": (
        "Method {hint} is not allowed by Access-Control-Allow-Methods in preflight response."
    ),
    "HeaderDisallowedByPreflightResponse": (
        "Request header field {hint} is not allowed by Access-Control-Allow-Headers in preflight "
        "response."
    ),
    "RedirectContainsCredentials": (
        "Redirect location '{hint}' contains a username and password, which is disallowed for "
        "cross-origin requests."
    ),
    "CorsDisabledScheme": (
        "Cross origin requests are only supported for protocol schemes: "
        + CORS_ENABLED_SCHEMES
        + "."
    ),
    "LocalNetworkAccessPermissionDenied": (
        "Permission was denied for this request to access the `{hint}` address space."
    ),
}
for _name in (
    "MissingAllowOriginHeader",
    "WildcardOriginNotAllowed",
    "MultipleAllowOriginValues",
    "InvalidAllowOriginValue",
    "AllowOriginMismatch",
    "InvalidAllowCredentials",
):
    REASONS["Preflight" + _name] = PREFLIGHT_PREFIX + REASONS[_name]
REASONS["PreflightInvalidStatus"] = PREFLIGHT_PREFIX + REASONS["PreflightInvalidStatus"]
REASONS["PreflightDisallowedRedirect"] = PREFLIGHT_PREFIX + REASONS["PreflightDisallowedRedirect"]

CORS_ERRORS = frozenset(REASONS)

# The same reasons in a few of Chromium's words, for one-line notes (corsway serve's access log).
SHORT_REASONS: dict[str, str] = {
    "MissingAllowOriginHeader": "No 'Access-Control-Allow-Origin' header is present",
    "WildcardOriginNotAllowed": (
        "'Access-Control-Allow-Origin' must not be the wildcard '*' when the credentials mode "
        "is 'include'"
    ),
    "MultipleAllowOriginValues": "'Access-Control-Allow-Origin' contains multiple values '{hint}'",
    "InvalidAllowOriginValue": "'Access-Control-Allow-Origin' contains the invalid value '{hint}'",
    "AllowOriginMismatch": (
        "'Access-Control-Allow-Origin' '{hint}' is not equal to the supplied origin"
    ),
    "InvalidAllowCredentials": (
        "'Access-Control-Allow-Credentials' is '{hint}', which must be 'true' when the "
        "credentials mode is 'include'"
    ),
    "PreflightInvalidStatus": "It does not have HTTP ok status",
    "PreflightDisallowedRedirect": "Redirect is not allowed for a preflight request",
    "InvalidAllowMethodsPreflightResponse": "Cannot parse Access-Control-Allow-Methods",
    "InvalidAllowHeadersPreflightResponse": "Cannot parse Access-Control-Allow-Headers",
    "MethodDisallowedByPreflightResponse": (
        "Method {hint} is not allowed by Access-Control-Allow-Methods"
    ),
    "HeaderDisallowedByPreflightResponse": (
        "Request header field {hint} is not allowed by Access-Control-Allow-Headers"
    ),
    "RedirectContainsCredentials": "Redirect location '{hint}' contains a username and password",
    "CorsDisabledScheme": "Cross origin requests are only supported for HTTP(S) and a few schemes",
    "LocalNetworkAccessPermissionDenied": (
        "Permission was denied for this request to access the `{hint}` address space"
    ),
}
for _name in (
    "MissingAllowOriginHeader",
    "WildcardOriginNotAllowed",
    "MultipleAllowOriginValues",
    "InvalidAllowOriginValue",
    "AllowOriginMismatch",
    "InvalidAllowCredentials",
):
    SHORT_REASONS["Preflight" + _name] = SHORT_REASONS[_name]


def short_reason(error: str, hint: str = "") -> str:
    """A few of Chromium's words for `error` (e.g. "Method PUT is not allowed by
    Access-Control-Allow-Methods")."""
    return SHORT_REASONS[error].replace("{hint}", hint)


def reason(error: str, hint: str = "") -> str:
    """The text after "has been blocked by CORS policy: "."""
    return REASONS[error].replace("{hint}", hint)


def console_message(error: str, hint: str, *, url: str, first_url: str, origin: str) -> str:
    """The console line Chromium prints for a fetch blocked with `error`."""
    redirected = f"(redirected from '{first_url}') " if url != first_url else ""
    return (
        f"Access to fetch at '{url}' {redirected}from origin '{origin}' has been blocked by "
        f"CORS policy: {reason(error, hint)}"
    )


def network_message(net_error: str) -> str:
    """The only console line for a fetch that got no answer, e.g. net::ERR_CONNECTION_REFUSED."""
    return f"Failed to load resource: {net_error}"
