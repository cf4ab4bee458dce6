"""Payload 2.0 and 1.0 on an HTTP API (fact sheet §3.1-§3.3): the events the function gets and
what the gateway makes of its result; failures, malformed results and the timeout."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator

import pytest

from corsway.gateway.httpapi.results import MalformedResult, render_v1, render_v2
from tests.gateway.httpapi.support import HttpTemplate, Served, serving

INTERNAL = b'{"message":"Internal Server Error"}'


@pytest.fixture(scope="module")
def gateway() -> Iterator[Served]:
    template = (
        HttpTemplate()
        .function("echo", "handlers.echo")
        .function("echoV1", "handlers.echo_v1", payload="1.0")
        .function("returns", "handlers.returns")
        .function("returnsV1", "handlers.returns", payload="1.0")
        .function("raw", "handlers.raw")
        .function("binary", "handlers.binary")
        .function("fails", "handlers.fails")
        .function("sleeps", "handlers.sleeps", timeout=10, timeout_ms=1000)
        .route("ANY /echo/{id}", "echo")
        .route("ANY /v1/{id}", "echoV1")
        .route("GET /returns", "returns")
        .route("GET /returns-v1", "returnsV1")
        .route("GET /raw", "raw")
        .route("GET /binary", "binary")
        .route("GET /fails", "fails")
        .route("GET /sleeps", "sleeps")
        .build()
    )
    with serving(template) as served:
        yield served


def test_payload_2_event(gateway: Served) -> None:
    response = gateway.client.post(
        gateway.url + "/echo/a%20b?b=2&a=1&a=x%20y&flag",
        headers=[
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Cookie", "a=1; b=2"),
            ("Cookie", "c=3"),
            ("Content-Type", "application/json"),
            ("User-Agent", "tester/1"),
        ],
        content=b'{"n": 1}',
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    event = response.json()
    assert list(event) == [
        "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
        "queryStringParameters", "requestContext", "body", "pathParameters", "isBase64Encoded",
    ]  # fmt: skip
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /echo/{id}"
    assert event["rawPath"] == "/echo/a%20b"
    assert event["rawQueryString"] == "b=2&a=1&a=x%20y&flag"
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    headers = event["headers"]
    assert headers["x-multi"] == "one,two"
    assert "cookie" not in headers
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "tester/1"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == str(gateway.server.port)
    assert headers["x-amzn-trace-id"].startswith("Root=1-")
    assert all(name == name.lower() for name in headers)
    assert event["queryStringParameters"] == {"b": "2", "a": "1,x y", "flag": ""}
    assert event["pathParameters"] == {"id": "a b"}
    assert event["body"] == '{"n": 1}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert list(context) == [
        "accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey",
        "stage", "time", "timeEpoch",
    ]  # fmt: skip
    assert context["http"] == {
        "method": "POST",
        "path": "/echo/a%20b",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "tester/1",
    }
    assert context["stage"] == "$default"
    assert context["routeKey"] == "ANY /echo/{id}"
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert context["domainName"] == f"127.0.0.1:{gateway.server.port}"
    assert context["domainPrefix"] == "127"
    assert context["accountId"] == "123456789012"


def test_payload_2_event_leaves_out_what_is_empty(gateway: Served) -> None:
    event = gateway.client.get(gateway.url + "/echo/1").json()
    for absent in ("cookies", "queryStringParameters", "body", "stageVariables"):
        assert absent not in event
    assert event["rawQueryString"] == ""


def test_binary_and_form_bodies_are_base64(gateway: Served) -> None:
    for content_type in ("application/octet-stream", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        event = gateway.client.post(
            gateway.url + "/echo/1", content=b"a=1&b=\xff", headers=headers
        ).json()
        assert event["isBase64Encoded"] is True, content_type
        assert base64.b64decode(event["body"]) == b"a=1&b=\xff"
    event = gateway.client.post(
        gateway.url + "/echo/1", content=b"hi", headers={"Content-Type": "text/plain"}
    ).json()
    assert (event["body"], event["isBase64Encoded"]) == ("hi", False)


def test_payload_1_event(gateway: Served) -> None:
    response = gateway.client.get(
        gateway.url + "/v1/7?a=1&a=2",
        headers=[("X-Multi", "one"), ("X-Multi", "two")],
    )
    event = json.loads(response.text)
    assert event["version"] == "1.0"
    assert event["resource"] == "/v1/{id}"
    assert event["path"] == "/v1/7"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["x-multi"] == "two"
    assert event["multiValueHeaders"]["x-multi"] == ["one", "two"]
    assert event["queryStringParameters"] == {"a": "2"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] is None
    assert event["body"] is None
    context = event["requestContext"]
    assert context["stage"] == "$default"
    assert context["resourceId"] is None
    assert context["resourcePath"] == "/v1/{id}"
    assert context["authorizer"] == {"claims": None, "scopes": None}
    assert context["requestId"] == response.headers["apigw-requestid"]


@pytest.mark.parametrize(
    ("result", "status", "headers", "body"),
    [
        ({"message": "hi"}, 200, {"content-type": "application/json"}, b'{"message": "hi"}'),
        ([1, 2], 200, {"content-type": "application/json"}, b"[1, 2]"),
        ({"statusCode": 201, "body": "made"}, 201, {"content-type": "application/json"}, b"made"),
        (
            {"statusCode": 200, "headers": {"Content-Type": "text/plain", "X-N": 5}, "body": "t"},
            200,
            {"content-type": "text/plain", "x-n": "5"},
            b"t",
        ),
        ({"statusCode": 204, "unknown": "ignored"}, 204, {}, b""),
        (
            {
                "statusCode": 200,
                "body": base64.b64encode(b"\x00\x01").decode(),
                "isBase64Encoded": True,
            },
            200,
            {},
            b"\x00\x01",
        ),
    ],
)
def test_payload_2_results(
    gateway: Served, result: object, status: int, headers: dict[str, str], body: bytes
) -> None:
    response = gateway.client.get(
        gateway.url + "/returns", headers={"x-return": json.dumps(result)}
    )
    assert response.status_code == status
    assert response.content == body
    for name, value in headers.items():
        assert response.headers[name] == value


def test_string_result_is_the_body(gateway: Served) -> None:
    response = gateway.client.get(gateway.url + "/raw", headers={"x-return": "Hello"})
    assert response.status_code == 200
    assert response.text == "Hello"
    assert response.headers["content-type"] == "application/json"


def test_cookies_become_set_cookie_lines(gateway: Served) -> None:
    result = {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": "c"}
    response = gateway.client.get(
        gateway.url + "/returns", headers={"x-return": json.dumps(result)}
    )
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]


def test_binary_result(gateway: Served) -> None:
    response = gateway.client.get(gateway.url + "/binary")
    assert response.content == b"\x89PNG\r\n"
    assert response.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200", "body": "x"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": {"x": {"a": 1}}},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
        {"statusCode": 99},
        {"statusCode": 200, "cookies": "a=1"},
    ],
)
def test_malformed_results_are_500(gateway: Served, result: object) -> None:
    response = gateway.client.get(
        gateway.url + "/returns", headers={"x-return": json.dumps(result)}
    )
    assert response.status_code == 500
    assert response.content == INTERNAL
    assert response.headers["content-type"] == "application/json"
    gateway.last_line("GET /returns  500", "malformed Lambda result (payload 2.0)")


def test_payload_1_results(gateway: Served) -> None:
    result = {
        "statusCode": 202,
        "headers": {"X-One": "a", "X-Both": "single"},
        "multiValueHeaders": {"X-Both": ["m1", "m2"]},
        "body": "v1",
        "extra": True,
    }
    response = gateway.client.get(
        gateway.url + "/returns-v1", headers={"x-return": json.dumps(result)}
    )
    assert response.status_code == 202
    assert response.text == "v1"
    assert response.headers["x-one"] == "a"
    assert response.headers.get_list("x-both") == ["m1", "m2"]
    bad = gateway.client.get(gateway.url + "/returns-v1", headers={"x-return": '"text"'})
    assert bad.status_code == 500
    assert bad.content == INTERNAL


def test_function_error_is_500_with_the_traceback_on_the_console(gateway: Served) -> None:
    response = gateway.client.get(gateway.url + "/fails")
    assert response.status_code == 500
    assert response.content == INTERNAL
    console = gateway.console("the handler failed on purpose", count=2)
    assert "ValueError" in console
    assert "GET /fails  500" in console


def test_integration_timeout_is_503(gateway: Served) -> None:
    response = gateway.client.get(gateway.url + "/sleeps?s=3")
    assert response.status_code == 503
    assert response.content == b'{"message":"Service Unavailable"}'
    gateway.last_line("GET /sleeps?s=3  503", "1 s integration timeout")


def test_render_functions_directly() -> None:
    assert render_v2(b'"x"').body == b"x"
    assert render_v2(b"null").body == b"null"
    rendered = render_v2(
        b'{"statusCode": 200, "headers": {"content-length": "9", "Connection": "x"}, "body": ""}'
    )
    assert rendered.headers == [("Content-Type", "application/json")]
    with pytest.raises(MalformedResult, match="not JSON"):
        render_v2(b"{")
    with pytest.raises(MalformedResult, match="statusCode"):
        render_v1(b'{"statusCode": true}')


def test_front_door_limits_apply_to_http_api_routes(gateway: Served) -> None:
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=10) as sock:
        sock.sendall(
            b"POST /echo/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10485761\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b"HTTP content length exceeded 10485760 bytes.")
    big = gateway.client.post(
        gateway.url + "/echo/1",
        content=b"a" * (7 * 1024 * 1024),
        headers={"Content-Type": "text/plain"},
    )
    assert big.status_code == 413
    assert big.content == b'{"message":"Request Entity Too Large"}'
    gateway.last_line("POST /echo/1  413", "a synchronous invocation takes at most")
