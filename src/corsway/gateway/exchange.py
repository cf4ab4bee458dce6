"""One request and its response on a connection, without an ASGI cycle.

uvicorn runs every request as an ASGI application in a task of its own, with a scope dict, a
request-response cycle and two `send` messages for the answer: about 16 µs of CPU per request,
more than API Gateway's preflight answer itself. The front door (`http.py`) instead hands most
requests to the gateway as a `RequestHead` plus the body, with a `Responder` that writes the
whole answer in one go; the gateway answers at once (a preflight, a 404) or when a function's
result arrives, from a callback. Requests this path does not take (a pipelined request behind
one still running, `Expect: 100-continue`, a chunked body, an upgrade) run through uvicorn's
ASGI cycle as before; both end in the same `Responder`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

BODY_LIMIT = 10 * 1024 * 1024  # 10485760 bytes: API Gateway's payload limit


class RequestHead(NamedTuple):
    """What the front door parsed of a request, before the gateway decodes it."""

    method: str
    raw_path: bytes  # as sent, still percent-encoded
    query_string: bytes
    headers: list[tuple[bytes, bytes]]  # names as the client sent them, in order
    client: tuple[str, int] | None
    http_version: str


class _NoEvent:
    """Stands in for a cycle's `message_event`: nobody waits on a direct exchange."""

    __slots__ = ()

    def set(self) -> None:
        """Nothing to wake."""


_NO_EVENT = _NoEvent()


class Exchange:
    """A request answered without ASGI: the state uvicorn's protocol code and `Responder`
    read from a `RequestResponseCycle` (same attribute names), and nothing else."""

    __slots__ = (
        "body",
        "disconnected",
        "keep_alive",
        "more_body",
        "on_response",
        "response_complete",
        "response_started",
        "waiting_for_100_continue",
    )

    message_event = _NO_EVENT

    def __init__(self, keep_alive: bool, on_response: Any) -> None:
        self.keep_alive = keep_alive
        self.on_response = on_response
        self.body: bytes | bytearray = b""
        self.more_body = True
        self.disconnected = False
        self.response_started = False
        self.response_complete = False
        self.waiting_for_100_continue = False


class Connection(Protocol):
    """What a `Responder` needs of the HTTP protocol it answers on."""

    flow: Any  # uvicorn's FlowControl
    transport: Any  # the corked transport (writes a deferred refusal before closing)
    raw_transport: Any

    def default_header_block(self) -> bytes:
        """uvicorn's default response headers (Date), as header lines."""
        ...


class Responder:
    """Sends one complete response in a single write (`extensions["corsway.respond"]` on the
    ASGI path).

    `header_block` is the header lines (each ending in CRLF, Content-Length included) without
    the status line and the blank line; `close` ends the connection after the response. Honours
    what uvicorn's own send would: its default headers (Date), `Connection: close` when the
    connection is not kept alive, no body for HEAD, nothing once the client has gone.
    """

    __slots__ = ("_connection", "_cycle", "_head")

    def __init__(self, connection: Connection, cycle: Any, head: bool) -> None:
        self._connection = connection
        # The cycle may hold this object (the ASGI scope does): the reference is dropped once
        # the response is sent, so that no request leaves a reference cycle for the garbage
        # collector (whose pauses show as tail latency).
        self._cycle: Any = cycle
        self._head = head  # a HEAD request: the response goes without its body

    @property
    def write_paused(self) -> bool:
        """The client is not reading: wait with `drain()` before sending more."""
        paused: bool = self._connection.flow.write_paused
        return paused

    async def drain(self) -> None:
        """Wait until the client has read enough of what was sent (or has gone)."""
        await self._connection.flow.drain()

    def received_body(self) -> bytes | None:
        """The whole request body when it has already arrived (most requests), else None
        (then read it with ASGI `receive`)."""
        cycle = self._cycle
        if cycle is None or cycle.more_body or cycle.disconnected:
            return None
        body = cycle.body
        cycle.body = bytearray()
        return bytes(body) if body else b""

    def __call__(self, status: int, header_block: bytes, body: bytes, close: bool = False) -> None:
        cycle = self._cycle
        if cycle is None or cycle.disconnected or cycle.response_started:
            return
        self._cycle = None
        cycle.response_started = True
        cycle.waiting_for_100_continue = False
        connection = self._connection
        transport = connection.raw_transport
        if transport.is_closing():  # the client went away while the answer was made
            cycle.disconnected = True
            return
        if close:
            cycle.keep_alive = False
        keep_alive = cycle.keep_alive
        parts = [STATUS_LINE[status], connection.default_header_block(), header_block]
        if not keep_alive:
            parts.append(b"connection: close\r\n")
        parts.append(b"\r\n")
        if body and not self._head:
            parts.append(body)
        transport.write(b"".join(parts))
        cycle.response_complete = True
        cycle.message_event.set()
        if not keep_alive:
            connection.transport.close()  # the corked transport: writes a deferred refusal first
        cycle.on_response()


# The gateway's entry point for a direct exchange: the request's head, its whole body, and the
# responder to answer with (now or later, exactly once). It must not raise.
DirectApp = Callable[[RequestHead, bytes, Responder], None]
