"""`check()`: the browser's fetch algorithm (`fetch.py`) driven over the network with httpx.

Redirects are followed by the state machine, not by httpx; no cookie jar is used except the
browser's own rules: cookies given as a `Cookie` header go to the URL's host when the
credentials mode sends cookies (`include`, or `same-origin` to the page's own origin), never
on a preflight; with those modes `Set-Cookie` answers are kept for later hops of the same
check. Proxies and certificates from the environment are not used (`trust_env=False`).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from corsway.doctor.causes import ServiceContext
from corsway.doctor.classify import Header, PageRequest, RequestError, page_request
from corsway.doctor.explain import explain
from corsway.doctor.fetch import BrowserFetch
from corsway.doctor.origins import (
    NULL_ORIGIN_ADDRESS_SPACE,
    AddressSpace,
    ip_address_space,
    literal_address_space,
    parse_url,
)
from corsway.doctor.result import CheckResult, WireRequest, WireResponse

REQUEST_TIMEOUT_S = 35.0  # API Gateway gives up after 29 s (REST) / 30 s (HTTP API)
BODY_PREFIX_BYTES = 4096  # enough to recognise API Gateway's own answers
# An origin whose host does not resolve is taken to be on the public internet.
UNRESOLVED_ORIGIN_SPACE: AddressSpace = "public"

HeadersInput = Mapping[str, str] | Sequence[Header] | Sequence[str]


def check(
    url: str,
    *,
    origin: str,
    method: str | None = None,
    headers: HeadersInput = (),
    data: str | bytes | None = None,
    credentials: str = "same-origin",
    service: str | Path | ServiceContext | None = None,
    discover: bool = True,
    page_address_space: AddressSpace | None = None,
    local_network_permission: bool = False,
    timeout_s: float = REQUEST_TIMEOUT_S,
) -> CheckResult:
    """Do what a page at `origin` doing `fetch(url, {method, headers, body: data,
    credentials})` makes Chromium do, against the real server; return the verdict.

    `method` defaults to POST with `data`, else GET. `headers` is a mapping, (name, value)
    pairs or "Name: value" strings; a Cookie header stands for the browser's cookies for the
    URL's host. `page_address_space` overrides where the page is taken to be (by default from
    its origin's host: loopback, local or public) for Local Network Access, and
    `local_network_permission=True` says the user granted the page access to the local
    network. `service` is the service behind the URL (its directory, or a ServiceContext):
    causes are then refined and fixes placed on its serverless.yml lines; without it, and with
    `discover`, the service of a running `corsway serve` that answers the URL is used.
    Raises RequestError for input fetch() itself would refuse, CorswayError when `service`
    cannot be read.
    """
    request = page_request(
        url,
        origin=origin,
        method=method or ("POST" if data is not None else "GET"),
        headers=parse_headers(headers),
        body=data,
        credentials=credentials,
    )
    context = service_context(request, service, discover=discover)
    space = page_address_space or origin_address_space(request)
    fetch = BrowserFetch(
        request, initiator_space=space, local_network_permission=local_network_permission
    )
    with httpx.Client(timeout=timeout_s, trust_env=False, follow_redirects=False) as client:
        while (wire := fetch.next_request()) is not None:
            target = _target_space(wire.url)
            if target is None:
                fetch.fail("net::ERR_NAME_NOT_RESOLVED")
            elif fetch.connect(target):
                response = _send(client, wire)
                if isinstance(response, WireResponse):
                    fetch.receive(response)
                else:
                    fetch.fail(response)
    return result_of(fetch, context)


def service_context(
    request: PageRequest, service: str | Path | ServiceContext | None, *, discover: bool
) -> ServiceContext | None:
    """The context the cause comes from: the given one, the service directory given (read now,
    so that a wrong one is an error before anything is sent), or the service of the
    `corsway serve` that answers the URL (read when a cause is needed)."""
    if service is not None and not isinstance(service, str | Path):
        return service
    from corsway.gateway.discovery import server_for

    record = server_for(request.url.host, request.url.port) if discover else None
    if service is None and record is None:
        return None
    from corsway.doctor.context import CompiledServiceContext
    from corsway.doctor.service import ServiceSource

    if service is None:
        assert record is not None
        return CompiledServiceContext(ServiceSource.of_server(record))
    directory = Path(service).resolve()
    if directory.is_file():
        directory = directory.parent
    if record is not None and Path(record.service_dir) == directory:
        source = ServiceSource.of_server(record)  # it is the served one: serve's settings
    else:
        source = ServiceSource(directory)
    context = CompiledServiceContext(source)
    context.load()
    return context


def result_of(fetch: BrowserFetch, context: ServiceContext | None = None) -> CheckResult:
    """The CheckResult of a finished BrowserFetch (`context`: the compiled service behind the
    URL, which places the fix on a serverless.yml line)."""
    outcome = fetch.outcome
    cause, fix = explain(outcome, context)
    failure = outcome.failure
    return CheckResult(
        verdict="allowed" if outcome.allowed else "blocked",
        preflight=outcome.preflighted,
        browser_error=failure.error if failure else None,
        message=failure.message if failure else None,
        cause=cause,
        fix=fix,
        exchanges=outcome.exchanges,
        outcome=outcome,
        service=getattr(context, "label", None),
        service_problem=getattr(context, "problem", None),
    )


def parse_headers(headers: HeadersInput) -> list[Header]:
    """Headers as (name, value) pairs, from a mapping, pairs or "Name: value" strings."""
    if isinstance(headers, Mapping):
        return list(headers.items())
    pairs: list[Header] = []
    for item in headers:
        if isinstance(item, str):
            name, colon, value = item.partition(":")
            if not colon or not name.strip():
                raise RequestError(f"header {item!r} is not 'Name: value'")
            pairs.append((name.strip(), value.strip()))
        else:
            pairs.append((item[0], item[1]))
    return pairs


def origin_address_space(request: PageRequest) -> AddressSpace:
    """Where the page is: from its origin's host (resolved when it is a name)."""
    origin = request.origin
    if origin.opaque:
        return NULL_ORIGIN_ADDRESS_SPACE
    return _resolve(origin.host, origin.port) or UNRESOLVED_ORIGIN_SPACE


def _target_space(url: str) -> AddressSpace | None:
    """The address space the URL's host resolves to (None: it does not resolve)."""
    parsed = parse_url(url)
    return _resolve(parsed.host, parsed.port)


def _resolve(host: str, port: int) -> AddressSpace | None:
    known = literal_address_space(host)
    if known is not None:
        return known
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    return ip_address_space(str(infos[0][4][0]))


def _send(client: httpx.Client, wire: WireRequest) -> WireResponse | str:
    """Send exactly `wire` (its headers, in order); the response or Chromium's net error."""
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in wire.headers]
    request = httpx.Request(wire.method, wire.url, headers=raw, content=wire.body)
    try:
        response = client.send(request, stream=True)
    except httpx.HTTPError as error:
        return _net_error(error)
    try:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) >= BODY_PREFIX_BYTES:
                break
    except httpx.HTTPError:
        body = bytearray()
    finally:
        response.close()
    headers = tuple(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw
    )
    return WireResponse(response.status_code, headers, bytes(body[:BODY_PREFIX_BYTES]))


def _net_error(error: httpx.HTTPError) -> str:
    """Chromium's name for a failure to get an answer."""
    cause = error.__context__ or error.__cause__
    if isinstance(error, httpx.ConnectTimeout):
        return "net::ERR_CONNECTION_TIMED_OUT"
    if isinstance(error, httpx.TimeoutException):
        return "net::ERR_TIMED_OUT"
    if isinstance(error, httpx.ConnectError):
        text = str(error).lower()
        if isinstance(cause, ConnectionRefusedError) or "refused" in text:
            return "net::ERR_CONNECTION_REFUSED"
        if isinstance(cause, ssl.SSLCertVerificationError) or "certificate" in text:
            return "net::ERR_CERT_AUTHORITY_INVALID"
        if isinstance(cause, ssl.SSLError) or "ssl" in text:
            return "net::ERR_SSL_PROTOCOL_ERROR"
        if isinstance(cause, socket.gaierror) or "name" in text:
            return "net::ERR_NAME_NOT_RESOLVED"
        return "net::ERR_CONNECTION_FAILED"
    if isinstance(error, httpx.RemoteProtocolError):
        return (
            "net::ERR_EMPTY_RESPONSE"
            if "without sending" in str(error)
            else ("net::ERR_INVALID_HTTP_RESPONSE")
        )
    if isinstance(error, httpx.ReadError):
        return "net::ERR_CONNECTION_RESET"
    return "net::ERR_FAILED"
