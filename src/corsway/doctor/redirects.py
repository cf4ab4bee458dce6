"""The browser's rules for following a redirect (Fetch's HTTP-redirect fetch, as Chromium 156
applies them; no I/O).

Observed in Chromium 156: at most 20 redirects are followed (the 21st is
`net::ERR_TOO_MANY_REDIRECTS`); a 301/302 turns a POST into a GET and a 303 anything but
GET/HEAD, dropping the body and its headers; `Authorization` is dropped when the redirect
changes the origin; a redirect from a cross-origin URL to another origin taints the request,
whose Origin is `null` from then on (and must be matched by the next responses).
"""

from __future__ import annotations

from dataclasses import dataclass

from corsway.doctor.classify import REQUEST_BODY_HEADERS, Header
from corsway.doctor.origins import Origin, Url
from corsway.doctor.result import WireResponse

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 20


def redirect_location(response: WireResponse) -> str | None:
    """The Location of a redirect response (a 3xx without Location is a plain response)."""
    if response.status not in REDIRECT_STATUSES:
        return None
    return response.header("location")


@dataclass(frozen=True, slots=True)
class NextHop:
    """The request after a redirect."""

    method: str
    headers: tuple[Header, ...]
    body: bytes | None
    tainted: bool


def next_hop(
    *,
    status: int,
    method: str,
    headers: tuple[Header, ...],
    body: bytes | None,
    page_origin: Origin,
    current: Url,
    location: Url,
    tainted: bool,
) -> NextHop:
    """Method and body rewrite, Authorization removal, origin tainting."""
    if (status in (301, 302) and method == "POST") or (
        status == 303 and method not in ("GET", "HEAD")
    ):
        method, body = "GET", None
        headers = tuple((k, v) for k, v in headers if k.lower() not in REQUEST_BODY_HEADERS)
    if current.origin != location.origin:
        headers = tuple((k, v) for k, v in headers if k.lower() != "authorization")
        if page_origin != current.origin:
            tainted = True
    return NextHop(method, headers, body, tainted)


def location_has_forbidden_credentials(
    location: Url, *, page_origin: Origin, tainted: bool, cors: bool
) -> bool:
    """A redirect to a URL with a user name or password is refused for CORS requests."""
    if not location.has_credentials:
        return False
    return cors or tainted or page_origin != location.origin
