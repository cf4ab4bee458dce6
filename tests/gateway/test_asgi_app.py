"""The gateway's ASGI app under another server (no corsway extensions): the standard messages."""

from __future__ import annotations

import io

import httpx

from corsway.gateway.accesslog import Console
from corsway.gateway.asgi import GatewayApp
from corsway.gateway.rest.pipeline import Gateway
from corsway.gateway.rest.template import build_api
from tests.gateway.support import SERVICE_DIR, TemplateBuilder, run_async


def app() -> GatewayApp:
    template = TemplateBuilder().preflight("items", origin="https://app.test").build()
    api = build_api(
        template, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t.json"
    )
    console = Console(io.StringIO(), color=False)
    return GatewayApp(Gateway(api, {}, console), console)


def request(method: str, path: str, **kwargs: object) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app())
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            return await client.request(method, path, **kwargs)  # type: ignore[arg-type]

    return run_async(send())


def test_a_preflight_through_plain_asgi_messages() -> None:
    response = request(
        "OPTIONS",
        "/dev/items",
        headers={"Origin": "https://app.test", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.test"
    assert response.headers["content-length"] == "0"
    assert len(response.headers["x-amzn-RequestId"]) == 36


def test_a_gateway_response_through_plain_asgi_messages() -> None:
    response = request("GET", "/dev/nowhere")
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_invalid_percent_encoding_through_plain_asgi_messages() -> None:
    response = request("GET", "/dev/items%zz")
    assert response.status_code == 400
    assert response.content == b"Bad Request: invalid percent-encoding in the path"
