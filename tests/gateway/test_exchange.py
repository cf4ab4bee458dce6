"""The front door's two ways in: most requests are answered without an ASGI cycle (`exchange.py`,
`GatewayApp.direct`); pipelined requests behind a running one, chunked bodies and
`Expect: 100-continue` go through uvicorn's ASGI cycle. Both give the same answers, in order."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle
from uvicorn.server import ServerState

from corsway.gateway.accesslog import Console
from corsway.gateway.exchange import Exchange
from corsway.gateway.rest.served import ServedRestApi
from corsway.gateway.rest.template import build_api
from corsway.gateway.server import GatewayServer
from tests.gateway.support import (
    SERVICE_DIR,
    FakeSocket,
    RunningGateway,
    TemplateBuilder,
    run_async,
    running_gateway,
)

TEMPLATE = (
    TemplateBuilder()
    .function("echo", "handlers.echo")
    .function("sleeps", "handlers.sleeps")
    .proxy("echo", "GET", "echo")
    .proxy("echo", "POST", "echo")
    .proxy("sleeps", "GET", "sleeps")
    .preflight("echo", methods="OPTIONS,GET,POST")
    .build()
)


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    with running_gateway(TEMPLATE) as running:
        yield running


def _path_taken(raw: bytes) -> tuple[str, int, bytes]:
    """Feed one request to the real protocol and app (a fake socket): which cycle it ran on
    (`Exchange` or uvicorn's), the ASGI tasks it started, and the answer."""

    async def main() -> tuple[str, int, bytes]:
        api = build_api(
            TEMPLATE, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t.json"
        )
        server = GatewayServer(ServedRestApi(api), Console(io.StringIO(), color=False), port=0)
        config = server.server.config
        config.load()
        loop = asyncio.get_running_loop()
        state = ServerState()
        protocol: Any = config.http_protocol_class(  # type: ignore[call-arg]
            config=config, server_state=state, app_state={}, _loop=loop
        )
        sock = FakeSocket()
        protocol.connection_made(sock)
        sock.answer = loop.create_future()
        try:
            protocol.data_received(raw)
            kind = type(protocol.cycle).__name__
            tasks = len(state.tasks)
            return kind, tasks, await asyncio.wait_for(sock.answer, 10)
        finally:
            await server.aclose_runtimes()
            server.sock.close()

    return run_async(main())


@pytest.mark.parametrize(
    "raw",
    [
        b"OPTIONS /dev/echo HTTP/1.1\r\nHost: x\r\nOrigin: http://a.test\r\n"
        b"Access-Control-Request-Method: GET\r\n\r\n",
        b"GET /dev/echo?q=1 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        b"GET /dev/nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
    ids=["preflight", "proxied GET", "POST with Content-Length", "no route"],
)
def test_most_requests_run_without_an_asgi_task(raw: bytes) -> None:
    kind, tasks, answer = _path_taken(raw)
    assert kind == Exchange.__name__
    assert tasks == 0
    assert answer.startswith(b"HTTP/1.1 ")


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n",
        b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
        b"\r\nhello",
    ],
    ids=["chunked body", "Expect: 100-continue"],
)
def test_chunked_bodies_and_expect_continue_take_the_asgi_cycle(raw: bytes) -> None:
    kind, tasks, answer = _path_taken(raw)
    assert kind == RequestResponseCycle.__name__
    assert tasks == 1
    assert answer.startswith(b"HTTP/1.1 ")


def _talk(gateway: RunningGateway, *parts: bytes, expect: int, pause: float = 0.0) -> bytes:
    """Send `parts` on one connection; read until `expect` responses have arrived."""
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=10) as sock:
        received = b""
        for index, part in enumerate(parts):
            if index and pause:
                time.sleep(pause)
            sock.sendall(part)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _complete(received) < expect:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def _complete(data: bytes) -> int:
    """How many whole responses (with Content-Length) `data` holds."""
    count = 0
    while True:
        head, found, rest = data.partition(b"\r\n\r\n")
        if not found:
            return count
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if head.startswith(b"HTTP/1.1 100"):
            data = rest
            continue
        if len(rest) < length:
            return count
        count += 1
        data = rest[length:]


def _bodies(data: bytes) -> list[dict[str, Any]]:
    bodies = []
    for part in data.split(b"HTTP/1.1 ")[1:]:
        if part.startswith(b"100"):
            continue
        bodies.append(json.loads(part.partition(b"\r\n\r\n")[2] or b"null"))
    return bodies


def test_a_pipeline_mixing_both_ways_is_answered_in_order(gateway: RunningGateway) -> None:
    """A chunked POST (ASGI), a GET queued behind it (ASGI), then, once both are answered, a
    GET on the same connection that takes the direct path: three answers in request order."""
    pipelined = (
        b"POST /dev/echo?n=0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n"
        b"GET /dev/echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    later = b"GET /dev/echo?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"
    received = _talk(gateway, pipelined, later, expect=3, pause=0.5)
    bodies = _bodies(received)
    assert [b["queryStringParameters"]["n"] for b in bodies] == ["0", "1", "2"]
    assert bodies[0]["body"] == "abc"


def test_expect_continue_gets_100_then_the_answer(gateway: RunningGateway) -> None:
    head = (
        b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
    )
    received = _talk(gateway, head, b"hello", expect=1, pause=0.3)
    assert received.startswith(b"HTTP/1.1 100 Continue\r\n")
    assert _bodies(received)[0]["body"] == "hello"


def test_a_client_gone_before_the_answer_is_logged_and_the_gateway_serves_on(
    gateway: RunningGateway,
) -> None:
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=5) as sock:
        sock.sendall(b"GET /dev/sleeps?s=0.3 HTTP/1.1\r\nHost: x\r\n\r\n")
    line = gateway.last_line("GET /dev/sleeps?s=0.3", "200")
    assert "sleeps" in line
    assert "internal error" not in gateway.console()
    again = gateway.client.get(gateway.url + "/echo", params={"n": "3"})
    assert again.status_code == 200


def test_a_target_with_raw_non_ascii_bytes_is_a_400(gateway: RunningGateway) -> None:
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=5) as sock:
        sock.sendall(b"GET /dev/echo/\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in answer.lower()


def test_origin_form_targets_are_split_as_the_url_parser_splits_them(
    gateway: RunningGateway,
) -> None:
    """The direct path splits `/path?query` itself; what reaches the function is the same."""
    cases = [b"/dev/echo?b=1&c", b"/dev/echo?", b"/dev/echo??x", b"/dev/echo?x=%20"]
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=5) as sock:
        for target in cases:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target)
        received = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _complete(received) < len(cases):
            received += sock.recv(65536)
    events = _bodies(received)
    assert [event["requestContext"]["path"] for event in events] == ["/dev/echo"] * 4
    queries = [event["queryStringParameters"] for event in events]
    assert queries == [{"b": "1", "c": ""}, None, {"?x": ""}, {"x": " "}]
