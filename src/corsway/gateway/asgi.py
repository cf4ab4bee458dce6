"""The gateway as an ASGI application: HTTP in, pipeline, HTTP out, one access-log line.

The front door runs before the pipeline: a body over 10 MB is refused with API Gateway's
plain-text 413 (no CORS headers, no gateway response). Every other answer gets
`x-amzn-RequestId` and `x-amz-apigw-id`, plus `x-amzn-ErrorType` for gateway responses.
"""

from __future__ import annotations

import time
from typing import Any

from corsway.gateway.accesslog import Console, cors_note
from corsway.gateway.http import CaseKeptName, raw_headers
from corsway.gateway.pipeline import Gateway, Response
from corsway.gateway.request import GatewayRequest

BODY_LIMIT = 10 * 1024 * 1024  # 10485760 bytes: API Gateway's payload limit
_TOO_LARGE_BODY = b"HTTP content length exceeded 10485760 bytes."
_TOO_LARGE_HEADERS = [
    (b"content-type", b"text; charset=utf-8"),
    (b"content-length", str(len(_TOO_LARGE_BODY)).encode()),
    (b"connection", b"close"),  # the rest of the body is never read
]
_UVICORN_LOWERCASES = frozenset({"content-length", "transfer-encoding", "connection"})


class GatewayApp:
    """ASGI entry point for a `Gateway`."""

    def __init__(self, gateway: Gateway, console: Console) -> None:
        self.gateway = gateway
        self.console = console
        self._names: dict[str, bytes] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        headers = [
            (name.decode("latin-1"), value.decode("utf-8", "replace"))
            for name, value in raw_headers(scope)
        ]
        raw_path = scope.get("raw_path") or scope["path"].encode()
        client = scope.get("client")
        request = GatewayRequest(
            method=scope["method"],
            raw_path=raw_path.decode("latin-1"),
            query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
            source_ip=client[0] if client else "127.0.0.1",
            http_version=scope.get("http_version", "1.1"),
        )
        length = request.header_ci("content-length")
        if length is not None and length.isdigit() and int(length) > BODY_LIMIT:
            await self._too_large(send, request, started)
            return
        body = await self._read_body(receive)
        if body is None:
            await self._too_large(send, request, started)
            return
        request.body = body
        response = await self.gateway.handle(request)
        await self._send(send, request, response)
        self._log(request, response, started)

    async def _read_body(self, receive: Any) -> bytes | None:
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > BODY_LIMIT:
                    return None
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _too_large(self, send: Any, request: GatewayRequest, started: float) -> None:
        await send({"type": "http.response.start", "status": 413, "headers": _TOO_LARGE_HEADERS})
        await send({"type": "http.response.body", "body": _TOO_LARGE_BODY})
        self.console.access(
            method=request.method,
            path=request.raw_path,
            status=413,
            latency_ms=(time.perf_counter() - started) * 1000,
            function=None,
            note="body over API Gateway's 10 MB limit (plain-text 413, no CORS headers)",
        )

    def _name(self, name: str) -> bytes:
        encoded = self._names.get(name)
        if encoded is None:
            raw = name.encode("latin-1")
            encoded = raw if name.lower() in _UVICORN_LOWERCASES else CaseKeptName(raw)
            if len(self._names) < 4096:
                self._names[name] = encoded
        return encoded

    async def _send(self, send: Any, request: GatewayRequest, response: Response) -> None:
        name = self._name
        encoded = response.encoded
        if encoded is None:
            encoded = [(name(k), v.encode("utf-8")) for k, v in response.headers]
            encoded.append((b"content-length", str(len(response.body)).encode()))
            response.encoded = encoded  # a shared static response keeps it for next time
        headers = encoded.copy()
        headers.append((name("x-amzn-RequestId"), request.request_id.encode()))
        if response.error_type is not None:
            headers.append((name("x-amzn-ErrorType"), response.error_type.encode()))
        headers.append((name("x-amz-apigw-id"), request.extended_request_id.encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    def _log(self, request: GatewayRequest, response: Response, started: float) -> None:
        origin = request.header_ci("origin")
        preflight = request.header_ci("access-control-request-method")
        note = cors_note(
            method=request.method,
            origin=origin,
            preflight_method=preflight,
            status=response.status,
            headers=response.headers,
            credentialed=origin is not None and request.header_ci("cookie") is not None,
        )
        if response.note:
            note = f"{response.note}; {note}" if note else response.note
        self.console.access(
            method=request.method,
            path=request.raw_path + (f"?{request.query_string}" if request.query_string else ""),
            status=response.status,
            latency_ms=(time.perf_counter() - started) * 1000,
            function=response.function,
            note=note,
        )
        if response.problem:
            self.console.problem(response.problem)
