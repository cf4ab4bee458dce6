"""One request and its response judged as Chromium judges them (no I/O).

`BrowserFetch` (fetch.py) runs a whole fetch: preflight, actual request, redirects. A server
that only sees one exchange at a time — `corsway serve`'s access log — asks the same checks
about that exchange here: a preflight (`OPTIONS` with `Origin` and
`Access-Control-Request-Method`) is checked as `BrowserFetch` checks a preflight's answer
(redirect refused, origin and credentials, status, Allow-Methods, Allow-Headers), any other
response as the CORS check of an actual response. Both return the failed check (Chromium's
CorsError name and its failedParameter), or None when the browser lets the page read it.
"""

from __future__ import annotations

from corsway.doctor.access import (
    CorsFailure,
    check_access,
    check_preflight_access,
    parse_preflight,
)
from corsway.doctor.classify import Credentials, Header, header_value
from corsway.doctor.redirects import REDIRECT_STATUSES


def request_header_names(value: str | None) -> list[str]:
    """An Access-Control-Request-Headers value as lower-cased names, in its order."""
    if not value:
        return []
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def judge_preflight(
    status: int,
    headers: tuple[Header, ...],
    *,
    origin: str,
    method: str,
    request_headers: str | None,
    credentials: Credentials = "same-origin",
) -> CorsFailure | None:
    """The preflight's answer, checked in Chromium's order for a request with this origin,
    Access-Control-Request-Method and -Headers (a preflight never carries credentials, but
    is checked for the credentials mode of the request it prepares)."""
    if status in REDIRECT_STATUSES and header_value(headers, "location") is not None:
        return CorsFailure("PreflightDisallowedRedirect")
    failure = check_preflight_access(status, headers, credentials, origin)
    if failure is not None:
        return failure
    result = parse_preflight(headers, credentials)
    if isinstance(result, CorsFailure):
        return result
    return result.method_failure(method) or result.names_failure(
        request_header_names(request_headers)
    )


def judge_response(
    headers: tuple[Header, ...], *, origin: str, credentials: Credentials = "same-origin"
) -> CorsFailure | None:
    """The CORS check of a response (a redirect's too) to a request from `origin`."""
    return check_access(headers, credentials, origin)
