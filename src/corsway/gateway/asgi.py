"""The gateway's entry point: HTTP in, the API's handler, HTTP out, one access-log line.

Two ways in, one way through: `GatewayApp.direct` takes the exchanges the front door parses
itself (`exchange.py`: most requests, without an ASGI cycle; the API answers at once or from a
callback, `ApiHandler.begin`, and in a task otherwise); the ASGI interface takes the rest
(pipelined requests, chunked bodies, `Expect: 100-continue`) and serves under any ASGI server.

The front door runs before any API: a path with invalid percent-encoding is a plain-text 400,
and a body over 10 MB is refused with API Gateway's plain-text 413 (no CORS headers, no gateway
response). Which API answers is `flavour.Dispatch`'s choice; every answer of an API gets that
API's request-id headers (`ApiHandler.id_headers`).

The handlers (the API models and their runtimes) can be replaced while serving (`swap`, on
reload): each request runs from start to end on the handlers it started on, and the previous
generation learns when its last request has finished (`Generation.drained`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any

from corsway.gateway.accesslog import AccessEntry, Console, answer_note, cors_note
from corsway.gateway.exchange import BODY_LIMIT, RequestHead, Responder
from corsway.gateway.flavour import ApiHandler, Dispatch
from corsway.gateway.http import RESPOND, raw_headers
from corsway.gateway.request import GatewayRequest
from corsway.gateway.response import Response, internal_error

_TOO_LARGE_BODY = b"HTTP content length exceeded 10485760 bytes."
_TOO_LARGE = Response(413, [("content-type", "text; charset=utf-8")], _TOO_LARGE_BODY)
_BAD_PATH = Response(
    400,
    [("content-type", "text/plain; charset=utf-8")],
    b"Bad Request: invalid percent-encoding in the path",
)
_INVALID_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Control characters other than CR and LF (whose count is checked separately) and TAB.
_OTHER_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DISCONNECTED = object()
_BLOCKS_LIMIT = 1024  # bounded: header values may come from requests


class Generation:
    """One set of API handlers and the requests running on them."""

    __slots__ = ("dispatch", "drained", "in_flight")

    def __init__(self, dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        self.in_flight = 0
        self.drained: Callable[[], None] | None = None  # called once no request runs on it

    def finished(self) -> None:
        """One of its requests has been answered."""
        self.in_flight -= 1
        if self.drained is not None and not self.in_flight:
            drained, self.drained = self.drained, None
            drained()


def _request(  # noqa: PLR0917 (a RequestHead's fields, in its order)
    method: str,
    raw_path: bytes,
    query_string: bytes,
    headers: list[tuple[bytes, bytes]],
    client: tuple[str, int] | None,
    http_version: str,
) -> GatewayRequest:
    """The `GatewayRequest` for what the front door (or an ASGI server) parsed."""
    return GatewayRequest(
        method=method,
        raw_path=raw_path.decode("latin-1"),
        query_string=query_string.decode("latin-1"),
        headers=[
            (name.decode("latin-1"), value.decode("utf-8", "replace")) for name, value in headers
        ],
        source_ip=client[0] if client else "127.0.0.1",
        http_version=http_version,
    )


def _dispatch(handlers: Dispatch | ApiHandler) -> Dispatch:
    return handlers if isinstance(handlers, Dispatch) else Dispatch([("", handlers)])


class _Reply:
    """Sends one API's answer to a direct exchange and logs it (called exactly once)."""

    __slots__ = ("_app", "_generation", "_handler", "_request", "_respond", "_started")

    def __init__(  # noqa: PLR0917 (made once per request: positional is quicker)
        self,
        app: GatewayApp,
        generation: Generation,
        handler: ApiHandler,
        request: GatewayRequest,
        respond: Responder,
        started: float,
    ) -> None:
        self._app = app
        self._generation: Generation | None = generation
        self._handler = handler
        self._request = request
        self._respond = respond
        self._started = started

    def __call__(self, response: Response) -> None:
        generation = self._generation
        if generation is None:
            return  # answered already
        self._generation = None
        app = self._app
        request = self._request
        try:
            block = app._header_block(response) + self._handler.id_headers(request, response)
            respond = self._respond
            if respond.write_paused:  # a client that does not read gets no more bytes queued
                app._later(_send_when_drained(respond, response.status, block, response.body))
            else:
                respond(response.status, block, response.body)
            app._log(request, response, self._started)
        finally:
            generation.finished()


async def _send_when_drained(respond: Responder, status: int, block: bytes, body: bytes) -> None:
    await respond.drain()
    respond(status, block, body)


class GatewayApp:
    """The gateway's entry point for the APIs of a service (one `ApiHandler`, or a
    `Dispatch`): `direct` for the front door's own exchanges, ASGI for everything else."""

    def __init__(self, handlers: Dispatch | ApiHandler, console: Console) -> None:
        self.console = console
        self._generation = Generation(_dispatch(handlers))
        self._tasks: set[asyncio.Task[None]] = set()
        # encoded header blocks by (headers, body length): most answers repeat one
        self._blocks: dict[tuple[tuple[tuple[str, str], ...], int], bytes] = {}

    def swap(self, handlers: Dispatch | ApiHandler) -> Generation:
        """Send new requests to `handlers`; returns the previous generation (still draining)."""
        previous = self._generation
        self._generation = Generation(_dispatch(handlers))
        return previous

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run `coroutine` in a task of its own (kept until it ends)."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the front door's direct exchanges ----------------------------------------------

    def direct(self, head: RequestHead, body: bytes, respond: Responder) -> None:
        """Answer one request the front door parsed (its body whole and within API Gateway's
        limit): at once when the API can (`ApiHandler.begin`), else from a task."""
        started = time.perf_counter()
        request = _request(*head)
        raw_path = request.raw_path
        if "%" in raw_path and _INVALID_PERCENT.search(raw_path):
            respond(_BAD_PATH.status, self._header_block(_BAD_PATH), _BAD_PATH.body)
            self._front_door_log(request, 400, started, "invalid percent-encoding in the path")
            return
        request.body = body
        generation = self._generation
        generation.in_flight += 1
        handler = generation.dispatch.handler_for(raw_path)
        reply = _Reply(self, generation, handler, request, respond, started)
        try:
            if handler.begin(request, reply):
                return
        except Exception as error:  # a bug in corsway: answer, report it, keep serving
            reply(internal_error(error))
            return
        self._later(self._answer_later(handler, request, reply))

    async def _answer_later(
        self, handler: ApiHandler, request: GatewayRequest, reply: _Reply
    ) -> None:
        reply(await self._answer(handler, request))

    @staticmethod
    async def _answer(handler: ApiHandler, request: GatewayRequest) -> Response:
        try:
            return await handler.handle(request)
        except Exception as error:  # a bug in corsway: answer, report it, keep serving
            return internal_error(error)

    # -- ASGI ---------------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        generation = self._generation
        generation.in_flight += 1
        try:
            await self._handle(generation.dispatch, scope, receive, send)
        finally:
            generation.finished()

    async def _handle(self, dispatch: Dispatch, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        request = _request(
            scope["method"],
            scope.get("raw_path") or scope["path"].encode(),
            scope["query_string"],
            raw_headers(scope),
            scope.get("client"),
            scope.get("http_version", "1.1"),
        )
        raw_path = request.raw_path
        if "%" in raw_path and _INVALID_PERCENT.search(raw_path):
            await self._send(scope, send, b"", _BAD_PATH)
            self._front_door_log(request, 400, started, "invalid percent-encoding in the path")
            return
        length = request.header_ci("content-length")
        if length is not None and length.isdigit() and int(length) > BODY_LIMIT:
            await self._too_large(scope, send, request, started)
            return
        respond = scope["extensions"].get(RESPOND) if "extensions" in scope else None
        body = respond.received_body() if respond is not None else None
        if body is None or len(body) > BODY_LIMIT:
            body = await self._read_body(receive, body or b"")
        if body is None:
            await self._too_large(scope, send, request, started)
            return
        if body is _DISCONNECTED:
            return  # the client went away (or the front door refused the rest of the body)
        assert isinstance(body, bytes)
        request.body = body
        handler = dispatch.handler_for(raw_path)
        response = await self._answer(handler, request)
        await self._send(scope, send, handler.id_headers(request, response), response)
        self._log(request, response, started)

    async def _read_body(self, receive: Any, first: bytes = b"") -> bytes | object | None:
        """The body; None when it is over 10 MB, `_DISCONNECTED` when the client is gone."""
        chunks = [first] if first else []
        size = len(first)
        if size > BODY_LIMIT:
            return None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _DISCONNECTED
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > BODY_LIMIT:
                    return None
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        if not chunks:
            return b""
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _too_large(
        self, scope: Any, send: Any, request: GatewayRequest, started: float
    ) -> None:
        await self._send(scope, send, b"", _TOO_LARGE, close=True)  # the body is not read
        self._front_door_log(
            request,
            413,
            started,
            "body over API Gateway's 10 MB limit (plain-text 413, no CORS headers)",
        )

    def _front_door_log(
        self, request: GatewayRequest, status: int, started: float, note: str
    ) -> None:
        latency_ms = (time.perf_counter() - started) * 1000
        self.console.access(
            AccessEntry(request.method, request.raw_path, status, latency_ms, None, note)
        )

    # -- sending ------------------------------------------------------------------------

    def _header_block(self, response: Response) -> bytes:
        """`Name: value\\r\\n` lines for the response's headers and Content-Length."""
        block = response.encoded
        if block is not None:
            return block
        headers = response.headers
        key = (tuple(headers), len(response.body))
        block = self._blocks.get(key)
        if block is not None:
            return block
        text = "".join([f"{name}: {value}\r\n" for name, value in headers])
        count = len(headers)
        valid = not (
            text.count("\n") != count or text.count("\r") != count or _OTHER_CONTROLS.search(text)
        )
        if not valid:
            text = "".join(
                f"{name}: {value}\r\n" for name, value in _valid_headers(headers, self.console)
            )
        block = text.encode() + b"content-length: %d\r\n" % len(response.body)
        response.encoded = block  # a shared static response keeps it for next time
        if valid:  # (an invalid header is said on the console each time)
            if len(self._blocks) >= _BLOCKS_LIMIT:
                self._blocks.clear()
            self._blocks[key] = block
        return block

    async def _send(
        self,
        scope: Any,
        send: Any,
        ids: bytes,
        response: Response,
        *,
        close: bool = False,
    ) -> None:
        block = self._header_block(response) + ids
        respond = scope["extensions"].get(RESPOND) if "extensions" in scope else None
        if respond is not None:
            if respond.write_paused:  # a client that does not read gets no more bytes queued
                await respond.drain()
            respond(response.status, block, response.body, close)
            return
        # Another ASGI server: the standard two messages (it may change the names' case).
        headers = [
            (name, value)
            for name, _, value in (line.partition(b": ") for line in block.split(b"\r\n")[:-1])
        ]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    def _log(self, request: GatewayRequest, response: Response, started: float) -> None:
        """The request's access-log line (and the reason of a failure under it), made when
        the console writes it."""
        latency_ms = (time.perf_counter() - started) * 1000
        self.console.later(self._log_lines, request, response, latency_ms)

    def _log_lines(
        self, request: GatewayRequest, response: Response, latency_ms: float
    ) -> list[str]:
        headers = request.lowered()
        origin = headers.get("origin")
        note = response.note
        if origin is not None:
            method = request.method
            preflight_method = headers.get("access-control-request-method")
            if method == "OPTIONS" and preflight_method is not None:
                cors = cors_note(
                    method=method,
                    origin=origin,
                    preflight_method=preflight_method,
                    request_headers=headers.get("access-control-request-headers"),
                    status=response.status,
                    headers=response.headers,
                    credentialed="cookie" in headers,
                    host=headers.get("host"),
                )
            else:
                cors = answer_note(
                    origin, response.status, response.headers, "cookie" in headers,
                    headers.get("host"),
                )  # fmt: skip
            if cors:
                note = f"{note}; {cors}" if note else cors
        query = request.query_string
        console = self.console
        line = console.access_text(
            request.method,
            f"{request.raw_path}?{query}" if query else request.raw_path,
            response.status,
            latency_ms,
            response.function,
            note,
        )
        if response.problem:
            return [line, *console.problem_lines(response.problem)]
        return [line]


def _valid_headers(headers: list[tuple[str, str]], console: Console) -> list[tuple[str, str]]:
    """The headers that can go on the wire; the others are dropped, saying so."""
    kept = []
    for name, value in headers:
        text = f"{name}: {value}"
        if "\r" in text or "\n" in text or _OTHER_CONTROLS.search(text):
            console.problem(
                f"response header {name!r} dropped: its name or value {value!r} contains a "
                "control character, which HTTP does not allow"
            )
            continue
        kept.append((name, value))
    return kept
