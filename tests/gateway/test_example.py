"""examples/products-service compiled in memory and served: the seed's behaviour end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from corsway.compile import compile_service
from tests.gateway.support import EXAMPLE_DIR, EXAMPLE_TEMPLATE, RunningGateway, running_gateway

LOCAL = "http://127.0.0.1:5173"


def api_resources(template: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in template["Resources"].items()
        if value["Type"].startswith("AWS::ApiGateway::") and "Deployment" not in key
    }


@pytest.fixture(scope="module")
def example() -> Iterator[RunningGateway]:
    result = compile_service(EXAMPLE_DIR, stage="dev", region="us-east-1")
    assert result.warnings == []
    with running_gateway(
        result.template, result.service_dir, function_keys=result.function_keys
    ) as gateway:
        yield gateway


def test_compiled_api_matches_serverless_v3(example: RunningGateway) -> None:
    oracle = json.loads(EXAMPLE_TEMPLATE.read_text())
    compiled = compile_service(EXAMPLE_DIR, stage="dev", region="us-east-1").template
    assert api_resources(compiled) == api_resources(oracle)


def test_get_product_returns_the_seeds_headers(example: RunningGateway) -> None:
    response = example.client.get(example.url + "/product/1", headers={"Origin": LOCAL})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.json() == {"product": {"id": "1", "name": "Espresso cup", "price": 9.5}}
    assert "getProduct" in example.console("/dev/product/1")


def test_create_product_preflight_then_post(example: RunningGateway) -> None:
    preflight = example.client.options(
        example.url + "/product",
        headers={
            "Origin": LOCAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "OPTIONS,POST"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    created = example.client.post(
        example.url + "/product", json={"name": "Tamper"}, headers={"Origin": LOCAL}
    )
    assert created.status_code == 200
    assert created.json()["product"]["name"] == "Tamper"


@pytest.mark.parametrize(
    ("origin", "allow_origin", "credentials"),
    [
        ("https://myfirstorigin.com", "https://myfirstorigin.com", "true"),
        ("http://127.0.0.1:4321", "http://127.0.0.1:4321", "true"),
        ("https://evil.example", "*", None),
    ],
)
def test_account_echoes_only_allowed_origins(
    example: RunningGateway, origin: str, allow_origin: str, credentials: str | None
) -> None:
    response = example.client.get(example.url + "/account", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == allow_origin
    assert response.headers.get("Access-Control-Allow-Credentials") == credentials
    preflight = example.client.options(
        example.url + "/account",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
    )
    expected = origin if credentials else "https://myfirstorigin.com"
    assert preflight.headers["Access-Control-Allow-Origin"] == expected
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"


def test_unknown_route_is_readable_thanks_to_default_4xx(example: RunningGateway) -> None:
    response = example.client.get(example.url + "/nope", headers={"Origin": LOCAL})
    assert response.status_code == 403
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.content == b'{"message":"Missing Authentication Token"}'
