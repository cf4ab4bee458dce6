"""The HTTP layer: uvicorn's httptools protocol with API Gateway's front door in front of it.

- Header names are kept as the client sent them (ASGI servers lower-case them; API Gateway
  passes `tEsT-HEADeR` on as `tEsT-HEADeR`): `on_header` records each (raw name, value) pair
  into the scope's `extensions["corsway.raw_headers"]["headers"]`. Response header names go out
  in the case the app gives them.
- Limits and malformed input are answered here, before the app sees anything, with a plain-text
  4xx and `Connection: close`, never a traceback: a request line plus header values over API
  Gateway's 10,240 bytes → 431; a request that does not parse (bad request line, invalid
  Content-Length, bytes that are not HTTP) → 400; a request whose head, or whose body, stops
  arriving for `request_timeout_s` → 408. A connection that never sends a byte is closed after
  the keep-alive timeout, as an idle keep-alive connection is.
- Responses leave in one write: the app hands the whole response to
  `extensions["corsway.respond"]` (see `Responder`), which skips uvicorn's per-header checks
  (the gateway validates header values itself) and the two-message ASGI send.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from corsway.errors import CorswayError
from corsway.gateway.exchange import BODY_LIMIT, DirectApp, Exchange, RequestHead, Responder

RAW_HEADERS = "corsway.raw_headers"
RESPOND = "corsway.respond"

HEAD_LIMIT = 10240  # API Gateway: "total combined size of request line and header values"
RAW_HEAD_LIMIT = 65536  # names included: bounds the memory of a head made of many empty headers


@dataclass(frozen=True, slots=True)
class Rejection:
    """A request the front door refuses, and what the console says about it."""

    status: int
    body: bytes
    note: str


# What API Gateway's front door does for a head over its limit is not documented byte for byte;
# users report the text below. The other bodies are corsway's (plain text, like the 413).
TOO_LARGE_HEAD = Rejection(
    431,
    b"HTTP header is larger than 10240 bytes.",
    "request line + headers over API Gateway's 10,240-byte limit",
)
HEAD_TIMEOUT = Rejection(
    408, b"Request Timeout", "the request head did not arrive in time (slow or stalled client)"
)
BODY_TIMEOUT = Rejection(
    408, b"Request Timeout", "the request body stopped arriving (slow or stalled client)"
)
INVALID_PATH_ENCODING = Rejection(
    400, b"Bad Request: invalid percent-encoding in the path", "invalid percent-encoding"
)

# Console hook: (method or "-", path or "-", status, note).
RejectionLog = Callable[[str, str, int, str], None]


def bad_request(error: Exception) -> Rejection:
    """A 400 for a request the HTTP parser refused, saying what was wrong."""
    detail = str(error).strip() or type(error).__name__
    if isinstance(error, httptools.HttpParserInvalidMethodError):
        detail = "invalid request method"
    elif isinstance(error, httptools.HttpParserInvalidURLError):
        detail = "invalid request target"
    return Rejection(400, b"Bad Request", f"malformed HTTP request: {detail}")


def _encode_rejection(rejection: Rejection) -> bytes:
    return b"".join(
        (
            STATUS_LINE[rejection.status],
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(rejection.body),
            b"connection: close\r\n\r\n",
            rejection.body,
        )
    )


class _CorkedTransport:
    """Holds a response head until its body is written, so that both leave in one send.

    uvicorn writes the status line and headers, then the body, as two writes (two syscalls,
    two TCP segments). Only responses that do not go through `Responder` (uvicorn's own 500)
    take this path. Everything else is passed to the real transport.
    """

    __slots__ = ("_head", "_transport", "trailer")

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._head: bytes | None = None
        self.trailer: bytes | None = None  # written just before closing (a deferred refusal)

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data if data else head)
        elif data[:9] == b"HTTP/1.1 " and data[9:12] != b"100":
            self._head = data
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        if self.trailer is not None and not self._transport.is_closing():
            self._transport.write(self.trailer)
            self.trailer = None
        self._transport.close()

    def is_closing(self) -> bool:
        closing: bool = self._transport.is_closing()
        return closing

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class RawHeaderProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that keeps raw header names, enforces API Gateway's head
    limit and the request timeouts, answers malformed requests itself, and sends each
    response in one write. Configure a subclass with `protocol_class()`."""

    request_timeout_s: float = 10.0
    on_rejection: RejectionLog | None = None
    direct: DirectApp | None = None  # the gateway's entry for requests without ASGI

    _raw_headers: list[tuple[bytes, bytes]]
    raw_transport: Any
    cycle: Any  # uvicorn's RequestResponseCycle, or an `Exchange` (the direct path)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.raw_transport = transport
        self.transport = _CorkedTransport(transport)  # type: ignore[assignment]
        self._head_size = 0
        self._raw_head_size = 0
        self._head_complete = True
        self._awaiting_body = False
        self._last_activity = 0.0
        self._timer: Any = None
        self._rejected = False
        self._pending_rejection: Rejection | None = None
        self._defaults_source: object = None
        self._defaults = b""
        self._idle_deadline: float | None = None
        self._keep_alive_timer: Any = None
        # uvicorn arms its keep-alive timeout only after a response; a connection that never
        # sends a byte would stay open for ever.
        self._arm_keep_alive()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        if self._keep_alive_timer is not None:
            self._keep_alive_timer.cancel()
            self._keep_alive_timer = None
        super().connection_lost(exc)

    # -- keep-alive ---------------------------------------------------------------------
    # uvicorn starts a timer after every response and cancels it when the next request
    # begins. Here one timer per connection checks, when it fires, whether the connection has
    # been idle for the keep-alive timeout; if a request came since, it waits for the new
    # deadline (the same closing time, without a timer created and cancelled per request).

    def _arm_keep_alive(self) -> None:
        deadline = self.loop.time() + self.timeout_keep_alive
        self._idle_deadline = deadline
        if self._keep_alive_timer is None:
            self._keep_alive_timer = self.loop.call_at(deadline, self._keep_alive_check)

    def _keep_alive_check(self) -> None:
        self._keep_alive_timer = None
        deadline = self._idle_deadline
        if deadline is None:
            return  # a request is running: its response arms the timeout again
        # (a timer may fire up to a millisecond early: the event loop's clock is in ms)
        if self.loop.time() < deadline - 0.001:
            self._keep_alive_timer = self.loop.call_at(deadline, self._keep_alive_check)
            return
        self._idle_deadline = None
        self.timeout_keep_alive_handler()

    def _unset_keepalive_if_required(self) -> None:
        self._idle_deadline = None

    def default_header_block(self) -> bytes:
        """uvicorn's default response headers (Date), encoded once per change."""
        source = self.server_state.default_headers
        if source is not self._defaults_source:
            self._defaults_source = source
            self._defaults = b"".join(b"%s: %s\r\n" % pair for pair in source)
        return self._defaults

    # -- parsing ------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._rejected:
            return
        # The idle timer stops when a request begins (on_message_begin), not on any byte:
        # bytes that start no request (blank lines) do not keep a connection open.
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # REST APIs have no WebSocket upgrade: the request is answered as plain HTTP
        except httptools.HttpParserError as error:
            self._refuse(self._pending_rejection or bad_request(error))
            return
        # Timers only for requests that did not arrive whole (most arrive in one read).
        if not self._head_complete:
            if self._timer is None:
                self._arm(self.request_timeout_s, self._head_deadline)
        elif self._awaiting_body:
            self._last_activity = self.loop.time()
            if self._timer is None:
                self._arm(self.request_timeout_s, self._body_deadline)

    def on_message_begin(self) -> None:
        # uvicorn's on_message_begin without the ASGI scope: only requests that take the ASGI
        # path need one (`_start_asgi`)
        self._unset_keepalive_if_required()
        self.url = b""
        self.expect_100_continue = False
        self._raw_headers = []
        self._content_length: bytes | None = None
        self._chunked = False
        self._head_size = len(b"  HTTP/1.1")  # the request line's spaces and version
        self._raw_head_size = 0
        self._head_complete = False
        self._pending_rejection = None

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        self._raw_head_size += len(url)
        if self._head_size > HEAD_LIMIT:
            self._too_large()
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        # uvicorn's on_header, plus the raw name and the size count
        self._head_size += len(value)
        self._raw_head_size += len(name) + len(value) + 4
        if self._head_size > HEAD_LIMIT or self._raw_head_size > RAW_HEAD_LIMIT:
            self._too_large()
        self._raw_headers.append((name, value))
        # (the lower-cased list uvicorn keeps is made for the ASGI path only: `_start_asgi`)
        size = len(name)
        if size in {14, 17, 6}:  # content-length, transfer-encoding, expect
            name = name.lower()
            if name == b"content-length":
                self._content_length = value
            elif name == b"transfer-encoding":
                self._chunked = True
            elif name == b"expect" and value.lower() == b"100-continue":
                self.expect_100_continue = True

    def _too_large(self) -> None:
        self._pending_rejection = TOO_LARGE_HEAD
        raise ValueError("head too large")  # stops the parser: data_received answers 431

    def on_headers_complete(self) -> None:
        self._head_complete = True
        if self._timer is not None:
            self._cancel_timer()
        parser = self.parser
        method = parser.get_method()
        self._head_size += len(method)
        if self._head_size > HEAD_LIMIT:
            self._too_large()
        self._awaiting_body = True
        cycle = self.cycle
        length = self._content_length
        if (
            self.direct is not None
            and (cycle is None or cycle.response_complete)
            and not self.expect_100_continue
            and not self._chunked
            and (length is None or (length.isdigit() and int(length) <= BODY_LIMIT))
            and not parser.should_upgrade()
        ):
            http_version = parser.get_http_version()
            self.cycle = Exchange(
                http_version != "1.0" and parser.should_keep_alive(), self.on_response_complete
            )
            target = self.url
            if target[:1] == b"/" and b"#" not in target and target.isascii():
                # origin-form: split here (the URL parser refuses bytes that are not ASCII)
                path, _, query = target.partition(b"?")
            else:  # absolute-form, a fragment: the parser's URL parser
                url = httptools.parse_url(target)
                path, query = url.path, url.query or b""
            # (tuple.__new__: a NamedTuple's own constructor is a Python function)
            self._direct_head = tuple.__new__(
                RequestHead,
                (
                    method.decode("ascii"),
                    path,
                    query,
                    self._raw_headers,
                    self.client,
                    http_version,
                ),
            )
            return
        self._start_asgi()

    def _start_asgi(self) -> None:
        """uvicorn's way: an ASGI scope and request-response cycle, the app in a task."""
        url, expect = self.url, self.expect_100_continue
        headers = [(name.lower(), value) for name, value in self._raw_headers]
        super().on_message_begin()  # the scope, as uvicorn makes it
        self.url, self.headers, self.expect_100_continue = url, headers, expect
        self.scope["headers"] = headers
        self.scope["extensions"] = {
            RAW_HEADERS: {"headers": self._raw_headers},
        }
        super().on_headers_complete()
        cycle = self.cycle
        if self.parser.should_upgrade():
            cycle.keep_alive = False  # the parser stops at an upgrade: nothing more to read
        self.scope["extensions"][RESPOND] = Responder(self, cycle, self.scope["method"] == "HEAD")

    def on_body(self, body: bytes) -> None:
        exchange: Any = self.cycle
        if exchange.__class__ is not Exchange:
            super().on_body(body)
            return
        if exchange.response_complete:
            return
        held: Any = exchange.body
        if not held:
            exchange.body = body
        elif held.__class__ is bytearray:
            held += body
        else:
            exchange.body = bytearray(held) + body

    def on_message_complete(self) -> None:
        self._awaiting_body = False
        if self._timer is not None:
            self._cancel_timer()
        exchange: Any = self.cycle
        if exchange.__class__ is not Exchange:
            super().on_message_complete()
            return
        exchange.more_body = False
        body = exchange.body
        exchange.body = b""
        head = self._direct_head
        assert self.direct is not None
        self.direct(
            head,
            body if body.__class__ is bytes else bytes(body),
            Responder(self, exchange, head.method == "HEAD"),
        )

    def on_response_complete(self) -> None:
        self.transport.flush()  # type: ignore[attr-defined]  # a HEAD response has no body
        # uvicorn's on_response_complete, with the keep-alive timeout armed lazily
        self.server_state.total_requests += 1
        if self.raw_transport.is_closing():
            return
        self._idle_deadline = None
        self.flow.resume_reading()
        if self.pipeline:  # pipelined requests: start the next one
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self._arm_keep_alive()

    # -- timeouts -----------------------------------------------------------------------

    def _arm(self, delay: float, callback: Callable[[], None]) -> None:
        self._cancel_timer()
        self._timer = self.loop.call_later(delay, callback)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _head_deadline(self) -> None:
        self._timer = None
        if not self._head_complete and not self._rejected:
            self._refuse(HEAD_TIMEOUT)

    def _body_deadline(self) -> None:
        self._timer = None
        if not self._awaiting_body or self._rejected:
            return
        idle = self.loop.time() - self._last_activity
        if idle < self.request_timeout_s or self.flow.read_paused:
            # data arrived since (or the app has not read what it has): look again later
            self._arm(max(self.request_timeout_s - idle, 0.05), self._body_deadline)
            return
        self._refuse(BODY_TIMEOUT)

    # -- refusals -----------------------------------------------------------------------

    def _refuse(self, rejection: Rejection) -> None:
        """Answer `rejection` and close, unless a response is on its way (then just close)."""
        self._rejected = True
        self._cancel_timer()
        self._unset_keepalive_if_required()
        cycle = self.cycle
        in_flight = cycle is not None and not cycle.response_complete
        method, path = self._request_line()
        if in_flight and not cycle.more_body:
            # Junk after a complete request: answer that request first, then refuse.
            self.transport.trailer = _encode_rejection(rejection)  # type: ignore[attr-defined]
            cycle.keep_alive = False
            self._log("-", "-", rejection)
            return
        if in_flight:
            if cycle.response_started:
                self.raw_transport.close()
                self._log(method, path, rejection)
                return
            cycle.disconnected = True  # the app stops waiting for the body and sends nothing
            cycle.message_event.set()
        if not self.raw_transport.is_closing():
            self.raw_transport.write(_encode_rejection(rejection))
            self.raw_transport.close()
        self._log(method, path, rejection)

    def _request_line(self) -> tuple[str, str]:
        method = "-"
        path = "-"
        try:
            if self._head_complete or self.parser.get_method():
                method = self.parser.get_method().decode("latin-1")
        except (httptools.HttpParserError, AttributeError):
            pass
        url = getattr(self, "url", b"")
        if url:
            text = url.decode("latin-1")
            path = text if len(text) <= 200 else text[:200] + "..."
        return method, path

    def _log(self, method: str, path: str, rejection: Rejection) -> None:
        if self.on_rejection is not None:
            self.on_rejection(method, path, rejection.status, rejection.note)

    def shutdown(self) -> None:
        self._cancel_timer()
        super().shutdown()


def protocol_class(
    *,
    request_timeout_s: float,
    on_rejection: RejectionLog | None,
    direct: DirectApp | None = None,
) -> type[RawHeaderProtocol]:
    """A `RawHeaderProtocol` for one server, with its timeout, console hook and the gateway's
    direct entry (None: every request goes through the ASGI app)."""
    attributes: dict[str, Any] = {"request_timeout_s": request_timeout_s}
    if on_rejection is not None:
        attributes["on_rejection"] = staticmethod(on_rejection)
    if direct is not None:
        attributes["direct"] = staticmethod(direct)
    return type("GatewayHttpProtocol", (RawHeaderProtocol,), attributes)


def raw_headers(scope: Any) -> list[tuple[bytes, bytes]]:
    """The request's headers with their names as sent (lower-cased under another server)."""
    extensions = scope.get("extensions")
    if extensions is not None:
        recorded = extensions.get(RAW_HEADERS)
        if recorded is not None:
            headers: list[tuple[bytes, bytes]] = recorded["headers"]
            return headers
    fallback: list[tuple[bytes, bytes]] = scope["headers"]
    return fallback


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket, or a CorswayError saying why it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    # proto says TCP, and accepted sockets inherit it; with Nagle on, a response written in two
    # parts (head, then body) waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CorswayError(
                f"port {port} on {host} is already in use: stop the other server or choose "
                "another port with --port"
            ) from None
        if error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(
            error, socket.gaierror
        ):
            raise CorswayError(
                f"cannot listen on {host}:{port}: {host!r} is not an address of this machine "
                "(use --host 127.0.0.1)"
            ) from None
        if error.errno == errno.EACCES:
            raise CorswayError(
                f"cannot listen on {host}:{port}: permission denied (ports below 1024 need "
                "privileges; use --port 3000)"
            ) from None
        raise CorswayError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.setblocking(False)
    return sock


def exposure(host: str) -> str | None:
    """Who besides this machine can connect to a server listening on `host` (None: nobody)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None  # binding fails and says so
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos}
    if all(address.is_loopback for address in addresses):
        return None
    if any(address.is_unspecified for address in addresses):
        return (
            "every network interface of this machine: any device that can reach it (your LAN, "
            "Wi-Fi, VPN, containers, and the internet if this machine has a public address)"
        )
    shown = ", ".join(sorted(str(address) for address in addresses))
    return f"{shown}: any device on the network(s) this address belongs to"


def exposure_warning(host: str, base_url: str) -> str | None:
    """The start-up warning for a non-loopback `--host`, or None for a loopback one."""
    who = exposure(host)
    if who is None:
        return None
    return (
        f"warning: --host {host} listens on {who}. They can call {base_url} and so run your "
        "handlers on this machine, with this service's environment variables and the AWS "
        "credentials of this shell. corsway serve is a development server with no "
        "authentication of its own. Leave out --host (127.0.0.1, this machine only) unless "
        "that is what you want."
    )
