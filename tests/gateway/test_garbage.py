"""No request leaves a reference cycle behind: the garbage collector's pauses would show up as
tail latency under load. Requests are fed to the real HTTP protocol and app (a fake socket),
with real worker processes for the proxy routes."""

from __future__ import annotations

import asyncio
import gc
import io
from typing import Any

import pytest
from uvicorn.server import ServerState

from corsway.gateway.accesslog import Console
from corsway.gateway.rest.served import ServedRestApi
from corsway.gateway.rest.template import build_api
from corsway.gateway.server import GatewayServer
from tests.gateway.support import SERVICE_DIR, FakeSocket, TemplateBuilder, run_async

REQUESTS = {
    "preflight": b"OPTIONS /dev/echo HTTP/1.1\r\nHost: x\r\nOrigin: http://a.test\r\n"
    b"Access-Control-Request-Method: GET\r\n\r\n",
    "proxy": b"GET /dev/echo?q=1 HTTP/1.1\r\nHost: x\r\nOrigin: http://a.test\r\n\r\n",
    "post": b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    "unknown route": b"GET /dev/nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
    "handler exception": b"GET /dev/raises HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad percent-encoding": b"GET /dev/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
}


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_requests_leave_no_cyclic_garbage(kind: str) -> None:
    template = (
        TemplateBuilder()
        .function("echo", "handlers.echo")
        .function("raises", "handlers.raises")
        .proxy("echo", "GET", "echo")
        .proxy("echo", "POST", "echo")
        .proxy("raises", "GET", "raises")
        .preflight("echo")
        .build()
    )
    api = build_api(
        template, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t.json"
    )

    async def main() -> tuple[int, bytes]:
        server = GatewayServer(ServedRestApi(api), Console(io.StringIO(), color=False), port=0)
        config = server.server.config
        config.load()
        loop = asyncio.get_running_loop()
        protocol: Any = config.http_protocol_class(  # type: ignore[call-arg]
            config=config, server_state=ServerState(), app_state={}, _loop=loop
        )
        sock = FakeSocket()
        protocol.connection_made(sock)
        raw = REQUESTS[kind]

        async def one() -> bytes:
            sock.answer = loop.create_future()
            protocol.data_received(raw)
            return await asyncio.wait_for(sock.answer, 10)

        try:
            for _ in range(50):
                answer = await one()
            gc.collect()
            gc.disable()
            try:
                for _ in range(300):
                    await one()
            finally:
                collected = gc.collect()
                gc.enable()
            return collected, answer
        finally:
            await server.aclose_runtimes()
            server.sock.close()

    collected, answer = run_async(main())
    assert answer.startswith(b"HTTP/1.1 ")
    assert collected == 0, f"{collected} objects in reference cycles after 300 requests"
