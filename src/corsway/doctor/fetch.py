"""The browser's `fetch()` of one cross-origin request as a sans-IO state machine.

Nothing here opens a socket. The driver asks for the next request, says which address space
its host resolved to (Local Network Access may stop it before it is sent), sends it and hands
back the response or the network error, until the fetch is done::

    fetch = BrowserFetch(page_request(url, origin=...), initiator_space="loopback")
    while (request := fetch.next_request()) is not None:
        if fetch.connect(address_space_of(request.url)):
            fetch.receive(send(request))  # or fetch.fail("net::ERR_CONNECTION_REFUSED")
    outcome = fetch.outcome

The order is Chromium 156's: the preflight when the method or a header needs one (never
cached across checks; within one fetch, reused for a redirect back to the same URL), its
redirect refused, its origin/credentials check, status, Allow-Methods/-Headers; then the
actual request, the CORS check of every response (redirects included), the redirect rules of
`redirects.py`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Literal

from corsway import __version__
from corsway.doctor.access import (
    CorsFailure,
    PreflightResult,
    check_access,
    check_preflight_access,
    parse_preflight,
)
from corsway.doctor.classify import (
    Header,
    PageRequest,
    access_control_request_headers,
    header_value,
    needs_preflight,
)
from corsway.doctor.messages import console_message, network_message
from corsway.doctor.origins import (
    AddressSpace,
    Origin,
    Url,
    UrlError,
    is_local_network_request,
    parse_url,
    same_site,
    url_scheme,
)
from corsway.doctor.redirects import (
    MAX_REDIRECTS,
    location_has_forbidden_credentials,
    next_hop,
    redirect_location,
)
from corsway.doctor.result import Exchange, Failure, FetchOutcome, WireRequest, WireResponse

USER_AGENT = f"Mozilla/5.0 (compatible; corsway-check/{__version__})"
ACCEPT_ENCODING = "gzip, deflate"
AUTHORIZATION_WILDCARD_NOTE = (
    "Access-Control-Allow-Headers: * lets Authorization through in Chromium only (a deprecated "
    "exception); the Fetch standard, Firefox and Safari need 'Authorization' listed by name"
)


@dataclass(frozen=True, slots=True)
class _NetError:
    name: str


@dataclass(frozen=True, slots=True)
class _Denied:
    space: AddressSpace


_Reply = WireResponse | _NetError | _Denied
_Stage = Literal["preflight", "actual", "redirect"]


class BrowserFetch:
    """One `fetch(url, {mode: 'cors', ...})` from a page, step by step."""

    def __init__(
        self,
        request: PageRequest,
        *,
        initiator_space: AddressSpace,
        local_network_permission: bool = False,
    ) -> None:
        self.request = request
        self.initiator_space: AddressSpace = initiator_space
        self.local_network_permission = local_network_permission
        self._exchanges: list[Exchange] = []
        self._notes: list[str] = []
        self._cache: dict[tuple[str, str], PreflightResult] = {}
        self._jar: dict[str, dict[str, str]] = {}
        if request.cookie:
            self._jar[request.url.host] = _cookie_pairs(request.cookie)
        self._url = request.url
        self._preflighted = False
        self._pending: WireRequest | None = None
        self._outcome: FetchOutcome | None = None
        self._steps = self._run()
        self._advance(None)

    # -- the driver's side ---------------------------------------------------------------

    def next_request(self) -> WireRequest | None:
        """The request to send now, or None when the fetch is over."""
        return self._pending

    def connect(self, space: AddressSpace) -> bool:
        """The next request's host resolved to `space`: False when Local Network Access
        stops the request before it is sent (the fetch is then over): the target is more
        private than the page and the user has not granted the permission."""
        if not self.local_network_permission and is_local_network_request(
            self.initiator_space, space
        ):
            self._advance(_Denied(space))
            return False
        return True

    def receive(self, response: WireResponse) -> None:
        """The response to the request `next_request()` returned."""
        assert self._pending is not None, "no request is waiting for a response"
        self._sent(Exchange(self._pending, response))
        self._advance(response)

    def fail(self, net_error: str) -> None:
        """The request got no answer: `net_error` is Chromium's name, e.g.
        net::ERR_CONNECTION_REFUSED."""
        assert self._pending is not None, "no request is waiting for a response"
        self._sent(Exchange(self._pending, None))
        self._advance(_NetError(net_error))

    def _sent(self, exchange: Exchange) -> None:
        self._exchanges.append(exchange)
        if exchange.request.kind == "preflight":
            self._preflighted = True

    @property
    def outcome(self) -> FetchOutcome:
        assert self._outcome is not None, "the fetch is not over"
        return self._outcome

    def _advance(self, reply: _Reply | None) -> None:
        try:
            self._pending = next(self._steps) if reply is None else self._steps.send(reply)
        except StopIteration as stop:
            self._pending = None
            self._outcome = stop.value

    # -- the browser's side --------------------------------------------------------------

    def _run(self) -> Generator[WireRequest, _Reply, FetchOutcome]:
        page = self.request
        method, headers, body = page.method, page.headers, page.body
        tainted = False
        cors = not _same_origin(page.origin, self._url)
        redirects = 0
        while True:
            cors = cors or not _same_origin(page.origin, self._url)
            origin = "null" if tainted or page.origin.opaque else page.origin.serialize()
            if cors and needs_preflight(method, headers):
                cached = self._cache.get((origin, str(self._url)))
                if cached is None or not cached.allows(method, headers, page.credentials):
                    reply = yield self._preflight(method, headers, origin, tainted)
                    if not isinstance(reply, WireResponse):
                        return self._no_answer(reply)
                    failure = self._check_preflight(reply, method, headers, origin)
                    if failure is not None:
                        return self._blocked(failure, "preflight")
            reply = yield self._actual(method, headers, body, origin, cors=cors, tainted=tainted)
            if not isinstance(reply, WireResponse):
                return self._no_answer(reply)
            self._store_cookies(reply, cors)
            location = redirect_location(reply)
            stage: _Stage = "actual" if location is None else "redirect"
            if cors:
                failure = check_access(reply.headers, page.credentials, origin)
                if failure is not None:
                    return self._blocked(failure, stage)
            if location is None:
                return self._finish(None)
            if redirects >= MAX_REDIRECTS:
                return self._network_failure("net::ERR_TOO_MANY_REDIRECTS", stage="redirect")
            scheme = url_scheme(location) or self._url.scheme
            if scheme not in ("http", "https"):
                return self._blocked(CorsFailure("CorsDisabledScheme"), "redirect", at=location)
            try:
                target = parse_url(location, base=self._url)
            except UrlError:
                return self._network_failure("net::ERR_INVALID_REDIRECT", stage="redirect")
            if location_has_forbidden_credentials(
                target, page_origin=page.origin, tainted=tainted, cors=cors
            ):
                return self._blocked(CorsFailure("RedirectContainsCredentials"), "redirect")
            redirects += 1
            hop = next_hop(
                status=reply.status,
                method=method,
                headers=headers,
                body=body,
                page_origin=page.origin,
                current=self._url,
                location=target,
                tainted=tainted,
            )
            method, headers, body, tainted = hop.method, hop.headers, hop.body, hop.tainted
            self._url = target

    def _check_preflight(
        self, reply: WireResponse, method: str, headers: tuple[Header, ...], origin: str
    ) -> CorsFailure | None:
        credentials = self.request.credentials
        if redirect_location(reply) is not None:
            return CorsFailure("PreflightDisallowedRedirect")
        failure = check_preflight_access(reply.status, reply.headers, credentials, origin)
        if failure is not None:
            return failure
        result = parse_preflight(reply.headers, credentials)
        if isinstance(result, CorsFailure):
            return result
        failure = result.method_failure(method) or result.header_failure(headers)
        if failure is not None:
            return failure
        if result.authorization_covered_by_wildcard(headers):
            self._notes.append(AUTHORIZATION_WILDCARD_NOTE)
        if result.max_age_s > 0:
            self._cache[(origin, str(self._url))] = result
        return None

    # -- requests ------------------------------------------------------------------------

    def _common(self, origin: str, tainted: bool) -> list[Header]:
        url, page = self._url, self.request.origin
        if _same_origin(page, url) and not tainted:
            site = "same-origin"
        elif not tainted and same_site(page, url):
            site = "same-site"
        else:
            site = "cross-site"
        return [
            ("Origin", origin),
            ("User-Agent", USER_AGENT),
            ("Sec-Fetch-Site", site),
            ("Sec-Fetch-Mode", "cors"),
            ("Sec-Fetch-Dest", "empty"),
            ("Accept-Encoding", ACCEPT_ENCODING),
        ]

    def _preflight(
        self, method: str, headers: tuple[Header, ...], origin: str, tainted: bool
    ) -> WireRequest:
        """OPTIONS with the method and the unsafe header names; no cookies, no Authorization."""
        lines: list[Header] = [
            ("Host", self._url.authority),
            ("Accept", "*/*"),
            ("Access-Control-Request-Method", method),
        ]
        names = access_control_request_headers(headers)
        if names:
            lines.append(("Access-Control-Request-Headers", names))
        lines += self._common(origin, tainted)
        return WireRequest("preflight", "OPTIONS", str(self._url), tuple(lines))

    def _actual(
        self,
        method: str,
        headers: tuple[Header, ...],
        body: bytes | None,
        origin: str,
        *,
        cors: bool,
        tainted: bool,
    ) -> WireRequest:
        lines: list[Header] = [("Host", self._url.authority)]
        if body is not None:
            lines.append(("Content-Length", str(len(body))))
        elif method in ("POST", "PUT", "PATCH"):
            lines.append(("Content-Length", "0"))
        lines += headers
        if header_value(headers, "accept") is None:
            lines.append(("Accept", "*/*"))
        common = self._common(origin, tainted)
        if not cors and method in ("GET", "HEAD"):
            common = common[1:]  # no Origin on a same-origin GET
        lines += common
        credentials = self.request.credentials
        if credentials == "include" or (credentials == "same-origin" and not cors):
            cookies = self._jar.get(self._url.host)
            if cookies:
                lines.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
        return WireRequest("actual", method, str(self._url), tuple(lines), body)

    def _store_cookies(self, response: WireResponse, cors: bool) -> None:
        """Set-Cookie answers go to the jar when credentials are used (name=value only: no
        Domain, Path, SameSite or expiry rules)."""
        credentials = self.request.credentials
        if not (credentials == "include" or (credentials == "same-origin" and not cors)):
            return
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                pairs = _cookie_pairs(value.split(";", 1)[0])
                self._jar.setdefault(self._url.host, {}).update(pairs)

    # -- endings -------------------------------------------------------------------------

    def _failure_index(self) -> int:
        return len(self._exchanges) - 1

    def _message(self, failure: CorsFailure, at: str | None = None) -> str:
        return console_message(
            failure.error,
            failure.hint,
            url=at or str(self._url),
            first_url=str(self.request.url),
            origin=self.request.origin.serialize(),
        )

    def _blocked(self, failure: CorsFailure, stage: _Stage, at: str | None = None) -> FetchOutcome:
        return self._finish(
            Failure(
                error=failure.error,
                hint=failure.hint,
                message=self._message(failure, at),
                stage=stage,
                exchange=self._failure_index(),
                header=failure.header,
            )
        )

    def _no_answer(self, reply: _NetError | _Denied) -> FetchOutcome:
        if isinstance(reply, _Denied):
            failure = CorsFailure("LocalNetworkAccessPermissionDenied", reply.space)
            return self._finish(
                Failure(
                    error=failure.error,
                    hint=failure.hint,
                    message=self._message(failure),
                    stage="local-network",
                )
            )
        return self._network_failure(reply.name, stage="network")

    def _network_failure(
        self, net_error: str, *, stage: Literal["network", "redirect"]
    ) -> FetchOutcome:
        return self._finish(
            Failure(
                error=None,
                hint="",
                message=network_message(net_error),
                stage=stage,
                exchange=self._failure_index(),
                net_error=net_error,
            )
        )

    def _finish(self, failure: Failure | None) -> FetchOutcome:
        return FetchOutcome(
            request=self.request,
            allowed=failure is None,
            preflighted=self._preflighted,
            exchanges=tuple(self._exchanges),
            failure=failure,
            notes=tuple(self._notes),
            initiator_space=self.initiator_space,
        )


def _same_origin(origin: Origin, url: Url) -> bool:
    return not origin.opaque and origin == url.origin


def _cookie_pairs(header: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            pairs[name] = value
    return pairs
