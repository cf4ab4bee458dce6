"""AWS_PROXY: the payload 1.0 event and the validation of what the handler returns."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator

import pytest

from corsway.gateway.rest.proxy_response import MalformedProxyResponse, render
from tests.gateway.support import RunningGateway, TemplateBuilder, running_gateway

INTERNAL_ERROR = b'{"message": "Internal server error"}'


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    template = (
        TemplateBuilder()
        .function("echo", "handlers.echo")
        .function("returns", "handlers.returns")
        .function("binary", "handlers.binary")
        .proxy("echo/{id}", "ANY", "echo")
        .proxy("returns", "GET", "returns")
        .proxy("binary", "GET", "binary")
        .build()
    )
    template["Resources"]["ApiGatewayRestApi"]["Properties"]["BinaryMediaTypes"] = [
        "image~1png",
        "application/octet-stream",
    ]
    with running_gateway(template) as running:
        yield running


def raw_request(gateway: RunningGateway, request: bytes) -> bytes:
    """Send bytes as they are (header names in mixed case) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def test_event_shape_for_a_plain_get(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/echo/12")
    event = response.json()
    assert list(event) == [
        "resource", "path", "httpMethod", "headers", "multiValueHeaders",
        "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
        "stageVariables", "requestContext", "body", "isBase64Encoded",
    ]  # fmt: skip
    assert event["resource"] == "/echo/{id}"
    assert event["path"] == "/echo/12"
    assert event["httpMethod"] == "GET"
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] == {"id": "12"}
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["path"] == "/dev/echo/12"
    assert context["resourcePath"] == "/echo/{id}"
    assert context["httpMethod"] == "GET"
    assert context["stage"] == "dev"
    assert context["protocol"] == "HTTP/1.1"
    assert context["accountId"] == "123456789012"
    assert len(context["apiId"]) == 10
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["extendedRequestId"] == response.headers["x-amz-apigw-id"]
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["requestTime"].endswith(" +0000")
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"].startswith("python-httpx/")
    assert context["identity"]["user"] is None
    assert "authorizer" not in context
    assert context["domainName"] == f"127.0.0.1:{gateway.server.port}"


def test_query_string_decoding_and_multi_values(gateway: RunningGateway) -> None:
    event = gateway.client.get(
        gateway.url + "/echo/1?plus=test+alias%40gmail.com&enc=%2B1&a=1&a=2&flag"
    ).json()
    assert event["queryStringParameters"] == {
        "plus": "test alias@gmail.com",
        "enc": "+1",
        "a": "2",
        "flag": "",
    }
    assert event["multiValueQueryStringParameters"]["a"] == ["1", "2"]


def test_header_names_reach_the_handler_as_sent(gateway: RunningGateway) -> None:
    answer = raw_request(
        gateway,
        b"GET /dev/echo/1 HTTP/1.1\r\nHost: 127.0.0.1\r\ntEsT-HEADeR: one\r\n"
        b"tEsT-HEADeR: two\r\nauthorization: Bearer x\r\nx_under: 5\r\n"
        b"user-agent: raw-socket\r\nConnection: close\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    event = json.loads(body)
    headers = event["headers"]
    assert headers["tEsT-HEADeR"] == "two"  # last value wins
    assert event["multiValueHeaders"]["tEsT-HEADeR"] == ["one", "two"]
    assert headers["Authorization"] == "Bearer x"  # rewritten in canonical case
    assert headers["User-Agent"] == "raw-socket"
    assert headers["x_under"] == "5"
    assert "Connection" not in headers and "connection" not in headers
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == str(gateway.server.port)
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_response_header_names_go_out_as_the_handler_wrote_them(gateway: RunningGateway) -> None:
    result = {"statusCode": 200, "headers": {"tEsT-Header": "v"}, "body": "ok"}
    value = json.dumps(result).encode()
    answer = raw_request(
        gateway,
        b"GET /dev/returns HTTP/1.1\r\nHost: x\r\nX-Return: " + value + b"\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert b"\r\ntEsT-Header: v\r\n" in answer


def test_post_body_and_content_length_not_in_event(gateway: RunningGateway) -> None:
    event = gateway.client.post(
        gateway.url + "/echo/1", json={"name": "café"}, headers={"Content-Type": "application/json"}
    ).json()
    assert event["body"] == '{"name":"café"}'
    assert event["isBase64Encoded"] is False
    assert "content-length" not in {k.lower() for k in event["headers"]}


def test_binary_request_body_is_base64(gateway: RunningGateway) -> None:
    event = gateway.client.post(
        gateway.url + "/echo/1", content=b"\x00\xff", headers={"Content-Type": "image/png"}
    ).json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_binary_response_decoded_only_when_first_accept_is_binary(
    gateway: RunningGateway,
) -> None:
    decoded = gateway.client.get(gateway.url + "/binary", headers={"Accept": "image/png"})
    assert decoded.content == b"\x89PNG\r\n"
    as_text = gateway.client.get(gateway.url + "/binary", headers={"Accept": "image/*"})
    assert as_text.content == base64.b64encode(b"\x89PNG\r\n")
    second = gateway.client.get(gateway.url + "/binary", headers={"Accept": "text/html, image/png"})
    assert second.content == base64.b64encode(b"\x89PNG\r\n")


def returned(gateway: RunningGateway, result: object):
    return gateway.client.get(gateway.url + "/returns", headers={"X-Return": json.dumps(result)})


@pytest.mark.parametrize(
    ("result", "status", "body"),
    [
        ({"statusCode": 200}, 200, b""),
        ({}, 200, b""),
        ({"statusCode": "201", "body": "made"}, 201, b"made"),
        ({"statusCode": 404, "body": "{}", "headers": None}, 404, b"{}"),
    ],
)
def test_valid_outputs(gateway: RunningGateway, result: object, status: int, body: bytes) -> None:
    response = returned(gateway, result)
    assert response.status_code == status
    assert response.content == body
    assert response.headers["content-type"] == "application/json"
    assert "x-amzn-ErrorType" not in response.headers


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        ("justAString", "returned a str"),
        ([1, 2], "returned a list"),
        ({"statusCode": "test"}, "statusCode 'test' is not an HTTP status code"),
        ({"statusCode": 200, "wrongValue": 1}, "unknown key(s) 'wrongValue'"),
        ({"statusCode": 200, "cookies": ["a=b"]}, "unknown key(s) 'cookies'"),
        ({"statusCode": 200, "body": {"an": "object"}}, "body must be a string"),
        ({"statusCode": 200, "body": 42}, "body must be a string"),
        ({"multiValueHeaders": {"x": "a"}}, "must be a list of strings"),
        ({"headers": {"Access-Control-Max-Age": 600}}, "header values must be strings"),
        ({"headers": ["x"]}, "headers must be an object"),
    ],
)
def test_malformed_outputs_are_502(gateway: RunningGateway, result: object, reason: str) -> None:
    response = returned(gateway, result)
    assert response.status_code == 502
    assert response.content == INTERNAL_ERROR
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert response.headers["content-type"] == "application/json"
    log = gateway.console(reason)
    assert f"malformed Lambda proxy response: the function {reason}" in log or reason in log


def test_header_rendering_rules(gateway: RunningGateway) -> None:
    response = returned(
        gateway,
        {
            "headers": {
                "header-bool": True,
                "off": False,
                "test-multi": "solo",
                "Content-Length": "999",
                "Date": "yesterday",
                "Server": "mine",
                "Transfer-Encoding": "chunked",
                "Content-Type": "text/plain",
            },
            "multiValueHeaders": {"tesT-Multi": ["multi"], "x": ["a", "b"]},
            "body": "hi",
        },
    )
    raw = [(k.decode(), v.decode()) for k, v in response.headers.raw]
    assert ("header-bool", "true") in raw
    assert ("off", "false") in raw
    assert [v for k, v in raw if k == "tesT-Multi"] == ["multi", "solo"]
    assert response.headers["tesT-Multi"] == "multi, solo"
    assert response.headers["x"] == "a, b"
    assert ("x-amzn-Remapped-Content-Length", "999") in raw
    assert ("x-amzn-Remapped-Date", "yesterday") in raw
    assert ("x-amzn-Remapped-Server", "mine") in raw
    assert "transfer-encoding" not in {k.lower() for k, _ in raw}
    assert response.headers["content-length"] == "2"
    assert response.headers["content-type"] == "text/plain"
    assert response.content == b"hi"


def test_handler_cors_headers_pass_through_unchanged(gateway: RunningGateway) -> None:
    response = returned(
        gateway,
        {
            "statusCode": 200,
            "headers": {
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Credentials": True,
            },
            "body": "{}",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_no_cors_headers_are_added_to_proxy_responses(gateway: RunningGateway) -> None:
    response = gateway.client.get(
        gateway.url + "/echo/1", headers={"Origin": "http://localhost:5173"}
    )
    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control")]
    log = gateway.console("CORS blocked")
    assert (
        "CORS blocked for http://localhost:5173: MissingAllowOriginHeader: "
        "No 'Access-Control-Allow-Origin' header is present"
    ) in log


def test_render_unit_rules() -> None:
    assert render(b'{"base64Encoded": false}', accept=None, binary_media_types=()).status == 200
    with pytest.raises(MalformedProxyResponse, match="not JSON"):
        render(b"not json", accept=None, binary_media_types=())
    with pytest.raises(MalformedProxyResponse, match="not an HTTP status code"):
        render(b'{"statusCode": true}', accept=None, binary_media_types=())
    with pytest.raises(MalformedProxyResponse, match="isBase64Encoded must be a boolean"):
        render(b'{"isBase64Encoded": "yes"}', accept=None, binary_media_types=())
    with pytest.raises(MalformedProxyResponse, match="line break"):
        render(b'{"headers": {"x": "a\\r\\nb"}}', accept=None, binary_media_types=())
