"""The seed's examples (examples/seed-node, examples/seed-python) over real HTTP: exact statuses,
headers and bodies, and what the seed's texts do exactly as published."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from corsway.compile import compile_service
from corsway.gateway.loader import check_functions, compile_and_load
from tests.gateway.node_support import requires_node
from tests.gateway.seed_examples import (
    CREDENTIALS,
    MIDDY,
    PUBLISHED_CREDENTIALS_HANDLER,
    PUBLISHED_CREDENTIALS_SHA256,
    SEED_PYTHON,
    TLDR,
    published_copy,
    published_tldr_handler,
    requires_middy,
    serve_example,
)
from tests.gateway.support import RunningGateway

INTERNAL_ERROR = b'{"message": "Internal server error"}'
ORIGIN = "http://localhost:5173"


def cors_headers(response_headers: object) -> dict[str, str]:
    items = response_headers.multi_items()  # type: ignore[attr-defined]
    return {k.lower(): v for k, v in items if k.lower().startswith("access-control-")}


@pytest.fixture(scope="module")
def tldr() -> Iterator[RunningGateway]:
    with serve_example(TLDR) as gateway:
        yield gateway


@requires_node
def test_tldr_get_returns_the_seeds_headers(tldr: RunningGateway) -> None:
    response = tldr.client.get(tldr.url + "/product/1", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.json() == {"product": {"id": "1", "name": "Espresso cup", "price": 9.5}}
    assert cors_headers(response.headers) == {
        "access-control-allow-origin": "*",
        "access-control-allow-credentials": "true",
    }


@requires_node
def test_tldr_post_and_its_preflight(tldr: RunningGateway) -> None:
    preflight = tldr.client.options(
        tldr.url + "/product",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert cors_headers(preflight.headers) == {
        "access-control-allow-origin": "*",
        "access-control-allow-headers": (
            "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,"
            "X-Amz-User-Agent,X-Amzn-Trace-Id"
        ),
        "access-control-allow-methods": "OPTIONS,POST",
    }
    response = tldr.client.post(
        tldr.url + "/product", json={"name": "Tamper"}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    assert response.json() == {"product": {"id": "3", "name": "Tamper"}}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@requires_node
def test_tldr_old_runtime_gets_one_start_up_line() -> None:
    loaded = compile_and_load(TLDR, stage="dev", region="us-east-1")
    notes = check_functions(loaded.api, loaded.source)
    assert len(notes) == 1
    assert notes[0].startswith("runtime nodejs6.10 (getProduct, createProduct) runs on the ")


@requires_node
def test_tldr_handler_exactly_as_published_gives_api_gateways_502(tmp_path: Path) -> None:
    service = published_copy(TLDR, tmp_path, published_tldr_handler())
    with serve_example(service) as gateway:
        response = gateway.client.get(gateway.url + "/product/1", headers={"Origin": ORIGIN})
        assert response.status_code == 502
        assert response.content == INTERNAL_ERROR
        assert "Access-Control-Allow-Origin" not in response.headers
        log = gateway.console("ReferenceError: retrieveProduct is not defined")
        assert "the handler raised ReferenceError: retrieveProduct is not defined" in log
        assert "at module.exports.getProduct (" in log
        response = gateway.client.post(gateway.url + "/product", json={"name": "x"})
        assert response.status_code == 502
        assert "ReferenceError: createProduct is not defined" in gateway.console(
            "createProduct is not defined"
        )


@requires_node
@requires_middy
def test_middy_hello_gets_its_cors_header_from_the_middleware() -> None:
    with serve_example(MIDDY) as gateway:
        response = gateway.client.get(gateway.url + "/hello", headers={"Origin": ORIGIN})
        assert response.status_code == 200
        assert response.text == "Hello, world!"
        assert cors_headers(response.headers) == {"access-control-allow-origin": "*"}
        assert f"CORS ok for {ORIGIN}" in gateway.console("CORS ok")


@pytest.fixture(scope="module")
def credentials() -> Iterator[RunningGateway]:
    with serve_example(CREDENTIALS) as gateway:
        yield gateway


@requires_node
@pytest.mark.parametrize(
    "origin_header", ["Origin", "origin"]
)  # HTTP/1.1 browsers send `Origin`, HTTP/2 `origin`
@pytest.mark.parametrize("origin", ["https://myfirstorigin.com", "https://mysecondorigin.com"])
def test_credentials_example_echoes_an_allowed_origin(
    credentials: RunningGateway, origin: str, origin_header: str
) -> None:
    response = credentials.client.get(
        credentials.url + "/product/7", headers={origin_header: origin}
    )
    assert response.status_code == 200
    assert cors_headers(response.headers) == {
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
    }
    assert response.json()["product"]["id"] == "7"


@requires_node
def test_credentials_example_answers_star_to_other_origins(credentials: RunningGateway) -> None:
    response = credentials.client.get(credentials.url + "/product/7", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert cors_headers(response.headers) == {"access-control-allow-origin": "*"}


@requires_node
def test_credentials_preflight_echoes_the_allowed_origin(credentials: RunningGateway) -> None:
    response = credentials.client.options(
        credentials.url + "/product/7",
        headers={"Origin": "https://mysecondorigin.com", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    headers = cors_headers(response.headers)
    assert headers["access-control-allow-origin"] == "https://mysecondorigin.com"
    assert headers["access-control-allow-credentials"] == "true"


@requires_node
def test_credentials_handler_as_published_does_not_load(tmp_path: Path) -> None:
    digest = hashlib.sha256(PUBLISHED_CREDENTIALS_HANDLER.encode()).hexdigest()
    assert digest == PUBLISHED_CREDENTIALS_SHA256
    service = published_copy(CREDENTIALS, tmp_path, PUBLISHED_CREDENTIALS_HANDLER)
    loaded = compile_and_load(service, stage="dev", region="us-east-1")
    notes = check_functions(loaded.api, loaded.source)
    assert notes == [
        f"function getProduct: handler 'handler.getProduct': {service}/handler.js cannot be "
        "loaded: Runtime.UserCodeSyntaxError: SyntaxError: Unexpected token '{'; its requests "
        "answer 502 until it loads"
    ]
    with serve_example(service) as gateway:
        response = gateway.client.get(gateway.url + "/product/7")
        assert response.status_code == 502
        assert response.content == INTERNAL_ERROR
        log = gateway.console("UserCodeSyntaxError")
        assert "the handler could not be loaded: Runtime.UserCodeSyntaxError" in log


def test_lambda_decorators_hello_gets_its_cors_header() -> None:
    with serve_example(SEED_PYTHON) as gateway:
        response = gateway.client.get(gateway.url + "/hello", headers={"Origin": ORIGIN})
        assert response.status_code == 200
        assert response.text == "Hello, world!"
        assert cors_headers(response.headers) == {"access-control-allow-origin": "*"}


def test_every_example_compiles_without_errors() -> None:
    for service in (TLDR, MIDDY, CREDENTIALS, SEED_PYTHON):
        result = compile_service(service, stage="dev", region="us-east-1")
        assert result.template["Resources"], service
