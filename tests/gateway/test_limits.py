"""Size limits: the 10 MB front door and Lambda's 6 MB payloads."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.gateway.support import RunningGateway, TemplateBuilder, running_gateway

TEN_MB = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    template = (
        TemplateBuilder()
        .function("echo", "handlers.echo")
        .function("big", "handlers.big_response")
        .proxy("echo", "POST", "echo")
        .proxy("big", "GET", "big")
        .preflight("echo", methods="OPTIONS,POST")
        .gateway_response("DEFAULT_4XX", parameters={"Access-Control-Allow-Origin": "'*'"})
        .build()
    )
    with running_gateway(template) as running:
        yield running


def test_body_over_10_mb_is_a_plain_text_413_without_cors(gateway: RunningGateway) -> None:
    response = gateway.client.post(
        gateway.url + "/echo", content=b"x" * (TEN_MB + 1), headers={"Origin": "http://a.test"}
    )
    assert response.status_code == 413
    assert response.content == b"HTTP content length exceeded 10485760 bytes."
    assert response.headers["content-type"] == "text; charset=utf-8"
    assert "access-control-allow-origin" not in response.headers
    assert "x-amzn-RequestId" not in response.headers
    assert "10 MB limit" in gateway.console("10 MB")


def test_chunked_body_over_10_mb_is_refused_while_reading(gateway: RunningGateway) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(11):
            yield b"y" * (1024 * 1024)

    response = gateway.client.post(gateway.url + "/echo", content=chunks())
    assert response.status_code == 413


def test_declared_length_over_10_mb_is_refused_before_the_body(gateway: RunningGateway) -> None:
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n" + b"z" * 100
        )
        answer = b""
        while not answer.endswith(b"bytes.") and (data := sock.recv(4096)):
            answer += data
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b"HTTP content length exceeded 10485760 bytes.")


def test_lambda_event_over_6_mb_is_413_request_too_long(gateway: RunningGateway) -> None:
    response = gateway.client.post(
        gateway.url + "/echo", content=b"a" * (7 * 1024 * 1024), headers={"Origin": "http://a.test"}
    )
    assert response.status_code == 413
    assert response.content == b'{"message": "Request Too Long"}'
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"
    # REQUEST_TOO_LARGE cannot be customised: DEFAULT_4XX does not decorate it.
    assert "access-control-allow-origin" not in response.headers


def test_body_under_6_mb_reaches_the_function(gateway: RunningGateway) -> None:
    response = gateway.client.post(gateway.url + "/echo", content=b"b" * (5 * 1024 * 1024))
    assert response.status_code == 200
    assert len(response.json()["body"]) == 5 * 1024 * 1024


def test_lambda_response_over_6_mb_is_502(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/big")
    assert response.status_code == 502
    assert response.content == b'{"message": "Internal server error"}'
    assert "exceeded maximum allowed payload size (6291556 bytes)" in gateway.console("6291556")
